//! Hard guarantees: no input crashes a run, and a run never changes a delivery.
//!
//! - the real binary, in every output format, leaves every byte, size and mtime of a delivery
//!   of good and malformed files as it was, and writes nothing into it;
//! - the whole malformed corpus (`tests/fixtures/bad/`, with the fuzzers' crashers under
//!   `bad/fuzz/`) plus every real-encoder fixture, in one delivery, gives exit code 1, exactly one
//!   `file/*` finding per malformed file, and frames for every good file;
//! - a deterministic mutation fuzzer (bit flips, insertions, deletions, chunk sizes overwritten,
//!   truncation at chunk boundaries, splices) runs `media::scan` on mutants of the fixtures: a
//!   few hundred in the default suite, as many as asked with `--ignored` (see fuzz/README.md).

// Tests print the figures they measure (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

mod support;

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::fs;
use std::hash::Hasher;
use std::panic::{self, PanicHookInfo};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, Once};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant, SystemTime};

use stemlint::media::analysis::AnalysisSettings;
use stemlint::media::{scan, ScanMode};
use stemlint::record::FileIssueKind;
use support::Wav;

const BIN: &str = env!("CARGO_BIN_EXE_stemlint");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The audio-like files of a fixture folder (not the README or the generator script).
fn fixture_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .expect("fixture folder")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| path.is_file())
        .filter(|path| {
            !matches!(
                path.extension().and_then(|extension| extension.to_str()),
                Some("md" | "py")
            )
        })
        .collect();
    files.sort();
    files
}

fn good_fixtures() -> Vec<PathBuf> {
    fixture_files(&fixtures())
}

/// Every malformed file: `bad/` and the fuzzers' crashers in `bad/fuzz/`.
fn bad_fixtures() -> Vec<PathBuf> {
    let mut files = fixture_files(&fixtures().join("bad"));
    files.extend(fixture_files(&fixtures().join("bad/fuzz")));
    files
}

/// Malformed fixtures that must still read cleanly.
const BAD_BUT_READABLE: &[&str] = &["odd_chunk_no_pad.wav"];

/// A delivery of good and malformed files, as a CI job would see it. Returns the names of the
/// malformed files (each copied under a `bad_` prefix).
fn mixed_delivery(root: &Path) -> (Vec<String>, Vec<String>) {
    let mut good = Vec::new();
    for path in good_fixtures() {
        let name = file_name(&path);
        fs::copy(&path, root.join(&name)).expect("copy fixture");
        good.push(name);
    }
    for (index, wav) in [
        Wav::new(48000, 24, 2).noise(-12.0, 1).frames(4800),
        Wav::new(48000, 24, 1).rf64().sine(100.0, -6.0).frames(4800),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("{:02}_Built.wav", index + 1);
        wav.write(root, &name);
        good.push(name);
    }
    let mut bad = Vec::new();
    for path in bad_fixtures() {
        let name = format!("bad_{}", file_name(&path));
        fs::copy(&path, root.join(&name)).expect("copy fixture");
        if !BAD_BUT_READABLE.iter().any(|ok| name.ends_with(ok)) {
            bad.push(name);
        }
    }
    fs::write(
        root.join("notes.txt"),
        "Tempo 120 BPM, 4/4, 48 kHz / 24 bit\n",
    )
    .expect("notes");
    (good, bad)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file")
        .to_string_lossy()
        .into_owned()
}

/// Everything a run could change in a folder: names, kinds, sizes, permissions, mtimes and a
/// hash of every file's bytes. Access times are left out (reading updates them).
fn fingerprint(root: &Path) -> BTreeMap<String, (u64, u32, SystemTime, u64)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.expect("walkable");
        let meta = entry.metadata().expect("metadata");
        let mut hasher = DefaultHasher::new();
        if meta.is_file() {
            hasher.write(&fs::read(entry.path()).expect("readable"));
        }
        let rel = entry.path().strip_prefix(root).expect("inside").to_owned();
        out.insert(
            rel.display().to_string(),
            (
                meta.len(),
                meta.permissions().mode(),
                meta.modified().expect("mtime"),
                hasher.finish(),
            ),
        );
    }
    out
}

#[test]
#[cfg(unix)]
fn a_run_never_changes_the_delivery() {
    let dir = tempfile::tempdir().expect("tempdir");
    mixed_delivery(dir.path());
    let before = fingerprint(dir.path());
    for arguments in [
        &["--format", "human"][..],
        &["--format", "json"],
        &["--format", "json", "--fast"],
        &["--format", "human", "--jobs", "1", "--profile", "stems"],
    ] {
        let output = Command::new(BIN)
            .arg("check")
            .arg(dir.path())
            .args(arguments)
            .arg("--no-progress")
            .output()
            .expect("the binary runs");
        assert_eq!(output.status.code(), Some(1), "{arguments:?}");
        assert_eq!(
            fingerprint(dir.path()),
            before,
            "{arguments:?} changed the delivery"
        );
    }
}

#[test]
fn the_malformed_corpus_gives_one_finding_per_file_and_the_good_files_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (good, bad) = mixed_delivery(dir.path());
    let output = Command::new(BIN)
        .arg("check")
        .arg(dir.path())
        .args(["--format", "json", "--no-progress"])
        .output()
        .expect("the binary runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    let delivery = &document["deliveries"][0];

    let mut file_findings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for diagnostic in delivery["diagnostics"].as_array().expect("diagnostics") {
        let rule = diagnostic["rule"].as_str().expect("rule id");
        // A header's bookkeeping that the audio shows to be wrong is information on a good
        // file (ffmpeg's ALAC-in-CAF packet count), not a finding against it.
        let error_or_warning = diagnostic["severity"] != "info";
        if let (true, Some(path)) = (
            rule.starts_with("file/") && error_or_warning,
            diagnostic["path"].as_str(),
        ) {
            file_findings
                .entry(path.to_owned())
                .or_default()
                .push(rule.to_owned());
        }
    }
    for name in &bad {
        let rules = file_findings.get(name).cloned().unwrap_or_default();
        assert_eq!(rules.len(), 1, "{name}: {rules:?}");
    }
    let frames: BTreeMap<&str, u64> = delivery["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|file| {
            (
                file["path"].as_str().expect("path"),
                file["frames"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    for name in &good {
        assert!(
            frames.get(name.as_str()).is_some_and(|&frames| frames > 0),
            "{name} was not decoded: {:?}",
            frames.get(name.as_str())
        );
        assert!(
            !file_findings.contains_key(name),
            "{name}: {file_findings:?}"
        );
    }
}

/// The fuzzers' crashers (an AIFF `COMM` declaring 49409 channels, so that symphonia's
/// `bits / 8 * channels` overflowed u16: a panic in a debug build, zero frames and no finding in
/// a release one) are one `file/corrupt` finding each, quickly, in any build.
#[test]
fn fuzz_crashers_are_corrupt() {
    let crashers = fixture_files(&fixtures().join("bad/fuzz"));
    assert!(!crashers.is_empty());
    for path in crashers {
        let started = Instant::now();
        let record = quiet_scan(&path);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{path:?} is slow"
        );
        let kinds: Vec<_> = record.issues.iter().map(|issue| issue.kind).collect();
        assert_eq!(
            kinds,
            [FileIssueKind::Corrupt],
            "{path:?}: {:?}",
            record.issues
        );
        assert!(
            record.issues[0].message.contains("channels of 16 bits"),
            "{path:?}: {}",
            record.issues[0].message
        );
    }
}

/// The same frame-size overflow reached through a WAVE header that our PCM reader hands to
/// symphonia (a block align that does not match the channels).
#[test]
fn a_wave_frame_too_large_for_symphonia_is_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Wav::new(48000, 16, 1).frames(16).bytes();
    // fmt body starts at 20: channels at 22, block align at 32.
    bytes[22..24].copy_from_slice(&40000u16.to_le_bytes());
    bytes[32..34].copy_from_slice(&3u16.to_le_bytes());
    let path = support::write_raw(dir.path(), "01_Wide.wav", &bytes);
    let record = quiet_scan(&path);
    let kinds: Vec<_> = record.issues.iter().map(|issue| issue.kind).collect();
    assert_eq!(kinds, [FileIssueKind::Corrupt], "{:?}", record.issues);
    assert!(
        record.issues[0]
            .message
            .contains("40000 channels of 16 bits"),
        "{}",
        record.issues[0].message
    );
}

// ---------------------------------------------------------------------------------------------
// The mutation fuzzer.

/// A panic seen by the hook: where, what, on which thread.
struct Caught {
    thread: ThreadId,
    location: String,
    message: String,
}

static CAUGHT: Mutex<Vec<Caught>> = Mutex::new(Vec::new());
static HOOK: Once = Once::new();

/// Record panics: `scan` catches them, and the fuzzer then decides from the location whether
/// one is a finding. Tolerated ones are not printed; every other one is, as usual.
fn install_recording_hook() {
    HOOK.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            let message = stemlint::media::panic_message(info.payload());
            let location = info
                .location()
                .map(|location| format!("{}:{}", location.file(), location.line()))
                .unwrap_or_default();
            let caught = Caught {
                thread: thread::current().id(),
                location,
                message,
            };
            if !is_tolerated(&caught) {
                default_hook(info);
            }
            if let Ok(mut all) = CAUGHT.lock() {
                all.push(caught);
            }
        }));
    });
}

/// Take this thread's recorded panics.
fn take_panics() -> Vec<Caught> {
    let mut caught = CAUGHT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let me = thread::current().id();
    let (mine, others) = caught.drain(..).partition(|panic| panic.thread == me);
    *caught = others;
    mine
}

/// Debug builds check arithmetic in every crate; symphonia's overflows on hostile headers wrap
/// in the release binary and are caught by `scan` here. Every other panic is a bug.
fn is_tolerated(panic: &Caught) -> bool {
    panic.location.contains("/.cargo/registry/")
        && panic.message.starts_with("attempt to")
        && panic.message.contains("overflow")
}

fn quiet_scan(path: &Path) -> stemlint::record::FileRecord {
    install_recording_hook();
    let record = scan(
        path,
        file_name(path),
        ScanMode::Full,
        &AnalysisSettings::default(),
    );
    let bugs: Vec<String> = take_panics()
        .into_iter()
        .filter(|panic| !is_tolerated(panic))
        .map(|panic| format!("{} at {}", panic.message, panic.location))
        .collect();
    assert!(bugs.is_empty(), "{path:?} panicked: {bugs:?}");
    record
}

/// SplitMix64: a seeded, portable PRNG, so a failing mutant is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// Offsets of what looks like a chunk header (four printable ASCII bytes then a size) in a
/// RIFF, AIFF or FLAC file: where sizes are overwritten and files cut.
fn chunk_offsets(bytes: &[u8]) -> Vec<usize> {
    (0..bytes.len().saturating_sub(8))
        .filter(|&at| {
            bytes[at..at + 4]
                .iter()
                .all(|byte| byte.is_ascii_alphanumeric() || *byte == b' ')
                && matches!(
                    &bytes[at..at + 4],
                    b"RIFF"
                        | b"RF64"
                        | b"BW64"
                        | b"fmt "
                        | b"data"
                        | b"ds64"
                        | b"fact"
                        | b"bext"
                        | b"iXML"
                        | b"LIST"
                        | b"JUNK"
                        | b"FORM"
                        | b"COMM"
                        | b"SSND"
                        | b"FVER"
                        | b"fLaC"
                )
        })
        .collect()
}

/// One mutant of `seed_bytes` (and `other`, for splices).
fn mutate(rng: &mut Rng, seed_bytes: &[u8], other: &[u8]) -> (Vec<u8>, &'static str) {
    let mut bytes = seed_bytes.to_vec();
    let chunks = chunk_offsets(&bytes);
    let operation = rng.below(7);
    let name = match operation {
        0 => {
            for _ in 0..=rng.below(8) {
                let at = rng.below(bytes.len());
                if let Some(byte) = bytes.get_mut(at) {
                    *byte ^= 1 << rng.below(8);
                }
            }
            "bit flips"
        }
        1 => {
            let at = rng.below(bytes.len() + 1);
            let insert: Vec<u8> = (0..=rng.below(16)).map(|_| rng.next() as u8).collect();
            bytes.splice(at..at, insert);
            "insertion"
        }
        2 => {
            let at = rng.below(bytes.len());
            let end = (at + 1 + rng.below(16)).min(bytes.len());
            bytes.drain(at..end);
            "deletion"
        }
        3 if !chunks.is_empty() => {
            let at = chunks[rng.below(chunks.len())] + 4;
            let value: u32 = match rng.below(5) {
                0 => 0,
                1 => u32::MAX,
                2 => u32::MAX - 1,
                3 => 0x8000_0000,
                _ => rng.next() as u32,
            };
            let mut size = value.to_le_bytes();
            if rng.below(2) == 0 {
                size.reverse(); // AIFF and FLAC sizes are big-endian
            }
            bytes[at..at + 4].copy_from_slice(&size);
            "chunk size"
        }
        4 if !chunks.is_empty() => {
            let at = chunks[rng.below(chunks.len())] + rng.below(12);
            bytes.truncate(at);
            "truncation at a chunk"
        }
        5 => {
            let cut = rng.below(bytes.len());
            let from = rng.below(other.len());
            bytes.truncate(cut);
            bytes.extend_from_slice(&other[from..]);
            "splice"
        }
        _ => {
            // Interesting values over a random field, as AFL's "interest" stage does.
            let at = rng.below(bytes.len().saturating_sub(4));
            let value: [u8; 4] = match rng.below(4) {
                0 => [0xFF; 4],
                1 => [0; 4],
                2 => [0x7F, 0xFF, 0xFF, 0xFF],
                _ => [0x80, 0, 0, 0],
            };
            let end = (at + 1 + rng.below(4)).min(bytes.len());
            let width = end.saturating_sub(at);
            bytes[at..end].copy_from_slice(&value[..width]);
            "interesting value"
        }
    };
    (bytes, name)
}

/// Scan mutants until `iterations` are done or `budget` has passed; panics name the seed.
fn run_mutation_fuzzer(seed: u64, iterations: u64, budget: Duration) -> u64 {
    let corpus: Vec<(String, Vec<u8>)> = good_fixtures()
        .into_iter()
        .chain(bad_fixtures())
        .map(|path| (file_name(&path), fs::read(&path).expect("fixture")))
        .filter(|(_, bytes)| !bytes.is_empty())
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("mutant.wav");
    let started = Instant::now();
    let mut done = 0;
    while done < iterations && started.elapsed() < budget {
        let mutant_seed = seed.wrapping_add(done);
        let mut rng = Rng(mutant_seed);
        let (name, bytes) = &corpus[rng.below(corpus.len())];
        let (_, other) = &corpus[rng.below(corpus.len())];
        let (mutant, operation) = mutate(&mut rng, bytes, other);
        fs::write(&target, &mutant).expect("write mutant");
        let scanned = Instant::now();
        let record = std::panic::catch_unwind(|| quiet_scan(&target));
        let elapsed = scanned.elapsed();
        if record.is_err() || elapsed > Duration::from_secs(5) {
            let keep = std::env::temp_dir().join(format!("stemlint-mutant-{mutant_seed}.bin"));
            let _ = fs::write(&keep, &mutant);
            panic!(
                "mutant {mutant_seed} ({operation} of {name}) {} — kept as {}",
                if record.is_err() {
                    "panicked".to_owned()
                } else {
                    format!("took {elapsed:?}")
                },
                keep.display()
            );
        }
        done += 1;
    }
    done
}

/// A few hundred mutants: fast enough for every `cargo test`.
#[test]
fn mutants_of_the_fixtures_never_panic() {
    let done = run_mutation_fuzzer(0x5EED, 400, Duration::from_secs(8));
    assert!(done >= 50, "only {done} mutants in the time budget");
}

/// The long run: `STEMLINT_FUZZ_SECONDS=600 STEMLINT_FUZZ_SEED=1 cargo test --release --test
/// robustness -- --ignored --nocapture`.
#[test]
#[ignore]
fn mutants_of_the_fixtures_never_panic_long() {
    let seconds = std::env::var("STEMLINT_FUZZ_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(300);
    let seed = std::env::var("STEMLINT_FUZZ_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1);
    let done = run_mutation_fuzzer(seed << 32, u64::MAX, Duration::from_secs(seconds));
    eprintln!("{done} mutants from seed {seed} in {seconds} s without a panic or a hang");
}

/// A source that decodes one block, then panics, as a decoder bug would.
struct PanickingSource {
    samples: Vec<i32>,
    served: bool,
}

impl stemlint::media::SampleSource for PanickingSource {
    fn next_block(
        &mut self,
    ) -> Result<Option<stemlint::media::Block<'_>>, stemlint::record::FileIssue> {
        if self.served {
            panic!("decoder bug on purpose");
        }
        self.served = true;
        Ok(Some(stemlint::media::Block::Int {
            samples: &self.samples,
            bits: 24,
        }))
    }
}

#[test]
fn a_panic_while_decoding_becomes_file_corrupt_and_keeps_the_facts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Wav::new(48000, 24, 1)
        .sine(440.0, -6.0)
        .seconds(0.1)
        .write(dir.path(), "01_Kick.wav");
    let opened = stemlint::media::open(&path).expect("a good file opens");
    let facts = opened.facts.clone();
    let opened = stemlint::media::Opened {
        facts,
        source: Box::new(PanickingSource {
            samples: vec![1000; 256],
            served: false,
        }),
    };
    let record = stemlint::record::FileRecord {
        path: path.clone(),
        rel: "01_Kick.wav".to_owned(),
        facts: None,
        analysis: None,
        issues: Vec::new(),
        name_facts: Default::default(),
    };
    let record =
        stemlint::media::scan_opened(record, opened, ScanMode::Full, &AnalysisSettings::default());
    assert_eq!(record.issues.len(), 1);
    assert_eq!(record.issues[0].kind, FileIssueKind::Corrupt);
    assert_eq!(
        record.issues[0].message,
        "internal error while decoding: decoder bug on purpose"
    );
    assert_eq!(
        record.facts.as_ref().map(|facts| facts.sample_rate),
        Some(48000)
    );
}
