//! `stemlint session DELIVERY --reaper OUT.rpp`: the project parsed back (by a small parser
//! here, and by the `rpp` Python package when it is installed) with every item placed and
//! sized to the sample against the files.

// Tests print what they skip (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::Wav;

const RATE: u32 = 48_000;
const HOUR: u64 = 3_600 * RATE as u64;

/// (file, BWF time reference, frames): the stems start at one hour, the vocals half a second
/// and 7 samples later, the FX have no bext (start at 0), the mix is outside the folder.
const FILES: [(&str, Option<u64>, u64); 5] = [
    ("AB_Song_Bass_48k24.wav", Some(HOUR), 96_000),
    ("AB_Song_Drums_48k24.wav", Some(HOUR), 96_000),
    ("AB_Song_FX_48k24.wav", None, 50_001),
    ("AB_Song_Mix_48k24.wav", Some(HOUR), 96_000),
    ("AB_Song_Vocals_48k24.wav", Some(HOUR + 24_007), 71_993),
];

fn delivery(root: &Path) {
    std::fs::create_dir_all(root).expect("mkdir");
    for (index, (name, bext, frames)) in FILES.iter().enumerate() {
        let mut wav = Wav::new(RATE, 24, 2)
            .hits(100.0 + 40.0 * index as f64, -10.0, index as u64)
            .frames(*frames);
        if let Some(time_reference) = bext {
            wav = wav.bext(*time_reference);
        }
        wav.write(root, name);
    }
    std::fs::write(root.join("notes.txt"), "Tempo: 96 BPM\nMeter: 6/8\n").expect("notes");
}

fn session(args: &[&str], delivery: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .arg("session")
        .arg(delivery)
        .arg("--reaper")
        .arg(out)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// An RPP element: its tag and attributes, its lines (tokens) and its children.
#[derive(Debug, Default)]
struct Element {
    tokens: Vec<String>,
    lines: Vec<Vec<String>>,
    children: Vec<Element>,
}

impl Element {
    fn line(&self, key: &str) -> Option<&[String]> {
        self.lines
            .iter()
            .find(|line| line.first().map(String::as_str) == Some(key))
            .map(|line| &line[1..])
    }

    fn value(&self, key: &str) -> &str {
        self.line(key)
            .and_then(|values| values.first())
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{key} in {:?}", self.tokens))
    }

    fn children(&self, tag: &str) -> impl Iterator<Item = &Element> {
        let tag = tag.to_owned();
        self.children
            .iter()
            .filter(move |child| child.tokens[0] == tag)
    }
}

/// RPP tokens: words, or strings in "", '' or `` (no escapes).
fn tokens(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.trim().chars().peekable();
    while let Some(&first) = chars.peek() {
        if first == ' ' {
            chars.next();
            continue;
        }
        let mut token = String::new();
        if matches!(first, '"' | '\'' | '`') {
            chars.next();
            for c in chars.by_ref() {
                if c == first {
                    break;
                }
                token.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                token.push(c);
                chars.next();
            }
        }
        out.push(token);
    }
    out
}

fn parse(text: &str) -> Element {
    let mut stack = vec![Element::default()];
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(open) = trimmed.strip_prefix('<') {
            stack.push(Element {
                tokens: tokens(open),
                ..Element::default()
            });
        } else if trimmed == ">" {
            let done = stack.pop().expect("balanced");
            stack.last_mut().expect("a parent").children.push(done);
        } else if !trimmed.is_empty() {
            stack
                .last_mut()
                .expect("inside an element")
                .lines
                .push(tokens(trimmed));
        }
    }
    assert_eq!(stack.len(), 1, "every element closed");
    let mut root = stack.pop().expect("the document");
    assert_eq!(root.children.len(), 1, "one project");
    root.children.remove(0)
}

fn frames(seconds: &str) -> u64 {
    let value: f64 = seconds.parse().expect("a number");
    (value * f64::from(RATE)).round() as u64
}

/// Expected (track name, position frames, length frames, file) in project order.
fn expected(files_from_project: &str) -> Vec<(String, u64, u64, String)> {
    let position = |bext: Option<u64>| bext.map_or(0, |reference| reference - HOUR);
    let row = |(name, bext, length): (&str, Option<u64>, u64)| {
        (
            name.trim_end_matches(".wav").to_owned(),
            position(bext),
            length,
            format!("{files_from_project}{name}"),
        )
    };
    // The stems in their folder first, then the mix.
    FILES
        .iter()
        .filter(|file| !file.0.contains("_Mix_"))
        .chain(FILES.iter().filter(|file| file.0.contains("_Mix_")))
        .map(|file| row(*file))
        .collect()
}

#[test]
fn the_project_places_every_item_to_the_sample() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("Delivery");
    delivery(&root);
    let listing = |root: &Path| {
        let mut names: Vec<PathBuf> = std::fs::read_dir(root)
            .expect("list")
            .map(|entry| entry.expect("entry").path())
            .collect();
        names.sort();
        names
    };
    let before = listing(&root);
    let sessions = dir.path().join("Sessions");
    std::fs::create_dir_all(&sessions).expect("mkdir");
    let out = sessions.join("Song.rpp");
    let run = session(&[], &root, &out);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert_eq!(
        listing(&root),
        before,
        "nothing written inside the delivery"
    );
    let text = std::fs::read_to_string(&out).expect("written");
    println!("{text}");

    let project = parse(&text);
    assert_eq!(project.tokens[0], "REAPER_PROJECT");
    assert_eq!(project.line("TEMPO").expect("tempo"), ["96", "6", "8"]);
    assert_eq!(project.value("SAMPLERATE"), "48000");
    let tracks: Vec<&Element> = project.children("TRACK").collect();
    assert_eq!(tracks.len(), 6, "a folder and five files");
    assert_eq!(tracks[0].value("NAME"), "Stems");
    assert_eq!(tracks[0].line("ISBUS").expect("isbus"), ["1", "1"]);
    let want = expected("../Delivery/");
    for (track, (name, position, length, file)) in tracks[1..].iter().zip(&want) {
        assert_eq!(track.value("NAME"), name);
        let items: Vec<&Element> = track.children("ITEM").collect();
        assert_eq!(items.len(), 1, "{name}");
        assert_eq!(frames(items[0].value("POSITION")), *position, "{name}");
        assert_eq!(frames(items[0].value("LENGTH")), *length, "{name}");
        let source = items[0].children("SOURCE").next().expect("a source");
        assert_eq!(source.tokens[1], "WAVE");
        assert_eq!(source.value("FILE"), file);
        assert!(
            sessions.join(file).is_file(),
            "{file} resolves from the project"
        );
    }
    // The last stem closes the folder; the mix is outside it.
    assert_eq!(tracks[4].line("ISBUS").expect("isbus"), ["2", "-1"]);
    assert_eq!(tracks[5].line("ISBUS").expect("isbus"), ["0", "0"]);

    rpp_parses_it_back(&out, &want);
}

/// The `rpp` package (PyPI) reads the project back the same way.
fn rpp_parses_it_back(project: &Path, want: &[(String, u64, u64, String)]) {
    const SCRIPT: &str = r#"
import json, sys, rpp
project = rpp.loads(open(sys.argv[1]).read())
rows = []
for track in project.findall("TRACK"):
    for item in track.findall("ITEM"):
        source = item.find("SOURCE")
        rows.append([track.find("NAME")[1], item.find("POSITION")[1], item.find("LENGTH")[1], source.find("FILE")[1]])
print(json.dumps({"tempo": project.find("TEMPO")[1:], "rate": project.find("SAMPLERATE")[1], "rows": rows}))
"#;
    let available = Command::new("python3")
        .args(["-c", "import rpp"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        println!("skipped: python3 with the `rpp` package is not installed (pip install rpp)");
        return;
    }
    let output = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(project)
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "{output:?}");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["tempo"], serde_json::json!(["96", "6", "8"]));
    assert_eq!(document["rate"], "48000");
    let rows = document["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), want.len());
    for (row, (name, position, length, file)) in rows.iter().zip(want) {
        let text = |index: usize| row[index].as_str().expect("a string");
        assert_eq!(text(0), name);
        assert_eq!(frames(text(1)), *position, "{name}");
        assert_eq!(frames(text(2)), *length, "{name}");
        assert_eq!(text(3), file);
    }
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("Delivery");
    delivery(&root);
    let out = dir.path().join("Song.rpp");
    std::fs::write(&out, "mine").expect("write");
    let refused = session(&[], &root, &out);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "mine");

    let forced = session(&["--force"], &root, &out);
    assert_eq!(forced.status.code(), Some(0), "{forced:?}");
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(text.starts_with("<REAPER_PROJECT"));
    // Next to the delivery, the paths go down into it.
    assert!(
        text.contains("FILE \"Delivery/AB_Song_Bass_48k24.wav\""),
        "{text}"
    );

    let missing = session(&[], &dir.path().join("nowhere"), &dir.path().join("x.rpp"));
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn a_project_inside_the_delivery_points_at_its_neighbours() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("Delivery");
    delivery(&root);
    let out = root.join("Song.rpp");
    let run = session(&[], &root, &out);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let project = parse(&std::fs::read_to_string(&out).expect("read"));
    let files: Vec<String> = project
        .children("TRACK")
        .flat_map(|track| track.children("ITEM"))
        .map(|item| {
            item.children("SOURCE")
                .next()
                .expect("source")
                .value("FILE")
                .to_owned()
        })
        .collect();
    assert_eq!(files.len(), 5);
    assert!(files.iter().all(|file| !file.contains('/')), "{files:?}");
}
