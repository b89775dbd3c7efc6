//! stemlint where its users already work: global options, colour from the environment,
//! the progress bar's silence off a terminal, the GitLab report, shell completions, the
//! man page, and the GitHub action's metadata. All through the real binary.

// A test that needs an external tool says so on stderr when it skips.
#![allow(clippy::disallowed_macros)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::Wav;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The binary in the repository's root, with no colour or terminal variables inherited.
fn stemlint(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stemlint"));
    command
        .args(args)
        .current_dir(repo())
        .env("COLUMNS", "80")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("FORCE_COLOR");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const DEMO: &str = "examples/demo-tracks";

#[test]
fn global_options_are_accepted_before_and_after_every_subcommand() {
    for args in [
        &["--quiet", "check", DEMO][..],
        &["check", DEMO, "--quiet"],
        &["--quiet", DEMO],
        &["-q", "--no-progress", "--color", "never", "check", DEMO],
    ] {
        let run = stemlint(args, &[]);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("format/sample-rate") && !run.stdout.contains("files checked"),
            "{args:?} is a quiet check: {}",
            run.stdout
        );
    }
    for subcommand in [
        &["rules"][..],
        &["profiles"],
        &["explain", "format/sample-rate"],
        &["init"],
        &["completions", "bash"],
        &["manpage"],
    ] {
        for globals in [
            &["--quiet", "--no-progress", "--color", "never"][..],
            &["-q", "--color=always"],
        ] {
            let before: Vec<&str> = globals.iter().chain(subcommand).copied().collect();
            let after: Vec<&str> = subcommand.iter().chain(globals).copied().collect();
            for args in [before, after] {
                let run = stemlint(&args, &[]);
                assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
                assert!(!run.stdout.is_empty(), "{args:?} prints its output");
            }
        }
    }
}

#[test]
fn a_check_option_before_a_subcommand_is_a_usage_error() {
    // Without the error, `--profile` would be dropped in silence.
    let run = stemlint(&["--profile", "stems", "check", DEMO], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`--profile` goes after the subcommand"),
        "{}",
        run.stderr
    );
    assert_eq!(stemlint(&["--fast", "rules"], &[]).code, 2);
}

fn has_colour(text: &str) -> bool {
    text.contains("\u{1b}[")
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force() {
    let check = |flags: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["check", DEMO];
        args.extend_from_slice(flags);
        let run = stemlint(&args, env);
        assert_eq!(run.code, 1, "{}", run.stderr);
        has_colour(&run.stdout)
    };
    // stdout is a pipe here: `auto` means no colour unless the environment forces it.
    assert!(!check(&[], &[]));
    assert!(check(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!check(&[], &[("CLICOLOR_FORCE", "0")]));
    assert!(!check(&[], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]));
    assert!(check(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!check(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(check(&[], &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]));
}

#[test]
fn nothing_reaches_stderr_when_it_is_not_a_terminal() {
    // `output()` gives the child a pipe for stderr: no progress, no escape codes, nothing.
    for format in ["human", "json", "gitlab"] {
        let run = stemlint(&["check", DEMO, "--format", format], &[]);
        assert_eq!(run.code, 1);
        assert_eq!(run.stderr, "", "--format {format} wrote to stderr");
    }
    let forced = stemlint(&["check", DEMO], &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(forced.stderr, "", "forced colour is not a terminal either");
}

/// Run `command` under `script`, which gives it a terminal; None when `script` is missing.
fn on_a_terminal(command: &str) -> Option<String> {
    let probe = Command::new("script").arg("--version").output();
    if !probe.is_ok_and(|output| output.status.success()) {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return None;
    }
    let output = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(repo())
        .env("COLUMNS", "100")
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .expect("script runs");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_progress_bar_is_drawn_on_a_terminal_and_cleared_before_the_report() {
    let binary = env!("CARGO_BIN_EXE_stemlint");
    let Some(shown) = on_a_terminal(&format!("'{binary}' check {DEMO} --color never")) else {
        return;
    };
    assert!(
        shown.contains("/9 files"),
        "the bar counts the files: {shown:?}"
    );
    assert!(shown.contains("KiB/"), "and the bytes: {shown:?}");
    let report = shown.find("format/sample-rate").expect("the report");
    let last_bar = shown.rfind("/9 files").expect("the bar");
    assert!(last_bar < report, "the bar is gone before the report");
    // Cleared: the line the bar was drawn on is erased (`ESC [ 2K` or `ESC [ K`).
    assert!(
        shown[last_bar..report].contains("\u{1b}[2K")
            || shown[last_bar..report].contains("\u{1b}[K"),
        "{shown:?}"
    );

    for flags in [
        "--no-progress",
        "--quiet",
        "--format json",
        "--format gitlab",
    ] {
        let Some(quiet) = on_a_terminal(&format!("'{binary}' check {DEMO} {flags}")) else {
            return;
        };
        assert!(
            !quiet.contains("/9 files"),
            "{flags} draws no bar: {quiet:?}"
        );
    }
}

#[test]
fn gitlab_code_quality_report() {
    let run = stemlint(&["check", DEMO, "--format", "gitlab"], &[]);
    assert_eq!(run.code, 1);
    let issues: Value = serde_json::from_str(&run.stdout).expect("a JSON document");
    let issues = issues.as_array().expect("an array of issues");
    let json: Value =
        serde_json::from_str(&stemlint(&["check", DEMO, "--format", "json"], &[]).stdout)
            .expect("json");
    let diagnostics = json["deliveries"][0]["diagnostics"]
        .as_array()
        .expect("diagnostics");
    assert_eq!(issues.len(), diagnostics.len(), "one issue per diagnostic");
    let mut fingerprints = BTreeSet::new();
    for (issue, diagnostic) in issues.iter().zip(diagnostics) {
        assert_eq!(issue["check_name"], diagnostic["rule"]);
        assert_eq!(issue["description"], diagnostic["message"]);
        let expected_severity = match diagnostic["severity"].as_str() {
            Some("error") => "major",
            Some("warning") => "minor",
            _ => "info",
        };
        assert_eq!(issue["severity"], expected_severity);
        let path = issue["location"]["path"].as_str().expect("a path");
        match diagnostic["path"].as_str() {
            Some(file) if diagnostic.get("span").is_none() => {
                assert_eq!(path, format!("{DEMO}/{file}"))
            }
            Some(_) => assert!(path.starts_with(DEMO), "{path}"),
            None => assert_eq!(path, DEMO),
        }
        let line = issue["location"]["lines"]["begin"]
            .as_u64()
            .expect("a line");
        let span_line = diagnostic["span"]["line"].as_u64();
        assert_eq!(line, span_line.unwrap_or(1));
        let fingerprint = issue["fingerprint"].as_str().expect("a fingerprint");
        assert_eq!(fingerprint.len(), 32);
        assert!(fingerprints.insert(fingerprint.to_owned()), "unique");
    }
    let notes = issues
        .iter()
        .find(|issue| issue["check_name"] == "notes/mismatch")
        .expect("the demo's notes disagree with its audio");
    assert_eq!(notes["location"]["path"], format!("{DEMO}/notes.txt"));
    assert!(notes["location"]["lines"]["begin"].as_u64() > Some(1));

    let again = stemlint(&["check", DEMO, "--format", "gitlab"], &[]);
    assert_eq!(again.stdout, run.stdout, "stable across runs");
}

#[test]
fn gitlab_fingerprints_survive_changed_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fingerprints = |seconds: f64| {
        let kick = Wav::new(48000, 24, 1).sine(60.0, -12.0).seconds(seconds);
        kick.write(dir.path(), "01_Kick.wav");
        Wav::new(48000, 24, 1)
            .sine(200.0, -12.0)
            .seconds(seconds)
            .truncate_bytes(30)
            .write(dir.path(), "02_Snare.wav");
        let path = dir.path().to_str().expect("utf-8 tempdir");
        let run = stemlint(&["check", path, "--format", "gitlab"], &[]);
        let issues: Value = serde_json::from_str(&run.stdout).expect("json");
        issues
            .as_array()
            .expect("array")
            .iter()
            .map(|issue| {
                (
                    issue["check_name"].as_str().unwrap_or("").to_owned(),
                    issue["description"].as_str().unwrap_or("").to_owned(),
                    issue["fingerprint"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let short = fingerprints(0.5);
    let long = fingerprints(0.75);
    let of = |issues: &[(String, String, String)], rule: &str| {
        issues
            .iter()
            .find(|issue| issue.0 == rule)
            .cloned()
            .unwrap_or_else(|| panic!("{rule} in {issues:?}"))
    };
    let (before, after) = (of(&short, "file/corrupt"), of(&long, "file/corrupt"));
    assert_ne!(before.1, after.1, "the message changes with the numbers");
    assert_eq!(before.2, after.2, "the fingerprint does not");
}

/// Is `program` installed? (It answers `--version`.)
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn completions_for_each_shell() {
    for (shell, checker) in [
        ("bash", "bash"),
        ("zsh", "zsh"),
        ("fish", "fish"),
        ("powershell", ""),
        ("elvish", ""),
    ] {
        let run = stemlint(&["completions", shell], &[]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["stemlint", "fail-on", "no-progress", "explain"] {
            assert!(run.stdout.contains(word), "{shell} completes {word}");
        }
        if checker.is_empty() {
            continue;
        }
        if !installed(checker) {
            eprintln!("skipped: {checker} is not installed to parse its completions");
            continue;
        }
        // `-n`: parse the script without running it.
        let script = tempfile::NamedTempFile::new().expect("tempfile");
        std::fs::write(script.path(), &run.stdout).expect("script");
        let parsed = Command::new(checker)
            .arg("-n")
            .arg(script.path())
            .output()
            .expect("the shell runs");
        assert!(
            parsed.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&parsed.stderr)
        );
    }
    assert_eq!(stemlint(&["completions", "tcsh"], &[]).code, 2);
}

#[test]
fn the_man_page_is_generated_and_man_renders_it() {
    let run = stemlint(&["manpage"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "roff: {}",
        &run.stdout[..80]
    );
    assert!(run.stdout.contains(".TH stemlint 1"), "a section-1 page");
    for word in [
        "\\-\\-fail\\-on",
        "\\-\\-no\\-progress",
        "completions",
        "manpage",
    ] {
        assert!(run.stdout.contains(word), "the page documents {word}");
    }

    if !installed("man") {
        eprintln!("skipped: `man` is not installed to render the page");
        return;
    }
    let page = tempfile::Builder::new()
        .suffix(".1")
        .tempfile()
        .expect("tempfile");
    std::fs::write(page.path(), &run.stdout).expect("page");
    let rendered = Command::new("man")
        .args(["-P", "cat", "-l"])
        .arg(page.path())
        .env("MANWIDTH", "80")
        .output()
        .expect("man runs");
    let text = String::from_utf8_lossy(&rendered.stdout);
    let warnings = String::from_utf8_lossy(&rendered.stderr);
    assert!(rendered.status.success(), "{warnings}");
    assert_eq!(warnings, "", "groff has no complaint");
    for heading in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
        assert!(text.contains(heading), "{heading} in {text}");
    }
    assert!(text.contains("--fail-on"), "{text}");
}
