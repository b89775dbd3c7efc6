//! The progress bar on stderr: one bar over the delivery's bytes, with throughput and time
//! left, the files done, and a file being read. Drawn only where the caller decides (a
//! terminal, the human format, neither `--quiet` nor `--no-progress`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use stemlint::Observer;

const TEMPLATE: &str = "{spinner} [{bar:24}] {bytes}/{total_bytes} {binary_bytes_per_sec} \
                        ETA {eta} · {prefix} · {wide_msg}";

/// Until the files are counted (the delivery is being walked).
const WALKING: &str = "{spinner} looking for audio files…";

pub struct Progress {
    bar: ProgressBar,
    style: ProgressStyle,
    files_total: AtomicUsize,
    files_done: AtomicUsize,
    /// The files being read now, oldest first: several with `--jobs` above 1.
    reading: Mutex<Vec<String>>,
}

impl Progress {
    /// A bar drawn on stderr (indicatif draws nothing when stderr is not a terminal).
    pub fn on_stderr() -> Progress {
        let template = |text| ProgressStyle::with_template(text).expect("the template is valid");
        let style = template(TEMPLATE).progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
            .with_style(template(WALKING));
        // Redrawn on a clock, not only when a file ends: a file of gigabytes takes a while,
        // and the spinner and time left keep moving meanwhile, whatever the worker count.
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress {
            bar,
            style,
            files_total: AtomicUsize::new(0),
            files_done: AtomicUsize::new(0),
            reading: Mutex::new(Vec::new()),
        }
    }

    /// Erase the bar, before the report is printed.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }

    fn show_files(&self) {
        let done = self.files_done.load(Ordering::Relaxed);
        let total = self.files_total.load(Ordering::Relaxed);
        self.bar.set_prefix(format!("{done}/{total} files"));
    }

    fn show_reading(&self, reading: &[String]) {
        self.bar
            .set_message(reading.last().cloned().unwrap_or_default());
    }
}

impl Observer for Progress {
    fn files_found(&self, total: usize) {
        self.files_total.store(total, Ordering::Relaxed);
        self.show_files();
    }

    fn bytes_found(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.set_style(self.style.clone());
        self.bar.tick();
    }

    fn file_started(&self, rel: &str) {
        // A poisoned lock only means another worker panicked mid-update: the list is fine.
        let mut reading = self
            .reading
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        reading.push(rel.to_owned());
        self.show_reading(&reading);
    }

    fn bytes_read(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn file_done(&self, rel: &str) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.show_files();
        let mut reading = self
            .reading
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some(index) = reading.iter().position(|name| name == rel) {
            reading.remove(index);
        }
        self.show_reading(&reading);
    }
}
