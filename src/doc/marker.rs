//! The hidden marker that tells a generated section from one people wrote.
//!
//! `{/* track-models: hf_repo_id=Qwen/Qwen3-8B fingerprint=… tp=1,2 ep=1 */}` — an MDX
//! comment (MDX rejects `<!-- -->`), one line, placed right under the section heading.
//! Sections without it were written by people: the bot only refreshes their statuses.

pub const PREFIX: &str = "{/* track-models:";
pub const SUFFIX: &str = "*/}";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GeneratedMarker {
    /// 0-based line index.
    pub line: usize,
    /// `key=value` pairs in the order written.
    pub fields: Vec<(String, String)>,
}

impl GeneratedMarker {
    pub fn parse(line: &str, index: usize) -> Option<GeneratedMarker> {
        let body = line
            .trim()
            .strip_prefix(PREFIX)?
            .strip_suffix(SUFFIX)?
            .trim();
        let fields = body
            .split_whitespace()
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                Some((key.to_string(), value.to_string()))
            })
            .collect();
        Some(GeneratedMarker {
            line: index,
            fields,
        })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn hf_repo_id(&self) -> Option<&str> {
        self.get("hf_repo_id")
    }

    /// Renders the marker line (without a line terminator). Values never contain whitespace or
    /// `*/`: repo ids and fingerprints are checked before they get here.
    pub fn render(fields: &[(&str, String)]) -> String {
        let mut line = String::from(PREFIX);
        for (key, value) in fields {
            line.push(' ');
            line.push_str(key);
            line.push('=');
            line.push_str(value);
        }
        line.push(' ');
        line.push_str(SUFFIX);
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let line = GeneratedMarker::render(&[
            ("hf_repo_id", "Qwen/Qwen3-8B".into()),
            ("tp", "1,2".into()),
        ]);
        assert_eq!(
            line,
            "{/* track-models: hf_repo_id=Qwen/Qwen3-8B tp=1,2 */}"
        );
        let marker = GeneratedMarker::parse(&line, 3).unwrap();
        assert_eq!(marker.hf_repo_id(), Some("Qwen/Qwen3-8B"));
        assert_eq!(marker.get("tp"), Some("1,2"));
        assert!(GeneratedMarker::parse("{/* a note */}", 0).is_none());
    }
}
