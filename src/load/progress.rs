//! A progress bar for loads that take more than a moment.
//!
//! A background thread polls DuckDB's estimate of the running statement and
//! draws it on stderr with `indicatif`, starting only after half a second so
//! that quick loads print nothing. Not drawn when stderr is not a terminal
//! or with `--quiet` (the caller decides).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws progress until dropped.
pub struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts tracking the statement a connection runs next (its
    /// `handle`), labelled `label`. The load connection tracks progress
    /// from the start (it cannot be switched on later: its configuration
    /// is locked, see [`crate::engine`]).
    pub fn start(handle: crate::engine::Progress, label: String) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let mut bar: Option<ProgressBar> = None;
            let mut checking = false;
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if started.elapsed() < Duration::from_millis(500) {
                    continue;
                }
                let bar = bar.get_or_insert_with(|| {
                    let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::stderr());
                    bar.set_style(
                        ProgressStyle::with_template("{msg:>30} [{bar:40}] {percent:>3}% {elapsed}")
                            .expect("a valid template")
                            .progress_chars("=> "),
                    );
                    bar.set_message(label.clone());
                    bar
                });
                // Reading the file is most of a load; the checks after it run
                // as statements of their own, whose progress starts at 0 again.
                if let Some(percent) = handle.percentage() {
                    let position = (percent * 10.0) as u64;
                    if position >= bar.position() {
                        bar.set_position(position);
                    } else if bar.position() - position > 200 && !checking {
                        checking = true;
                        bar.set_message(format!("{label} (checking)"));
                    }
                }
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
        });
        Progress { done, thread: Some(thread) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
