//! The result cache: a re-run over an unchanged delivery reuses what the first run measured;
//! any change to a file (or to stemlint's settings) is analysed again; the cache lives outside
//! the delivery, survives a corrupt entry, and `--no-cache` / `stemlint cache clean` do what
//! they say.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use stemlint::cache::Cache;
use stemlint::media::analysis::AnalysisSettings;
use stemlint::{check, Options, ScanMode};
use support::Wav;

fn run(delivery: &Path, cache_dir: &Path, extra: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .arg("check")
        .arg(delivery)
        .args(["--format", "json"])
        .args(extra)
        .env("STEMLINT_CACHE_DIR", cache_dir)
        .output()
        .expect("the binary runs");
    let json = serde_json::from_slice(&output.stdout).expect("the output is JSON");
    (output.status.code().unwrap_or(-1), json)
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn delivery() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    Wav::new(48000, 24, 1)
        .sine(440.0, -12.0)
        .seconds(1.0)
        .write(dir.path(), "01_Kick.wav");
    Wav::new(48000, 24, 1)
        .noise(-20.0, 7)
        .seconds(1.0)
        .write(dir.path(), "02_Snare.wav");
    dir
}

fn peak(json: &Value, file: usize) -> f64 {
    json["deliveries"][0]["files"][file]["analysis"]["sample_peak_dbfs"]
        .as_f64()
        .expect("the file was analysed")
}

#[test]
fn a_rerun_gives_the_same_report_from_the_cache_outside_the_delivery() {
    let delivery = delivery();
    let cache = tempfile::tempdir().expect("tempdir");
    let before: Vec<PathBuf> = entries(delivery.path());
    let (code, first) = run(delivery.path(), cache.path(), &[]);
    assert_eq!(entries(cache.path()).len(), 2, "one entry per file");
    assert_eq!(
        entries(delivery.path()),
        before,
        "nothing written in the delivery"
    );
    let (again, second) = run(delivery.path(), cache.path(), &[]);
    assert_eq!((code, &first), (again, &second));
    assert!((peak(&first, 0) - -12.0).abs() < 0.01);
}

#[test]
fn a_changed_file_is_analysed_again() {
    let delivery = delivery();
    let cache = tempfile::tempdir().expect("tempdir");
    let (_, first) = run(delivery.path(), cache.path(), &[]);
    // Same size, same name, new content.
    Wav::new(48000, 24, 1)
        .sine(440.0, -3.0)
        .seconds(1.0)
        .write(delivery.path(), "01_Kick.wav");
    let (_, second) = run(delivery.path(), cache.path(), &[]);
    assert!((peak(&first, 0) - -12.0).abs() < 0.01);
    assert!(
        (peak(&second, 0) - -3.0).abs() < 0.01,
        "{}",
        peak(&second, 0)
    );
    assert_eq!(peak(&first, 1), peak(&second, 1));
}

#[test]
fn a_hit_is_used_instead_of_reading_the_file() {
    let delivery = delivery();
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let path = delivery.path().join("01_Kick.wav");
    let settings = AnalysisSettings::default();
    // A record whose figures differ from the file's: if the check shows them, it did not
    // read the audio.
    let mut record =
        stemlint::media::scan(&path, "01_Kick.wav".to_owned(), ScanMode::Full, &settings);
    if let Some(analysis) = record.analysis.as_mut() {
        analysis.sample_peak_dbfs = Some(-42.0);
    }
    Cache::new(cache_dir.path().to_path_buf()).put(&record, ScanMode::Full, &settings);
    let options = Options {
        cache: Some(cache_dir.path().to_path_buf()),
        ..Options::default()
    };
    let report = check(&[delivery.path().to_path_buf()], &options).expect("runs");
    let analysis = report.deliveries[0].delivery.files[0]
        .analysis
        .as_ref()
        .expect("analysed");
    assert_eq!(analysis.sample_peak_dbfs, Some(-42.0));
    // Without the cache, the file is read.
    let report = check(&[delivery.path().to_path_buf()], &Options::default()).expect("runs");
    let fresh = report.deliveries[0].delivery.files[0]
        .analysis
        .as_ref()
        .expect("analysed");
    assert!((fresh.sample_peak_dbfs.expect("not silent") - -12.0).abs() < 0.01);
}

#[test]
fn other_settings_or_fast_mode_miss() {
    let delivery = delivery();
    let cache = tempfile::tempdir().expect("tempdir");
    run(delivery.path(), cache.path(), &[]);
    let (_, fast) = run(delivery.path(), cache.path(), &["--fast"]);
    assert!(fast["deliveries"][0]["files"][0]["analysis"].is_null());
    // A profile with another clip level measures differently: a separate entry.
    run(delivery.path(), cache.path(), &["--profile", "stems"]);
    assert!(
        entries(cache.path()).len() >= 4,
        "{:?}",
        entries(cache.path())
    );
}

#[test]
fn a_corrupt_entry_is_a_miss() {
    let delivery = delivery();
    let cache = tempfile::tempdir().expect("tempdir");
    let (_, first) = run(delivery.path(), cache.path(), &[]);
    for entry in entries(cache.path()) {
        std::fs::write(entry, b"{ not json").expect("writable");
    }
    let (_, second) = run(delivery.path(), cache.path(), &[]);
    assert_eq!(first, second);
}

#[test]
fn an_entry_from_a_build_that_measured_other_figures_is_a_miss() {
    let delivery = delivery();
    let cache = tempfile::tempdir().expect("tempdir");
    let (_, first) = run(delivery.path(), cache.path(), &[]);
    // What a build of the same version without the limiter figures wrote: its key names only
    // the version, and its analysis has no `limiter`.
    for entry in entries(cache.path()) {
        let text = std::fs::read(&entry).expect("readable");
        let mut json: Value = serde_json::from_slice(&text).expect("an entry is JSON");
        json["key"]["version"] = Value::from(env!("CARGO_PKG_VERSION"));
        if let Some(analysis) = json["analysis"].as_object_mut() {
            analysis.remove("limiter");
        }
        std::fs::write(&entry, serde_json::to_vec(&json).expect("serialises")).expect("writable");
    }
    let (_, second) = run(delivery.path(), cache.path(), &[]);
    assert_eq!(first, second);
    assert!(second["deliveries"][0]["files"][0]["analysis"]["limiter"].is_object());
}

#[test]
fn no_cache_writes_nothing_and_clean_empties_it() {
    let delivery = delivery();
    let cache = tempfile::tempdir().expect("tempdir");
    run(delivery.path(), cache.path(), &["--no-cache"]);
    assert!(entries(cache.path()).is_empty());
    run(delivery.path(), cache.path(), &[]);
    std::fs::write(cache.path().join("keep-me.txt"), b"a user's file").expect("writable");
    let output = Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .args(["cache", "clean"])
        .env("STEMLINT_CACHE_DIR", cache.path())
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("removed 2 cached results"));
    assert_eq!(
        entries(cache.path()),
        vec![cache.path().join("keep-me.txt")]
    );
}
