//! What the binary prints on stderr, made safe and readable: errors with their hints after the
//! whole chain, warnings from every layer (a `tracing` subscriber), and no line that a CI
//! runner would take for one of its own commands.
//!
//! GitHub Actions reads every output line whose first non-blank characters are `::` as a
//! workflow command (`::error::…`, `::add-mask::…`, `::stop-commands::…`). The tool never
//! prints such a line on stderr itself, so a line that starts so can only come from echoed
//! input (a newline in `--model-name`, a config value, a server's message): [`CommandGuard`]
//! turns its `::` into `%3A%3A`, the runner's own escape, and the line is shown, not obeyed.

use std::fmt;
use std::io::{self, IsTerminal, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// A writer that neutralizes workflow commands at the start of any line.
pub struct CommandGuard<W: Write> {
    inner: W,
    /// The next byte starts a line (only blanks seen since the last `\n` or `\r`: the runner
    /// reads lines the .NET way, where a lone `\r` ends one too).
    line_start: bool,
    /// Blanks held back at the start of the current line, written once it is known not to be
    /// a command.
    pending: Vec<u8>,
    /// A `:` held back: the line may start with `::`.
    colon: bool,
}

impl<W: Write> CommandGuard<W> {
    pub fn new(inner: W) -> Self {
        CommandGuard {
            inner,
            line_start: true,
            pending: Vec::new(),
            colon: false,
        }
    }
}

impl<W: Write> Write for CommandGuard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut out = Vec::with_capacity(buf.len() + 8);
        for &byte in buf {
            if !self.line_start {
                out.push(byte);
                self.line_start = matches!(byte, b'\n' | b'\r');
                continue;
            }
            match byte {
                b':' if self.colon => {
                    out.append(&mut self.pending);
                    out.extend_from_slice(b"%3A%3A");
                    self.colon = false;
                    self.line_start = false;
                }
                b':' => self.colon = true,
                b' ' | b'\t' if !self.colon => self.pending.push(byte),
                _ => {
                    out.append(&mut self.pending);
                    if std::mem::take(&mut self.colon) {
                        out.push(b':');
                    }
                    out.push(byte);
                    self.line_start = matches!(byte, b'\n' | b'\r');
                }
            }
        }
        self.inner.write_all(&out)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut held = std::mem::take(&mut self.pending);
        if std::mem::take(&mut self.colon) {
            held.push(b':');
        }
        self.inner.write_all(&held)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for CommandGuard<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// `error: <every cause, joined by ": ">` with each `hint: …` line of any cause printed after
/// the chain on its own line. Other line breaks inside a message are shown as `\n`, so the
/// error stays one line.
pub fn render_error(error: &anyhow::Error) -> String {
    let causes: Vec<String> = error.chain().map(ToString::to_string).collect();
    render("error", &causes)
}

/// One message (a per-model failure, a problem) as [`render_error`] prints an error:
/// `label: text` on one line, its hints after it.
pub fn render_message(label: &str, text: &str) -> String {
    render(label, &[text.to_string()])
}

fn render(label: &str, causes: &[String]) -> String {
    let mut chain = Vec::new();
    let mut hints = Vec::new();
    for text in causes {
        let mut own = Vec::new();
        for line in text.split('\n') {
            match line.strip_prefix("hint: ") {
                Some(hint) => hints.push(hint.replace('\r', "\\r")),
                None => own.push(line.replace('\r', "\\r")),
            }
        }
        chain.push(own.join("\\n"));
    }
    let mut out = format!("{label}: {}", chain.join(": "));
    for hint in hints {
        out.push_str("\nhint: ");
        out.push_str(&hint);
    }
    out
}

/// How long a phase runs before its first progress line, unless
/// `TRACK_MODELS_PROGRESS_AFTER_MS` says otherwise (`0`: a line as each phase starts).
pub const PROGRESS_AFTER: Duration = Duration::from_secs(10);

/// The time between two progress lines of one phase on a non-terminal stderr (CI logs).
pub const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// How often the terminal's progress bar refreshes its counts.
const BAR_REFRESH: Duration = Duration::from_millis(200);

/// Progress of the long phases (listing the dataset, reading serving data, resolving models,
/// discovery, the lint's reads, publishing) on stderr, so that a cold run never sits silent
/// for minutes: on a terminal a spinner with the phase, its elapsed time and its request
/// counts; elsewhere (CI logs, files) one line once a phase has run [`PROGRESS_AFTER`], one
/// more every [`PROGRESS_EVERY`], and a `done` line when such a phase ends. A quick phase
/// prints nothing.
pub struct Progress {
    terminal: bool,
    after: Duration,
}

impl Progress {
    /// A spinner when stderr is a terminal (and `TERM` is not `dumb`), else lines;
    /// `TRACK_MODELS_PROGRESS_AFTER_MS` sets the delay before a phase is shown.
    pub fn for_stderr() -> Progress {
        let terminal =
            io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |term| term != "dumb");
        let after = std::env::var("TRACK_MODELS_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .map_or(PROGRESS_AFTER, Duration::from_millis);
        Progress { terminal, after }
    }

    /// Runs `work` as the phase `what` (`listing the dataset \`x\``): `counts` says what it
    /// has done so far (`12 Hub requests`; empty when there is nothing to count) and is read
    /// from a second thread while `work` runs on this one.
    pub fn phase<T>(
        &self,
        what: &str,
        counts: &(dyn Fn() -> String + Sync),
        work: impl FnOnce() -> T,
    ) -> T {
        let started = Instant::now();
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let ticker = scope.spawn(move || {
                if self.terminal {
                    self.spin(what, counts, started, &stopped)
                } else {
                    self.lines(what, counts, started, &stopped)
                }
            });
            let result = work();
            drop(stop);
            let shown = ticker.join().unwrap_or(false);
            if shown {
                emit(&phase_line(what, "done", &counts()));
            }
            result
        })
    }

    /// Lines on a non-terminal stderr until `stopped`; whether any was printed.
    fn lines(
        &self,
        what: &str,
        counts: &(dyn Fn() -> String + Sync),
        started: Instant,
        stopped: &mpsc::Receiver<()>,
    ) -> bool {
        if self.after.is_zero() {
            emit(&format!("progress: {what}"));
        } else if waited(stopped, self.after) {
            emit(&phase_line(what, &elapsed(started), &counts()));
        } else {
            return false;
        }
        while waited(stopped, PROGRESS_EVERY) {
            emit(&phase_line(what, &elapsed(started), &counts()));
        }
        true
    }

    /// A spinner on the terminal until `stopped`; whether the phase ran long enough to be
    /// worth a `done` line.
    fn spin(
        &self,
        what: &str,
        counts: &(dyn Fn() -> String + Sync),
        started: Instant,
        stopped: &mpsc::Receiver<()>,
    ) -> bool {
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        loop {
            let counts = counts();
            bar.set_message(if counts.is_empty() {
                what.to_string()
            } else {
                format!("{what}: {counts}")
            });
            if !waited(stopped, BAR_REFRESH) {
                break;
            }
        }
        bar.finish_and_clear();
        started.elapsed() >= self.after
    }
}

/// Waits `time` for the stop signal: `true` when the time ran out (the phase goes on).
fn waited(stopped: &mpsc::Receiver<()>, time: Duration) -> bool {
    matches!(
        stopped.recv_timeout(time),
        Err(mpsc::RecvTimeoutError::Timeout)
    )
}

/// `progress: <what>: <state>, <counts>` (no comma part when nothing is counted).
fn phase_line(what: &str, state: &str, counts: &str) -> String {
    if counts.is_empty() {
        format!("progress: {what}: {state}")
    } else {
        format!("progress: {what}: {state}, {counts}")
    }
}

fn elapsed(started: Instant) -> String {
    format!("{} s", started.elapsed().as_secs())
}

/// One line on stderr in one write under stderr's lock, guarded like every other (the phase
/// names echo repo names).
fn emit(line: &str) {
    let mut err = CommandGuard::new(io::stderr().lock());
    let _ = err.write_all(format!("{line}\n").as_bytes());
}

/// Installs the subscriber that prints `tracing` events on stderr: warnings and errors by
/// default, informational events too with `--verbose`. No colours when stderr is not a terminal.
pub fn install_subscriber(verbose: bool) {
    let level = if verbose { Level::INFO } else { Level::WARN };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(io::stderr().is_terminal())
        .with_writer(|| CommandGuard::new(io::stderr()))
        .event_format(Plain)
        .finish();
    // A second install (tests running `main` twice) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// `warning: message (key=value, …)` — the same shape as the tool's own warnings; one line.
struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let label = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut line = fields.message;
        if !fields.others.is_empty() {
            line.push_str(&format!(" ({})", fields.others.join(", ")));
        }
        writeln!(
            writer,
            "{label}: {}",
            line.replace('\r', "\\r").replace('\n', "\\n")
        )
    }
}

/// An event's message, and its other fields as `key=value`.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<String>,
}

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.others.push(format!("{}={value:?}", field.name()));
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.others.push(format!("{}={value}", field.name()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(chunks: &[&str]) -> String {
        let mut out = Vec::new();
        {
            let mut guard = CommandGuard::new(&mut out);
            for chunk in chunks {
                guard.write_all(chunk.as_bytes()).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn commands_at_a_line_start_are_escaped_wherever_the_writes_split() {
        assert_eq!(
            guarded(&["error: model `a\n::error::pwned`\n"]),
            "error: model `a\n%3A%3Aerror::pwned`\n"
        );
        assert_eq!(
            guarded(&["x\n  ", ":", ":warning::y\n"]),
            "x\n  %3A%3Awarning::y\n"
        );
        assert_eq!(guarded(&["::add-mask::z"]), "%3A%3Aadd-mask::z");
        assert_eq!(guarded(&["a\r::error::b"]), "a\r%3A%3Aerror::b");
    }

    #[test]
    fn everything_else_passes_unchanged() {
        let text = "warning: `doc`:3: a: b :: c\n :x\n\n  indented\n:";
        assert_eq!(guarded(&[text]), text);
    }

    #[test]
    fn events_print_their_message_first_on_one_line() {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Captured::default)
            .event_format(Plain)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(repo = "org/x", tries = 3, "no usable ETag;\nnot caching");
        });
        assert_eq!(
            CAPTURED.with(|c| c.borrow().clone()),
            "warning: no usable ETag;\\nnot caching (repo=org/x, tries=3)\n"
        );
    }

    thread_local! {
        static CAPTURED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }

    #[derive(Default)]
    struct Captured;

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            CAPTURED.with(|c| c.borrow_mut().push_str(&String::from_utf8_lossy(buf)));
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_quick_phase_prints_nothing_and_returns_its_work() {
        // Never shown: the phase ends long before the delay, so the ticker stops silently.
        let progress = Progress {
            terminal: false,
            after: Duration::from_secs(3600),
        };
        let counted = std::sync::atomic::AtomicUsize::new(0);
        let counts = || {
            counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            String::new()
        };
        assert_eq!(progress.phase("listing", &counts, || 42), 42);
        assert_eq!(counted.load(std::sync::atomic::Ordering::Relaxed), 0);
    }

    #[test]
    fn phase_lines_name_the_phase_its_state_and_its_counts() {
        assert_eq!(
            phase_line("listing the dataset `x`", "12 s", "3 Hub request(s)"),
            "progress: listing the dataset `x`: 12 s, 3 Hub request(s)"
        );
        assert_eq!(
            phase_line("discovering models", "done", ""),
            "progress: discovering models: done"
        );
    }

    #[test]
    fn hints_follow_the_whole_chain() {
        let error = anyhow::anyhow!("No such file or directory (os error 2)")
            .context("reading the coverage doc `d`\nhint: pass `--doc PATH`");
        assert_eq!(
            render_error(&error),
            "error: reading the coverage doc `d`: No such file or directory (os error 2)\nhint: pass `--doc PATH`"
        );
        let error = anyhow::anyhow!("model `a\n::error::b` failed");
        assert_eq!(render_error(&error), "error: model `a\\n::error::b` failed");
    }
}
