//! Stems deliveries: the null test against the mix, stem groups, BWF start offsets,
//! dual-mono and DI companions, and sections of a nested delivery.
//!
//! Stems are deterministic signals built in code; the mix is their exact sum computed in f64
//! from the same generators and then quantised to 24-bit, so a clean delivery nulls to
//! within 24-bit rounding.

// Tests print the figures they measure (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

mod support;

use std::f64::consts::PI;
use std::fs;
use std::path::Path;

use stemlint::render::human::{self, Style};
use stemlint::stems::{Explanation, Measurement, Outcome};
use stemlint::{Diagnostic, Options, Report, Severity};
use support::Wav;

const RATE: u32 = 48000;
const FRAMES: u64 = 72_000; // 1.5 s

const STEMS: [&str; 4] = ["Drums", "Bass", "Music", "Vocals"];

fn hash(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// White noise in -1..1, a pure function of (seed, frame, channel).
fn noise(seed: u64, frame: u64, channel: u16) -> f64 {
    let bits = hash(seed ^ frame.wrapping_mul(0x100) ^ u64::from(channel));
    (bits >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// The sample of stem `index` (order of `STEMS`); negative frames are silence.
fn stem_signal(index: usize, frame: i64, channel: u16) -> f64 {
    if frame < 0 {
        return 0.0;
    }
    let t = frame as f64 / f64::from(RATE);
    let frame = frame as u64;
    match index {
        // Drums: noise bursts every 250 ms, decaying.
        0 => 0.3 * (-(t % 0.25) / 0.04).exp() * noise(11, frame, channel),
        // Bass: 55 Hz.
        1 => 0.25 * (2.0 * PI * 55.0 * t).sin(),
        // Music: a fifth, the right channel a little later in phase.
        2 => {
            let phase = f64::from(channel) * 0.3;
            0.1 * (2.0 * PI * 220.0 * t + phase).sin() + 0.1 * (2.0 * PI * 330.0 * t).sin()
        }
        // Vocals: 440 Hz with vibrato and breath.
        _ => {
            0.15 * (2.0 * PI * 440.0 * t + 3.0 * (2.0 * PI * 5.0 * t).sin()).sin()
                + 0.02 * noise(29, frame, channel)
        }
    }
}

fn mix_signal(frame: i64, channel: u16) -> f64 {
    (0..STEMS.len())
        .map(|index| stem_signal(index, frame, channel))
        .sum()
}

fn stem_name(index: usize) -> String {
    format!("AB_Song_{}_48k24.wav", STEMS[index])
}

const MIX: &str = "AB_Song_Mix_48k24.wav";

/// A change made to one stem after the mix was printed.
#[derive(Clone, Copy)]
enum Change {
    None,
    /// A delayed (100 ms), attenuated (-6 dB) copy added: a reverb/echo send.
    Echo,
    /// Moved one sample later.
    Nudge,
    /// Dropped by 1 dB.
    Quieter,
}

fn changed(index: usize, change: Change) -> impl Fn(u64, u16) -> f64 {
    move |frame, channel| {
        let frame = frame as i64;
        match change {
            Change::None => stem_signal(index, frame, channel),
            Change::Echo => {
                stem_signal(index, frame, channel) + 0.5 * stem_signal(index, frame - 4800, channel)
            }
            Change::Nudge => stem_signal(index, frame - 1, channel),
            Change::Quieter => support::db_to_gain(-1.0) * stem_signal(index, frame, channel),
        }
    }
}

fn stereo() -> Wav {
    Wav::new(RATE, 24, 2).frames(FRAMES)
}

/// Four stems, the mix, and notes, into `dir`; `change` applies to stem `changed_index`.
fn write_delivery(dir: &Path, changed_index: usize, change: Change) {
    write_delivery_of(dir, FRAMES, changed_index, change);
}

fn write_delivery_of(dir: &Path, frames: u64, changed_index: usize, change: Change) {
    let stereo = || stereo().frames(frames);
    for index in 0..STEMS.len() {
        let change = if index == changed_index {
            change
        } else {
            Change::None
        };
        stereo()
            .with(changed(index, change))
            .write(dir, &stem_name(index));
    }
    stereo()
        .with(|frame, channel| mix_signal(frame as i64, channel))
        .write(dir, MIX);
    write_notes(dir);
}

fn write_notes(dir: &Path) {
    fs::write(
        dir.join("notes.txt"),
        "Tempo: 120 BPM\nMeter: 4/4\nFormat: 48 kHz / 24-bit WAV\n",
    )
    .expect("the temporary directory is writable");
}

fn check_with(dir: &Path, profile: &str) -> Report {
    let options = Options {
        profile: Some(profile.to_owned()),
        ..Options::default()
    };
    stemlint::check(&[dir.to_path_buf()], &options).expect("the delivery can be checked")
}

fn measurement(report: &Report) -> Measurement {
    let test = report.deliveries[0]
        .delivery
        .null_test
        .as_ref()
        .expect("a delivery with a mix gets a null test");
    match &test.outcome {
        Outcome::Measured(measured) => measured.clone(),
        Outcome::Skipped { reason } => panic!("null test skipped: {reason}"),
    }
}

fn findings<'a>(report: &'a Report, rule: &str) -> Vec<&'a Diagnostic> {
    report
        .deliveries
        .iter()
        .flat_map(|entry| &entry.diagnostics)
        .filter(|diagnostic| diagnostic.rule == rule)
        .collect()
}

fn depth(measured: &Measurement) -> f64 {
    measured
        .null_depth_db
        .expect("a residual that is not bit-exact has a depth")
}

#[test]
fn clean_stems_null_against_the_mix() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery(dir.path(), 0, Change::None);
    let report = check_with(dir.path(), "stems");
    let measured = measurement(&report);
    eprintln!("clean: {measured:?}");
    assert!(!measured.bit_exact, "the mix is rounded on its own");
    assert_eq!(measured.frames, FRAMES);
    // Five independently rounded 24-bit files: a residual around -140 dBFS, about -125 dB
    // under a mix at about -14 dBFS RMS.
    assert!(depth(&measured) < -115.0, "{measured:?}");
    assert!(findings(&report, "stems/sum-mismatch").is_empty());
    assert!(findings(&report, "stems/missing-group").is_empty());
    assert_eq!(
        report.worst(),
        None,
        "{:#?}",
        report.deliveries[0].diagnostics
    );

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .args(["check", "--profile", "stems", "--no-progress"])
        .arg(dir.path())
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // The depth is shown when the test passes, too.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!(
            "null test: 4 stems against `{MIX}`: null depth {:.1} dB\n",
            depth(&measured)
        )),
        "{stdout}"
    );
}

#[test]
fn bit_identical_stem_and_mix_null_bit_exact() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    stereo()
        .with(|frame, channel| stem_signal(0, frame as i64, channel))
        .write(dir.path(), "AB_Song_Drums_48k24.wav");
    stereo()
        .with(|frame, channel| stem_signal(0, frame as i64, channel))
        .write(dir.path(), MIX);
    let report = check_with(dir.path(), "stems");
    let measured = measurement(&report);
    eprintln!("bit-exact: {measured:?}");
    assert!(measured.bit_exact);
    assert_eq!(measured.null_depth_db, None);
    assert!(findings(&report, "stems/sum-mismatch").is_empty());
}

/// One stem changed after the mix was printed: caught, on that stem, with numbers, as an
/// error whatever the depth (the residual is that change alone).
fn caught(change: Change, label: &str, index: usize) -> (Measurement, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery(dir.path(), index, change);
    let report = check_with(dir.path(), "stems");
    let measured = measurement(&report);
    eprintln!("{label}: {measured:?}");
    let found = findings(&report, "stems/sum-mismatch");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path.as_deref(), Some(stem_name(index).as_str()));
    assert_eq!(found[0].severity, Severity::Error);
    assert!(
        found[0].message.contains("null depth"),
        "{}",
        found[0].message
    );
    eprintln!("{label}: {}", found[0].message);
    (measured, found[0].message.clone())
}

#[test]
fn an_echo_added_to_a_stem_is_caught() {
    let (measured, message) = caught(Change::Echo, "echo on vocals", 3);
    let depth = depth(&measured);
    assert!((-25.0..-10.0).contains(&depth), "{depth}");
    assert!(message.contains(&format!("{depth:+.1} dB")), "{message}");
    assert!(
        message.starts_with(&format!(
            "`AB_Song_Vocals_48k24.wav` is not the print that is in `{MIX}`"
        )),
        "{message}"
    );
    // The echo starts 100 ms in; the worst window cannot be the first.
    assert!(measured.worst_window_s.is_some_and(|at| at >= 0.1));
}

#[test]
fn a_stem_nudged_by_one_sample_is_caught() {
    let (measured, message) = caught(Change::Nudge, "drums nudged 1 sample", 0);
    let depth = depth(&measured);
    assert!((-15.0..0.0).contains(&depth), "{depth}");
    assert!(
        message.starts_with("`AB_Song_Drums_48k24.wav` is 1 sample late: "),
        "{message}"
    );
    // Drum bursts start every 250 ms: the loudest residual is at one of them.
    let at = measured.worst_window_s.expect("a worst window");
    assert!(
        ((at * 1000.0).round() as u64) % 200 == 0 || at % 0.25 < 0.1,
        "{at}"
    );
}

#[test]
fn a_stem_dropped_one_db_is_caught_with_its_gain() {
    let (measured, message) = caught(Change::Quieter, "bass -1 dB", 1);
    let depth = depth(&measured);
    assert!((-35.0..-20.0).contains(&depth), "{depth}");
    let suspect = measured.suspect.expect("the bass is blamed");
    let gain = suspect.gain_db.expect("a plain level change has a gain");
    assert!((gain + 1.0).abs() < 0.01, "{gain}");
    assert!(
        message.starts_with("`AB_Song_Bass_48k24.wav` is 1.00 dB quieter than in the mix: "),
        "{message}"
    );
}

#[test]
fn master_bus_saturation_nulls_shallow() {
    // The mix through a soft saturator the stems never saw (tanh, driven 0 and 6 dB): what a
    // processed music delivery looks like. Measured to choose the stems threshold; caught as
    // a warning only when driven hard.
    for (drive_db, caught) in [(0.0, false), (6.0, true)] {
        let dir = tempfile::tempdir().expect("a temporary directory");
        write_delivery(dir.path(), 0, Change::None);
        let drive = support::db_to_gain(drive_db);
        stereo()
            .with(move |frame, channel| (drive * mix_signal(frame as i64, channel)).tanh() / drive)
            .write(dir.path(), MIX);
        let report = check_with(dir.path(), "stems");
        let measured = measurement(&report);
        eprintln!("bus saturation, drive {drive_db} dB: {measured:?}");
        assert!(depth(&measured) > -60.0);
        assert_eq!(!findings(&report, "stems/sum-mismatch").is_empty(), caught);
        assert_ne!(
            report.worst(),
            Some(Severity::Error),
            "a warning in the stems profile"
        );
    }
}

#[test]
fn film_stems_are_held_to_a_deeper_null() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let names = ["Film_DX.wav", "Film_MX.wav", "Film_FX.wav"];
    for (index, name) in names.iter().enumerate() {
        let gain = if index == 1 {
            support::db_to_gain(-0.1)
        } else {
            1.0
        };
        stereo()
            .with(move |frame, channel| gain * stem_signal(index, frame as i64, channel))
            .write(dir.path(), name);
    }
    stereo()
        .with(|frame, channel| {
            (0..3)
                .map(|index| stem_signal(index, frame as i64, channel))
                .sum()
        })
        .write(dir.path(), "Film_PrintMaster.wav");
    write_notes(dir.path());
    let report = check_with(dir.path(), "stems-film");
    let measured = measurement(&report);
    eprintln!("film, music -0.1 dB: {measured:?}");
    let found = findings(&report, "stems/sum-mismatch");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Error);
    assert_eq!(found[0].path.as_deref(), Some("Film_MX.wav"));
    assert!(findings(&report, "stems/missing-group").is_empty());
}

#[test]
fn a_missing_group_is_named() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery(dir.path(), 0, Change::None);
    fs::remove_file(dir.path().join(stem_name(3))).expect("the vocals stem exists");
    let report = check_with(dir.path(), "stems");
    let found = findings(&report, "stems/missing-group");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path, None);
    assert!(
        found[0].message.starts_with("no `vocals` stem"),
        "{}",
        found[0].message
    );
    // Three stems no longer rebuild the mix: the null test says so on the mix.
    let null = findings(&report, "stems/sum-mismatch");
    assert_eq!(null.len(), 1);
    eprintln!("vocals missing: {}", null[0].message);
    assert_eq!(null[0].severity, Severity::Error);
    assert!(null[0]
        .message
        .starts_with(&format!("the stems do not contain part of `{MIX}`")));
}

#[test]
fn a_late_time_reference_is_an_offset_of_one_second() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ten_hours = u64::from(RATE) * 36_000;
    for index in 0..STEMS.len() {
        let start = if index == 2 {
            ten_hours + u64::from(RATE)
        } else {
            ten_hours
        };
        stereo()
            .with(changed(index, Change::None))
            .bext(start)
            .write(dir.path(), &stem_name(index));
    }
    stereo()
        .with(|frame, channel| mix_signal(frame as i64, channel))
        .bext(ten_hours)
        .write(dir.path(), MIX);
    write_notes(dir.path());
    let report = check_with(dir.path(), "stems");
    let found = findings(&report, "length/start-offset");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path.as_deref(), Some(stem_name(2).as_str()));
    assert!(found[0]
        .message
        .starts_with("starts 48000 samples (1.000 s) later"));
    assert!(
        found[0].message.contains("10:00:01:00 at 25 fps"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("10:00:00:00"),
        "{}",
        found[0].message
    );
}

#[test]
fn dual_mono_and_di_companions() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mono = || Wav::new(RATE, 24, 1).frames(FRAMES).sine(220.0, -12.0);
    mono().write(dir.path(), "01_Keys.L.wav");
    mono()
        .frames(FRAMES - 10)
        .write(dir.path(), "01_Keys.R.wav");
    mono().write(dir.path(), "02_Pad_L.wav");
    mono().write(dir.path(), "03_GtrAmp.wav");
    Wav::new(44100, 24, 1)
        .seconds(1.5)
        .write(dir.path(), "04_Gtr_DI.wav");
    let report = check_with(dir.path(), "tracks");
    let found = findings(&report, "companion/mismatch");
    let messages: Vec<_> = found
        .iter()
        .map(|found| (found.path.as_deref().unwrap_or(""), found.message.as_str()))
        .collect();
    assert_eq!(found.len(), 3, "{messages:#?}");
    assert_eq!(messages[0].0, "01_Keys.R.wav");
    assert!(messages[0]
        .1
        .contains("71990 frames against 72000 (10 short)"));
    assert_eq!(messages[1].0, "02_Pad_L.wav");
    assert!(messages[1].1.contains("right partner is missing"));
    assert_eq!(messages[2].0, "04_Gtr_DI.wav");
    assert!(
        messages[2].1.contains("44100 Hz against 48000 Hz"),
        "{}",
        messages[2].1
    );
}

#[test]
fn sections_of_a_nested_delivery() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    for folder in ["Tracks", "Stems", "Mix"] {
        fs::create_dir(root.join(folder)).expect("a new folder");
    }
    fs::write(
        root.join("stemlint.yaml"),
        "sections:\n  - path: Stems\n    profile: stems\n  - path: Tracks\n    profile: tracks\n",
    )
    .expect("writable");
    write_delivery(&root.join("Stems"), 0, Change::None);
    let tracks = root.join("Tracks");
    for (name, frequency) in [("01_Kick.wav", 60.0), ("02_Bass.wav", 110.0)] {
        Wav::new(RATE, 24, 1)
            .frames(FRAMES)
            .sine(frequency, -12.0)
            .write(&tracks, name);
    }
    write_notes(&tracks);
    stereo()
        .with(|frame, channel| mix_signal(frame as i64, channel))
        .write(&root.join("Mix"), MIX);
    let report = stemlint::check(&[root.to_path_buf()], &Options::default())
        .expect("the delivery can be checked");
    let entries: Vec<(String, &str, usize)> = report
        .deliveries
        .iter()
        .map(|entry| {
            (
                entry
                    .delivery
                    .display_root
                    .replace(&root.display().to_string(), "ROOT"),
                entry.delivery.profile.as_str(),
                entry.delivery.files.len(),
            )
        })
        .collect();
    eprintln!("sections: {entries:?}");
    assert_eq!(
        entries,
        [
            ("ROOT".to_owned(), "tracks", 1),
            ("ROOT/Stems".to_owned(), "stems", 5),
            ("ROOT/Tracks".to_owned(), "tracks", 2),
        ]
    );
    let stems = &report.deliveries[1];
    assert!(stems.delivery.null_test.is_some());
    assert!(stems.diagnostics.is_empty(), "{:#?}", stems.diagnostics);
    assert!(
        report.deliveries[2].diagnostics.is_empty(),
        "{:#?}",
        report.deliveries[2].diagnostics
    );
}

#[test]
fn human_output_of_a_stems_delivery() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery(dir.path(), 1, Change::Quieter);
    // A vocal stem whose name says no group: the null test still runs, the group is missing.
    fs::rename(
        dir.path().join(stem_name(3)),
        dir.path().join("AB_Song_Lead_48k24.wav"),
    )
    .expect("the vocals stem exists");
    let report = check_with(dir.path(), "stems");
    let text = human::render(
        &report,
        Style {
            color: false,
            width: 80,
        },
    )
    .replace(&dir.path().display().to_string(), "[DELIVERY]");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!("stems_delivery_human", text));
}

#[test]
fn sources_with_different_block_sizes_stay_in_lockstep() {
    // A float mix is read in blocks of another size than the 24-bit stems (128 KiB each:
    // 16384 stereo float frames against 21845 stereo 24-bit frames); the carry buffers must
    // keep every sample aligned, so the null stays at the rounding of the stems.
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery(dir.path(), 0, Change::None);
    stereo()
        .float()
        .with(|frame, channel| mix_signal(frame as i64, channel))
        .write(dir.path(), MIX);
    let report = check_with(dir.path(), "stems");
    let measured = measurement(&report);
    eprintln!("float mix: {measured:?}");
    assert!(depth(&measured) < -115.0, "{measured:?}");
    assert!(findings(&report, "stems/sum-mismatch").is_empty());
}

#[test]
fn fast_mode_does_not_run_the_null_test() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery(dir.path(), 1, Change::Quieter);
    let options = Options {
        profile: Some("stems".to_owned()),
        mode: stemlint::ScanMode::Fast,
        ..Options::default()
    };
    let report = stemlint::check(&[dir.path().to_path_buf()], &options).expect("checked");
    assert_eq!(report.deliveries[0].delivery.null_test, None);
    assert!(findings(&report, "stems/sum-mismatch").is_empty());
}

#[test]
fn a_section_takes_its_mix_from_a_sibling_folder() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path();
    for folder in ["Stems", "Mix"] {
        fs::create_dir(root.join(folder)).expect("a new folder");
    }
    write_delivery(&root.join("Stems"), 0, Change::None);
    fs::rename(root.join("Stems").join(MIX), root.join("Mix").join(MIX)).expect("the mix moves");
    fs::rename(root.join("Stems").join("notes.txt"), root.join("notes.txt"))
        .expect("the notes move up");
    fs::write(
        root.join("stemlint.yaml"),
        "sections:\n  - path: Stems\n    profile: stems\n    mix: \"Mix/*_Mix_*.wav\"\n",
    )
    .expect("writable");
    let report = stemlint::check(&[root.to_path_buf()], &Options::default())
        .expect("the delivery can be checked");
    assert_eq!(report.deliveries.len(), 2);
    // The mix left the root delivery and joined the Stems section; a root whose audio is all
    // in sections is not empty, and the section reads the root's notes.
    assert!(report.deliveries[0].delivery.files.is_empty());
    assert!(
        report.deliveries[0].diagnostics.is_empty(),
        "{:#?}",
        report.deliveries[0].diagnostics
    );
    let notes: Vec<&str> = report.deliveries[1]
        .delivery
        .notes
        .iter()
        .map(|notes| notes.rel.as_str())
        .collect();
    assert_eq!(notes, ["../notes.txt"]);
    let stems = &report.deliveries[1];
    let names: Vec<&str> = stems
        .delivery
        .files
        .iter()
        .map(|file| file.rel.as_str())
        .collect();
    assert!(names.contains(&"../Mix/AB_Song_Mix_48k24.wav"), "{names:?}");
    let measured = measurement(&report_of(stems));
    assert!(depth(&measured) < -100.0, "{measured:?}");
    assert!(stems.diagnostics.is_empty(), "{:#?}", stems.diagnostics);
}

/// A report holding one delivery entry, for the helpers above that take a `Report`.
fn report_of(entry: &stemlint::DeliveryReport) -> Report {
    Report {
        deliveries: vec![stemlint::DeliveryReport {
            delivery: entry.delivery.clone(),
            diagnostics: entry.diagnostics.clone(),
        }],
    }
}

#[test]
fn a_lone_time_stamp_among_unstamped_files_is_the_odd_one_out() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (index, name) in ["01_Kick.wav", "02_Snare.wav", "03_Bass.wav"]
        .iter()
        .enumerate()
    {
        Wav::new(RATE, 24, 1)
            .frames(FRAMES)
            .sine(100.0 + index as f64 * 50.0, -12.0)
            .write(dir.path(), name);
    }
    Wav::new(RATE, 24, 1)
        .frames(FRAMES)
        .sine(400.0, -12.0)
        .bext(u64::from(RATE) * 3600)
        .write(dir.path(), "04_Gtr.wav");
    write_notes(dir.path());
    let report = check_with(dir.path(), "tracks");
    let found = findings(&report, "length/start-offset");
    let paths: Vec<&str> = found.iter().filter_map(|d| d.path.as_deref()).collect();
    assert_eq!(paths, ["04_Gtr.wav"], "{found:#?}");
    assert!(found[0].message.starts_with("has a Broadcast-WAV time reference of 01:00:00:00 (3600.000 s) while 3 of 4 files carry none"), "{}", found[0].message);
}

#[test]
fn a_stem_cut_short_while_streaming_skips_the_null_test_without_hanging() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery(dir.path(), 0, Change::None);
    // The drums stem's data stops a third of the way in: its scan ends early while the
    // others are still streaming into the lockstep sum.
    stereo()
        .with(changed(0, Change::None))
        .truncate_bytes((FRAMES as usize * 6) * 2 / 3)
        .write(dir.path(), &stem_name(0));
    let started = std::time::Instant::now();
    let report = check_with(dir.path(), "stems");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let null_test = report.deliveries[0]
        .delivery
        .null_test
        .as_ref()
        .expect("a mix and stems");
    match &null_test.outcome {
        stemlint::stems::Outcome::Skipped { reason } => {
            assert_eq!(
                reason,
                &format!("`{}` did not decode cleanly", stem_name(0))
            );
        }
        other => panic!("expected a skipped null test, got {other:?}"),
    }
    assert!(findings(&report, "file/corrupt")
        .iter()
        .any(|d| d.path.as_deref() == Some(stem_name(0).as_str())));
    // Every file was still analysed in the one pass.
    assert!(report.deliveries[0]
        .delivery
        .files
        .iter()
        .all(|file| file.analysis.is_some()));
}

#[test]
fn more_stems_than_a_group_holds_skip_the_null_test_with_the_reason() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let count = stemlint::stems::MAX_GROUP;
    for index in 0..count {
        Wav::new(RATE, 24, 2)
            .frames(480)
            .sine(100.0 + index as f64, -40.0)
            .write(dir.path(), &format!("AB_Song_Stem{index:03}_48k24.wav"));
    }
    Wav::new(RATE, 24, 2)
        .frames(480)
        .sine(100.0, -40.0)
        .write(dir.path(), MIX);
    let report = check_with(dir.path(), "stems");
    let null_test = report.deliveries[0]
        .delivery
        .null_test
        .as_ref()
        .expect("a mix and stems");
    match &null_test.outcome {
        stemlint::stems::Outcome::Skipped { reason } => {
            assert!(reason.contains("more than 64"), "{reason}")
        }
        other => panic!("expected a skipped null test, got {other:?}"),
    }
}

// Realistic stems: what the null test must judge by what the residual is, not only by its
// depth. Four stems of 3 s stereo, built in memory: noise-like drums (band-limited hits with
// a decaying envelope, wider on the right), a tonal bass line (a sawtooth-rich 55/73/82 Hz
// line, centred), a speech-like vocal (band-limited noise bursts of syllable length with a
// voiced 180 Hz buzz, centred) and a pad (a detuned chord swelling, wide). The mix is their
// sum in f64, quantised to 24-bit on its own.

const REAL_FRAMES: usize = 144_000; // 3 s

const REAL_STEMS: [&str; 4] = [
    "01_Drums.wav",
    "02_Bass.wav",
    "03_Music.wav",
    "04_Vocals.wav",
];

const REAL_MIX: &str = "Song_Mix.wav";

/// Stereo samples of one stem.
type Stereo = std::rc::Rc<Vec<[f64; 2]>>;

/// A one-pole low-pass and high-pass pair over white noise: band-limited noise.
struct Band {
    low: f64,
    high: f64,
    low_state: f64,
    high_state: f64,
}

impl Band {
    fn new(low_hz: f64, high_hz: f64) -> Band {
        let coefficient = |hz: f64| 1.0 - (-2.0 * PI * hz / f64::from(RATE)).exp();
        Band {
            low: coefficient(high_hz),
            high: coefficient(low_hz),
            low_state: 0.0,
            high_state: 0.0,
        }
    }

    fn next(&mut self, input: f64) -> f64 {
        self.low_state += self.low * (input - self.low_state);
        self.high_state += self.high * (self.low_state - self.high_state);
        self.low_state - self.high_state
    }
}

/// Stem `index` (order of `REAL_STEMS`); `take` varies the noise where a take would differ.
/// Built with state (filters), so computed once into memory.
fn real_stem(index: usize, take: u64) -> Vec<[f64; 2]> {
    let mut bands = [Band::new(60.0, 8000.0), Band::new(60.0, 8000.0)];
    let mut voice = [Band::new(300.0, 3400.0), Band::new(300.0, 3400.0)];
    (0..REAL_FRAMES)
        .map(|frame| {
            let t = frame as f64 / f64::from(RATE);
            let sample = |channel: u16, bands: &mut [Band; 2]| -> f64 {
                match index {
                    0 => {
                        // A hit every 250 ms, alternating a low and a bright one.
                        let since = t % 0.25;
                        let bright = ((t / 0.25) as u64) % 2 == 1;
                        let decay = if bright { 0.06 } else { 0.12 };
                        let body = if bright {
                            0.0
                        } else {
                            0.4 * (2.0 * PI * 60.0 * since * (1.0 - since)).sin()
                        };
                        let hiss = bands[usize::from(channel)].next(noise(
                            100 + take,
                            frame as u64,
                            channel,
                        ));
                        (-since / decay).exp() * (body + 0.9 * hiss)
                    }
                    1 => {
                        let note = [55.0, 73.42, 82.41, 55.0][(t / 0.75) as usize % 4];
                        let phase = (note * t).fract();
                        0.18 * (2.0 * PI * note * t).sin() + 0.05 * (2.0 * phase - 1.0)
                    }
                    2 => {
                        let swell = 0.5 - 0.4 * (2.0 * PI * t / 3.0).cos();
                        let detune = if channel == 0 { 1.0 } else { 1.003 };
                        swell
                            * [261.63, 329.63, 392.0]
                                .iter()
                                .map(|hz| 0.05 * (2.0 * PI * hz * detune * t).sin())
                                .sum::<f64>()
                    }
                    _ => 0.0,
                }
            };
            let stem = if index == 3 {
                // Syllables: 180 ms bursts with 70 ms gaps, the same on both channels.
                let syllable = t % 0.25;
                let envelope = if syllable < 0.18 {
                    (PI * syllable / 0.18).sin()
                } else {
                    0.0
                };
                let breath = voice[0].next(noise(300 + take, frame as u64, 0));
                let hiss = voice[1].next(breath);
                // Voiced: 180 Hz with vibrato and its first formant harmonics; breath.
                let phase = 2.0 * PI * 180.0 * t + 2.0 * (2.0 * PI * 4.0 * t).sin();
                let voiced = phase.sin() + 0.5 * (2.0 * phase).sin() + 0.3 * (3.0 * phase).sin();
                let vocal = envelope * (0.3 * voiced + 0.15 * hiss);
                [vocal, vocal]
            } else {
                [sample(0, &mut bands), sample(1, &mut bands)]
            };
            // Levels that leave the mix's peaks under full scale.
            stem.map(|sample| 0.5 * sample)
        })
        .collect()
}

fn real_stems() -> Vec<Stereo> {
    (0..REAL_STEMS.len())
        .map(|index| std::rc::Rc::new(real_stem(index, 0)))
        .collect()
}

fn real_mix(stems: &[Stereo]) -> Vec<[f64; 2]> {
    let mix: Vec<[f64; 2]> = (0..REAL_FRAMES)
        .map(|frame| {
            let sum = |channel: usize| stems.iter().map(|stem| stem[frame][channel]).sum();
            [sum(0), sum(1)]
        })
        .collect();
    let peak = mix
        .iter()
        .flatten()
        .fold(0.0f64, |peak, s| peak.max(s.abs()));
    assert!(peak < 1.0, "the mix peaks at {peak}");
    mix
}

fn write_stereo(dir: &Path, name: &str, samples: Stereo) {
    Wav::new(RATE, 24, 2)
        .frames(REAL_FRAMES as u64)
        .with(move |frame, channel| {
            samples
                .get(frame as usize)
                .map_or(0.0, |pair| pair[usize::from(channel)])
        })
        .write(dir, name);
}

/// The delivery: `delivered` stems (None: left out) against the mix of `in_mix`.
fn real_delivery(in_mix: &[Stereo], delivered: &[Option<Stereo>]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, stem) in REAL_STEMS.iter().zip(delivered) {
        if let Some(stem) = stem {
            write_stereo(dir.path(), name, stem.clone());
        }
    }
    write_stereo(dir.path(), REAL_MIX, std::rc::Rc::new(real_mix(in_mix)));
    write_notes(dir.path());
    dir
}

/// The stems as in the mix, stem `index` replaced by `change(stem)`.
fn real_changed(
    stems: &[Stereo],
    index: usize,
    change: impl Fn(&[[f64; 2]]) -> Vec<[f64; 2]>,
) -> Vec<Option<Stereo>> {
    stems
        .iter()
        .enumerate()
        .map(|(at, stem)| {
            Some(if at == index {
                std::rc::Rc::new(change(stem))
            } else {
                stem.clone()
            })
        })
        .collect()
}

/// The null test's one finding, printed with the measurement.
fn real_verdict(label: &str, dir: &Path) -> (Measurement, Vec<Diagnostic>) {
    let report = check_with(dir, "stems");
    let measured = measurement(&report);
    let found: Vec<Diagnostic> = findings(&report, "stems/sum-mismatch")
        .into_iter()
        .cloned()
        .collect();
    eprintln!(
        "{label}: depth {:?} dB, explanation {:?}, worst window {:?}..{:?} s",
        measured
            .null_depth_db
            .map(|depth| (depth * 10.0).round() / 10.0),
        measured.explanation,
        measured.worst_window_s,
        measured.worst_window_end_s,
    );
    for diagnostic in &found {
        eprintln!("  {}: {}", diagnostic.severity, diagnostic.message);
    }
    (measured, found)
}

/// One error, on `path`, whose message starts with `start`.
fn one_error(found: &[Diagnostic], path: &str, start: &str) {
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Error, "{found:#?}");
    assert_eq!(found[0].path.as_deref(), Some(path));
    assert!(found[0].message.starts_with(start), "{}", found[0].message);
}

#[test]
fn realistic_stems_that_sum_to_the_mix_pass() {
    let stems = real_stems();
    let delivered: Vec<Option<Stereo>> = stems.iter().cloned().map(Some).collect();
    let dir = real_delivery(&stems, &delivered);
    let (measured, found) = real_verdict("exact sum", dir.path());
    assert!(depth(&measured) < -115.0, "{measured:?}");
    assert_eq!(measured.explanation, None);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_vocal_one_sample_late_is_named_at_any_depth() {
    let stems = real_stems();
    let late = real_changed(&stems, 3, |stem| {
        std::iter::once([0.0; 2])
            .chain(stem[..stem.len() - 1].iter().copied())
            .collect()
    });
    let dir = real_delivery(&stems, &late);
    let (measured, found) = real_verdict("vocals 1 sample late", dir.path());
    one_error(&found, REAL_STEMS[3], "`04_Vocals.wav` is 1 sample late: ");
    // Deeper than the stems profile's threshold: by depth alone it would pass.
    assert!(depth(&measured) < -25.0, "{measured:?}");
    // The worst window is where a syllable is.
    let start = measured.worst_window_s.expect("a worst window");
    assert_eq!(measured.worst_window_end_s, Some(start + 0.1));
}

#[test]
fn stems_a_few_samples_early_or_late_are_named_with_the_shift() {
    let stems = real_stems();
    for (shift, text) in [(-3i64, "3 samples early"), (40, "40 samples late")] {
        let moved = real_changed(&stems, 0, |stem| {
            (0..stem.len() as i64)
                .map(|frame| {
                    usize::try_from(frame - shift)
                        .ok()
                        .and_then(|at| stem.get(at).copied())
                        .unwrap_or([0.0; 2])
                })
                .collect()
        });
        let dir = real_delivery(&stems, &moved);
        let (_, found) = real_verdict(&format!("drums {text}"), dir.path());
        one_error(
            &found,
            REAL_STEMS[0],
            &format!("`01_Drums.wav` is {text}: "),
        );
    }
}

#[test]
fn a_stem_one_db_down_is_named_with_its_gain() {
    let stems = real_stems();
    let gain = support::db_to_gain(-1.0);
    let quieter = real_changed(&stems, 2, |stem| {
        stem.iter().map(|&[l, r]| [gain * l, gain * r]).collect()
    });
    let dir = real_delivery(&stems, &quieter);
    let (measured, found) = real_verdict("music -1 dB", dir.path());
    one_error(
        &found,
        REAL_STEMS[2],
        "`03_Music.wav` is 1.00 dB quieter than in the mix: ",
    );
    // A quiet pad 1 dB down nulls deep enough to pass on depth alone.
    assert!(depth(&measured) < -25.0, "{measured:?}");
}

/// A stem of another length no longer skips the null test: the files are summed over the
/// length they all hold, and one run reports the length and the stem's change.
#[test]
fn stems_of_different_lengths_are_summed_over_the_length_they_share() {
    let stems = real_stems();
    let gain = support::db_to_gain(-1.0);
    let delivered = real_changed(&stems, 3, |stem| {
        stem.iter().map(|&[l, r]| [gain * l, gain * r]).collect()
    });
    let dir = real_delivery(&stems, &delivered);
    // The drums exported again half a second short.
    let short = REAL_FRAMES - 24_000;
    Wav::new(RATE, 24, 2)
        .frames(short as u64)
        .with({
            let drums = stems[0].clone();
            move |frame, channel| drums[frame as usize][usize::from(channel)]
        })
        .write(dir.path(), REAL_STEMS[0]);
    let report = check_with(dir.path(), "stems");
    let measured = measurement(&report);
    assert!(measured.lengths_differ, "{measured:?}");
    assert_eq!(measured.frames, short as u64);
    let found = findings(&report, "stems/sum-mismatch");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path.as_deref(), Some(REAL_STEMS[3]));
    assert!(
        found[0]
            .message
            .starts_with("`04_Vocals.wav` is 1.00 dB quieter than in the mix: ")
            && found[0].message.contains(
                "the files differ in length (`length/mismatch`): summed over the first 2.500 s"
            ),
        "{}",
        found[0].message
    );
    assert!(findings(&report, "length/mismatch")
        .iter()
        .any(|d| d.path.as_deref() == Some(REAL_STEMS[0])));
    let lines = stemlint::render::human::null_test_lines(&report);
    assert!(
        lines.contains("over the first 2.500 s, which every file holds"),
        "{lines}"
    );
    let page = stemlint::render::html::render(&report, &run());
    assert!(
        page.contains("summed over the first 2.500 s, which every file holds"),
        "the page's null test"
    );
}

fn run() -> stemlint::render::Run {
    stemlint::render::Run {
        command_line: "stemlint check".to_owned(),
        date: "2026-11-28 12:00 UTC".to_owned(),
    }
}

#[test]
fn a_polarity_flip_is_named() {
    let stems = real_stems();
    let flipped = real_changed(&stems, 1, |stem| {
        stem.iter().map(|&[l, r]| [-l, -r]).collect()
    });
    let dir = real_delivery(&stems, &flipped);
    let (_, found) = real_verdict("bass inverted", dir.path());
    one_error(
        &found,
        REAL_STEMS[1],
        "`02_Bass.wav` is polarity-inverted: ",
    );
}

#[test]
fn a_replaced_stem_is_named() {
    // The second half of the vocal is another take: the residual follows the vocal partly,
    // and the other stems null.
    let stems = real_stems();
    let other_take = real_stem(3, 1);
    let replaced = real_changed(&stems, 3, |stem| {
        stem.iter()
            .zip(&other_take)
            .enumerate()
            .map(|(frame, (old, new))| if frame < REAL_FRAMES / 2 { *old } else { *new })
            .collect()
    });
    let dir = real_delivery(&stems, &replaced);
    let (measured, found) = real_verdict("vocals: another take", dir.path());
    one_error(
        &found,
        REAL_STEMS[3],
        &format!("`04_Vocals.wav` is not the print that is in `{REAL_MIX}`"),
    );
    // The change is in the second half, and so is the loudest residual.
    assert!(measured.worst_window_s.is_some_and(|at| at >= 1.5));
}

#[test]
fn a_stem_left_out_is_part_of_the_mix_not_delivered() {
    let stems = real_stems();
    let mut delivered: Vec<Option<Stereo>> = stems.iter().cloned().map(Some).collect();
    delivered[2] = None;
    let dir = real_delivery(&stems, &delivered);
    let (_, found) = real_verdict("music left out", dir.path());
    one_error(
        &found,
        REAL_MIX,
        &format!("the stems do not contain part of `{REAL_MIX}`"),
    );
}

#[test]
fn a_mono_stem_in_a_stereo_set_is_summed_as_centred_dual_mono() {
    // The vocal delivered mono (it is centred in the mix): the null test still runs, and a
    // second problem, the bass turned down, is reported in the same run.
    let stems = real_stems();
    let gain = support::db_to_gain(-1.0);
    let delivered = real_changed(&stems, 1, |stem| {
        stem.iter().map(|&[l, r]| [gain * l, gain * r]).collect()
    });
    let dir = real_delivery(&stems, &delivered);
    let vocal = stems[3].clone();
    Wav::new(RATE, 24, 1)
        .frames(REAL_FRAMES as u64)
        .with(move |frame, _| vocal.get(frame as usize).map_or(0.0, |pair| pair[0]))
        .write(dir.path(), REAL_STEMS[3]);
    let (measured, found) = real_verdict("mono vocal, bass -1 dB", dir.path());
    assert_eq!(measured.dual_mono, [REAL_STEMS[3]]);
    one_error(
        &found,
        REAL_STEMS[1],
        "`02_Bass.wav` is 1.00 dB quieter than in the mix: ",
    );
    assert!(
        found[0].message.ends_with(
            "; `04_Vocals.wav` is mono and was summed as centred dual-mono (each sample to both channels, at unity)"
        ),
        "{}",
        found[0].message
    );
    let report = check_with(dir.path(), "stems");
    let channels = findings(&report, "format/channels");
    assert_eq!(channels.len(), 1, "{channels:#?}");
    assert_eq!(channels[0].path.as_deref(), Some(REAL_STEMS[3]));

    // Alone, the mono vocal nulls: no finding from the null test.
    let delivered: Vec<Option<Stereo>> = stems.iter().cloned().map(Some).collect();
    let dir = real_delivery(&stems, &delivered);
    let vocal = stems[3].clone();
    Wav::new(RATE, 24, 1)
        .frames(REAL_FRAMES as u64)
        .with(move |frame, _| vocal.get(frame as usize).map_or(0.0, |pair| pair[0]))
        .write(dir.path(), REAL_STEMS[3]);
    let (measured, found) = real_verdict("mono vocal", dir.path());
    assert!(depth(&measured) < -115.0, "{measured:?}");
    assert!(found.is_empty(), "{found:#?}");
    let lines = human::null_test_lines(&check_with(dir.path(), "stems"));
    assert_eq!(
        lines,
        format!(
            "null test: 4 stems against `{REAL_MIX}`: null depth {:.1} dB (1 mono stem summed as centred dual-mono)\n",
            depth(&measured)
        )
    );
}

#[test]
fn mix_bus_saturation_follows_no_stem_and_keeps_the_depth_threshold() {
    let stems = real_stems();
    let delivered: Vec<Option<Stereo>> = stems.iter().cloned().map(Some).collect();
    for (drive_db, caught) in [(-6.0, false), (6.0, true)] {
        let dir = real_delivery(&stems, &delivered);
        let drive = support::db_to_gain(drive_db);
        let saturated: Vec<[f64; 2]> = real_mix(&stems)
            .iter()
            .map(|&[l, r]| [(drive * l).tanh() / drive, (drive * r).tanh() / drive])
            .collect();
        write_stereo(dir.path(), REAL_MIX, std::rc::Rc::new(saturated));
        let (measured, found) =
            real_verdict(&format!("bus saturation, drive {drive_db} dB"), dir.path());
        assert_eq!(measured.explanation, None, "{measured:?}");
        assert_eq!(!found.is_empty(), caught, "{found:#?}");
        assert!(found
            .iter()
            .all(|found| found.severity == Severity::Warning));
        // It follows the sum more than any stem: no stem is blamed, the mix bus is.
        assert_eq!(measured.suspect, None, "{measured:?}");
        assert!(
            measured.sum_correlation.is_some_and(|whole| whole > 0.5),
            "{measured:?}"
        );
        for found in &found {
            assert_eq!(found.path.as_deref(), Some(REAL_MIX));
            assert!(
                found
                    .message
                    .contains("the residual follows the stems' sum"),
                "{}",
                found.message
            );
        }
        if caught {
            let page = stemlint::render::html::render(&check_with(dir.path(), "stems"), &run());
            assert!(
                page.contains("the residual follows the stems' sum, no single stem ("),
                "the page's null test"
            );
        }
    }
}

/// The mix changed as a whole after the stems were printed (a master fader, a polarity
/// switch, an export that starts a few samples off): the change is the mix's, named on it, at
/// any depth; no stem is blamed (the residual follows the loudest stem too, 0.7 and more).
#[test]
fn a_mix_changed_as_a_whole_is_named_on_the_mix_not_on_a_stem() {
    let stems = real_stems();
    let delivered: Vec<Option<Stereo>> = stems.iter().cloned().map(Some).collect();
    let mix = real_mix(&stems);
    let cases: [(&str, Vec<[f64; 2]>, &str); 4] = [
        (
            "mix 1 dB down",
            mix.iter()
                .map(|&[l, r]| [0.891_250_938 * l, 0.891_250_938 * r])
                .collect(),
            "`Song_Mix.wav` is the stems' sum 1.00 dB quieter: ",
        ),
        (
            "mix inverted",
            mix.iter().map(|&[l, r]| [-l, -r]).collect(),
            "`Song_Mix.wav` is the stems' sum polarity-inverted: ",
        ),
        (
            "mix 2 samples late",
            std::iter::repeat_n([0.0, 0.0], 2)
                .chain(mix.iter().copied())
                .take(mix.len())
                .collect(),
            "`Song_Mix.wav` is the stems' sum 2 samples late: ",
        ),
        (
            "mix 0.5 dB up, 1 sample early",
            mix.iter()
                .skip(1)
                .copied()
                .chain(std::iter::once([0.0, 0.0]))
                .map(|[l, r]| [1.059_253_725 * l, 1.059_253_725 * r])
                .collect(),
            "`Song_Mix.wav` is the stems' sum 1 sample early and 0.50 dB louder: ",
        ),
    ];
    for (label, changed, start) in cases {
        let dir = real_delivery(&stems, &delivered);
        write_stereo(dir.path(), REAL_MIX, std::rc::Rc::new(changed));
        let (measured, found) = real_verdict(label, dir.path());
        assert!(
            matches!(measured.explanation, Some(Explanation::Mix { .. })),
            "{label}: {measured:?}"
        );
        one_error(&found, REAL_MIX, start);
    }
}

#[test]
fn a_dithered_16_bit_mix_is_not_part_of_the_mix_missing() {
    // TPDF dither at 16 bits leaves white noise orthogonal to every stem: rounding, not
    // programme left out.
    let stems = real_stems();
    let delivered: Vec<Option<Stereo>> = stems.iter().cloned().map(Some).collect();
    let dir = real_delivery(&stems, &delivered);
    let mix = real_mix(&stems);
    let lsb = 1.0 / 32768.0;
    Wav::new(RATE, 16, 2)
        .frames(REAL_FRAMES as u64)
        .with(move |frame, channel| {
            let dither = (noise(7, frame, channel) + noise(8, frame, channel)) * 0.5 * lsb;
            mix[frame as usize][usize::from(channel)] + dither
        })
        .write(dir.path(), REAL_MIX);
    let (measured, found) = real_verdict("16-bit dithered mix", dir.path());
    assert_eq!(measured.explanation, None, "{measured:?}");
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn other_channel_layouts_still_skip_the_null_test() {
    // Only a mono stem in a stereo set is summed as dual-mono: stereo stems against a mono
    // mix, or a stem at another rate, skip the test with the reason.
    for (mix_channels, stem_rate, reason) in [
        (
            1u16,
            RATE,
            "`AB_Song_Bass_48k24.wav` has 2 channels and the mix 1",
        ),
        (
            2,
            44100,
            "`AB_Song_Bass_48k24.wav` is at 44100 Hz and the mix at 48000 Hz",
        ),
    ] {
        let dir = tempfile::tempdir().expect("a temporary directory");
        Wav::new(stem_rate, 24, 2)
            .frames(FRAMES)
            .with(|frame, channel| stem_signal(1, frame as i64, channel))
            .write(dir.path(), &stem_name(1));
        Wav::new(RATE, 24, mix_channels)
            .frames(FRAMES)
            .with(|frame, channel| stem_signal(1, frame as i64, channel))
            .write(dir.path(), MIX);
        let report = check_with(dir.path(), "stems");
        let skipped = findings(&report, "stems/sum-mismatch");
        assert_eq!(skipped.len(), 1, "{skipped:#?}");
        assert_eq!(skipped[0].severity, Severity::Info);
        assert!(
            skipped[0].message.ends_with(reason),
            "{}",
            skipped[0].message
        );
    }
}

/// Runs the binary with `--jobs N` (None: the default, one worker per core) and JSON output,
/// killed after `seconds`: None when it did not finish.
fn run_jobs(dir: &Path, jobs: Option<&str>, seconds: u64) -> Option<serde_json::Value> {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .args([
            "check",
            "--profile",
            "stems",
            "--format",
            "json",
            "--no-cache",
        ])
        .args(jobs.map(|jobs| ["--jobs", jobs]).into_iter().flatten())
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(seconds) {
        if child
            .try_wait()
            .expect("the child can be waited for")
            .is_some()
        {
            let output = child.wait_with_output().expect("its output");
            return Some(serde_json::from_slice(&output.stdout).expect("JSON on stdout"));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn every_core_measures_each_file_as_one_job_does_and_the_null_test_does_not_stall() {
    // The stems are read by threads of the null test's own, outside the worker pool, while a
    // file read by a pool worker splits its work between the workers: neither may wait for
    // the other (a run that hands the null test's work to a busy pool never ends).
    // Long enough (12 s, 27 blocks a file) for the null test's channels to fill up.
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_delivery_of(dir.path(), u64::from(RATE) * 12, 1, Change::Quieter);
    let one = run_jobs(dir.path(), Some("1"), 120).expect("--jobs 1 finishes");
    // The stall was a race, one run in three: several runs.
    let mut two = None;
    for _ in 0..8 {
        two = Some(run_jobs(dir.path(), None, 60).expect("a run on every core finishes"));
    }
    let two = two.expect("runs");
    let files = |report: &serde_json::Value| report["deliveries"][0]["files"].clone();
    assert_eq!(files(&one), files(&two), "the same figures, bit for bit");
    let rules = |report: &serde_json::Value| -> Vec<String> {
        report["deliveries"][0]["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|diagnostic| diagnostic["rule"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(rules(&one), rules(&two));
    assert!(
        rules(&two).iter().any(|rule| rule == "stems/sum-mismatch"),
        "{:?}",
        rules(&two)
    );
}

#[test]
fn a_long_file_shared_by_two_threads_measures_as_one_thread_does() {
    // A delivery of one file of 25 s: with a worker free, two threads share its measurements;
    // every figure must be the one a single thread gives.
    let dir = tempfile::tempdir().expect("a temporary directory");
    stereo()
        .frames(u64::from(RATE) * 25)
        .with(|frame, channel| mix_signal(frame as i64, channel))
        .write(dir.path(), MIX);
    write_notes(dir.path());
    let one = run_jobs(dir.path(), Some("1"), 120).expect("--jobs 1 finishes");
    let all = run_jobs(dir.path(), None, 120).expect("a run on every core finishes");
    let files = |report: &serde_json::Value| report["deliveries"][0]["files"].clone();
    assert_eq!(files(&one), files(&all));
    let analysis = &files(&all)[0]["analysis"];
    for figure in [
        "integrated_lufs",
        "true_peak_dbtp",
        "sample_peak_dbfs",
        "rms_dbfs",
    ] {
        assert!(analysis[figure].is_number(), "{figure}: {analysis}");
    }
    assert!(
        analysis["limiter"]["windows"].as_u64() > Some(400),
        "{analysis}"
    );
}
