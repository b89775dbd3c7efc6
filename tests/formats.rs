//! The machine formats (SARIF, JUnit, GitHub) run through the real binary: each carries the
//! diagnostics of `--format json`, in its own shape and escaping.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::Wav;

/// A delivery under `parent/take1`: two good 48 kHz tracks, a 44.1 kHz snare, a file whose
/// name needs escaping (and breaks the naming pattern, made an info by the config), notes
/// with an unreadable tempo line, and a `.DS_Store`.
fn messy_delivery(parent: &Path) {
    let root = parent.join("take1");
    fs::create_dir(&root).expect("create the delivery folder");
    Wav::new(48000, 24, 1)
        .sine(440.0, -6.0)
        .seconds(0.25)
        .write(&root, "01_Kick.wav");
    Wav::new(44100, 24, 1)
        .sine(440.0, -6.0)
        .seconds(0.25)
        .write(&root, "02_Snare.wav");
    Wav::new(48000, 24, 1)
        .sine(440.0, -6.0)
        .seconds(0.25)
        .write(&root, "03_A&B.wav");
    fs::write(
        root.join("notes.txt"),
        "Session notes\nTempo: fast\nMeter: 4/4\n",
    )
    .expect("write notes");
    fs::write(root.join(".DS_Store"), "x").expect("write a stray");
    fs::write(
        root.join("stemlint.yaml"),
        "rules:\n  naming/pattern: info\n",
    )
    .expect("write the config");
}

/// A delivery with nothing to report.
fn clean_delivery(parent: &Path) {
    let root = parent.join("clean");
    fs::create_dir(&root).expect("create the delivery folder");
    for name in ["01_Kick.wav", "02_Snare.wav"] {
        Wav::new(48000, 24, 1)
            .sine(440.0, -6.0)
            .seconds(0.2)
            .write(&root, name);
    }
    fs::write(root.join("notes.txt"), "Tempo: 120 BPM\nMeter: 4/4\n").expect("write notes");
}

/// `stemlint check take1 --format FORMAT` run from `parent`, so paths in the output are
/// relative and the same on every machine.
fn run(parent: &Path, delivery: &str, format: &str) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .current_dir(parent)
        .args(["check", delivery, "--format", format, "--no-progress"])
        .output()
        .expect("run stemlint");
    assert!(
        output.stderr.is_empty(),
        "stderr of --format {format}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("output is UTF-8")
}

fn json_diagnostics(parent: &Path, delivery: &str) -> Vec<Value> {
    let output = run(parent, delivery, "json");
    let document: Value = serde_json::from_str(&stdout(&output)).expect("JSON output parses");
    document["deliveries"]
        .as_array()
        .expect("deliveries array")
        .iter()
        .flat_map(|entry| {
            entry["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .clone()
        })
        .collect()
}

#[test]
fn github_lines_are_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    messy_delivery(dir.path());
    let output = run(dir.path(), "take1", "github");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "::warning file=take1/.DS_Store,title=delivery/stray-file::should not ship: macOS Finder metadata%0Ahelp: remove it from the delivery (or list it under `ignore:` in stemlint.yaml)",
            "::error file=take1/02_Snare.wav,title=format/sample-rate::sample rate is 44.1 kHz, the profile wants 48 kHz%0Ahelp: export it again from the session at 48 kHz; resampling a finished file is a last resort",
            "::notice file=take1/03_A&B.wav,title=naming/pattern::`03_A&B.wav` does not follow the naming pattern (like `03_VocalLead.wav`)%0Ahelp: rename it like `03_VocalLead.wav`: number in session order, separator, short clear name (pattern `^\\d{2,3}[ _][A-Za-z0-9][A-Za-z0-9 _+(),-]*(\\.[LRlr])?\\.(wav|WAV)$`)",
            "::warning file=take1/notes.txt,line=2,col=1,title=notes/tempo::the notes mention the tempo but give no value stemlint can read%0Ahelp: write the tempo in the notes, e.g. `Tempo: 124 BPM` (for a tempo map, each tempo with its bar)",
        ],
        "{text}"
    );
}

#[test]
fn sarif_is_a_2_1_0_log_with_rules_levels_uris_and_a_notes_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    messy_delivery(dir.path());
    let output = run(dir.path(), "take1", "sarif");
    assert_eq!(output.status.code(), Some(1));
    let log: Value = serde_json::from_str(&stdout(&output)).expect("SARIF parses as JSON");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .is_some_and(|uri| uri.contains("sarif")));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "stemlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    let rules = driver["rules"].as_array().expect("rules");
    let rule_ids: Vec<&str> = rules
        .iter()
        .map(|rule| rule["id"].as_str().expect("rule id"))
        .collect();
    assert_eq!(
        rule_ids,
        [
            "delivery/stray-file",
            "format/sample-rate",
            "naming/pattern",
            "notes/tempo"
        ]
    );
    for rule in rules {
        assert!(rule["shortDescription"]["text"]
            .as_str()
            .is_some_and(|text| !text.is_empty()));
        assert!(rule["fullDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string());
    }
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "error");

    let results = runs[0]["results"].as_array().expect("results");
    let summary: Vec<(&str, &str, &str)> = results
        .iter()
        .map(|result| {
            let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(
                rules[index]["id"], result["ruleId"],
                "ruleIndex points at its rule"
            );
            assert!(result["message"]["text"]
                .as_str()
                .is_some_and(|text| text.contains("\nhelp: ")));
            let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
            (
                result["ruleId"].as_str().expect("ruleId"),
                result["level"].as_str().expect("level"),
                artifact["uri"].as_str().expect("uri"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("delivery/stray-file", "warning", "take1/.DS_Store"),
            ("format/sample-rate", "error", "take1/02_Snare.wav"),
            ("naming/pattern", "note", "take1/03_A&B.wav"),
            ("notes/tempo", "warning", "take1/notes.txt"),
        ]
    );
    // "Tempo: fast" is line 2 of the notes, 11 characters from character 14.
    let region = &results[3]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 1);
    assert_eq!(region["charOffset"], 14);
    assert_eq!(region["charLength"], 11);
    assert!(results[1]["locations"][0]["physicalLocation"]
        .get("region")
        .is_none());
}

#[test]
fn sarif_points_a_delivery_wide_finding_at_the_root_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir(dir.path().join("empty take")).expect("create the delivery folder");
    let output = run(dir.path(), "empty take", "sarif");
    assert_eq!(output.status.code(), Some(1));
    let log: Value = serde_json::from_str(&stdout(&output)).expect("SARIF parses as JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let empty = results
        .iter()
        .find(|result| result["ruleId"] == "delivery/empty")
        .expect("an empty delivery is reported");
    assert_eq!(
        empty["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "empty%20take/"
    );
}

#[test]
fn junit_has_a_testcase_per_file_and_escapes_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    messy_delivery(dir.path());
    let output = run(dir.path(), "take1", "junit");
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout(&output);
    assert_well_formed(&xml);

    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    // Three audio files and the delivery; failed: the delivery (stray, notes) and the snare.
    // The A&B file's finding is an info, which is output, not a failure.
    assert!(
        xml.contains(r#"<testsuite name="take1" tests="4" failures="2" errors="0" skipped="0">"#),
        "{xml}"
    );
    let cases: Vec<&str> = xml
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("<testcase "))
        .collect();
    assert_eq!(
        cases,
        [
            r#"classname="take1" name="(delivery)">"#,
            r#"classname="take1" name="01_Kick.wav"/>"#,
            r#"classname="take1" name="02_Snare.wav">"#,
            r#"classname="take1" name="03_A&amp;B.wav">"#,
        ],
        "{xml}"
    );
    assert!(xml.contains(
        r#"<failure message="sample rate is 44.1 kHz, the profile wants 48 kHz" type="format/sample-rate">"#
    ));
    assert!(xml.contains(r#"type="delivery/stray-file""#));
    assert!(xml.contains(r#"type="notes/tempo""#));
    assert!(xml.contains("<system-out>info [naming/pattern] 03_A&amp;B.wav: `03_A&amp;B.wav`"));
    assert!(!xml.contains("A&B"), "an unescaped ampersand: {xml}");
}

#[test]
fn a_clean_delivery_exits_0_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    clean_delivery(dir.path());
    let github = run(dir.path(), "clean", "github");
    assert_eq!(github.status.code(), Some(0));
    assert_eq!(stdout(&github), "");

    let sarif = run(dir.path(), "clean", "sarif");
    assert_eq!(sarif.status.code(), Some(0));
    let log: Value = serde_json::from_str(&stdout(&sarif)).expect("SARIF parses as JSON");
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(Vec::new())
    );

    let junit = run(dir.path(), "clean", "junit");
    assert_eq!(junit.status.code(), Some(0));
    let xml = stdout(&junit);
    assert_well_formed(&xml);
    assert!(xml.contains(r#"tests="3" failures="0""#), "{xml}");
}

#[test]
fn every_format_carries_the_findings_of_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    messy_delivery(dir.path());
    let json = json_diagnostics(dir.path(), "take1");
    assert!(json.len() >= 4, "the messy delivery has findings: {json:?}");
    let infos = json
        .iter()
        .filter(|diagnostic| diagnostic["severity"] == "info")
        .count();

    let github = stdout(&run(dir.path(), "take1", "github"));
    assert_eq!(github.lines().count(), json.len());

    let sarif: Value =
        serde_json::from_str(&stdout(&run(dir.path(), "take1", "sarif"))).expect("SARIF");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), json.len());
    for (result, diagnostic) in results.iter().zip(&json) {
        assert_eq!(result["ruleId"], diagnostic["rule"]);
    }

    let junit = stdout(&run(dir.path(), "take1", "junit"));
    let failures = junit.matches("<failure ").count();
    let info_entries = junit.matches("info [").count();
    assert_eq!(failures, json.len() - infos);
    assert_eq!(info_entries, infos);
}

/// Enough of an XML parser to catch what a renderer gets wrong: tags balance and nest, every
/// `&` starts a known entity or a character reference, attribute values hold no `<` and are
/// quoted, and there is exactly one root element.
fn assert_well_formed(xml: &str) {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("XML declaration");
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        check_text(&rest[..start]);
        let end = rest[start..].find('>').expect("a tag ends") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "closing tag matches");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, attributes) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            name.chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '-'),
            "element name {name:?}"
        );
        check_attributes(attributes);
        if open.is_empty() {
            roots += 1;
        }
        if !self_closing {
            open.push(name.to_owned());
        }
    }
    check_text(rest);
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    assert_eq!(roots, 1, "one root element");
}

fn check_attributes(mut attributes: &str) {
    loop {
        attributes = attributes.trim_start();
        if attributes.is_empty() {
            return;
        }
        let (name, after) = attributes.split_once("=\"").expect("name=\"value\"");
        assert!(
            !name.contains(char::is_whitespace),
            "attribute name {name:?}"
        );
        let (value, after) = after.split_once('"').expect("a closing quote");
        assert!(!value.contains('<'), "raw < in attribute {name}");
        check_text(value);
        attributes = after;
    }
}

fn check_text(text: &str) {
    for (index, _) in text.match_indices('&') {
        let entity = &text[index..];
        let known = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"]
            .iter()
            .any(|prefix| entity.starts_with(prefix));
        assert!(known, "a raw & in {text:?}");
    }
    assert!(
        !text
            .chars()
            .any(|character| character.is_control() && !matches!(character, '\t' | '\n')),
        "a control character XML 1.0 forbids in {text:?}"
    );
}
