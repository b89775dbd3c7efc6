//! File-system edge cases of a delivery (Linux): names that are not UTF-8, link loops, broken
//! links and links that leave the delivery, special files, unreadable entries, very deep trees
//! and files that change between discovery and scan. Whatever the disk holds, the walk ends,
//! nothing is skipped silently and nothing panics.

// Tests print the figures they measure (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]
#![cfg(unix)]

mod support;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use globset::GlobSet;
use stemlint::discover::discover;
use stemlint::media::analysis::AnalysisSettings;
use stemlint::media::{open, scan, ScanMode};
use stemlint::record::FileIssueKind;
use stemlint::{check, DeliveryReport, Options};
use support::Wav;

/// A run that has not finished by then is a hang.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Check `root` as one delivery on another thread, failing the test if it does not end.
fn check_in_time(root: &Path) -> DeliveryReport {
    let root = root.to_path_buf();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let report = check(&[root], &Options::default());
        let _ = sender.send(report);
    });
    let report = receiver
        .recv_timeout(RUN_LIMIT)
        .expect("the check finishes: no hang on this tree")
        .expect("a delivery folder that exists is checked");
    report
        .deliveries
        .into_iter()
        .next()
        .expect("one delivery per PATH")
}

/// (rule, path) of every diagnostic, for assertions.
fn findings(report: &DeliveryReport) -> Vec<(&'static str, String)> {
    report
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.rule, diagnostic.path.clone().unwrap_or_default()))
        .collect()
}

fn has(report: &DeliveryReport, rule: &str, path: &str) -> bool {
    findings(report)
        .iter()
        .any(|(found_rule, found_path)| *found_rule == rule && found_path == path)
}

fn good_wav(dir: &Path, name: &str) -> PathBuf {
    Wav::new(48000, 24, 1)
        .sine(440.0, -12.0)
        .frames(4800)
        .write(dir, name)
}

/// True when permission bits do not stop this process (root, or CAP_DAC_OVERRIDE): then a
/// chmod 000 file is still readable and the unreadable-file assertions cannot be made.
fn permissions_are_ignored(probe: &Path) -> bool {
    fs::read(probe).is_ok()
}

#[test]
fn a_name_that_is_not_utf8_is_checked_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    good_wav(dir.path(), "01_Kick.wav");
    let raw_name = OsStr::from_bytes(b"02_Sn\xffare.wav");
    let bytes = Wav::new(48000, 24, 1).frames(4800).bytes();
    fs::write(dir.path().join(raw_name), bytes).expect("Linux accepts any bytes in a name");
    let folder = dir.path().join(OsStr::from_bytes(b"B\xe9ss"));
    fs::create_dir(&folder).expect("mkdir");
    good_wav(&folder, "03_Bass.wav");

    let report = check_in_time(dir.path());
    let lossy = "02_Sn\u{FFFD}are.wav";
    let record = report
        .delivery
        .files
        .iter()
        .find(|file| file.rel == lossy)
        .expect("the file is listed under its lossy name, not skipped");
    assert_eq!(
        record.path.file_name(),
        Some(raw_name),
        "opened by its real name"
    );
    assert_eq!(record.issues, vec![], "its audio was read");
    assert_eq!(record.facts.as_ref().map(|facts| facts.frames), Some(4800));
    assert!(
        has(&report, "naming/portable", lossy),
        "{:?}",
        findings(&report)
    );

    let nested = "B\u{FFFD}ss/03_Bass.wav";
    assert!(
        report
            .delivery
            .files
            .iter()
            .any(|file| file.rel == nested && file.is_sound()),
        "a file inside a folder whose name is not UTF-8 is checked"
    );
}

#[test]
fn a_link_loop_is_unreadable_and_the_walk_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    good_wav(dir.path(), "01_Kick.wav");
    let sub = dir.path().join("Drums");
    fs::create_dir(&sub).expect("mkdir");
    good_wav(&sub, "02_Snare.wav");
    symlink("..", sub.join("loop")).expect("symlink");
    // Two links pointing at each other never resolve at all.
    symlink("pong", dir.path().join("ping.wav")).expect("symlink");
    symlink("ping.wav", dir.path().join("pong")).expect("symlink");

    let report = check_in_time(dir.path());
    assert!(
        has(&report, "file/unreadable", "Drums/loop"),
        "{:?}",
        findings(&report)
    );
    assert!(has(&report, "file/unreadable", "ping.wav"));
    assert!(has(&report, "file/unreadable", "pong"));
    let rels: Vec<&str> = report
        .delivery
        .files
        .iter()
        .map(|file| file.rel.as_str())
        .collect();
    assert_eq!(
        rels,
        ["01_Kick.wav", "Drums/02_Snare.wav"],
        "each file once"
    );
}

#[test]
fn a_broken_link_is_unreadable() {
    let dir = tempfile::tempdir().expect("tempdir");
    good_wav(dir.path(), "01_Kick.wav");
    symlink("gone/02_Snare.wav", dir.path().join("02_Snare.wav")).expect("symlink");
    let report = check_in_time(dir.path());
    assert!(
        has(&report, "file/unreadable", "02_Snare.wav"),
        "{:?}",
        findings(&report)
    );
    let diagnostic = report
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.rule == "file/unreadable")
        .expect("reported");
    assert!(
        diagnostic.message.contains("broken link"),
        "{}",
        diagnostic.message
    );
}

#[test]
fn links_that_leave_the_delivery_are_recorded_and_folders_not_entered() {
    let outside = tempfile::tempdir().expect("tempdir");
    good_wav(outside.path(), "09_Outside.wav");
    let dir = tempfile::tempdir().expect("tempdir");
    good_wav(dir.path(), "01_Kick.wav");
    symlink(
        outside.path().join("09_Outside.wav"),
        dir.path().join("02_Linked.wav"),
    )
    .expect("symlink");
    symlink(outside.path(), dir.path().join("Elsewhere")).expect("symlink");
    // /proc holds files that block when read (kmsg) and is effectively endless: the walk
    // must not go there.
    symlink("/proc", dir.path().join("proc")).expect("symlink");

    let found = discover(dir.path(), &GlobSet::empty());
    let rels: Vec<&str> = found.audio.iter().map(|(_, rel)| rel.as_str()).collect();
    assert_eq!(
        rels,
        ["01_Kick.wav", "02_Linked.wav"],
        "a linked file is still checked; linked folders outside are not entered"
    );
    let links: Vec<(&str, bool)> = found
        .external_links
        .iter()
        .map(|link| (link.rel.as_str(), link.folder))
        .collect();
    assert_eq!(
        links,
        [
            ("02_Linked.wav", false),
            ("Elsewhere", true),
            ("proc", true)
        ]
    );
    assert!(found.external_links[2].target.ends_with("proc"));

    // The whole run ends, and the linked file is analysed.
    let report = check_in_time(dir.path());
    assert!(report
        .delivery
        .files
        .iter()
        .any(|file| file.rel == "02_Linked.wav" && file.is_sound()));
    // And each link leaving the delivery is a finding.
    for link in ["02_Linked.wav", "Elsewhere", "proc"] {
        assert!(
            has(&report, "delivery/external-link", link),
            "{:?}",
            findings(&report)
        );
    }
}

#[test]
fn a_named_pipe_is_reported_not_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    good_wav(dir.path(), "01_Kick.wav");
    let fifo = dir.path().join("02_Snare.wav");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|status| status.success())
        .unwrap_or(false);
    if !made {
        eprintln!("skipped: mkfifo is not available here");
        return;
    }
    // Opening a FIFO for reading blocks until a writer appears: the walk must not try.
    let report = check_in_time(dir.path());
    assert!(
        has(&report, "file/unreadable", "02_Snare.wav"),
        "{:?}",
        findings(&report)
    );
}

#[test]
fn unreadable_files_and_folders_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    good_wav(dir.path(), "01_Kick.wav");
    let locked_file = good_wav(dir.path(), "02_Snare.wav");
    let locked_folder = dir.path().join("Vocals");
    fs::create_dir(&locked_folder).expect("mkdir");
    good_wav(&locked_folder, "03_Vox.wav");
    fs::set_permissions(&locked_file, fs::Permissions::from_mode(0o000)).expect("chmod");
    fs::set_permissions(&locked_folder, fs::Permissions::from_mode(0o000)).expect("chmod");

    let ignored = permissions_are_ignored(&locked_file);
    let report = check_in_time(dir.path());
    // Restore, so that the temporary directory can be removed.
    fs::set_permissions(&locked_folder, fs::Permissions::from_mode(0o755)).expect("chmod");
    if ignored {
        eprintln!(
            "skipped: this process reads files whatever their permissions (root?), so chmod 000 \
             cannot make one unreadable; run the tests as an ordinary user to check this"
        );
        return;
    }
    assert!(
        has(&report, "file/unreadable", "02_Snare.wav"),
        "{:?}",
        findings(&report)
    );
    assert!(
        has(&report, "file/unreadable", "Vocals"),
        "{:?}",
        findings(&report)
    );
}

#[test]
fn a_very_deep_tree_is_walked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut deepest = dir.path().to_path_buf();
    for level in 0..200 {
        deepest.push(format!("d{level}"));
    }
    fs::create_dir_all(&deepest).expect("mkdir -p");
    good_wav(&deepest, "01_Deep.wav");
    let report = check_in_time(dir.path());
    let record = report
        .delivery
        .files
        .first()
        .expect("the deep file is found");
    assert_eq!(record.rel.split('/').count(), 201);
    assert!(record.is_sound(), "{:?}", record.issues);
}

#[test]
fn a_file_removed_after_discovery_is_unreadable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = good_wav(dir.path(), "01_Kick.wav");
    let found = discover(dir.path(), &GlobSet::empty());
    fs::remove_file(&path).expect("rm");
    let (path, rel) = found.audio.into_iter().next().expect("discovered");
    let record = scan(&path, rel, ScanMode::Full, &AnalysisSettings::default());
    let kinds: Vec<_> = record.issues.iter().map(|issue| issue.kind).collect();
    assert_eq!(kinds, [FileIssueKind::Unreadable]);
}

#[test]
fn a_file_truncated_after_its_header_was_read_is_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = Wav::new(48000, 24, 2).noise(-6.0, 3).frames(480_000);
    let path = wav.write(dir.path(), "01_Kick.wav");
    let mut opened = open(&path).expect("opens");
    // Cut the file to its header and a few frames (plus half a frame) after the header parse.
    let header_len = wav.bytes().len() as u64 - 480_000 * 6;
    let file = fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("writable");
    file.set_len(header_len + 1000 * 6 + 3).expect("truncate");

    let mut frames = 0usize;
    let issue = loop {
        match opened.source.next_block() {
            Ok(Some(block)) => frames += block.len() / 2,
            Ok(None) => panic!("a truncated file must not end cleanly"),
            Err(issue) => break issue,
        }
    };
    assert_eq!(frames, 1000, "the frames still there are streamed");
    assert_eq!(issue.kind, FileIssueKind::Corrupt);
    assert!(issue.message.contains("cut short"), "{}", issue.message);
}
