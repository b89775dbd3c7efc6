//! The real binary, as a user runs it: exit codes, human output (pinned with insta), the
//! JSON document checked against the schema in the README, and the helper commands.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::Wav;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn stemlint(args: &[&str], cwd: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .args(args)
        .current_dir(cwd)
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot(name: &str, run: &Run) {
    let text = format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

fn clean_tracks(dir: &Path) {
    for (number, name) in [
        "Kick",
        "Snare",
        "HatsOH",
        "Bass_DI",
        "GtrAmp",
        "GtrAmp_DI",
        "VocalLead",
    ]
    .iter()
    .enumerate()
    {
        let channels = if *name == "HatsOH" { 2 } else { 1 };
        Wav::new(48000, 24, channels)
            .hits(80.0 + 40.0 * number as f64, -10.0, number as u64 + 1)
            .seconds(1.0)
            .write(dir, &format!("{:02}_{name}.wav", number + 1));
    }
    std::fs::write(
        dir.join("notes.txt"),
        "Tempo: 96 BPM\nMeter: 6/8\nKey: D minor\n48 kHz / 24-bit\n",
    )
    .expect("notes");
}

#[test]
fn demo_delivery_human_output() {
    let run = stemlint(
        &["check", "examples/demo-tracks", "--color", "never"],
        repo(),
    );
    assert_eq!(run.code, 1);
    snapshot("demo_tracks_human", &run);
}

#[test]
fn clean_seven_track_delivery_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    clean_tracks(dir.path());
    let run = stemlint(&["check", "."], dir.path());
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "7 files checked: no problems found (profile tracks)\n"
    );
    // `check` is the default command, and the current folder the default path.
    let run = stemlint(&[], dir.path());
    assert_eq!(run.code, 0);
}

#[test]
fn fail_on_and_fast_and_quiet() {
    let dir = tempfile::tempdir().expect("tempdir");
    clean_tracks(dir.path());
    std::fs::write(dir.path().join(".DS_Store"), b"x").expect("stray");
    assert_eq!(
        stemlint(&["check", "."], dir.path()).code,
        0,
        "a warning alone passes"
    );
    assert_eq!(
        stemlint(&["check", ".", "--fail-on", "warning"], dir.path()).code,
        1
    );
    let quiet = stemlint(&["check", ".", "--quiet"], dir.path());
    assert!(!quiet.stdout.contains("files checked"), "{}", quiet.stdout);
    let fast = stemlint(&["check", ".", "--fast"], dir.path());
    assert!(
        fast.stdout
            .contains("--fast: headers only, signal checks skipped"),
        "{}",
        fast.stdout
    );
}

#[test]
fn usage_and_config_failures_exit_two() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = stemlint(&["check", "no-such-folder"], dir.path());
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("no-such-folder: no such file or directory"),
        "{}",
        missing.stderr
    );

    clean_tracks(dir.path());
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "profile: stems\nrules:\n  format/channels:\n    allowed: two\n",
    )
    .expect("config");
    let bad = stemlint(&["check", "."], dir.path());
    assert_eq!(bad.code, 2);
    snapshot("bad_config", &bad);

    let profile = stemlint(&["check", ".", "--profile", "nope"], dir.path());
    assert_eq!(profile.code, 2);
    assert!(
        profile.stderr.contains("unknown profile `nope`"),
        "{}",
        profile.stderr
    );
}

/// The JSON document's shape, as documented in the README (schema 2).
fn assert_schema(document: &Value) {
    assert_eq!(document["schema"], 2);
    let deliveries = document["deliveries"]
        .as_array()
        .expect("deliveries is an array");
    for delivery in deliveries {
        assert!(delivery["root"].is_string());
        assert!(delivery["profile"].is_string());
        assert!(matches!(delivery["mode"].as_str(), Some("full" | "fast")));
        for file in delivery["files"].as_array().expect("files is an array") {
            let path = file["path"].as_str().expect("path is a string");
            assert!(!path.contains('\\'), "paths use '/': {path}");
            if file.get("container").is_some() {
                assert!(matches!(
                    file["sample_format"].as_str(),
                    Some("int" | "float")
                ));
                for key in ["sample_rate", "channels", "frames"] {
                    assert!(file[key].is_u64(), "{key} in {file}");
                }
                assert!(file["duration_s"].is_number());
            }
            if let Some(analysis) = file.get("analysis") {
                for key in ["dc_offset", "near_peak_ratio"] {
                    assert!(analysis[key].is_number(), "{key}");
                }
                for key in ["clipped_samples", "longest_clip_run", "non_finite_samples"] {
                    assert!(analysis[key].is_u64(), "{key}");
                }
                assert!(analysis["identical_channels"].is_boolean());
                for key in [
                    "sample_peak_dbfs",
                    "true_peak_dbtp",
                    "integrated_lufs",
                    "rms_dbfs",
                    "effective_bit_depth",
                ] {
                    assert!(
                        analysis[key].is_number() || analysis[key].is_null(),
                        "{key}"
                    );
                }
            }
        }
        for diagnostic in delivery["diagnostics"]
            .as_array()
            .expect("diagnostics is an array")
        {
            assert!(diagnostic["rule"]
                .as_str()
                .is_some_and(|rule| rule.contains('/')));
            assert!(matches!(
                diagnostic["severity"].as_str(),
                Some("error" | "warning" | "info")
            ));
            for key in ["message", "help"] {
                assert!(diagnostic[key].is_string());
            }
        }
        for key in ["files", "errors", "warnings", "infos"] {
            assert!(delivery["summary"][key].is_u64());
        }
    }
}

#[test]
fn json_document_carries_facts_analysis_and_diagnostics() {
    let run = stemlint(
        &["check", "examples/demo-tracks", "--format", "json"],
        repo(),
    );
    assert_eq!(run.code, 1);
    let document: Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_schema(&document);
    let delivery = &document["deliveries"][0];
    assert_eq!(delivery["profile"], "tracks");
    let files = delivery["files"].as_array().expect("files");
    assert_eq!(files.len(), 9);
    let snare = files
        .iter()
        .find(|file| file["path"] == "02_Snare.wav")
        .expect("the snare");
    assert_eq!(snare["container"], "wav");
    assert_eq!(snare["sample_format"], "int");
    assert_eq!(snare["sample_rate"], 44100);
    assert_eq!(snare["bit_depth"], 24);
    assert_eq!(snare["channels"], 1);
    assert_eq!(snare["frames"], 22050);
    let truncated = files
        .iter()
        .find(|file| file["path"] == "10_Perc.wav")
        .expect("the perc");
    assert_eq!(truncated["frames"], 14000);
    assert_eq!(truncated["declared_frames"], 24000);
    let padded = files
        .iter()
        .find(|file| file["path"] == "06_VocalLead.wav")
        .expect("the vocal");
    assert_eq!(padded["analysis"]["effective_bit_depth"], 16);
    let keys = files
        .iter()
        .find(|file| file["path"] == "05_Keys.wav")
        .expect("the keys");
    assert_eq!(keys["analysis"]["identical_channels"], true);

    let diagnostics = delivery["diagnostics"].as_array().expect("diagnostics");
    let rate = diagnostics
        .iter()
        .find(|d| d["rule"] == "format/sample-rate")
        .expect("a rate finding");
    assert_eq!(rate["severity"], "error");
    assert_eq!(rate["path"], "02_Snare.wav");
    let notes = diagnostics
        .iter()
        .find(|d| d["rule"] == "notes/mismatch")
        .expect("a notes finding");
    assert_eq!(notes["span"]["line"], 4);
    assert_eq!(delivery["summary"]["files"], 9);
    assert_eq!(
        delivery["summary"]["errors"].as_u64().expect("count"),
        diagnostics
            .iter()
            .filter(|d| d["severity"] == "error")
            .count() as u64
    );

    let fast = stemlint(
        &[
            "check",
            "examples/demo-tracks",
            "--format",
            "json",
            "--fast",
        ],
        repo(),
    );
    let document: Value = serde_json::from_str(&fast.stdout).expect("valid JSON");
    assert_schema(&document);
    assert_eq!(document["deliveries"][0]["mode"], "fast");
    assert!(document["deliveries"][0]["files"][0]
        .get("analysis")
        .is_none());
}

#[test]
fn rules_explain_profiles_and_init() {
    let rules = stemlint(&["rules"], repo());
    assert_eq!(rules.code, 0);
    assert!(
        rules
            .stdout
            .lines()
            .any(|line| line.starts_with("signal/limited")
                && line.contains("warning     off         error")),
        "{}",
        rules.stdout
    );

    let explain = stemlint(&["explain", "format/sample-rate"], repo());
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("Why it matters"));
    assert!(
        explain.stdout.contains("tracks: error (rates:"),
        "{}",
        explain.stdout
    );
    assert_eq!(stemlint(&["explain", "format/nope"], repo()).code, 2);

    let profiles = stemlint(&["profiles"], repo());
    assert_eq!(profiles.stdout.lines().count(), 3);

    let dir = tempfile::tempdir().expect("tempdir");
    let init = stemlint(&["init", "."], dir.path());
    assert_eq!(init.code, 0);
    assert!(init.stderr.contains("wrote"), "{}", init.stderr);
    // `--quiet`, before or after the subcommand, keeps the status line out.
    for args in [&["init", "--quiet", "q1"][..], &["-q", "init", "q2"]] {
        std::fs::create_dir(dir.path().join(args[2])).expect("folder");
        let quiet = stemlint(args, dir.path());
        assert_eq!(quiet.code, 0, "{args:?}: {}", quiet.stderr);
        assert!(dir.path().join(args[2]).join("stemlint.yaml").exists());
        assert_eq!(quiet.stderr, "", "{args:?}");
        assert_eq!(quiet.stdout, "", "{args:?}");
    }
    let written =
        std::fs::read_to_string(dir.path().join("stemlint.yaml")).expect("init wrote the config");
    assert!(written.contains("profile: tracks"));
    assert_eq!(
        stemlint(&["init", "."], dir.path()).code,
        2,
        "init never overwrites"
    );
    clean_tracks(dir.path());
    assert_eq!(
        stemlint(&["check", "."], dir.path()).code,
        0,
        "the template is a valid config"
    );
}

#[test]
fn sections_are_reported_under_their_own_headings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tracks = dir.path().join("Tracks");
    std::fs::create_dir(&tracks).expect("folder");
    clean_tracks(&tracks);
    Wav::new(44100, 24, 1)
        .hits(100.0, -10.0, 9)
        .seconds(1.0)
        .write(&tracks, "08_Shaker.wav");
    std::fs::write(
        dir.path().join("stemlint.yaml"),
        "sections:\n  - path: Tracks\n    profile: tracks\n",
    )
    .expect("config");
    std::fs::write(dir.path().join("Thumbs.db"), b"x").expect("stray");
    let run = stemlint(&["check", "."], dir.path());
    assert_eq!(run.code, 1);
    let headings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with("── "))
        .collect();
    assert_eq!(
        headings,
        [
            "── . (profile tracks): 0 files, 0 errors, 1 warning, 0 infos",
            "── ./Tracks (profile tracks): 8 files, 1 error, 0 warnings, 0 infos",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "2 deliveries, 8 files checked: 1 error, 1 warning, 0 infos (profile tracks)\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn a_single_file_is_checked_with_the_file_rules_only() {
    let run = stemlint(
        &[
            "check",
            "examples/demo-tracks/02_Snare.wav",
            "--format",
            "json",
        ],
        repo(),
    );
    assert_eq!(run.code, 1);
    let document: Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    assert_schema(&document);
    let delivery = &document["deliveries"][0];
    assert_eq!(delivery["files"].as_array().map(Vec::len), Some(1));
    let rules: Vec<&str> = delivery["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|diagnostic| diagnostic["rule"].as_str())
        .collect();
    // No notes, numbering or length findings for a file checked alone.
    assert_eq!(rules, ["format/sample-rate"]);
    let clean = stemlint(
        &[
            "check",
            "examples/demo-tracks/01_Kick.wav",
            "examples/demo-tracks/03_Bass_DI.wav",
        ],
        repo(),
    );
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert_eq!(
        clean.stdout,
        "2 files checked: no problems found (profile tracks)\n"
    );
}
