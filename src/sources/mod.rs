//! I/O shells: everything that reads the network, the file system outside the doc, or git.
//! The pure core never imports from here.
//!
//! [`Network`] is the run's one async runtime and one Hub client: the shell (`run.rs`) creates
//! it once per run and lends it to every gatherer (the dataset listing, serving data,
//! resolution, discovery, the lint), so no part of a run builds its own.

pub mod dataset_tags;
pub mod definition_axes;
pub mod doc_history;
pub mod github_repo;
pub mod hf;
pub mod serving;
pub mod serving_data;
pub mod sglang;
pub mod trace_dir;

use std::future::Future;
use std::sync::OnceLock;

use anyhow::Context;

use hf::{HfClient, HfConfig};

/// The run's async runtime and Hub client, each built on first use (a refresh from
/// `--trace-dir` needs neither) and at most once.
#[derive(Default)]
pub struct Network {
    runtime: OnceLock<tokio::runtime::Runtime>,
    hub: OnceLock<HfClient>,
}

impl Network {
    /// Nothing is built yet.
    pub fn new() -> Network {
        Network::default()
    }

    /// The runtime every network source runs on (current-thread: the sources bound their own
    /// concurrency). The only place a run builds one.
    pub fn runtime(&self) -> anyhow::Result<&tokio::runtime::Runtime> {
        if let Some(runtime) = self.runtime.get() {
            return Ok(runtime);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(self.runtime.get_or_init(|| runtime))
    }

    /// Runs `future` to completion on the run's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> anyhow::Result<F::Output> {
        Ok(self.runtime()?.block_on(future))
    }

    /// The run's one Hub client, configured from the environment (`HF_ENDPOINT`, `HF_TOKEN`,
    /// `HF_HUB_OFFLINE`, `HF_HOME`, …). Parts that must not send a request take
    /// [`HfClient::cache_only`] of it.
    pub fn hub(&self) -> anyhow::Result<&HfClient> {
        if let Some(hub) = self.hub.get() {
            return Ok(hub);
        }
        let hub = HfClient::new(HfConfig::from_env()?)?;
        Ok(self.hub.get_or_init(|| hub))
    }

    /// Hub requests sent so far by the run's client (0 before it exists).
    pub fn hub_requests(&self) -> u64 {
        self.hub.get().map_or(0, HfClient::requests_made)
    }
}
