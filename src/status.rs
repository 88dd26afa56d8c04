//! The four row statuses and the three summary labels, with the symbols the doc uses.
//!
//! ✅ definition and workload (or, in a 3-state doc, just the definition), 🟡 definition
//! without workload (4-state docs only), ❌ missing, — unmapped (a module with no definition).
//!
//! A leaf: `dataset` decides statuses and `doc` writes them, so neither may own them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ready,
    NoWorkload,
    Missing,
    Unmapped,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Ready,
        Status::NoWorkload,
        Status::Missing,
        Status::Unmapped,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Status::Ready => "✅",
            Status::NoWorkload => "🟡",
            Status::Missing => "❌",
            Status::Unmapped => "—",
        }
    }

    /// The status whose symbol starts `cell` (an optional U+FE0F variation selector is part of
    /// the symbol), with the byte length of that symbol.
    pub fn leading(cell: &str) -> Option<(Status, usize)> {
        Status::ALL.into_iter().find_map(|status| {
            let rest = cell.strip_prefix(status.symbol())?;
            let selector = if rest.starts_with('\u{fe0f}') { 3 } else { 0 };
            Some((status, status.symbol().len() + selector))
        })
    }

    pub fn is_present(self) -> bool {
        matches!(self, Status::Ready | Status::NoWorkload)
    }
}

/// A model's line in the summary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum SummaryLabel {
    FullyCovered,
    Partial,
    NotCovered,
}

impl SummaryLabel {
    pub const ALL: [SummaryLabel; 3] = [
        SummaryLabel::FullyCovered,
        SummaryLabel::Partial,
        SummaryLabel::NotCovered,
    ];

    pub fn text(self) -> &'static str {
        match self {
            SummaryLabel::FullyCovered => "✅ Fully covered",
            SummaryLabel::Partial => "🟡 Partial",
            SummaryLabel::NotCovered => "❌ Not covered",
        }
    }

    /// ❌ when no concrete row is present, ✅ when every status row is ✅, else 🟡.
    pub fn judge(any_concrete_present: bool, every_row_ready: bool) -> SummaryLabel {
        if !any_concrete_present {
            SummaryLabel::NotCovered
        } else if every_row_ready {
            SummaryLabel::FullyCovered
        } else {
            SummaryLabel::Partial
        }
    }

    /// The label a summary cell shows, judged by its leading symbol.
    pub fn from_cell(cell: &str) -> Option<SummaryLabel> {
        match Status::leading(cell)?.0 {
            Status::Ready => Some(SummaryLabel::FullyCovered),
            Status::NoWorkload => Some(SummaryLabel::Partial),
            Status::Missing => Some(SummaryLabel::NotCovered),
            Status::Unmapped => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_symbols() {
        assert_eq!(Status::leading("✅ (if x)"), Some((Status::Ready, 3)));
        assert_eq!(Status::leading("✅\u{fe0f}"), Some((Status::Ready, 6)));
        assert_eq!(Status::leading("🟡"), Some((Status::NoWorkload, 4)));
        assert_eq!(Status::leading("— (arch)"), Some((Status::Unmapped, 3)));
        assert_eq!(Status::leading("N/A"), None);
    }
}
