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

/// The subset of JSON Schema (draft-07) that tests/schemas/github-action.schema.json uses.
/// A keyword it does not know is an error, so the schema cannot pass by being misread.
fn schema_errors(schema: &Value, value: &Value, root: &Value, at: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(schema) = schema.as_object() else {
        return vec![format!("{at}: the schema is not an object")];
    };
    for (keyword, rule) in schema {
        match keyword.as_str() {
            "$comment" | "definitions" | "description" => {}
            "$ref" => {
                let name = rule
                    .as_str()
                    .and_then(|reference| reference.strip_prefix("#/definitions/"))
                    .unwrap_or_default();
                let target = &root["definitions"][name];
                assert!(!target.is_null(), "unresolved $ref {rule}");
                errors.extend(schema_errors(target, value, root, at));
            }
            "type" => {
                let matches = |name: &str| match name {
                    "object" => value.is_object(),
                    "array" => value.is_array(),
                    "string" => value.is_string(),
                    "boolean" => value.is_boolean(),
                    "number" => value.is_number(),
                    other => panic!("unknown type {other}"),
                };
                let ok = match rule {
                    Value::String(name) => matches(name),
                    Value::Array(names) => names.iter().filter_map(Value::as_str).any(matches),
                    _ => panic!("bad type {rule}"),
                };
                if !ok {
                    errors.push(format!("{at}: expected {rule}, found {value}"));
                }
            }
            "enum" => {
                let options = rule.as_array().expect("enum is an array");
                if !options.contains(value) {
                    errors.push(format!("{at}: {value} is not one of the allowed values"));
                }
            }
            "const" => {
                if value != rule {
                    errors.push(format!("{at}: expected {rule}, found {value}"));
                }
            }
            "pattern" => {
                let pattern = regex::Regex::new(rule.as_str().expect("a pattern")).expect("regex");
                if let Some(text) = value.as_str() {
                    if !pattern.is_match(text) {
                        errors.push(format!("{at}: {text:?} does not match {pattern}"));
                    }
                }
            }
            "required" => {
                for name in rule.as_array().expect("required is an array") {
                    let name = name.as_str().expect("a name");
                    if value.as_object().is_some_and(|map| !map.contains_key(name)) {
                        errors.push(format!("{at}: `{name}` is required"));
                    }
                }
            }
            "properties" | "patternProperties" | "additionalProperties" => {}
            "items" => {
                for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                    errors.extend(schema_errors(rule, item, root, &format!("{at}[{index}]")));
                }
            }
            "oneOf" | "anyOf" => {
                let branches = rule.as_array().expect("an array of schemas");
                let passing = branches
                    .iter()
                    .filter(|branch| schema_errors(branch, value, root, at).is_empty())
                    .count();
                let ok = if keyword == "oneOf" {
                    passing == 1
                } else {
                    passing >= 1
                };
                if !ok {
                    errors.push(format!(
                        "{at}: {passing} of the {keyword} branches match {value}"
                    ));
                }
            }
            other => panic!("the validator does not know the keyword `{other}`"),
        }
    }
    // The object keywords together: each member is checked by its property, else by a
    // matching pattern, else by additionalProperties.
    if let Some(members) = value.as_object() {
        let properties = schema.get("properties").and_then(Value::as_object);
        let patterns = schema.get("patternProperties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (name, member) in members {
            let here = format!("{at}.{name}");
            if let Some(property) = properties.and_then(|properties| properties.get(name)) {
                errors.extend(schema_errors(property, member, root, &here));
                continue;
            }
            let matched: Vec<&Value> = patterns
                .into_iter()
                .flatten()
                .filter(|(pattern, _)| regex::Regex::new(pattern).expect("regex").is_match(name))
                .map(|(_, schema)| schema)
                .collect();
            if !matched.is_empty() {
                for schema in matched {
                    errors.extend(schema_errors(schema, member, root, &here));
                }
                continue;
            }
            match additional {
                Some(Value::Bool(false)) => errors.push(format!("{here}: not allowed")),
                Some(schema @ Value::Object(_)) => {
                    errors.extend(schema_errors(schema, member, root, &here))
                }
                _ => {}
            }
        }
    }
    errors
}

fn action() -> Value {
    let text = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    serde_yaml::from_str(&text).expect("action.yml is YAML")
}

fn action_schema_errors(action: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("tests/schemas/github-action.schema.json"))
        .expect("the schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    schema_errors(&schema, action, &schema, "action")
}

#[test]
fn the_action_metadata_follows_the_schema() {
    let action = action();
    assert_eq!(action_schema_errors(&action), Vec::<String>::new());

    // The validator rejects what the runner would: each mutation breaks one rule.
    type Mutation = (&'static str, fn(&mut Value));
    let mutations: [Mutation; 6] = [
        ("no runs", |action| {
            action.as_object_mut().expect("map").remove("runs");
        }),
        ("a run step without shell", |action| {
            let steps = action["runs"]["steps"].as_array_mut().expect("steps");
            let step = steps.iter_mut().find(|step| step.get("run").is_some());
            step.and_then(Value::as_object_mut)
                .expect("a run step")
                .remove("shell");
        }),
        ("an unknown step key", |action| {
            action["runs"]["steps"][0]["timeout"] = Value::from(5);
        }),
        ("an input without description", |action| {
            action["inputs"]["path"]
                .as_object_mut()
                .expect("map")
                .remove("description");
        }),
        ("a bad badge colour", |action| {
            action["branding"]["color"] = Value::from("pink");
        }),
        ("a non-composite runs", |action| {
            action["runs"]["using"] = Value::from("node20");
        }),
    ];
    for (what, mutate) in mutations {
        let mut broken = action.clone();
        mutate(&mut broken);
        assert!(!action_schema_errors(&broken).is_empty(), "{what} passes");
    }
}

#[test]
fn the_action_installs_from_its_own_checkout_and_wires_its_inputs() {
    let action = action();
    let inputs = action["inputs"].as_object().expect("inputs");
    for input in ["path", "profile", "format", "fail-on", "upload-sarif"] {
        assert!(inputs.contains_key(input), "input {input}");
    }
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let text = |step: &Value, key: &str| step[key].as_str().unwrap_or_default().to_owned();
    let step = |needle: &str| {
        steps
            .iter()
            .find(|step| text(step, "run").contains(needle) || text(step, "uses").contains(needle))
            .unwrap_or_else(|| panic!("a step with {needle}"))
    };
    assert!(text(step("cargo install"), "run")
        .contains("--locked --force --path \"$GITHUB_ACTION_PATH\""));
    let cache = step("actions/cache@");
    assert!(cache["with"]["path"]
        .as_str()
        .is_some_and(|paths| paths.contains("~/.cargo/bin/stemlint")));
    let check = step("stemlint check");
    for input in [
        "path",
        "profile",
        "format",
        "fail-on",
        "upload-sarif",
        "args",
    ] {
        let wired = check["env"]
            .as_object()
            .expect("env")
            .values()
            .any(|value| value == &Value::from(format!("${{{{ inputs.{input} }}}}")));
        assert!(wired, "the check step reads inputs.{input} through env");
    }
    assert!(
        !text(check, "run").contains("${{"),
        "no expression is pasted into the script (injection)"
    );
    let upload = step("github/codeql-action/upload-sarif@");
    assert!(text(upload, "if").contains("inputs.upload-sarif == 'true'"));
}

#[cfg(unix)]
/// The check step's script, run by bash as the runner would, on the demo delivery with the
/// binary just built.
fn run_action_check(inputs: &[(&str, &str)]) -> Option<(i32, String, String)> {
    if !installed("bash") {
        eprintln!("skipped: bash is not installed");
        return None;
    }
    let action = action();
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let check = steps
        .iter()
        .find(|step| step["id"] == "check")
        .expect("the check step");
    let script = check["run"].as_str().expect("a script");
    let home = tempfile::tempdir().expect("home");
    let bin = home.path().join(".cargo/bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_stemlint"), bin.join("stemlint")).expect("link");
    let output_file = home.path().join("output");
    let mut command = Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(repo())
        .env("HOME", home.path())
        .env("GITHUB_OUTPUT", &output_file)
        .env("RUNNER_TEMP", home.path());
    let defaults = action["inputs"].as_object().expect("inputs");
    for (name, value) in check["env"].as_object().expect("env") {
        let input = value
            .as_str()
            .and_then(|text| text.strip_prefix("${{ inputs."))
            .and_then(|text| text.strip_suffix(" }}"))
            .expect("an input");
        let given = inputs
            .iter()
            .find(|(key, _)| *key == input)
            .map(|(_, v)| *v);
        let default = defaults[input]["default"].as_str().unwrap_or_default();
        command.env(name, given.unwrap_or(default));
    }
    let output = command.output().expect("bash runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outputs = std::fs::read_to_string(&output_file).unwrap_or_default();
    let code = outputs
        .lines()
        .find_map(|line| line.strip_prefix("exit-code="))
        .and_then(|code| code.parse().ok())
        .expect("exit-code is set");
    Some((
        code,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        outputs,
    ))
}

#[cfg(unix)]
#[test]
fn the_action_check_step_runs_stemlint_with_its_inputs() {
    let Some((code, log, _)) = run_action_check(&[("path", DEMO)]) else {
        return;
    };
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("::error file=examples/demo-tracks/02_Snare.wav"),
        "{log}"
    );

    let Some((code, _, _)) = run_action_check(&[
        ("path", DEMO),
        ("profile", "stems"),
        ("fail-on", "info"),
        ("args", "--fast --statistics"),
        ("format", "human"),
    ]) else {
        return;
    };
    assert_eq!(code, 1);

    let Some((code, log, outputs)) = run_action_check(&[
        (
            "path",
            &format!("{DEMO}/01_Kick.wav\n{DEMO}/03_Bass_DI.wav"),
        ),
        ("upload-sarif", "true"),
    ]) else {
        return;
    };
    assert_eq!(code, 0, "{log}");
    let sarif: Value = serde_json::from_str(&log).expect("the log is the SARIF document");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(outputs.contains("sarif-file="), "{outputs}");
}
