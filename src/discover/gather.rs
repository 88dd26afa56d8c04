//! The I/O shell of discovery: runs every given source's fetch at once and applies the
//! answers in the order given, each failure already one problem line naming its source. Never
//! fails as a whole. The registry it runs by default is `source.rs`'s.

use std::task::Poll;
use std::time::Duration;

use super::inputs::DiscoverySources;
use super::options::DiscoveryOptions;
use super::responses::SavedResponses;
use super::signals::Signals;
use super::source_api::{DiscoverySource, Fetch, Fetching, Found, RunInputs};

/// Reads every source of `registry` (concurrently) and returns what they said; sources that
/// need the run's request or doc (the dataset's traces) read them from `run`.
pub(crate) async fn gather_from(
    sources: &DiscoverySources,
    options: &DiscoveryOptions,
    run: Option<RunInputs<'_>>,
    registry: &[&dyn DiscoverySource],
) -> Signals {
    let mut signals = Signals::default();
    let saved = SavedResponses::new(&sources.responses_dir);
    let built = reqwest::Client::builder()
        .user_agent(concat!("track-models/", env!("CARGO_PKG_VERSION")))
        .timeout(sources.timeout)
        .connect_timeout(sources.timeout.min(Duration::from_secs(10)))
        .build();
    // Without a client the sources that need one contribute nothing (this line says why).
    let http = built
        .map_err(|err| {
            signals
                .problems
                .push(format!("discovery: cannot build an HTTP client: {err}"))
        })
        .ok();
    let at = Fetching {
        sources,
        options,
        http: http.as_ref(),
        saved: &saved,
        run,
    };
    let hf_before = sources.hf.requests_made();
    let fetches: Vec<Fetch<'_>> = registry.iter().map(|s| s.fetch(&at)).collect();
    for found in join_all(fetches).await {
        found(&mut signals);
    }
    if http.is_some() {
        let hf_calls = sources.hf.requests_made().saturating_sub(hf_before);
        signals.api_calls.insert("hf".to_string(), hf_calls);
    }
    signals
}

/// Drives every fetch at once (as `tokio::join!` does, on this task) and returns their results
/// in the order given.
async fn join_all(mut fetches: Vec<Fetch<'_>>) -> Vec<Found> {
    let mut done: Vec<Option<Found>> = fetches.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fetch, slot) in fetches.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match fetch.as_mut().poll(cx) {
                    Poll::Ready(found) => *slot = Some(found),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter().flatten().collect()
}
