//! The hidden marker that tells a generated section from one people wrote.
//!
//! `{/* track-models: hf_repo_id=Qwen/Qwen3-8B fingerprint=… tp=1,2 ep=1 */}` — an MDX
//! comment (MDX rejects `<!-- -->`), one line, placed right under the section heading.
//! Sections without it were written by people: the bot only refreshes their statuses.
//!
//! The marker is read once into typed fields ([`GeneratedMarker`]); a field this version does
//! not know is kept (in order) so that a marker written by a newer version is not taken for
//! the one this version would write.

pub const PREFIX: &str = "{/* track-models:";
pub const SUFFIX: &str = "*/}";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneratedMarker {
    /// 0-based line index.
    pub line: usize,
    pub hf_repo_id: Option<String>,
    /// The architecture fingerprint the section was derived from.
    pub fingerprint: Option<String>,
    /// Attention TP sizes (`tp=1,2`); `None` when absent or not a list of numbers.
    pub tp: Option<Vec<u32>>,
    /// EP sizes (`ep=8`).
    pub ep: Option<Vec<u32>>,
    /// `config=unavailable`: the section says the config could not be read.
    pub config_unavailable: bool,
    /// Fields this version does not know, in the order written.
    pub other: Vec<(String, String)>,
}

impl GeneratedMarker {
    pub fn parse(line: &str, index: usize) -> Option<GeneratedMarker> {
        let body = line
            .trim()
            .strip_prefix(PREFIX)?
            .strip_suffix(SUFFIX)?
            .trim();
        let mut marker = GeneratedMarker {
            line: index,
            ..GeneratedMarker::default()
        };
        for (key, value) in body.split_whitespace().filter_map(|p| p.split_once('=')) {
            match key {
                "hf_repo_id" => marker.hf_repo_id = Some(value.to_string()),
                "fingerprint" => marker.fingerprint = Some(value.to_string()),
                "tp" => marker.tp = sizes(value),
                "ep" => marker.ep = sizes(value),
                "config" if value == "unavailable" => marker.config_unavailable = true,
                _ => marker.other.push((key.to_string(), value.to_string())),
            }
        }
        Some(marker)
    }

    /// The marker of a section this run derives (it has no line yet).
    pub fn derived(hf_repo_id: &str, fingerprint: String, tp: &[u32], ep: &[u32]) -> Self {
        GeneratedMarker {
            hf_repo_id: Some(hf_repo_id.to_string()),
            fingerprint: Some(fingerprint),
            tp: Some(tp.to_vec()),
            ep: Some(ep.to_vec()),
            ..GeneratedMarker::default()
        }
    }

    /// The marker of a section whose config could not be read.
    pub fn unavailable(hf_repo_id: &str) -> Self {
        GeneratedMarker {
            hf_repo_id: Some(hf_repo_id.to_string()),
            config_unavailable: true,
            ..GeneratedMarker::default()
        }
    }

    pub fn hf_repo_id(&self) -> Option<&str> {
        self.hf_repo_id.as_deref()
    }

    /// Whether two markers say the same (wherever they stand and however they were spaced).
    pub fn same_content(&self, other: &GeneratedMarker) -> bool {
        self.hf_repo_id == other.hf_repo_id
            && self.fingerprint == other.fingerprint
            && self.tp == other.tp
            && self.ep == other.ep
            && self.config_unavailable == other.config_unavailable
            && self.other == other.other
    }

    /// Renders the marker line (without a line terminator). Values never contain whitespace or
    /// `*/`: repo ids and fingerprints are checked before they get here.
    pub fn render(&self) -> String {
        let mut line = String::from(PREFIX);
        let mut field = |key: &str, value: &str| {
            line.push(' ');
            line.push_str(key);
            line.push('=');
            line.push_str(value);
        };
        if let Some(repo) = &self.hf_repo_id {
            field("hf_repo_id", repo);
        }
        if let Some(fingerprint) = &self.fingerprint {
            field("fingerprint", fingerprint);
        }
        if let Some(tp) = &self.tp {
            field("tp", &join(tp));
        }
        if let Some(ep) = &self.ep {
            field("ep", &join(ep));
        }
        if self.config_unavailable {
            field("config", "unavailable");
        }
        for (key, value) in &self.other {
            field(key, value);
        }
        line.push(' ');
        line.push_str(SUFFIX);
        line
    }
}

/// `1,2` → `[1, 2]`; anything else is no list.
fn sizes(value: &str) -> Option<Vec<u32>> {
    value.split(',').map(|s| s.trim().parse().ok()).collect()
}

fn join(values: &[u32]) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let marker = GeneratedMarker::derived("Qwen/Qwen3-8B", "ab12".into(), &[1, 2], &[1]);
        let line = marker.render();
        assert_eq!(
            line,
            "{/* track-models: hf_repo_id=Qwen/Qwen3-8B fingerprint=ab12 tp=1,2 ep=1 */}"
        );
        assert_eq!(
            GeneratedMarker::unavailable("o/m").render(),
            "{/* track-models: hf_repo_id=o/m config=unavailable */}"
        );
        let parsed = GeneratedMarker::parse(&line, 3).unwrap();
        assert_eq!(parsed.hf_repo_id(), Some("Qwen/Qwen3-8B"));
        assert_eq!(parsed.tp, Some(vec![1, 2]));
        assert_eq!(parsed.line, 3);
        assert!(parsed.same_content(&marker));
        assert!(GeneratedMarker::parse("{/* a note */}", 0).is_none());
    }

    #[test]
    fn fields_are_typed_once_and_unknown_ones_kept() {
        let line = "{/* track-models: hf_repo_id=o/m fingerprint=ab12 tp=1,x ep=8 config=unavailable note=new */}";
        let marker = GeneratedMarker::parse(line, 0).unwrap();
        assert_eq!(marker.fingerprint.as_deref(), Some("ab12"));
        assert_eq!(marker.tp, None);
        assert_eq!(marker.ep, Some(vec![8]));
        assert!(marker.config_unavailable);
        assert_eq!(marker.other, [("note".to_string(), "new".to_string())]);
        // The same fields in another order and spacing say the same.
        let reordered = GeneratedMarker::parse(
            "  {/* track-models:  note=new ep=8 config=unavailable tp=1,x fingerprint=ab12 hf_repo_id=o/m */}",
            9,
        )
        .unwrap();
        assert!(reordered.same_content(&marker));
        let other = GeneratedMarker::parse("{/* track-models: hf_repo_id=o/m */}", 0).unwrap();
        assert!(!other.same_content(&marker));
        // Only `config=unavailable` says so; another value is kept as written.
        let available =
            GeneratedMarker::parse("{/* track-models: config=available */}", 0).unwrap();
        assert!(!available.config_unavailable);
        assert_eq!(
            available.other,
            [("config".to_string(), "available".to_string())]
        );
    }
}
