//! The last good response of each discovery source, kept under
//! `$HF_HOME/track-models/responses/` so an offline run (`HF_HUB_OFFLINE=1`) can answer without
//! the network. Files hold the body as the service sent it (HF lists: the Hub's JSON array;
//! GitHub day-0: the derived list of new files). Writing is atomic; a failed write is a log
//! line, not a failed run.

use std::path::{Path, PathBuf};

/// The largest answer read from a provider catalog, and the largest saved response read back
/// (OpenRouter's whole list is a few MB).
pub const MAX_CATALOG_BYTES: u64 = 32 << 20;

#[derive(Debug, Clone)]
pub(crate) struct SavedResponses {
    dir: PathBuf,
}

/// Why an offline source has no answer.
#[derive(Debug, thiserror::Error)]
pub(super) enum SavedError {
    #[error("offline and no saved response for {label} (`{}`)\nhint: run once online, or unset `HF_HUB_OFFLINE`", path.display())]
    Missing { label: String, path: PathBuf },
    #[error("offline, and cannot read `{}`: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        reason: anyhow::Error,
    },
}

impl SavedResponses {
    pub(super) fn new(dir: &Path) -> SavedResponses {
        SavedResponses {
            dir: dir.to_path_buf(),
        }
    }

    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The saved body, or why there is none (`label` names the source in the message).
    pub(super) fn read(&self, name: &str, label: &str) -> Result<Vec<u8>, SavedError> {
        let path = self.path(name);
        // A saved answer was capped when it was fetched; the same cap holds on the way back.
        crate::atomic_file::read_regular(&path, MAX_CATALOG_BYTES).map_err(|err| {
            let not_found = err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            if not_found {
                SavedError::Missing {
                    label: label.to_string(),
                    path,
                }
            } else {
                SavedError::Unreadable { path, reason: err }
            }
        })
    }

    pub(super) fn save(&self, name: &str, body: &[u8]) {
        let path = self.path(name);
        let result = std::fs::create_dir_all(&self.dir)
            .map_err(anyhow::Error::from)
            .and_then(|()| crate::atomic_file::write_if_changed(&path, body));
        if let Err(err) = result {
            tracing::warn!(path = %path.display(), "cannot save the response: {err:#}");
        }
    }
}
