//! A small progress bar on stderr for long runs (`check --all`, `audit --all`).
//!
//! Shown only when stderr is a terminal and not in CI (`CI` unset or empty), and only once a
//! run has taken longer than [`DELAY`] (short runs print nothing). Workers call
//! [`Progress::tick`] (an atomic add: safe from rayon threads); one printer thread redraws the
//! line at most ten times a second; [`Progress::finish`] (or dropping) clears it.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a run must take before the bar appears.
pub const DELAY: Duration = Duration::from_millis(300);
/// Time between redraws (≤ 10 per second).
pub const INTERVAL: Duration = Duration::from_millis(100);

struct Shared {
    done: AtomicUsize,
    stop: Mutex<bool>,
    wake: Condvar,
    drawn: AtomicBool,
}

/// A progress bar (or nothing, when stderr is not an interactive terminal).
pub struct Progress {
    shared: Arc<Shared>,
    printer: Option<JoinHandle<()>>,
}

/// True when a progress bar may be drawn: stderr is a terminal and `CI` is not set.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none_or(|v| v.is_empty())
}

impl Progress {
    /// Starts a bar labelled `label` for `total` items; inert when [`enabled`] is false.
    pub fn start(label: &str, total: usize) -> Progress {
        let shared = Arc::new(Shared {
            done: AtomicUsize::new(0),
            stop: Mutex::new(false),
            wake: Condvar::new(),
            drawn: AtomicBool::new(false),
        });
        let printer = if enabled() && total > 0 {
            let s = Arc::clone(&shared);
            let label = label.to_string();
            std::thread::Builder::new()
                .name("countersign-progress".into())
                .spawn(move || print_loop(&s, &label, total))
                .ok()
        } else {
            None
        };
        Progress { shared, printer }
    }

    /// Counts one item done.
    pub fn tick(&self) {
        self.shared.done.fetch_add(1, Ordering::Relaxed);
    }

    /// Items done so far.
    pub fn done(&self) -> usize {
        self.shared.done.load(Ordering::Relaxed)
    }

    /// Stops the printer and clears the line.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Ok(mut g) = self.shared.stop.lock() {
            *g = true;
        }
        self.shared.wake.notify_all();
        if let Some(h) = self.printer.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The printer thread: waits [`DELAY`], then redraws every [`INTERVAL`] until stopped.
fn print_loop(s: &Shared, label: &str, total: usize) {
    let started = Instant::now();
    let mut wait = DELAY;
    loop {
        let Ok(guard) = s.stop.lock() else { return };
        let Ok((guard, _)) = s.wake.wait_timeout_while(guard, wait, |stop| !*stop) else {
            return;
        };
        if *guard {
            break;
        }
        drop(guard);
        wait = INTERVAL;
        let line = render(
            label,
            s.done.load(Ordering::Relaxed),
            total,
            started.elapsed(),
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        s.drawn.store(true, Ordering::Relaxed);
    }
    if s.drawn.load(Ordering::Relaxed) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K");
        let _ = err.flush();
    }
}

/// One line of the bar: `checking [#######·······]  1234/20000  6.2k/s`.
pub fn render(label: &str, done: usize, total: usize, elapsed: Duration) -> String {
    const WIDTH: usize = 24;
    let done = done.min(total);
    let filled = (done * WIDTH).checked_div(total).unwrap_or(0);
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let rate = if rate >= 1000.0 {
        format!("{:.1}k/s", rate / 1000.0)
    } else {
        format!("{rate:.0}/s")
    };
    format!(
        "{label} [{}{}] {done}/{total} {rate}",
        "#".repeat(filled),
        "·".repeat(WIDTH - filled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_count_total_and_rate() {
        let l = render("checking", 500, 1000, Duration::from_secs(2));
        assert_eq!(
            l,
            format!(
                "checking [{}{}] 500/1000 250/s",
                "#".repeat(12),
                "·".repeat(12)
            )
        );
        let l = render("auditing", 20_000, 20_000, Duration::from_secs(4));
        assert!(l.ends_with("20000/20000 5.0k/s"), "{l}");
        assert_eq!(
            render("x", 5, 0, Duration::ZERO),
            "x [························] 0/0 0/s"
        );
    }

    #[test]
    fn ticks_count_without_a_terminal() {
        let p = Progress::start("t", 10);
        std::thread::scope(|sc| {
            for _ in 0..4 {
                sc.spawn(|| p.tick());
            }
        });
        assert_eq!(p.done(), 4);
        p.finish();
    }
}
