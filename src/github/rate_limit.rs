//! GitHub's rate limits as GitHub answers them, and how long a run waits for them: one
//! classification and one wait policy for publishing ([`crate::publish::github`]) and the
//! budgeted reader ([`super::reader`]).
//!
//! What GitHub documents ("Rate limits for the REST API", *Exceeding the rate limit*):
//! - the primary limit: 403 or 429 with `x-ratelimit-remaining: 0`; wait until
//!   `x-ratelimit-reset` (Unix seconds);
//! - a secondary limit: 403 or 429 whose message says "secondary rate limit", often without
//!   `retry-after` and with `x-ratelimit-remaining` not 0; wait `retry-after` seconds when it
//!   is there, else at least one minute, then exponentially longer while it persists.
//!
//! Every wait is taken from one budget per run ([`WAIT_BUDGET_VAR`], default
//! [`DEFAULT_WAIT_BUDGET`]): a wait that does not fit is not made and the answer is reported,
//! named as a rate limit. Transport failures (DNS, connection refused) are never waited for:
//! they fail at once. The sleep and the clock are injected, so tests never wait.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use http::HeaderMap;

/// The environment variable that sets the run's wait budget, in seconds (`0`: never wait).
pub const WAIT_BUDGET_VAR: &str = "TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS";

/// Total time a run may spend waiting for GitHub's rate limits by default.
pub const DEFAULT_WAIT_BUDGET: Duration = Duration::from_secs(600);

/// The first wait for a secondary limit without `retry-after` (GitHub: "at least one minute");
/// doubled on each further limited answer.
pub const SECONDARY_FIRST_WAIT: Duration = Duration::from_secs(60);

/// Most waits for one request, whatever the budget.
const MAX_WAITS: u32 = 8;

/// Which limit GitHub applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// Requests per hour used up (`x-ratelimit-remaining: 0`).
    Primary,
    /// A secondary (abuse) limit: too many requests at once or per minute.
    Secondary,
    /// A 429, or a 403 with `retry-after`, that names neither: waited for like a secondary one.
    Other,
}

/// A rate-limited answer: which limit, and what GitHub said about waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub kind: LimitKind,
    /// `retry-after`, when sent.
    pub retry_after: Option<Duration>,
    /// `x-ratelimit-reset` (Unix seconds), when the primary limit is used up.
    pub reset_at: Option<u64>,
}

impl RateLimit {
    /// The limit an answer reports, `None` when it is not a rate limit (a 403 for a missing
    /// permission is not). `message` is GitHub's `message`.
    pub fn classify(status: u16, headers: &HeaderMap, message: &str) -> Option<RateLimit> {
        if !matches!(status, 403 | 429) {
            return None;
        }
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let retry_after = header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let exhausted = header("x-ratelimit-remaining") == Some("0");
        let reset_at = header("x-ratelimit-reset")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|_| exhausted);
        let lower = message.to_ascii_lowercase();
        let kind = if lower.contains("secondary rate limit") || lower.contains("abuse detection") {
            LimitKind::Secondary
        } else if exhausted {
            LimitKind::Primary
        } else if status == 429 || retry_after.is_some() {
            LimitKind::Other
        } else {
            return None;
        };
        Some(RateLimit {
            kind,
            retry_after,
            reset_at,
        })
    }

    /// `secondary rate limit; retry in 30 s` — what the message says about it.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            LimitKind::Primary | LimitKind::Other => "rate limited",
            LimitKind::Secondary => "rate limited (secondary rate limit)",
        };
        match (self.retry_after, self.reset_at) {
            (Some(after), _) => format!("{what}; retry in {} s", after.as_secs()),
            (None, Some(reset)) => format!("{what}; the limit resets at {reset} (Unix time)"),
            (None, None) => format!("{what}; retry in a few minutes"),
        }
    }
}

/// Sleeps for a duration (tokio's in a run, a recorder in tests).
pub type Sleep = Arc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;
/// The current Unix time in seconds.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

#[derive(Debug)]
struct Budget {
    total: Duration,
    spent: Duration,
}

/// The waits of one run: the budget they come out of, the sleep and the clock.
#[derive(Clone)]
pub struct Waits {
    budget: Arc<Mutex<Budget>>,
    sleep: Sleep,
    now: Clock,
}

impl std::fmt::Debug for Waits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let budget = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Waits").field("budget", &*budget).finish()
    }
}

/// The run's budget, shared by every client of the process.
static RUN_BUDGET: OnceLock<Arc<Mutex<Budget>>> = OnceLock::new();

impl Waits {
    /// The run's waits: real sleeps and clock, and the budget [`WAIT_BUDGET_VAR`] sets (read
    /// once per process; every client of the run draws on the same budget).
    pub fn for_run() -> anyhow::Result<Waits> {
        let total = budget_from(std::env::var(WAIT_BUDGET_VAR).ok().as_deref())?;
        let budget = RUN_BUDGET
            .get_or_init(|| {
                Arc::new(Mutex::new(Budget {
                    total,
                    spent: Duration::ZERO,
                }))
            })
            .clone();
        Ok(Waits {
            budget,
            sleep: Arc::new(|wait| Box::pin(tokio::time::sleep(wait))),
            now: Arc::new(unix_now),
        })
    }

    /// Waits with their own `budget`, `sleep` and clock (tests inject both).
    pub fn new(budget: Duration, sleep: Sleep, now: Clock) -> Waits {
        Waits {
            budget: Arc::new(Mutex::new(Budget {
                total: budget,
                spent: Duration::ZERO,
            })),
            sleep,
            now,
        }
    }

    /// The wait before sending again after the `attempt`-th limited answer (from 0), taken
    /// from the budget; `None` when it does not fit (or after [`MAX_WAITS`] waits).
    pub fn next_wait(&self, limit: &RateLimit, attempt: u32) -> Option<Duration> {
        if attempt >= MAX_WAITS {
            return None;
        }
        let wait = match (limit.retry_after, limit.reset_at) {
            (Some(after), _) => after,
            (None, Some(reset)) => {
                Duration::from_secs(reset.saturating_sub((self.now)()).saturating_add(1))
            }
            (None, None) => SECONDARY_FIRST_WAIT.saturating_mul(1u32 << attempt.min(16)),
        };
        let mut budget = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        let spent = budget.spent.saturating_add(wait);
        if spent > budget.total {
            return None;
        }
        budget.spent = spent;
        Some(wait)
    }

    pub async fn sleep(&self, wait: Duration) {
        (self.sleep)(wait).await;
    }

    /// `waited 180 s of the 600 s budget (`TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS`)`.
    pub fn spent_note(&self) -> String {
        let budget = self.budget.lock().unwrap_or_else(|e| e.into_inner());
        format!(
            "waited {} s of this run's {} s budget (`{WAIT_BUDGET_VAR}`)",
            budget.spent.as_secs(),
            budget.total.as_secs()
        )
    }
}

/// The budget a [`WAIT_BUDGET_VAR`] value sets; unset or empty: [`DEFAULT_WAIT_BUDGET`].
pub fn budget_from(value: Option<&str>) -> anyhow::Result<Duration> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_WAIT_BUDGET),
        Some(text) => text.parse::<u64>().map(Duration::from_secs).map_err(|_| {
            anyhow::anyhow!(
                "`{WAIT_BUDGET_VAR}` must be a number of seconds, not `{}`",
                crate::ident::echo(text)
            )
        }),
    }
}

/// Waits that only record what they would sleep (unit tests of both clients).
#[cfg(test)]
pub(crate) fn recording(budget: Duration) -> (Waits, Arc<Mutex<Vec<Duration>>>) {
    let slept = Arc::new(Mutex::new(Vec::new()));
    let record = slept.clone();
    let sleep: Sleep = Arc::new(move |wait| {
        record.lock().unwrap().push(wait);
        Box::pin(async {})
    });
    (Waits::new(budget, sleep, Arc::new(|| 1_000)), slept)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    const SECONDARY: &str =
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

    #[test]
    fn classification_follows_githubs_documentation() {
        let remaining = headers(&[("x-ratelimit-remaining", "4990")]);
        for status in [403, 429] {
            assert_eq!(
                RateLimit::classify(status, &remaining, SECONDARY),
                Some(RateLimit {
                    kind: LimitKind::Secondary,
                    retry_after: None,
                    reset_at: None
                })
            );
        }
        let primary = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1767225600"),
        ]);
        assert_eq!(
            RateLimit::classify(403, &primary, "API rate limit exceeded"),
            Some(RateLimit {
                kind: LimitKind::Primary,
                retry_after: None,
                reset_at: Some(1_767_225_600)
            })
        );
        let plain = headers(&[("x-ratelimit-remaining", "4990")]);
        assert_eq!(
            RateLimit::classify(403, &plain, "Resource not accessible by integration"),
            None
        );
        assert_eq!(RateLimit::classify(422, &plain, SECONDARY), None);
        assert_eq!(
            RateLimit::classify(429, &HeaderMap::new(), "").map(|l| l.kind),
            Some(LimitKind::Other)
        );
        let after = headers(&[("retry-after", "30")]);
        assert_eq!(
            RateLimit::classify(403, &after, SECONDARY)
                .unwrap()
                .describe(),
            "rate limited (secondary rate limit); retry in 30 s"
        );
    }

    fn waits(budget: u64) -> Waits {
        Waits::new(
            Duration::from_secs(budget),
            Arc::new(|_| Box::pin(async {})),
            Arc::new(|| 1_000),
        )
    }

    #[test]
    fn secondary_waits_a_minute_then_doubles_within_the_budget() {
        let waits = waits(600);
        let limit = RateLimit {
            kind: LimitKind::Secondary,
            retry_after: None,
            reset_at: None,
        };
        let taken: Vec<u64> = (0..5)
            .map_while(|n| waits.next_wait(&limit, n))
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(taken, [60, 120, 240]);
        assert_eq!(
            waits.spent_note(),
            "waited 420 s of this run's 600 s budget (`TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS`)"
        );
    }

    #[test]
    fn retry_after_and_reset_are_honoured() {
        let waits = waits(100);
        let after = RateLimit {
            kind: LimitKind::Secondary,
            retry_after: Some(Duration::from_secs(7)),
            reset_at: None,
        };
        assert_eq!(waits.next_wait(&after, 3), Some(Duration::from_secs(7)));
        let reset = RateLimit {
            kind: LimitKind::Primary,
            retry_after: None,
            reset_at: Some(1_030),
        };
        assert_eq!(waits.next_wait(&reset, 0), Some(Duration::from_secs(31)));
        let far = RateLimit {
            reset_at: Some(5_000),
            ..reset
        };
        assert_eq!(waits.next_wait(&far, 0), None, "over the budget");
        assert_eq!(super::tests::waits(0).next_wait(&after, 0), None);
    }

    #[test]
    fn the_budget_variable() {
        assert_eq!(budget_from(None).unwrap(), DEFAULT_WAIT_BUDGET);
        assert_eq!(budget_from(Some(" ")).unwrap(), DEFAULT_WAIT_BUDGET);
        assert_eq!(budget_from(Some("0")).unwrap(), Duration::ZERO);
        assert_eq!(
            budget_from(Some("ten")).unwrap_err().to_string(),
            "`TRACK_MODELS_GITHUB_WAIT_BUDGET_SECS` must be a number of seconds, not `ten`"
        );
    }
}
