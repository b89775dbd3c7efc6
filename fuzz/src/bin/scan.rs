//! AFL target: the whole per-file pass (`media::scan`: probe, decode, analyse) on a file of
//! arbitrary bytes, as the linter runs it on every file of a delivery.
//!
//! `scan` turns a panic into a `file/corrupt` issue, but our panic hook aborts first, so a
//! panic in our code or in symphonia still shows up as a crash here (see `install_panic_hook`).

use std::path::PathBuf;

use stemlint::media::analysis::AnalysisSettings;
use stemlint::media::{scan, ScanMode};

fn main() {
    // One scratch file per fuzzer process (AFL runs several in parallel with -M/-S).
    let dir = std::env::var_os("STEMLINT_FUZZ_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("stemlint-fuzz-{}.wav", std::process::id()));
    let settings = AnalysisSettings::default();
    stemlint_fuzz::install_panic_hook();
    afl::fuzz_nohook!(|data: &[u8]| {
        if std::fs::write(&path, data).is_ok() {
            let _ = scan(&path, "fuzz.wav".to_owned(), ScanMode::Full, &settings);
        }
    });
    let _ = std::fs::remove_file(&path);
}
