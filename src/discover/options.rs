//! The user's knobs of a discovery run and their defaults: the CLI's own
//! (`crate::defaults`, the one place they are written).

use crate::date::Date;
use crate::defaults;

/// The user's knobs and the day the run is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoveryOptions {
    /// `--max-new`: how many models one run adds at most.
    pub max_new: usize,
    /// `--min-providers`: live providers a popularity-only candidate needs.
    pub min_providers: usize,
    /// `--since`: how far back a new SGLang model file counts as day-0.
    pub since_days: u32,
    /// The run's day (UTC); the day-0 window is `today - since_days` ..= `today`.
    pub today: Date,
}

impl DiscoveryOptions {
    /// The command line's defaults ([`defaults::MAX_NEW`], [`defaults::MIN_PROVIDERS`],
    /// [`defaults::SINCE_DAYS`]) for the day `today`.
    pub fn new(today: Date) -> DiscoveryOptions {
        DiscoveryOptions {
            max_new: defaults::MAX_NEW,
            min_providers: defaults::MIN_PROVIDERS,
            since_days: defaults::SINCE_DAYS,
            today,
        }
    }

    /// The first day of the day-0 window.
    pub fn window_start(&self) -> Date {
        self.today.add_days(-i64::from(self.since_days))
    }

    /// Whether a commit at `seconds` since the epoch falls in the window (from the start of its
    /// first day to the end of `today`).
    pub fn in_window(&self, seconds: i64) -> bool {
        seconds >= self.window_start().unix_seconds()
            && seconds < self.today.add_days(1).unix_seconds()
    }
}
