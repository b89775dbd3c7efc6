//! Every rule of the core and signal families: a delivery that triggers it, and a near miss
//! that must not. Deliveries are built in tempdirs with the fixture builder.

mod support;

use std::path::{Path, PathBuf};

use stemlint::{check, Options, ScanMode};
use support::{write_raw, Wav};

/// A clean track: programme-like, 48 kHz / 24-bit mono, one second.
fn track(seed: u64) -> Wav {
    Wav::new(48000, 24, 1)
        .hits(100.0 + 50.0 * seed as f64, -8.0, seed)
        .seconds(1.0)
}

const NOTES: &str = "Tempo: 120 BPM\nMeter: 4/4\nKey: C\nFormat: 48 kHz / 24-bit\n";

/// A tempdir holding a clean three-track delivery with notes.
fn clean_delivery() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a tempdir");
    track(1).write(dir.path(), "01_Kick.wav");
    track(2).write(dir.path(), "02_Snare.wav");
    track(3).write(dir.path(), "03_Bass.wav");
    std::fs::write(dir.path().join("notes.txt"), NOTES).expect("notes written");
    dir
}

/// (rule, path) of every finding, with `options`.
fn findings_with(dir: &Path, options: &Options) -> Vec<(String, String)> {
    let report = check(&[PathBuf::from(dir)], options).expect("the check runs");
    report
        .deliveries
        .iter()
        .flat_map(|delivery| &delivery.diagnostics)
        .map(|diagnostic| {
            (
                diagnostic.rule.to_owned(),
                diagnostic.path.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn findings(dir: &Path) -> Vec<(String, String)> {
    findings_with(dir, &Options::default())
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(rule, path)| ((*rule).to_owned(), (*path).to_owned()))
        .collect()
}

/// The measurements of the file `name` of the report's first delivery.
fn analysed(report: &stemlint::Report, name: &str) -> stemlint::model::analysis::Analysis {
    report.deliveries[0]
        .delivery
        .files
        .iter()
        .find(|file| file.rel == name)
        .and_then(|file| file.analysis.clone())
        .expect("analysed")
}

fn messages(dir: &Path, rule: &str) -> Vec<String> {
    let report = check(&[PathBuf::from(dir)], &Options::default()).expect("the check runs");
    report
        .deliveries
        .iter()
        .flat_map(|delivery| &delivery.diagnostics)
        .filter(|diagnostic| diagnostic.rule == rule)
        .map(|diagnostic| diagnostic.message.clone())
        .collect()
}

#[test]
fn a_clean_delivery_has_no_findings() {
    let dir = clean_delivery();
    assert_eq!(findings(dir.path()), []);
}

#[test]
fn sample_rate_and_bit_depth_and_channels() {
    let dir = clean_delivery();
    Wav::new(44100, 24, 1)
        .hits(300.0, -8.0, 4)
        .seconds(1.0)
        .write(dir.path(), "04_Gtr.wav");
    Wav::new(48000, 16, 1)
        .hits(300.0, -8.0, 5)
        .seconds(1.0)
        .write(dir.path(), "05_Keys.wav");
    Wav::new(48000, 24, 6)
        .hits(300.0, -8.0, 6)
        .seconds(1.0)
        .write(dir.path(), "06_Room.wav");
    assert_eq!(
        findings(dir.path()),
        pairs(&[
            ("format/sample-rate", "04_Gtr.wav"),
            ("format/bit-depth", "05_Keys.wav"),
            ("format/channels", "06_Room.wav"),
        ])
    );
    assert_eq!(
        messages(dir.path(), "format/sample-rate"),
        ["sample rate is 44.1 kHz, the profile wants 48 kHz"]
    );
}

#[test]
fn stereo_track_and_float_are_near_misses_when_allowed() {
    let dir = clean_delivery();
    Wav::new(48000, 24, 2)
        .hits(300.0, -8.0, 4)
        .seconds(1.0)
        .write(dir.path(), "04_Overheads.wav");
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "rules:\n  format/bit-depth:\n    accept: [int24, float32]\n",
    )
    .expect("config written");
    Wav::new(48000, 24, 1)
        .float()
        .hits(300.0, -8.0, 5)
        .seconds(1.0)
        .write(dir.path(), "05_Synth.wav");
    assert_eq!(findings(dir.path()), []);
}

#[test]
fn length_mismatch_names_the_outlier_with_samples_and_time() {
    let dir = clean_delivery();
    track(4).frames(48000 - 3).write(dir.path(), "04_Gtr.wav");
    assert_eq!(
        findings(dir.path()),
        pairs(&[("length/mismatch", "04_Gtr.wav")])
    );
    let message = &messages(dir.path(), "length/mismatch")[0];
    assert!(message.starts_with("3 samples shorter"), "{message}");
    assert!(message.contains("47997 frames"), "{message}");
}

#[test]
fn length_mismatch_with_no_common_length_is_measured_against_the_longest_file_named() {
    let dir = tempfile::tempdir().expect("a tempdir");
    std::fs::write(dir.path().join("notes.txt"), NOTES).expect("notes written");
    track(1).frames(48_000).write(dir.path(), "01_Kick.wav");
    track(2).frames(47_000).write(dir.path(), "02_Snare.wav");
    track(3).frames(46_000).write(dir.path(), "03_Bass.wav");
    assert_eq!(
        findings(dir.path()),
        pairs(&[
            ("length/mismatch", "02_Snare.wav"),
            ("length/mismatch", "03_Bass.wav")
        ])
    );
    let message = &messages(dir.path(), "length/mismatch")[0];
    assert!(
        message
            .starts_with("1000 samples shorter than the longest file, 01_Kick.wav: 47000 frames"),
        "{message}"
    );
    assert!(
        message.ends_with("no two of the 3 files are the same length"),
        "{message}"
    );
}

#[test]
fn a_file_at_another_rate_is_compared_in_time_too() {
    let dir = clean_delivery();
    // One second at 44.1 kHz lines up with the others in time: the rate is the finding.
    Wav::new(44_100, 24, 1)
        .hits(220.0, -8.0, 4)
        .frames(44_100)
        .write(dir.path(), "04_Gtr.wav");
    // Half a second at 44.1 kHz is short as well.
    Wav::new(44_100, 24, 1)
        .hits(330.0, -8.0, 5)
        .frames(22_050)
        .write(dir.path(), "05_Keys.wav");
    let found = findings(dir.path());
    assert!(
        found.contains(&("format/sample-rate".into(), "04_Gtr.wav".into())),
        "{found:?}"
    );
    let lengths: Vec<_> = found
        .iter()
        .filter(|(rule, _)| rule == "length/mismatch")
        .collect();
    assert_eq!(
        lengths,
        [&("length/mismatch".to_owned(), "05_Keys.wav".to_owned())]
    );
    let message = &messages(dir.path(), "length/mismatch")[0];
    assert!(
        message.starts_with("0.500 s shorter than the other files: 22050 frames at 44.1 kHz (0.500 s) against 48000 frames at 48 kHz (1.000 s)"),
        "{message}"
    );
    assert!(
        message.ends_with("its sample rate differs too"),
        "{message}"
    );
}

#[test]
fn truncated_and_garbage_files_are_findings_and_the_rest_is_still_checked() {
    let dir = clean_delivery();
    track(4)
        .truncate_bytes(3000)
        .write(dir.path(), "04_Gtr.wav");
    write_raw(dir.path(), "05_Keys.wav", b"this is not audio at all");
    track(6)
        .sine(440.0, -6.0)
        .frames(48000 - 1)
        .write(dir.path(), "06_Pad.wav");
    let found = findings(dir.path());
    assert!(
        found.contains(&("file/corrupt".into(), "04_Gtr.wav".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("file/not-audio".into(), "05_Keys.wav".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("length/mismatch".into(), "06_Pad.wav".into())),
        "{found:?}"
    );
}

#[test]
fn an_mp3_named_wav_is_lossy_audio_not_a_clean_file() {
    let dir = clean_delivery();
    let mp3 = std::fs::read("tests/fixtures/mp3_renamed.wav").expect("fixture present");
    write_raw(dir.path(), "04_Vox.wav", &mp3);
    let found = findings(dir.path());
    assert!(
        found.contains(&("format/container".into(), "04_Vox.wav".into())),
        "{found:?}"
    );
    let message = &messages(dir.path(), "format/container")[0];
    assert!(message.contains("lossy MP3"), "{message}");
    assert!(message.contains("named `.wav`"), "{message}");
}

#[test]
fn naming_pattern_numbering_and_portability() {
    let dir = clean_delivery();
    track(5).write(dir.path(), "05_Keys.wav");
    track(6).write(dir.path(), "05_Pad.wav");
    track(7).write(dir.path(), "Audio 1_07.wav");
    track(8).write(dir.path(), "08_Gtr:Solo.wav");
    let found = findings(dir.path());
    for expected in [
        ("naming/numbering", "05_Keys.wav"),
        ("naming/numbering", "05_Pad.wav"),
        ("naming/numbering", "05_Keys.wav"),
        ("naming/pattern", "Audio 1_07.wav"),
        ("naming/portable", "08_Gtr:Solo.wav"),
    ] {
        assert!(
            found.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {found:?}"
        );
    }
    let numbering = messages(dir.path(), "naming/numbering");
    assert!(
        numbering
            .iter()
            .any(|message| message.contains("no track 04")),
        "{numbering:?}"
    );
}

#[test]
fn dual_mono_partners_share_a_number_and_case_collisions_are_reported() {
    let dir = clean_delivery();
    track(4).write(dir.path(), "04_Keys.L.wav");
    track(5).write(dir.path(), "04_Keys.R.wav");
    assert_eq!(findings(dir.path()), []);
    track(6).write(dir.path(), "04_keys.l.WAV");
    let found = findings(dir.path());
    assert!(
        found.contains(&("naming/portable".into(), "04_Keys.L.wav".into())),
        "{found:?}"
    );
}

#[test]
fn amp_sim_without_di_and_with_di() {
    let dir = clean_delivery();
    track(4).write(dir.path(), "04_GtrAmp.wav");
    assert_eq!(
        findings(dir.path()),
        pairs(&[("companion/di-missing", "04_GtrAmp.wav")])
    );
    track(5).write(dir.path(), "05_GtrAmp_DI.wav");
    assert_eq!(findings(dir.path()), []);
}

#[test]
fn notes_missing_tempo_meter_and_mismatch() {
    let dir = clean_delivery();
    std::fs::remove_file(dir.path().join("notes.txt")).expect("notes removed");
    assert_eq!(findings(dir.path()), pairs(&[("notes/missing", "")]));

    std::fs::write(dir.path().join("notes.txt"), "Key: C\nTempo: TBD\n").expect("notes written");
    assert_eq!(
        findings(dir.path()),
        pairs(&[("notes/meter", "notes.txt"), ("notes/tempo", "notes.txt")])
    );

    std::fs::write(
        dir.path().join("README.txt"),
        "124bpm, time signature 6/8, 44.1k 16 bit. Files: 01_Kick.wav, 09_Pad.wav\n",
    )
    .expect("readme written");
    let mismatches = messages(dir.path(), "notes/mismatch");
    assert_eq!(
        mismatches,
        [
            "the notes say 44.1 kHz but the files are 48 kHz",
            "the notes say 16-bit but the files are 24-bit integer",
            "the notes list `09_Pad.wav`, which is not in the delivery",
        ]
    );
    assert!(!findings(dir.path())
        .iter()
        .any(|(rule, _)| rule == "notes/tempo" || rule == "notes/meter"));
}

#[test]
fn a_metronome_mark_is_a_tempo_and_free_time_answers_tempo_and_meter() {
    let dir = clean_delivery();
    std::fs::write(dir.path().join("notes.txt"), "Key: C\n♩ = 96, 4/4\n").expect("notes written");
    assert_eq!(findings(dir.path()), []);
    // Music without a grid, said so: nothing to ask for.
    std::fs::write(
        dir.path().join("notes.txt"),
        "Solo piano, played rubato without a click (free time).\n",
    )
    .expect("notes written");
    assert_eq!(findings(dir.path()), []);
    // Saying the notes lack a tempo is not free time.
    std::fs::write(dir.path().join("notes.txt"), "No tempo info yet, sorry.\n")
        .expect("notes written");
    assert_eq!(
        findings(dir.path()),
        pairs(&[("notes/meter", "notes.txt"), ("notes/tempo", "notes.txt")])
    );
}

#[test]
fn a_file_with_a_header_and_no_audio_is_reported() {
    let dir = clean_delivery();
    track(4).frames(0).write(dir.path(), "04_Gtr.wav");
    let found = findings(dir.path());
    assert!(
        found.contains(&("signal/silent".into(), "04_Gtr.wav".into())),
        "{found:?}"
    );
    assert_eq!(
        messages(dir.path(), "signal/silent"),
        ["holds no audio: the file has a header and 0 samples"]
    );
    let lengths = messages(dir.path(), "length/mismatch");
    assert!(
        lengths[0].contains(": 0 frames (0 s) against 48000 (1.000 s)"),
        "{lengths:?}"
    );
    // With --fast the header's count is all there is: no signal verdict.
    let fast = Options {
        mode: ScanMode::Fast,
        ..Options::default()
    };
    assert!(!findings_with(dir.path(), &fast)
        .iter()
        .any(|(rule, _)| rule == "signal/silent"));
}

#[test]
fn empty_delivery_and_strays() {
    let dir = tempfile::tempdir().expect("a tempdir");
    std::fs::write(dir.path().join(".DS_Store"), b"x").expect("written");
    std::fs::write(dir.path().join("Session.zip"), b"PK").expect("written");
    assert_eq!(
        findings(dir.path()),
        pairs(&[
            ("delivery/empty", ""),
            ("delivery/stray-file", ".DS_Store"),
            ("delivery/stray-file", "Session.zip"),
        ])
    );
    // A zip unpacked on a Mac: the metadata folder is one finding, not one per file in it.
    let mac = dir.path().join("__MACOSX").join("Song");
    std::fs::create_dir_all(&mac).expect("folders made");
    for name in ["._01_Kick.wav", "._02_Snare.wav", "._notes.txt"] {
        std::fs::write(mac.join(name), b"\x00\x05\x16\x07").expect("written");
    }
    assert_eq!(
        findings(dir.path()),
        pairs(&[
            ("delivery/empty", ""),
            ("delivery/stray-file", ".DS_Store"),
            ("delivery/stray-file", "Session.zip"),
            ("delivery/stray-file", "__MACOSX"),
        ])
    );
}

#[test]
fn audio_without_an_audio_extension_is_found_by_content() {
    let dir = clean_delivery();
    track(4).write(dir.path(), "04_Vox");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let names: Vec<&str> = report.deliveries[0]
        .delivery
        .files
        .iter()
        .map(|file| file.rel.as_str())
        .collect();
    assert!(names.contains(&"04_Vox"), "{names:?}");
}

#[test]
fn signal_rules_fire_on_their_defects() {
    let dir = clean_delivery();
    Wav::new(48000, 24, 1)
        .silence()
        .seconds(1.0)
        .write(dir.path(), "04_Silent.wav");
    Wav::new(48000, 24, 1)
        .clipped(440.0, 8.0)
        .seconds(1.0)
        .write(dir.path(), "05_Clipped.wav");
    Wav::new(48000, 24, 2)
        .hits(300.0, -8.0, 6)
        .identical_channels()
        .seconds(1.0)
        .write(dir.path(), "06_Mono.wav");
    Wav::new(48000, 24, 1)
        .hits(300.0, -8.0, 7)
        .padded(16)
        .seconds(1.0)
        .write(dir.path(), "07_Padded.wav");
    Wav::new(48000, 24, 1)
        .hits(300.0, -20.0, 8)
        .dc(0.05)
        .seconds(1.0)
        .write(dir.path(), "08_Dc.wav");
    Wav::new(48000, 24, 2)
        .hits(300.0, -8.0, 9)
        .inverted_right()
        .seconds(1.0)
        .write(dir.path(), "09_Flipped.wav");
    let found = findings(dir.path());
    for expected in [
        ("signal/silent", "04_Silent.wav"),
        ("signal/clipping", "05_Clipped.wav"),
        ("signal/fake-stereo", "06_Mono.wav"),
        ("signal/padded-bit-depth", "07_Padded.wav"),
        ("signal/dc-offset", "08_Dc.wav"),
        ("signal/phase", "09_Flipped.wav"),
    ] {
        assert!(
            found.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {found:?}"
        );
    }
    let phase = messages(dir.path(), "signal/phase");
    assert!(
        phase[0].starts_with("one channel is the other upside down"),
        "{phase:?}"
    );
    let clipping = messages(dir.path(), "signal/clipping");
    assert!(
        clipping[0].contains("the first at 00:00.000"),
        "{clipping:?}"
    );
}

#[test]
fn signal_near_misses_stay_quiet() {
    let dir = clean_delivery();
    // Quiet but not silent, loud but not clipped, a square wave below full scale, wide but
    // correlated stereo, genuine 24-bit noise.
    Wav::new(48000, 24, 1)
        .hits(300.0, -60.0, 4)
        .seconds(1.0)
        .write(dir.path(), "04_Quiet.wav");
    Wav::new(48000, 24, 1)
        .hits(300.0, -0.5, 5)
        .seconds(1.0)
        .write(dir.path(), "05_Loud.wav");
    Wav::new(48000, 24, 2)
        .hits(300.0, -8.0, 7)
        .seconds(1.0)
        .write(dir.path(), "06_Wide.wav");
    Wav::new(48000, 24, 1)
        .noise(-30.0, 8)
        .gain_db(0.0)
        .hits(200.0, -10.0, 8)
        .seconds(1.0)
        .write(dir.path(), "07_Noise.wav");
    Wav::new(48000, 24, 1)
        .square(100.0, -20.0)
        .seconds(1.0)
        .write(dir.path(), "08_Square.wav");
    let found: Vec<_> = findings(dir.path())
        .into_iter()
        .filter(|(rule, _)| rule.starts_with("signal/"))
        .collect();
    assert_eq!(found, []);
}

#[test]
fn a_mono_source_panned_or_on_one_side_is_found_and_stereo_near_it_is_not() {
    let dir = clean_delivery();
    let mono = |seed, dbfs| Wav::new(48000, 24, 2).hits(300.0, dbfs, seed).seconds(1.0);
    // Panned in the session before export: the right channel the left 6 dB down.
    mono(11, -8.0)
        .panned(&[0.0, -6.0])
        .write(dir.path(), "04_Panned.wav");
    // Quiet, and each channel dithered to 16 bits on its own: the dither is 40 dB under the
    // signal, so only its floor tells (`tracks-mono-in-stereo`'s quiet vocal).
    mono(12, -45.0)
        .panned(&[-3.0, 0.0])
        .dithered16(5)
        .write(dir.path(), "05_Quiet_Panned.wav");
    // Recorded on the left input only; and on the right only, exported with a noise-shaped
    // dither that leaves the left a steady hiss over the silence floor.
    mono(13, -8.0)
        .silent_channel(1)
        .write(dir.path(), "06_Left_Only.wav");
    mono(16, -8.0)
        .noise_on(0, -75.0, 3)
        .write(dir.path(), "09_Right_Only_Dithered.wav");
    // Near misses: one hit at two levels with a steady bed of its own 40 dB down in each
    // channel (at -53 dBFS RMS a production's noise bed, not a dither's or a converter's
    // hiss), and a surround file whose LFE is silent by design.
    mono(14, -8.0).write(dir.path(), "07_Pair.wav");
    Wav::new(48000, 24, 6)
        .hits(300.0, -8.0, 15)
        .silent_channel(3)
        .seconds(1.0)
        .write(dir.path(), "08_Surround.wav");
    let found: Vec<_> = findings(dir.path())
        .into_iter()
        .filter(|(rule, _)| rule.starts_with("signal/"))
        .collect();
    assert_eq!(
        found,
        pairs(&[
            ("signal/fake-stereo", "04_Panned.wav"),
            ("signal/fake-stereo", "05_Quiet_Panned.wav"),
            // A 16-bit export in a 24-bit file, as it should be.
            ("signal/padded-bit-depth", "05_Quiet_Panned.wav"),
            ("signal/silent", "06_Left_Only.wav"),
            ("signal/silent", "09_Right_Only_Dithered.wav"),
        ])
    );
    let panned = messages(dir.path(), "signal/fake-stereo");
    assert!(
        panned[0].contains("the right 6.0 dB under the left")
            && panned[0].contains("a mono source panned left"),
        "{panned:?}"
    );
    assert!(panned[1].contains("noise at -9"), "{panned:?}");
    let side = messages(dir.path(), "signal/silent");
    assert!(
        side[0].starts_with("the right channel is silent from start to end"),
        "{side:?}"
    );
    assert!(
        side[1].starts_with("the left channel carries only a steady noise"),
        "{side:?}"
    );
}

#[test]
fn an_anti_phase_stereo_effect_is_told_from_a_flipped_channel_by_its_mono_fold_down() {
    let dir = clean_delivery();
    // A signal in both channels, inverted in the right, and as much again of each channel's
    // own: correlation -0.7 (the mono fold-down 8.2 dB under the channels), an anti-phase
    // chorus or widener rather than a polarity switch.
    Wav::new(48000, 24, 2)
        .with(|frame, channel| {
            let shared = support::unit_hash(frame) - 0.5;
            let own = support::unit_hash(frame ^ (u64::from(channel + 1) << 40)) - 0.5;
            0.2 * (if channel == 0 { shared } else { -shared }) + 0.13 * own
        })
        .seconds(1.0)
        .write(dir.path(), "04_Wide.wav");
    let phase = messages(dir.path(), "signal/phase");
    assert_eq!(phase.len(), 1, "{phase:?}");
    assert!(
        phase[0].starts_with("the channels are out of phase: correlation -0.7")
            && phase[0].contains("folded to mono the part is 8."),
        "{phase:?}"
    );
}

#[test]
fn a_float_file_over_full_scale_is_reported_as_over_not_as_clipped() {
    let dir = clean_delivery();
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "rules:\n  format/bit-depth:\n    accept: [int24, float32]\n",
    )
    .expect("config written");
    // Hits 3 dB over full scale, kept by the float file.
    Wav::new(48000, 32, 1)
        .float()
        .hits(120.0, 0.0, 21)
        .gain_db(3.0)
        .seconds(2.0)
        .write(dir.path(), "04_Hot_Float.wav");
    // The same clipped at +2 dBFS in float: flat tops over full scale.
    Wav::new(48000, 32, 1)
        .float()
        .hits(120.0, 0.0, 21)
        .gain_db(6.0)
        .with_shaper(|value| value.clamp(-1.26, 1.26))
        .seconds(2.0)
        .write(dir.path(), "05_Clipped_Hot_Float.wav");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let clipping: Vec<(&str, &str, &str)> = report.deliveries[0]
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule == "signal/clipping")
        .map(|diagnostic| {
            (
                diagnostic.path.as_deref().unwrap_or(""),
                diagnostic.message.as_str(),
                diagnostic.help.as_str(),
            )
        })
        .collect();
    assert_eq!(clipping.len(), 3, "{clipping:?}");
    let (_, message, help) = clipping
        .iter()
        .find(|(path, _, _)| *path == "04_Hot_Float.wav")
        .expect("the hot float file");
    let peak = analysed(&report, "04_Hot_Float.wav")
        .sample_peak_dbfs
        .expect("a peak");
    assert!(peak > 2.0, "{peak}");
    assert!(
        message.starts_with("over full scale: ")
            && message.contains(&format!("the peak at {peak:+.2} dBFS")),
        "{message}"
    );
    // The gain that brings every sample under full scale, rounded up.
    let needed = format!(
        "turn it down by at least {:.2} dB",
        (peak * 100.0).ceil() / 100.0
    );
    assert!(help.starts_with(&needed), "{help} / {needed}");
    let clipped: Vec<&str> = clipping
        .iter()
        .filter(|(path, _, _)| *path == "05_Clipped_Hot_Float.wav")
        .map(|(_, message, _)| *message)
        .collect();
    assert!(
        clipped[0].starts_with("clipped above full scale: ")
            && clipped[0].contains("flat at +2.01 dBFS"),
        "{clipped:?}"
    );
    assert!(clipped[1].starts_with("over full scale: "), "{clipped:?}");
}

/// Hits driven 9 dB into a clipper, then turned down 6 dB: the flat tops sit at −6 dBFS.
fn clipped_then_turned_down(bits: u16) -> Wav {
    Wav::new(48000, bits, 1)
        .hits(120.0, 0.0, 21)
        .gain_db(9.0)
        .with_shaper(|value| value.clamp(-1.0, 1.0))
        .gain_db(-6.0)
        .seconds(2.0)
}

#[test]
fn clipped_then_turned_down_is_clipping_and_flat_waveforms_are_not() {
    let dir = clean_delivery();
    clipped_then_turned_down(24).write(dir.path(), "04_Clipped_Down.wav");
    clipped_then_turned_down(16).write(dir.path(), "05_Clipped_Down_16.wav");
    clipped_then_turned_down(32)
        .float()
        .write(dir.path(), "06_Clipped_Down_Float.wav");
    // Half a second of digital silence first (blocks of zeros are passed over whole).
    clipped_then_turned_down(24)
        .delayed(24_000)
        .seconds(2.5)
        .write(dir.path(), "11_Clipped_Down_Late.wav");
    // A square wave's tops are entered from the other side; a 30 Hz sine at 16 bits creeps
    // onto its top one step at a time; a trapezoid is flat by design, most of the time.
    Wav::new(48000, 24, 1)
        .square(110.0, -6.0)
        .seconds(2.0)
        .write(dir.path(), "07_Square.wav");
    Wav::new(48000, 16, 1)
        .sine(30.0, -20.0)
        .seconds(2.0)
        .write(dir.path(), "08_Low_Sine_16.wav");
    // A square as software synths make it (PolyBLEP: the samples either side of each edge
    // corrected, the tops exactly flat), reached from the other side within two samples.
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            let dt = 110.0 / 48000.0;
            let blep = |t: f64| {
                if t < dt {
                    let t = t / dt;
                    2.0 * t - t * t - 1.0
                } else if t > 1.0 - dt {
                    let t = (t - 1.0) / dt;
                    t * t + 2.0 * t + 1.0
                } else {
                    0.0
                }
            };
            let phase = (frame as f64 * dt).fract();
            let naive = if phase < 0.5 { 1.0 } else { -1.0 };
            0.5 * (naive + blep(phase) - blep((phase + 0.5).fract()))
        })
        .seconds(2.0)
        .write(dir.path(), "10_PolyBLEP_Square.wav");
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            let phase = (110.0 * frame as f64 / 48000.0).fract();
            let triangle = 4.0 * (phase - 0.5).abs() - 1.0;
            0.5 * (3.0 * triangle).clamp(-1.0, 1.0)
        })
        .seconds(2.0)
        .write(dir.path(), "09_Trapezoid.wav");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let clipping: Vec<(String, String)> = report.deliveries[0]
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule == "signal/clipping")
        .map(|diagnostic| {
            (
                diagnostic.path.clone().unwrap_or_default(),
                diagnostic.message.clone(),
            )
        })
        .collect();
    let paths: Vec<&str> = clipping.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "04_Clipped_Down.wav",
            "05_Clipped_Down_16.wav",
            "06_Clipped_Down_Float.wav",
            "11_Clipped_Down_Late.wav"
        ],
        "{clipping:?}"
    );
    for (path, message) in &clipping {
        assert!(
            message.contains("clipped below full scale") && message.contains("flat at -6.00 dBFS"),
            "{path}: {message}"
        );
    }
    let flat = analysed(&report, "04_Clipped_Down.wav")
        .flat_top
        .expect("flat tops measured");
    assert!(flat.runs >= 8 && flat.share < 0.25, "{flat:?}");
    let trapezoid = analysed(&report, "09_Trapezoid.wav")
        .flat_top
        .expect("a trapezoid's tops are flat");
    assert!(trapezoid.share > 0.25, "{trapezoid:?}");
    assert_eq!(analysed(&report, "07_Square.wav").flat_top, None);
    assert_eq!(analysed(&report, "08_Low_Sine_16.wav").flat_top, None);
    assert_eq!(analysed(&report, "10_PolyBLEP_Square.wav").flat_top, None);
}

#[test]
fn fast_mode_skips_signal_rules_and_reports_header_frames() {
    let dir = clean_delivery();
    Wav::new(48000, 24, 1)
        .silence()
        .seconds(1.0)
        .write(dir.path(), "04_Silent.wav");
    let options = Options {
        mode: ScanMode::Fast,
        ..Options::default()
    };
    assert_eq!(findings_with(dir.path(), &options), []);
    let report = check(&[dir.path().to_path_buf()], &options).expect("runs");
    let file = &report.deliveries[0].delivery.files[0];
    assert_eq!(file.facts.as_ref().map(|facts| facts.frames), Some(48000));
    assert!(file.analysis.is_none());
}

#[test]
fn config_overrides_severity_parameters_and_ignores() {
    let dir = clean_delivery();
    Wav::new(44100, 24, 1)
        .hits(300.0, -8.0, 4)
        .seconds(1.0)
        .write(dir.path(), "04_Gtr.wav");
    std::fs::create_dir(dir.path().join("Bounces")).expect("dir");
    Wav::new(22050, 8, 1)
        .seconds(0.1)
        .write(&dir.path().join("Bounces"), "old.wav");
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "profile: tracks\nrules:\n  format/sample-rate:\n    rates: [44100, 48000]\n    consistent: false\n  length/mismatch: off\nignore: [\"Bounces\"]\n",
    )
    .expect("config written");
    assert_eq!(findings(dir.path()), []);
}

#[test]
fn config_errors_stop_the_run_with_a_location() {
    let dir = clean_delivery();
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "rules:\n  format/sample-rates:\n    rates: [48000]\n",
    )
    .expect("written");
    let error = check(&[dir.path().to_path_buf()], &Options::default()).expect_err("unknown rule");
    assert!(
        error
            .to_string()
            .contains("unknown rule `format/sample-rates`"),
        "{error}"
    );

    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "rules:\n  format/sample-rate:\n    ratez: [48000]\n",
    )
    .expect("written");
    let error = check(&[dir.path().to_path_buf()], &Options::default()).expect_err("unknown key");
    assert!(
        error.to_string().contains("unknown field `ratez`"),
        "{error}"
    );

    std::fs::write(dir.path().join("stemlint.yaml"), "profile: nope\n").expect("written");
    let error =
        check(&[dir.path().to_path_buf()], &Options::default()).expect_err("unknown profile");
    assert!(
        error.to_string().contains("unknown profile `nope`"),
        "{error}"
    );
}

#[test]
fn rule_ids_are_a_stable_contract() {
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("rule_ids", stemlint::rules::ids().join("\n"));
    });
    let ids = stemlint::rules::ids();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique);
}

#[test]
fn every_builtin_profile_sets_every_rule() {
    for name in stemlint::profile::builtin_names() {
        let profile = stemlint::profile::load(name, None).expect("built-in profiles parse");
        for id in stemlint::rules::ids() {
            assert!(
                profile.rules.contains_key(id),
                "profile {name} does not set {id}"
            );
        }
        profile
            .prepare()
            .expect("every parameter of every built-in profile is valid");
    }
}

#[test]
fn readme_rule_table_is_generated_from_the_registry() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let table = stemlint::docs::markdown_table();
    assert!(
        readme.contains(&table),
        "README's rule table is out of date; paste this:\n{table}"
    );
}

#[test]
fn a_name_that_states_another_format_is_reported() {
    let dir = tempfile::tempdir().expect("a tempdir");
    let stem = |seed| {
        Wav::new(48000, 24, 2)
            .hits(100.0 * seed as f64, -10.0, seed)
            .seconds(1.0)
    };
    stem(1).write(dir.path(), "AB_Song_Drums_96k24.wav");
    stem(2).write(dir.path(), "AB_Song_Bass_48k24.wav");
    stem(3).write(dir.path(), "AB_Song_Keys_48k_16bit.wav");
    let options = Options {
        profile: Some("stems".into()),
        ..Options::default()
    };
    let report = check(&[dir.path().to_path_buf()], &options).expect("runs");
    let found: Vec<(&str, &str)> = report.deliveries[0]
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule == "naming/declared-format")
        .map(|diagnostic| {
            (
                diagnostic.path.as_deref().unwrap_or(""),
                diagnostic.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "AB_Song_Drums_96k24.wav",
                "the name says 96 kHz but the file is 48 kHz"
            ),
            (
                "AB_Song_Keys_48k_16bit.wav",
                "the name says 16-bit but the file is 24-bit integer"
            ),
        ]
    );
}

/// Drum-like programme: a decaying tone burst every 0.23 s (off the 50 ms analysis grid), each
/// hit at its own level (−12 to 0 dB) and pitch (130 to 170 Hz), over a noise bed 40 dB down.
fn programme(drive_db: f64, ceiling_db: Option<f64>, seed: u64) -> Wav {
    const EVERY: f64 = 0.23;
    let drive = support::db_to_gain(drive_db);
    let ceiling = ceiling_db.map(support::db_to_gain);
    let hash =
        move |hit: u64, salt: u64| support::unit_hash(seed ^ hit.wrapping_mul(0x9E37_79B9) ^ salt);
    Wav::new(48000, 24, 2)
        .with(move |frame, channel| {
            let t = frame as f64 / 48000.0;
            let hit = (t / EVERY) as u64;
            let since = t - hit as f64 * EVERY;
            let level = support::db_to_gain(-12.0 * hash(hit, 1)) * drive;
            let pitch = 130.0 + 40.0 * hash(hit, 2);
            // A limiter that holds each hit at the ceiling (gain set from the hit's peak, held
            // for the hit): the peaks of the hits driven over it all land on one level.
            let gain = ceiling.map_or(1.0, |ceiling| (ceiling / level).min(1.0));
            let pan = 1.0 - 0.3 * f64::from(channel);
            let tone = (2.0 * std::f64::consts::PI * pitch * since).sin() * (-since / 0.04).exp();
            let bed = 0.01 * (2.0 * hash(frame, 3 + u64::from(channel)) - 1.0);
            gain * level * pan * tone + bed
        })
        .seconds(6.0)
}

#[test]
fn limiting_is_found_where_the_profile_wants_it_dry() {
    let dir = tempfile::tempdir().expect("a tempdir");
    // Hits driven 6 dB into a ceiling at −1 dBFS: the louder ones pile up there, the softer
    // ones approach it from below.
    programme(6.0, Some(-1.0), 1).write(dir.path(), "01_Squashed.wav");
    programme(0.0, None, 2).write(dir.path(), "02_Dry.wav");
    Wav::new(48000, 24, 2)
        .sine(1000.0, -1.0)
        .seconds(2.0)
        .write(dir.path(), "03_Tone.wav");
    // Steady and periodic material puts every peak at one level too, and is not limited: a
    // low sine with tremolo, a sawtooth at a constant level, one hit repeated.
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            let t = frame as f64 / 48000.0;
            let tremolo = 0.7 + 0.3 * (2.0 * std::f64::consts::PI * 5.0 * t).sin();
            0.7 * tremolo * (2.0 * std::f64::consts::PI * 82.4 * t).sin()
        })
        .seconds(4.0)
        .write(dir.path(), "04_Tremolo.wav");
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            let phase = (frame as f64 * 55.0 / 48000.0).fract();
            0.6 * (2.0 * phase - 1.0)
        })
        .seconds(4.0)
        .write(dir.path(), "05_Saw_DI.wav");
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            let t = frame as f64 / 48000.0;
            let since = t % (60.0 / 123.0);
            0.8 * (2.0 * std::f64::consts::PI * 60.0 * since).sin() * (-since / 0.08).exp()
        })
        .seconds(4.0)
        .write(dir.path(), "06_Kick_Loop.wav");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let limited: Vec<(&str, &str)> = report.deliveries[0]
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule == "signal/limited")
        .map(|diagnostic| {
            (
                diagnostic.path.as_deref().unwrap_or(""),
                diagnostic.message.as_str(),
            )
        })
        .collect();
    assert_eq!(limited.len(), 1, "{limited:?}");
    assert_eq!(limited[0].0, "01_Squashed.wav");
    assert!(
        limited[0].1.starts_with("looks limited: ")
            && limited[0].1.contains("within 0.2 dB of one ceiling"),
        "{limited:?}"
    );
    // Music stems may carry the mix's limiting.
    let options = Options {
        profile: Some("stems".into()),
        ..Options::default()
    };
    let report = check(&[dir.path().to_path_buf()], &options).expect("runs");
    assert!(!report.deliveries[0]
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.rule == "signal/limited"));
}

/// A kick: a sine falling from 120 to 50 Hz with its second and third harmonics, decaying
/// over 60 ms.
fn kick(since: f64) -> f64 {
    use std::f64::consts::PI;
    let phase = 2.0 * PI * (50.0 * since + 70.0 * 0.03 * (1.0 - (-since / 0.03).exp()));
    (phase.sin() + 0.5 * (2.0 * phase).sin() + 0.2 * (3.0 * phase).sin()) * (-since / 0.06).exp()
}

/// One kick on every beat at 120 BPM (every hit the same samples), its peak at -1 dBFS, or
/// driven `drive_db` over a sample-peak limiter with a 1 ms look-ahead and its ceiling there:
/// each sample is turned down as far as the loudest sample within 1 ms needs, so the crests
/// it cuts land on the ceiling.
fn kick_loop(drive_db: Option<f64>) -> Wav {
    let rate = 48_000_usize;
    let ceiling = support::db_to_gain(-1.0);
    let hit: Vec<f64> = (0..rate / 2)
        .map(|frame| kick(frame as f64 / rate as f64))
        .collect();
    let peak = hit
        .iter()
        .fold(0.0_f64, |peak, value| peak.max(value.abs()));
    let dry: Vec<f64> = (0..rate * 6)
        .map(|frame| ceiling / peak * hit[frame % hit.len()])
        .collect();
    let wet = match drive_db {
        None => dry,
        Some(drive_db) => limited(&dry, drive_db, -1.0, 1.0, 0.0),
    };
    Wav::new(48000, 24, 1)
        .with(move |frame, _| wet[frame as usize])
        .seconds(6.0)
}

/// Notes of 0.25 s on a bass scale, one in six at full velocity and the rest at 0.7 and
/// 0.5, each with a 5 ms attack and a 20 ms release, of the waveform `wave` (of the phase).
fn synth_line(wave: impl Fn(f64) -> f64 + 'static) -> Wav {
    const SCALE: [f64; 6] = [41.2, 46.25, 55.0, 61.7, 73.4, 82.4];
    Wav::new(48000, 24, 1)
        .with(move |frame, _| {
            let note = (frame / 12_000) as usize;
            let since = (frame % 12_000) as f64 / 48_000.0;
            let velocity = [1.0, 0.7, 0.5, 0.7, 0.5, 0.7][note * 7 % 6];
            let pitch = SCALE[note * 5 % 6];
            let envelope = (since / 0.005).min(1.0) * ((0.25 - since) / 0.02).min(1.0);
            0.85 * velocity * envelope * wave(std::f64::consts::TAU * pitch * since)
        })
        .seconds(8.0)
}

#[test]
fn a_loop_of_one_limited_hit_is_found_by_its_exact_ceiling() {
    let dir = tempfile::tempdir().expect("a tempdir");
    kick_loop(Some(6.0)).write(dir.path(), "01_Kick_Loop_Limited.wav");
    // The same loop unprocessed: its peak at -1 dBFS, one crest per hit there.
    kick_loop(None).write(dir.path(), "02_Kick_Loop.wav");
    // A drum machine's kick: a sine sweep at one level for 40 ms, then a fade. Its crests sit
    // on one level too, as a tone's do.
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            use std::f64::consts::PI;
            let since = (frame % 24_000) as f64 / 48_000.0;
            let phase = 2.0 * PI * (150.0 * since - 0.5 * 1_200.0 * since * since.min(0.08));
            let level = if since < 0.04 {
                1.0
            } else {
                (-(since - 0.04) / 0.05).exp()
            };
            0.89 * level * phase.sin()
        })
        .seconds(6.0)
        .write(dir.path(), "03_Synth_Kick_Loop.wav");
    // Synthesizer lines played at three velocities, each note's cycles all alike at its level:
    // a sawtooth bass (its top and bottom crests peak alike) and an organ (three harmonics).
    synth_line(|phase| 2.0 * (phase / std::f64::consts::TAU).fract() - 1.0)
        .write(dir.path(), "04_Saw_Bass.wav");
    synth_line(|phase| (phase.sin() + 0.5 * (2.0 * phase).sin() + 0.3 * (3.0 * phase).sin()) / 1.6)
        .write(dir.path(), "05_Organ.wav");
    let messages = messages(dir.path(), "signal/limited");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("two or more crests of one sign and of different forms peak within 0.0005 dB of one level"),
        "{messages:?}"
    );
    let files = findings(dir.path());
    assert!(
        files.contains(&("signal/limited".into(), "01_Kick_Loop_Limited.wav".into())),
        "{files:?}"
    );
}

/// A bell-like hit (four inharmonic partials at one level for `flat` s, then decaying over
/// 0.3 s) every 0.43985 s, each at `velocity(n)` and sampled where it starts (between the
/// samples), 10 s at 48 kHz, its peak at −1 dBFS: the grid of 50 ms windows cuts every hit at
/// another place. At one velocity, both flat lengths were reported "pinned" before the level
/// was also read from each window's peak.
fn ringing_hits(flat: f64, velocity: impl Fn(usize) -> f64) -> Wav {
    const RATE: f64 = 48_000.0;
    let frames = (RATE * 10.0) as usize;
    let mut x = vec![0.0; frames];
    let mut n = 0;
    while n as f64 * 0.439_85 < 10.0 {
        let start = n as f64 * 0.439_85 * RATE;
        let gain = velocity(n);
        for (frame, value) in x.iter_mut().enumerate().skip(start.ceil() as usize) {
            let t = (frame as f64 - start) / RATE;
            if t > flat + 2.4 {
                break;
            }
            let envelope = if t < flat {
                1.0
            } else {
                (-(t - flat) / 0.3).exp()
            };
            let partials: f64 = [
                (1047.0, 1.0, 0.0),
                (2891.0, 0.8, 1.0),
                (5622.0, 0.6, 2.0),
                (7040.0, 0.5, 0.5),
            ]
            .iter()
            .map(|(f, a, phase)| a * (std::f64::consts::TAU * f * t + phase).sin())
            .sum();
            *value += gain * envelope * partials;
        }
        n += 1;
    }
    let scale = support::db_to_gain(-1.0) / x.iter().fold(0.0_f64, |p, v| p.max(v.abs()));
    Wav::new(48000, 24, 1)
        .with(move |frame, _| scale * x[frame as usize])
        .seconds(10.0)
}

#[test]
fn a_ringing_hit_repeated_is_not_read_as_limited_where_the_windows_cut_it() {
    let dir = tempfile::tempdir().expect("a tempdir");
    ringing_hits(0.06, |_| 1.0).write(dir.path(), "01_Bell_One_Velocity.wav");
    ringing_hits(0.07, |_| 1.0).write(dir.path(), "02_Bell_Longer_One_Velocity.wav");
    // Velocities spread 6 dB: the level moves, read either way.
    ringing_hits(0.07, |n| {
        support::db_to_gain(-6.0 * support::unit_hash(n as u64))
    })
    .write(dir.path(), "03_Bell_Humanised.wav");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("the check runs");
    for name in [
        "01_Bell_One_Velocity.wav",
        "02_Bell_Longer_One_Velocity.wav",
    ] {
        let figures = analysed(&report, name).limiter.expect("limiter figures");
        // What the pinned sign asks of the fixed windows holds: peaks within 0.6 dB while the
        // RMS moves 1 dB or more, only because each window holds more or less of a hit…
        assert!(figures.peak_spread_db <= 0.6, "{name}: {figures:?}");
        assert!(figures.body_spread_db >= 1.0, "{name}: {figures:?}");
        // …read from each window's peak, the level hardly moves.
        assert!(
            figures.aligned_body_spread_db <= 0.75,
            "{name}: {figures:?}"
        );
    }
    let humanised = analysed(&report, "03_Bell_Humanised.wav")
        .limiter
        .expect("limiter figures");
    assert!(humanised.aligned_body_spread_db >= 2.0, "{humanised:?}");
    let limited: Vec<&str> = report.deliveries[0]
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule == "signal/limited")
        .filter_map(|diagnostic| diagnostic.path.as_deref())
        .collect();
    assert_eq!(limited, Vec::<&str>::new());
}

/// Mix-like programme: noise tilted by a one-pole low-pass at 2 kHz, its level moving from
/// one 0.3 s stretch to the next (−30 to 0 dB, 20 ms ramps), through `curve` (a waveshaper's,
/// on the programme at a peak of 1.0), its peak at −3 dBFS.
fn shaped_programme(curve: impl Fn(f64) -> f64) -> Wav {
    const RATE: usize = 48_000;
    let unit = |index: u64, salt: u64| support::unit_hash(index ^ salt.wrapping_mul(0x9E37_79B9));
    let pole = (-std::f64::consts::TAU * 2000.0 / RATE as f64).exp();
    let stretch =
        |frame: usize| support::db_to_gain(-30.0 * unit((frame / (RATE * 3 / 10)) as u64, 7));
    let ramp = (RATE / 50) as f64;
    let mut state = 0.0;
    let mut x: Vec<f64> = (0..RATE * 6)
        .map(|frame| {
            // Four uniforms summed: near enough to Gaussian for a programme's crest.
            let white: f64 = (0..4).map(|k| unit(frame as u64, k) - 0.5).sum();
            state = (1.0 - pole) * white + pole * state;
            let into = (frame % (RATE * 3 / 10)) as f64 / ramp;
            let level = if into < 1.0 {
                stretch(frame.saturating_sub(RATE / 50)) * (1.0 - into) + stretch(frame) * into
            } else {
                stretch(frame)
            };
            level * state
        })
        .collect();
    let peak = x.iter().fold(0.0_f64, |p, v| p.max(v.abs()));
    x.iter_mut().for_each(|value| *value = curve(*value / peak));
    let scale = support::db_to_gain(-3.0) / x.iter().fold(0.0_f64, |p, v| p.max(v.abs()));
    Wav::new(48000, 24, 1)
        .with(move |frame, _| scale * x[frame as usize])
        .seconds(6.0)
}

#[test]
fn saturation_is_found_at_a_sawtooths_crest() {
    let dir = tempfile::tempdir().expect("a tempdir");
    // tanh driven 12 dB.
    shaped_programme(|x| (4.0 * x).tanh()).write(dir.path(), "01_Mix_Saturated.wav");
    shaped_programme(|x| x).write(dir.path(), "02_Mix.wav");
    // sox `gain -l 20`: g·x / (1 + (g − 1)·|x|), full scale to full scale.
    let g = support::db_to_gain(20.0);
    shaped_programme(move |x| g * x / (1.0 + (g - 1.0) * x.abs()))
        .write(dir.path(), "03_Mix_Gain_L20.wav");
    let messages = messages(dir.path(), "signal/limited");
    assert_eq!(messages.len(), 2, "{messages:?}");
    // Both at a crest under 5.5 dB, the gate for tones where one waveform repeats.
    assert!(messages[0].contains("the peaks are held"), "{messages:?}");
    assert!(messages[1].contains("the peaks are pinned"), "{messages:?}");
    let limited: Vec<String> = findings(dir.path())
        .into_iter()
        .filter(|(rule, _)| rule == "signal/limited")
        .map(|(_, file)| file)
        .collect();
    assert_eq!(limited, ["01_Mix_Saturated.wav", "03_Mix_Gain_L20.wav"]);
}

/// A stereo mix in miniature, 8 s at 48 kHz, in two parts: a kick every half second (a 50 Hz
/// swing that starts an octave up, velocities spread; none in a breakdown from 3 to 4 s), and
/// per channel the rest: a sine bass and two things that do not know where the kick's waveform
/// is, hats (noise bursts, first-differenced, wider on the left) and a stereo pad (independent
/// noise in each channel).
fn mix_parts() -> (Vec<f64>, [Vec<f64>; 2]) {
    const RATE: usize = 48_000;
    let unit =
        |index: usize, salt: u64| support::unit_hash(index as u64 ^ salt.wrapping_mul(0x9E37_79B9));
    let frames = RATE * 8;
    let mut kick = vec![0.0; frames];
    let mut rest = [vec![0.0; frames], vec![0.0; frames]];
    let (mut last_noise, mut pad) = ([0.0; 2], [0.0; 2]);
    let mut phase = 0.0;
    for frame in 0..frames {
        let t = frame as f64 / RATE as f64;
        let beat = frame % (RATE / 2);
        let since = beat as f64 / RATE as f64;
        let frequency = 50.0 * (1.0 + (-since / 0.02).exp());
        phase = if beat == 0 {
            0.0
        } else {
            phase + std::f64::consts::TAU * frequency / RATE as f64
        };
        let velocity = 0.6 + 0.4 * unit(frame / (RATE / 2), 1);
        if !(3.0..4.0).contains(&t) {
            kick[frame] = velocity * (-since / 0.15).exp() * phase.sin();
        }
        let bass =
            0.25 * (std::f64::consts::TAU * [55.0, 73.4, 65.4, 82.4][(frame / RATE) % 4] * t).sin();
        let hat_level = 0.5 * (-((frame % (RATE / 8)) as f64 / RATE as f64) / 0.03).exp();
        for (channel, width) in [1.0, 0.6].into_iter().enumerate() {
            let noise = unit(frame, 2 + channel as u64) - 0.5;
            let hat = hat_level * width * (noise - last_noise[channel]);
            last_noise[channel] = noise;
            pad[channel] = 0.98 * pad[channel] + 0.02 * (unit(frame, 4 + channel as u64) - 0.5);
            rest[channel][frame] = bass + hat + 1.5 * pad[channel];
        }
    }
    (kick, rest)
}

/// `channels` of a signal, through `curve` at a peak of 1.0, then at -1 dBFS.
fn shaped(signal: [Vec<f64>; 2], channels: u16, curve: impl Fn(f64) -> f64) -> Wav {
    let peak_of =
        |signal: &[Vec<f64>; 2]| signal.iter().flatten().fold(0.0_f64, |p, v| p.max(v.abs()));
    let peak = peak_of(&signal);
    let mut signal = signal;
    signal
        .iter_mut()
        .flatten()
        .for_each(|value| *value = curve(*value / peak));
    let scale = support::db_to_gain(-1.0) / peak_of(&signal);
    let frames = signal[0].len() as u64;
    Wav::new(48000, 24, channels)
        .with(move |frame, channel| scale * signal[usize::from(channel)][frame as usize])
        .frames(frames)
}

#[test]
fn a_waveshaped_mix_is_found_by_what_it_ducks_on_its_peaks() {
    let dir = tempfile::tempdir().expect("a tempdir");
    let (kick, rest) = mix_parts();
    let mix: [Vec<f64>; 2] = std::array::from_fn(|channel| {
        kick.iter()
            .zip(&rest[channel])
            .map(|(k, r)| k + r)
            .collect()
    });
    // sox `gain -l 6`: g·x / (1 + (g − 1)·|x|), full scale to full scale.
    let g = support::db_to_gain(6.0);
    let gain_l = move |x: f64| g * x / (1.0 + (g - 1.0) * x.abs());
    shaped(mix.clone(), 2, gain_l).write(dir.path(), "01_Mix_GainL6.wav");
    shaped(mix.clone(), 2, |x| x).write(dir.path(), "02_Mix.wav");
    // The same curve on one channel: no side to read, and the detail alone is what a kick's
    // smooth swing shows too (a documented miss).
    shaped(mix, 1, gain_l).write(dir.path(), "03_Mix_Mono_GainL6.wav");
    // A kick alone, its right channel 0.5 ms late (a spaced pair): its side is the kick's
    // slope, small on the crests as a curve would leave it, and its smooth swing reads as
    // ducked detail too; but its detail is one periodic waveform, which the sign sets aside.
    let late: Vec<f64> = std::iter::repeat_n(0.0, 24)
        .chain(kick.iter().copied())
        .take(kick.len())
        .collect();
    shaped([kick.clone(), late.clone()], 2, |x| x).write(dir.path(), "04_Kick_Spaced.wav");
    // The same pair with the kit's bleed 20 dB down: the bleed rides the kick's crests
    // undisturbed (the side still reads ducked)…
    let bleed = |near: &[f64], rest: &[f64]| -> Vec<f64> {
        near.iter().zip(rest).map(|(k, r)| k + 0.1 * r).collect()
    };
    let spaced = [bleed(&kick, &rest[0]), bleed(&late, &rest[1])];
    shaped(spaced.clone(), 2, |x| x).write(dir.path(), "05_Kick_Spaced_Bleed.wav");
    // …until a curve bends it.
    shaped(spaced, 2, gain_l).write(dir.path(), "06_Kick_Spaced_Bleed_GainL6.wav");
    let found: Vec<String> = findings(dir.path())
        .into_iter()
        .filter(|(rule, _)| rule == "signal/limited")
        .map(|(_, file)| file)
        .collect();
    assert_eq!(
        found,
        ["01_Mix_GainL6.wav", "06_Kick_Spaced_Bleed_GainL6.wav"]
    );
    let messages = messages(dir.path(), "signal/limited");
    assert!(
        messages
            .iter()
            .all(|message| message
                .contains("the peaks are bent by a waveshaping limiter or clipper")),
        "{messages:?}"
    );
}

/// One-shots repeated at 97 BPM, each starting where the beat falls between two samples (a
/// 44.1 kHz session's loop bounced and converted to 48 kHz, or a sampler starting hits between
/// samples): every hit peaks at one level, but no two hits are the same numbers.
fn bounced_hits(hit: impl Fn(f64) -> f64 + 'static) -> Wav {
    let beat = 60.0 / 97.0 * 48_000.0;
    Wav::new(48_000, 24, 1)
        .with(move |frame, _| {
            let frame = frame as f64;
            // The hits sounding at this frame: those started in the last two beats.
            let last = (frame / beat).floor();
            (0..3)
                .map(|back| (last - f64::from(back)) * beat)
                .filter(|&onset| onset >= 0.0 && onset <= frame)
                .map(|onset| hit((frame - onset) / 48_000.0))
                .sum::<f64>()
        })
        .seconds(10.0)
}

/// A band-limited snare: a body at 190 Hz and 60 partials from 300 Hz to 9 kHz (fixed
/// draws), a 1 ms raised-cosine attack and an 80 ms decay.
fn snare(t: f64) -> f64 {
    use std::f64::consts::PI;
    let attack = if t < 0.001 {
        0.5 - 0.5 * (PI * t / 0.001).cos()
    } else {
        1.0
    };
    let body = 0.5 * (2.0 * PI * 190.0 * t).sin() * (-t / 0.05).exp();
    let rattle: f64 = (0..60_u64)
        .map(|partial| {
            let frequency = 300.0 + 8_700.0 * support::unit_hash(partial);
            let phase = 2.0 * PI * support::unit_hash(1_000 + partial);
            (2.0 * PI * frequency * t + phase).sin()
        })
        .sum::<f64>()
        / 12.0;
    0.3 * attack * (body + rattle * (-t / 0.08).exp())
}

/// A tonal kick: a sine falling from 150 to 50 Hz with a 300 ms decay (its tail periodic).
fn tonal_kick(t: f64) -> f64 {
    use std::f64::consts::PI;
    let attack = if t < 0.001 {
        0.5 - 0.5 * (PI * t / 0.001).cos()
    } else {
        1.0
    };
    // The phase of a frequency 50 + 100·e^(-t/0.03).
    let phase = 2.0 * PI * (50.0 * t + 100.0 * 0.03 * (1.0 - (-t / 0.03).exp()));
    0.8 * attack * phase.sin() * (-t / 0.3).exp()
}

#[test]
fn hits_repeated_a_fraction_of_a_sample_apart_are_a_loop_not_a_limiter() {
    let dir = tempfile::tempdir().expect("a tempdir");
    bounced_hits(snare).write(dir.path(), "01_Snare_97.wav");
    bounced_hits(tonal_kick).write(dir.path(), "02_Kick_97.wav");
    let figures: Vec<(f64, f64)> = ["01_Snare_97.wav", "02_Kick_97.wav"]
        .iter()
        .map(|name| {
            let record = support::scan_full(&dir.path().join(name));
            let limiter = record
                .analysis
                .and_then(|analysis| analysis.limiter)
                .expect("the limiter's figures");
            (limiter.repeat_share, limiter.loop_share)
        })
        .collect();
    // The hits are one waveform moved by a fraction of a sample: the sample-exact comparison
    // misses some of them, the moved one finds them all.
    for (repeat_share, loop_share) in &figures {
        assert!(*loop_share > 0.9, "{figures:?}");
        assert!(*loop_share >= *repeat_share, "{figures:?}");
    }
    assert!(figures[0].0 < 0.9, "{figures:?}");
    let found: Vec<(String, String)> = findings(dir.path())
        .into_iter()
        .filter(|(rule, _)| rule == "signal/limited")
        .collect();
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn film_true_peak_ceiling_and_loudness_target() {
    let dir = tempfile::tempdir().expect("a tempdir");
    // A dialogue stem well under the ceiling passes; a print master 13.5 dB hotter fails loudness and the true-peak ceiling.
    let quiet = |seed| Wav::new(48000, 24, 2).hits(200.0, -14.0, seed).seconds(2.0);
    quiet(1).write(dir.path(), "Film_DX.wav");
    quiet(2)
        .gain_db(13.5)
        .write(dir.path(), "Film_PrintMaster.wav");
    let options = Options {
        profile: Some("stems-film".into()),
        ..Options::default()
    };
    let report = check(&[dir.path().to_path_buf()], &options).expect("runs");
    let delivery = &report.deliveries[0];
    let loudness = |name: &str| {
        delivery
            .delivery
            .files
            .iter()
            .find(|file| file.name() == name)
            .and_then(|file| file.analysis.as_ref())
            .and_then(|analysis| analysis.integrated_lufs)
            .expect("measured")
    };
    let found: Vec<(&str, &str)> = delivery
        .diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic.rule == "signal/loudness" || diagnostic.rule == "signal/true-peak"
        })
        .map(|diagnostic| (diagnostic.rule, diagnostic.path.as_deref().unwrap_or("")))
        .collect();
    // The loudness target applies to the print master only, the ceiling to every file.
    assert!(
        found.contains(&("signal/loudness", "Film_PrintMaster.wav")),
        "{found:?} at {} LUFS",
        loudness("Film_PrintMaster.wav")
    );
    assert!(
        found.contains(&("signal/true-peak", "Film_PrintMaster.wav")),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, path)| *path == "Film_DX.wav"),
        "{found:?} (DX at {} LUFS)",
        loudness("Film_DX.wav")
    );
}

#[test]
fn nan_and_infinite_samples_are_their_own_finding() {
    let dir = clean_delivery();
    Wav::new(48000, 32, 1)
        .float()
        .hits(300.0, -8.0, 4)
        .with_shaper(|value| if value > 0.3 { f64::NAN } else { value })
        .seconds(1.0)
        .write(dir.path(), "04_Broken.wav");
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "rules:\n  format/bit-depth:\n    accept: [int24, float32]\n",
    )
    .expect("written");
    let found = findings(dir.path());
    assert!(
        found.contains(&("signal/non-finite".into(), "04_Broken.wav".into())),
        "{found:?}"
    );
    let message = &messages(dir.path(), "signal/non-finite")[0];
    assert!(message.contains("NaN or infinite"), "{message}");
}

#[test]
fn a_rule_can_ignore_paths_and_stale_ignores_are_reported() {
    let dir = clean_delivery();
    Wav::new(48000, 24, 1)
        .clipped(440.0, 6.0)
        .seconds(1.0)
        .write(dir.path(), "04_FX_Riser.wav");
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "rules:\n  signal/clipping:\n    ignore: [\"*_FX_*.wav\", \"99_Old.wav\"]\n",
    )
    .expect("config written");
    assert_eq!(
        findings(dir.path()),
        pairs(&[("config/unused-ignore", "stemlint.yaml")])
    );
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let unused = &report.deliveries[0].diagnostics[0];
    assert_eq!(
        unused.message,
        "`signal/clipping` ignores `99_Old.wav`, but no finding of that rule matched it"
    );
    let span = unused.span.as_ref().expect("points into the config");
    assert_eq!((span.line, span.column), (3, 29));

    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "rules:\n  signal/clipping:\n    ignore: \"*.wav\"\n",
    )
    .expect("written");
    let error = check(&[dir.path().to_path_buf()], &Options::default()).expect_err("not a list");
    assert!(error.to_string().contains("bad ignore list"), "{error}");
}

#[test]
fn a_profile_file_extends_a_builtin_one() {
    let dir = clean_delivery();
    Wav::new(44100, 24, 1)
        .hits(300.0, -8.0, 4)
        .seconds(1.0)
        .write(dir.path(), "04_Gtr.wav");
    let profiles = tempfile::tempdir().expect("a tempdir");
    let file = profiles.path().join("studio.yaml");
    std::fs::write(
        &file,
        "name: studio\ndescription: our house rules\nextends: tracks\nrules:\n  format/sample-rate:\n    rates: [44100, 48000]\n    consistent: false\n  length/mismatch: off\n",
    )
    .expect("profile written");
    let options = Options {
        profile: Some(file.display().to_string()),
        ..Options::default()
    };
    let report = check(&[dir.path().to_path_buf()], &options).expect("runs");
    assert_eq!(report.deliveries[0].delivery.profile, "studio");
    assert_eq!(report.deliveries[0].diagnostics, []);
    // The base profile's other rules still apply.
    Wav::new(48000, 16, 1)
        .hits(300.0, -8.0, 5)
        .seconds(1.0)
        .write(dir.path(), "05_Keys.wav");
    let report = check(&[dir.path().to_path_buf()], &options).expect("runs");
    let rules: Vec<&str> = report.deliveries[0]
        .diagnostics
        .iter()
        .map(|d| d.rule)
        .collect();
    assert_eq!(rules, ["format/bit-depth"]);
}

#[test]
fn a_format_stated_twice_in_the_notes_is_one_finding() {
    let dir = clean_delivery();
    std::fs::write(dir.path().join("notes.txt"), "Tempo: 120 BPM\nMeter: 4/4\nRecorded at 44.1 kHz.\nDelivered at 44.1 kHz, 16-bit, 16-bit dithered.\n").expect("written");
    assert_eq!(
        messages(dir.path(), "notes/mismatch"),
        [
            "the notes say 44.1 kHz but the files are 48 kHz",
            "the notes say 16-bit but the files are 24-bit integer",
        ]
    );
}

#[test]
fn track_names_may_carry_parentheses_and_commas() {
    let dir = clean_delivery();
    track(4).write(dir.path(), "04 Kick (In).wav");
    track(5).write(dir.path(), "05 Gtr, Lead.wav");
    assert_eq!(findings(dir.path()), []);
}

/// `signal/dc-offset` tells a steady offset from the slow movement of noise: the mean of ten
/// seconds of noise whose lowest octave drifts (the wander pink noise has) is over the
/// threshold, but it changes sign from one half-second to the next; noise whose low end sits
/// off zero most of the time but swells far the other way once (as sox's pink noise does over
/// ten seconds: the evaluation's one false alarm) carries a mean in most windows, but the
/// means wander by more than their average; a sampler patch with a 2 % offset carries it alike
/// in every window where it sounds, silence after it or not.
#[test]
fn dc_offset_is_a_steady_mean_not_the_lowest_octave_of_noise() {
    let dir = clean_delivery();
    let drift = |t: f64| {
        0.036 * (std::f64::consts::TAU * 0.11 * t + 0.3).sin()
            + 0.024 * (std::f64::consts::TAU * 0.23 * t + 1.1).sin()
    };
    let noise_at = move |frame: u64| {
        let bits = (frame.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03) >> 11;
        0.1 * ((bits as f64 / (1u64 << 53) as f64) * 2.0 - 1.0)
    };
    Wav::new(48000, 24, 1)
        .with(move |frame, _| noise_at(frame) + drift(frame as f64 / 48000.0))
        .seconds(10.0)
        .write(dir.path(), "04_PinkishNoise.wav");
    // +2 % for 8 s, and a swell to -5 % between 6 and 8 s (raised cosine).
    let swell = |t: f64| {
        let bump = if (6.0..8.0).contains(&t) {
            0.5 - 0.5 * (std::f64::consts::TAU * (t - 6.0) / 2.0).cos()
        } else {
            0.0
        };
        0.02 - 0.14 * bump
    };
    Wav::new(48000, 24, 1)
        .with(move |frame, _| noise_at(frame) + swell(frame as f64 / 48000.0))
        .seconds(10.0)
        .write(dir.path(), "06_SwellingNoise.wav");
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            let t = frame as f64 / 48000.0;
            if t < 3.0 {
                0.02 + 0.5 * (-t).exp() * (std::f64::consts::TAU * 110.0 * t).sin()
            } else {
                0.0
            }
        })
        .seconds(6.0)
        .write(dir.path(), "05_SamplerPatch.wav");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let analysis = |name: &str| analysed(&report, name);
    let noise = analysis("04_PinkishNoise.wav");
    assert!(
        noise.dc_offset > 0.0032,
        "the noise's mean is over the threshold: {noise:?}"
    );
    assert!(noise.dc_steady_share.expect("sound") < 0.75, "{noise:?}");
    let swelling = analysis("06_SwellingNoise.wav");
    assert!(swelling.dc_offset > 0.0032, "{swelling:?}");
    assert!(
        swelling.dc_steady_share.expect("sound") >= 0.75,
        "most windows carry it: {swelling:?}"
    );
    assert!(swelling.dc_wander.expect("sound") > 1.0, "{swelling:?}");
    let patch = analysis("05_SamplerPatch.wav");
    assert!((patch.dc_offset - 0.01).abs() < 0.002, "{patch:?}");
    assert_eq!(patch.dc_steady_share, Some(1.0));
    assert!(patch.dc_wander.expect("sound") < 0.25, "{patch:?}");
    let found = findings(dir.path());
    assert!(found.contains(&("signal/dc-offset".into(), "05_SamplerPatch.wav".into())));
    for quiet in ["04_PinkishNoise.wav", "06_SwellingNoise.wav"] {
        assert!(
            !found.contains(&("signal/dc-offset".into(), quiet.into())),
            "{quiet}: {found:?}"
        );
    }
}

/// `signal/dc-offset` reads the file as delivered: a one-shot that carries 0.4 % under its decay
/// and fades it back to zero over its last 0.15 s, repeated so that each hit covers the end of
/// the one before, carries the offset in every part of the bounce (the evaluation's
/// `elec_twang`, once labelled from the one-shot alone, whose own end is clean).
#[test]
fn dc_offset_is_read_on_the_bounce_whose_next_hit_covers_the_sample_s_clean_end() {
    let dir = clean_delivery();
    let one_shot = |t: f64| {
        let offset = if t < 0.45 {
            0.004
        } else {
            0.004 * (0.6 - t).max(0.0) / 0.15
        };
        0.5 * (-t / 0.2).exp() * (std::f64::consts::TAU * 220.0 * t).sin() + offset
    };
    Wav::new(48000, 24, 1)
        .with(move |frame, _| {
            let t = (frame % 24_000) as f64 / 48_000.0;
            let previous = if frame >= 24_000 && t + 0.5 < 0.6 {
                one_shot(t + 0.5)
            } else {
                0.0
            };
            one_shot(t) + previous
        })
        .seconds(10.0)
        .write(dir.path(), "04_Twang.wav");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let twang = analysed(&report, "04_Twang.wav");
    assert!(twang.dc_offset > 0.0032, "over the threshold: {twang:?}");
    assert!(twang.dc_quiet_share.expect("blocks") > 0.5, "{twang:?}");
    assert!(
        findings(dir.path()).contains(&("signal/dc-offset".into(), "04_Twang.wav".into())),
        "{twang:?}"
    );
}

/// `signal/dc-offset` tells an offset from the lean of a hit: a kick whose click pushes one
/// way averages off zero (-45 dBFS) alike in every half-second, but that mean comes from each
/// hit's attack and its decayed tail sits at zero (a clean kick: sonic-pi's bd_gas and sn_dub,
/// bounced, were the evaluation's false alarms); a snare sample made with a -1 % offset carries
/// it under its whole decay, as elec_hi_snare does.
#[test]
fn dc_offset_stays_under_a_hits_tail_where_a_kicks_lean_does_not() {
    let dir = clean_delivery();
    let beat = |frame: u64| (frame % 24_000) as f64 / 48_000.0;
    Wav::new(48000, 24, 1)
        .with(move |frame, _| {
            let t = beat(frame);
            if t >= 0.45 {
                return 0.0;
            }
            let phase =
                std::f64::consts::TAU * (50.0 * t + 100.0 * 0.03 * (1.0 - (-t / 0.03).exp()));
            0.6 * (-t / 0.1).exp() * phase.sin() + 0.35 * (-t / 0.006).exp()
        })
        .seconds(10.0)
        .write(dir.path(), "04_Kick.wav");
    Wav::new(48000, 24, 1)
        .with(move |frame, _| {
            let t = beat(frame);
            if t >= 0.25 {
                return 0.0;
            }
            let bits = (frame.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03) >> 11;
            let noise = (bits as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
            0.5 * (-t / 0.06).exp() * noise - 0.01
        })
        .seconds(10.0)
        .write(dir.path(), "05_Snare.wav");
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("runs");
    let analysis = |name: &str| analysed(&report, name);
    let kick = analysis("04_Kick.wav");
    assert!(kick.dc_offset > 0.0045, "over the threshold: {kick:?}");
    assert_eq!(kick.dc_steady_share, Some(1.0), "in every window: {kick:?}");
    assert!(kick.dc_wander.expect("sound") < 0.1, "{kick:?}");
    assert!(kick.dc_quiet_share.expect("blocks") < 0.05, "{kick:?}");
    let snare = analysis("05_Snare.wav");
    assert!(snare.dc_offset > 0.0045, "{snare:?}");
    assert!(snare.dc_quiet_share.expect("blocks") > 0.9, "{snare:?}");
    let found = findings(dir.path());
    assert!(
        found.contains(&("signal/dc-offset".into(), "05_Snare.wav".into())),
        "{found:?}"
    );
    assert!(
        !found.contains(&("signal/dc-offset".into(), "04_Kick.wav".into())),
        "{found:?}"
    );
}

/// Ten seconds of speech-like phrases (mono, peak at −1 dBFS): three phrases of syllables
/// 120–260 ms long, with gaps of 0.4–1.2 s between them, each phrase at its own level (0–3 dB
/// apart) and each syllable stressed or not (0–8 dB under the phrase); a syllable is a voiced
/// sound (harmonics of a pitch that falls across the phrase, shaped by two formants drawn per
/// syllable) after a short noise burst (its consonant). Drawn from `seed`.
fn spoken(seed: u64) -> Vec<f64> {
    use std::f64::consts::TAU;
    const RATE: usize = 48_000;
    let draw = |key: u64| support::unit_hash(seed.wrapping_mul(1_000_003).wrapping_add(key));
    let mut out = vec![0.0_f64; RATE * 10];
    let mut noise = support::Noise(0x9E37_79B9 ^ seed.wrapping_add(1));
    let mut at = 0.3 + 0.3 * draw(0);
    let mut key = 1_u64;
    for _phrase in 0..3 {
        let phrase_gain = support::db_to_gain(-3.0 * draw(key));
        let length = 1.8 + draw(key + 1);
        let pitch = 110.0 + 90.0 * draw(key + 2);
        key += 3;
        let mut t = 0.0;
        while t < length {
            let syllable = 0.12 + 0.14 * draw(key);
            let gain = phrase_gain * support::db_to_gain(-8.0 * draw(key + 1));
            let (first, second) = (
                300.0 + 500.0 * draw(key + 2),
                900.0 + 1300.0 * draw(key + 3),
            );
            let f0 = pitch * (1.0 - 0.2 * t / length) * (0.95 + 0.1 * draw(key + 4));
            key += 5;
            let start = ((at + t) * RATE as f64) as usize;
            let frames = (syllable * RATE as f64) as usize;
            let harmonics: Vec<f64> = (1..=20)
                .map(|k| {
                    let f = k as f64 * f0;
                    let peak = |formant: f64| 1.0 / (1.0 + ((f - formant) / 100.0).powi(2));
                    (peak(first) + 0.6 * peak(second)) / (k as f64).sqrt()
                })
                .collect();
            for n in 0..frames {
                let Some(slot) = out.get_mut(start + n) else {
                    break;
                };
                let since = n as f64 / RATE as f64;
                let envelope = (since / 0.015).min(1.0) * ((syllable - since) / 0.04).min(1.0);
                let phase = TAU * f0 * since;
                let voiced: f64 = harmonics
                    .iter()
                    .enumerate()
                    .map(|(k, amplitude)| amplitude * ((k + 1) as f64 * phase).sin())
                    .sum();
                let consonant = if since < 0.03 {
                    0.3 * noise.next()
                } else {
                    0.0
                };
                *slot += gain * (envelope * voiced + consonant);
            }
            t += syllable;
        }
        at += length + 0.4 + 0.8 * draw(key);
        key += 1;
    }
    let peak = out
        .iter()
        .fold(0.0_f64, |peak, value| peak.max(value.abs()));
    let scale = support::db_to_gain(-1.0) / peak;
    out.iter().map(|value| value * scale).collect()
}

/// A brick-wall limiter as a mastering plug-in is one: `samples` driven `drive_db`, each
/// turned down as far as the loudest sample within `lookahead_ms` ahead or behind needs to stay
/// under `ceiling_db`, the gain then recovering over `release_ms` (a time constant; 0: at once).
fn limited(
    samples: &[f64],
    drive_db: f64,
    ceiling_db: f64,
    lookahead_ms: f64,
    release_ms: f64,
) -> Vec<f64> {
    let ceiling = support::db_to_gain(ceiling_db);
    let drive = support::db_to_gain(drive_db);
    let look = (lookahead_ms * 48.0) as usize;
    let recover = if release_ms > 0.0 {
        1.0 - (-1.0 / (release_ms * 48.0)).exp()
    } else {
        1.0
    };
    let mut gain = 1.0_f64;
    (0..samples.len())
        .map(|frame| {
            let near = &samples[frame.saturating_sub(look)..(frame + look + 1).min(samples.len())];
            let loudest = drive
                * near
                    .iter()
                    .fold(0.0_f64, |peak, value| peak.max(value.abs()));
            let needed = if loudest > ceiling {
                ceiling / loudest
            } else {
                1.0
            };
            gain = needed.min(gain + recover * (1.0 - gain));
            drive * samples[frame] * gain
        })
        .collect()
}

/// `tracks-holdout12` of the evaluation (16 espeak-ng speakers through `alimiter`, read once:
/// 16 of 17 found, no dry, roomy or sparse read found) in miniature: speech dry, and driven
/// 6 dB into a brick-wall limiter with a 50 ms release.
#[test]
fn speech_through_a_brick_wall_limiter_is_found_and_dry_speech_is_not() {
    let dir = tempfile::tempdir().expect("a tempdir");
    for seed in 0..3_u64 {
        let dry = spoken(seed);
        let wet = limited(&dry, 6.0, -1.0, 1.5, 50.0);
        for (name, samples) in [("Speech", dry), ("Speech_Limited", wet)] {
            Wav::new(48000, 24, 1)
                .with(move |frame, _| samples.get(frame as usize).copied().unwrap_or(0.0))
                .seconds(10.0)
                .write(dir.path(), &format!("{seed:02}_{name}.wav"));
        }
    }
    let report = check(&[dir.path().to_path_buf()], &Options::default()).expect("the check runs");
    let mut found: Vec<(&str, &str)> = report.deliveries[0]
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule == "signal/limited")
        .map(|diagnostic| {
            (
                diagnostic.path.as_deref().unwrap_or(""),
                diagnostic.message.as_str(),
            )
        })
        .collect();
    found.sort_unstable();
    let paths: Vec<&str> = found.iter().map(|(path, _)| *path).collect();
    assert_eq!(
        paths,
        [
            "00_Speech_Limited.wav",
            "01_Speech_Limited.wav",
            "02_Speech_Limited.wav"
        ],
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .all(|(_, message)| message.contains("of one ceiling (-1.0 dBFS)")),
        "{found:?}"
    );
}
