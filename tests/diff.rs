//! `stemlint diff`: two versions of a delivery built in code, and exactly the changes made
//! between them reported, with their numbers.

// Tests print the reports they check (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use stemlint::diff::{diff, DiffOptions};
use stemlint::model::diff::{Change, DiffReport, End, Verdict};
use support::Wav;

const RATE: u32 = 48_000;
const SECONDS: f64 = 3.0;

/// The stem `name` as version 1 has it: programme-like material, its own per stem.
fn stem(seed: u64) -> Wav {
    Wav::new(RATE, 24, 2)
        .hits(80.0 + 50.0 * seed as f64, -8.0, seed)
        .seconds(SECONDS)
}

const NAMES: [&str; 6] = ["Drums", "Bass", "Music", "Vocals", "FX", "Mix"];

fn name(stem_name: &str) -> String {
    format!("AB_Song_{stem_name}_48k24.wav")
}

/// Version 1, and version 2 with: Drums 1 dB down, Bass trimmed by 100 ms at the tail, Music
/// renamed to Keys, Vocals re-exported with a new bext stamp only.
fn build(old: &Path, new: &Path) {
    for (index, stem_name) in NAMES.iter().enumerate() {
        let seed = index as u64 + 1;
        let original = || stem(seed).bext(RATE as u64 * 3600);
        original().write(old, &name(stem_name));
        let changed = match *stem_name {
            "Drums" => original().gain_db(-1.0),
            "Bass" => original().frames((SECONDS * f64::from(RATE)) as u64 - 4_800),
            "Vocals" => original().bext_stamp("2025-06-07", "08:09:10"),
            _ => original(),
        };
        let new_name = if *stem_name == "Music" {
            name("Keys")
        } else {
            name(stem_name)
        };
        changed.write(new, &new_name);
    }
}

fn run_diff(old: &Path, new: &Path, expect: &[&str]) -> DiffReport {
    let options = DiffOptions {
        expect_changed: expect.iter().map(|glob| (*glob).to_owned()).collect(),
        ..DiffOptions::default()
    };
    diff(old, new, &options).expect("both deliveries exist")
}

#[test]
fn reports_exactly_the_changes_made() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("v1"), dir.path().join("v2"));
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::create_dir_all(&new).expect("mkdir");
    build(&old, &new);
    let report = run_diff(&old, &new, &[]);
    println!("{}", stemlint::render::diff_human::render(&report));

    let by_old = |stem_name: &str| {
        report
            .files
            .iter()
            .find(|file| file.old.as_deref() == Some(name(stem_name).as_str()))
            .unwrap_or_else(|| panic!("{stem_name} is in the report"))
    };
    assert_eq!(
        report.files.len(),
        6,
        "one entry per file, the rename paired"
    );

    let drums = by_old("Drums");
    assert_eq!(drums.verdict, Verdict::Changed);
    match drums.changes.as_slice() {
        [Change::Gain {
            db,
            polarity_inverted: false,
        }] => assert!((db + 1.0).abs() < 0.005, "gain {db}"),
        other => panic!("drums: {other:?}"),
    }

    let bass = by_old("Bass");
    assert_eq!(bass.verdict, Verdict::Changed);
    match bass.changes.as_slice() {
        [Change::Trimmed {
            end: End::Tail,
            frames: 4_800,
            seconds,
        }] => assert!((seconds - 0.1).abs() < 1e-9),
        other => panic!("bass: {other:?}"),
    }

    let music = by_old("Music");
    assert_eq!(music.new.as_deref(), Some(name("Keys").as_str()));
    assert_eq!(music.verdict, Verdict::SameAudio);
    assert!(matches!(music.changes.as_slice(), [Change::Renamed { .. }]));

    let vocals = by_old("Vocals");
    assert_eq!(vocals.verdict, Verdict::SameAudio);
    match vocals.changes.as_slice() {
        [Change::Header { fields }] => {
            let names: Vec<&str> = fields.iter().map(|field| field.field.as_str()).collect();
            assert_eq!(names, ["bext.origination_date", "bext.origination_time"]);
        }
        other => panic!("vocals: {other:?}"),
    }

    for unchanged in ["FX", "Mix"] {
        let file = by_old(unchanged);
        assert_eq!(file.verdict, Verdict::Identical, "{unchanged}");
        assert!(file.changes.is_empty());
    }

    // The balance: Drums lost 1 LU, the rest kept their loudness; the mix is outside it.
    let stems = report.stems.as_ref().expect("a mix is present");
    assert_eq!(stems.mix_new.as_deref(), Some(name("Mix").as_str()));
    assert_eq!(stems.stems.len(), 5);
    for level in &stems.stems {
        let change = level.change_lu.expect("both versions measured");
        if level.name == name("Drums") {
            assert!((change + 1.0).abs() < 0.01, "drums {change}");
            assert!(level.new_share < level.old_share);
        } else {
            // A file 100 ms shorter measures a little differently.
            assert!(change.abs() < 0.1, "{} {change}", level.name);
        }
    }
    let shares: f64 = stems.stems.iter().filter_map(|level| level.new_share).sum();
    assert!((shares - 1.0).abs() < 1e-9);
    assert_eq!(report.unexpected().count(), 4);
}

#[test]
fn expected_changes_pass_and_others_fail_through_the_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("v1"), dir.path().join("v2"));
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::create_dir_all(&new).expect("mkdir");
    build(&old, &new);
    let binary = env!("CARGO_BIN_EXE_stemlint");
    let run = |args: &[&str]| {
        Command::new(binary)
            .arg("diff")
            .arg(&old)
            .arg(&new)
            .args(args)
            .output()
            .expect("the binary runs")
    };

    let all = run(&[
        "--expect-changed",
        "*Drums*",
        "--expect-changed",
        "*Bass*",
        "--expect-changed",
        "*Keys*",
        "--expect-changed",
        "*Vocals*",
    ]);
    assert_eq!(
        all.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&all.stdout)
    );
    let text = String::from_utf8_lossy(&all.stdout);
    assert!(text.contains("gain -1.00 dB"), "{text}");
    assert!(
        text.contains("trimmed at the tail by 4800 samples (0.100 s)"),
        "{text}"
    );
    assert!(text.contains("every change expected"), "{text}");

    let some = run(&["--expect-changed", "*Drums*", "--format", "json"]);
    assert_eq!(some.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&some.stdout).expect("JSON");
    assert_eq!(document["schema"], 1);
    assert_eq!(document["kind"], "diff");
    assert_eq!(document["summary"]["unexpected"], 3);
    assert_eq!(document["summary"]["renamed"], 1);
    assert_eq!(document["summary"]["identical"], 2);
    let drums = document["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|file| file["new"] == name("Drums").as_str())
        .expect("drums in the document");
    assert_eq!(drums["expected"], true);
    assert_eq!(drums["changes"][0]["kind"], "gain");

    let missing = Command::new(binary)
        .args(["diff", "/nonexistent/v1"])
        .arg(&new)
        .output()
        .expect("the binary runs");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn an_offset_an_edit_and_another_file_are_told_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("v1"), dir.path().join("v2"));
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::create_dir_all(&new).expect("mkdir");
    let signal = |seed: u64| {
        Wav::new(RATE, 24, 2)
            .hits(150.0, -8.0, seed)
            .seconds(SECONDS)
    };
    for (index, file) in ["01_Late.wav", "02_Edit.wav", "03_Other.wav", "04_Same.wav"]
        .iter()
        .enumerate()
    {
        signal(index as u64 + 10).write(&old, file);
    }
    // 1000 samples later, same length: silence before, the tail cut.
    signal(10).delayed(1_000).write(&new, "01_Late.wav");
    // Half a second replaced by silence, from 1.0 to 1.5 s.
    signal(11).muted(48_000..72_000).write(&new, "02_Edit.wav");
    Wav::new(RATE, 24, 2)
        .noise(-12.0, 99)
        .seconds(SECONDS)
        .write(&new, "03_Other.wav");
    signal(13).write(&new, "04_Same.wav");

    let report = run_diff(&old, &new, &[]);
    println!("{}", stemlint::render::diff_human::render(&report));
    let changes = |file: &str| {
        &report
            .files
            .iter()
            .find(|entry| entry.name() == file)
            .expect("in the report")
            .changes
    };
    match changes("01_Late.wav").as_slice() {
        [Change::Offset { frames: 1_000, .. }] => {}
        other => panic!("late: {other:?}"),
    }
    match changes("02_Edit.wav").as_slice() {
        [Change::Content { ranges, .. }] => {
            assert_eq!(ranges.len(), 1);
            assert!((ranges[0].start_s - 1.0).abs() < 1e-9 && (ranges[0].end_s - 1.5).abs() < 1e-9);
        }
        other => panic!("edit: {other:?}"),
    }
    assert!(matches!(
        changes("03_Other.wav").as_slice(),
        [Change::Different { .. }]
    ));
    assert!(changes("04_Same.wav").is_empty());
}

#[test]
fn paths_the_config_ignores_are_left_out_of_the_diff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("v1"), dir.path().join("v2"));
    for root in [&old, &new] {
        std::fs::create_dir_all(root.join("Bounces")).expect("mkdir");
        std::fs::write(root.join("stemlint.yaml"), "ignore: [\"Bounces/**\"]\n").expect("config");
        stem(1).write(root, &name("Drums"));
    }
    // A scratch bounce that only the new version has, and one that changed: both ignored.
    stem(2).write(&new.join("Bounces"), "AB_Song_Rough_Mix.wav");
    stem(3).write(&old.join("Bounces"), "AB_Song_Old_Rough.wav");
    stem(4).write(&new.join("Bounces"), "AB_Song_Old_Rough.wav");

    let report = run_diff(&old, &new, &[]);
    let paths: Vec<String> = report
        .files
        .iter()
        .flat_map(|file| file.old.iter().chain(file.new.iter()).cloned())
        .collect();
    assert!(
        paths.iter().all(|path| !path.starts_with("Bounces")),
        "{paths:?}"
    );
    assert_eq!(report.summary().identical, 1, "{paths:?}");
    assert_eq!(report.unexpected().count(), 0);

    // Without the ignore, the bounces are what changed.
    for root in [&old, &new] {
        std::fs::remove_file(root.join("stemlint.yaml")).expect("rm config");
    }
    let report = run_diff(&old, &new, &[]);
    assert_eq!(report.unexpected().count(), 2, "{:?}", report.files);
}
