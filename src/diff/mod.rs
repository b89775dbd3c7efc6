//! `stemlint diff OLD NEW`: what changed between two versions of a delivery.
//!
//! Files are paired by name first. A pair is scanned (probed, decoded, analysed) and compared
//! in the same pass: each file of the pair streams on a thread of its own and every block its
//! analysis reads is also sent to the lockstep comparison (`compare`), as the null test does;
//! pairs run in parallel. Files left over on either side are scanned alone; their
//! fingerprints (a hash of the decoded audio per channel, a level per second) then pair
//! renamed files: the same hash is the same audio under another name; a close level curve is
//! the same material changed, and only such a pair is read a second time to compare it.
//! Memory stays bounded: a comparison holds a few seconds of each file.

pub mod compare;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use crate::error::Error;
use crate::media::{self, ScanMode};
use crate::model::analysis::AnalysisSettings;
use crate::model::diff::{
    Change, DiffReport, End, FieldChange, FileDiff, Side, StemBalance, StemLevel, TimeRange,
    Verdict,
};
use crate::model::options::Options;
use crate::model::pattern::Pattern;
use crate::model::record::{AudioFacts, Bext, FileRecord, SampleFormat};

/// One `bext` field as text, for comparing two files' broadcast extensions.
type ReadBext = fn(&Bext) -> String;
use crate::stems::{ChannelSource, Tee, CHANNEL_BLOCKS};
use crate::{discover, plan, profile};

use compare::Compared;

/// How to run a diff.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// A built-in profile name or a profile YAML path (for the mix pattern and the analysis
    /// settings); else each delivery's own.
    pub profile: Option<String>,
    pub config: Option<PathBuf>,
    /// Globs of the files meant to change (matched against the relative path and the file
    /// name, in OLD and in NEW).
    pub expect_changed: Vec<String>,
    /// Worker threads; None for one per core.
    pub jobs: Option<usize>,
}

/// Two renamed files whose per-second level curves correlate at least this well are taken
/// for the same material, changed.
const SAME_MATERIAL: f64 = 0.95;

/// Below this correlation the two files are different audio altogether.
const SAME_AUDIO_CORRELATION: f64 = 0.5;

/// Gains smaller than this are rounding, not a change, dB.
const GAIN_EPSILON_DB: f64 = 0.01;

/// One delivery as the diff reads it.
struct Version {
    display: String,
    audio: Vec<(PathBuf, String)>,
    settings: AnalysisSettings,
    mix_pattern: Option<Pattern>,
}

fn version(root: &Path, options: &DiffOptions) -> Result<Version, Error> {
    if !root.is_dir() {
        return Err(if root.exists() {
            Error::Io {
                path: root.display().to_string(),
                message: "not a folder: diff compares two delivery folders".to_owned(),
            }
        } else {
            Error::PathNotFound {
                path: root.display().to_string(),
            }
        });
    }
    let check_options = Options {
        profile: options.profile.clone(),
        config: options.config.clone(),
        ..Options::default()
    };
    let plans = plan::plan_all(&[root.to_path_buf()], &check_options)?;
    let (settings, mix_pattern) = match plans.first() {
        Some(plan) => {
            let rules = plan.profile.prepare()?;
            let pattern = match rules.settings.null_test {
                Some(null_test) => Some(null_test.mix_pattern),
                None => profile::load("stems", None)?
                    .prepare()?
                    .settings
                    .null_test
                    .map(|null_test| null_test.mix_pattern),
            };
            (rules.settings.analysis, pattern)
        }
        None => (AnalysisSettings::default(), None),
    };
    // Sections are part of the delivery here: the whole folder is compared, but for the
    // paths its config tells stemlint to leave alone.
    let ignore = plans
        .first()
        .map_or_else(GlobSet::empty, |plan| plan.ignore.clone());
    let found = discover::discover(root, &ignore);
    Ok(Version {
        display: root.display().to_string(),
        audio: found.audio,
        settings,
        mix_pattern,
    })
}

/// What is read for each file or pair.
enum Job {
    Pair(usize, usize),
    Old(usize),
    New(usize),
}

type ScannedPair = (FileRecord, FileRecord, Option<Result<Compared, String>>);

enum Scanned {
    Pair(Box<ScannedPair>),
    Old(FileRecord),
    New(FileRecord),
}

/// Compare the deliveries at `old` and `new`.
pub fn diff(old: &Path, new: &Path, options: &DiffOptions) -> Result<DiffReport, Error> {
    let expect = expect_globs(&options.expect_changed)?;
    let old = version(old, options)?;
    let new = version(new, options)?;

    let by_name: BTreeMap<&str, usize> = new
        .audio
        .iter()
        .enumerate()
        .map(|(index, (_, rel))| (rel.as_str(), index))
        .collect();
    let mut jobs = Vec::new();
    let mut paired_new = BTreeSet::new();
    for (index, (_, rel)) in old.audio.iter().enumerate() {
        match by_name.get(rel.as_str()) {
            Some(&other) => {
                paired_new.insert(other);
                jobs.push(Job::Pair(index, other));
            }
            None => jobs.push(Job::Old(index)),
        }
    }
    jobs.extend(
        (0..new.audio.len())
            .filter(|index| !paired_new.contains(index))
            .map(Job::New),
    );

    let run = || {
        jobs.par_iter()
            .map(|job| match *job {
                Job::Pair(o, n) => {
                    let (old_record, new_record, compared) =
                        scan_pair(&old.audio[o], &new.audio[n], &old.settings, &new.settings);
                    Scanned::Pair(Box::new((old_record, new_record, compared)))
                }
                Job::Old(index) => {
                    let (path, rel) = &old.audio[index];
                    Scanned::Old(media::scan(
                        path,
                        rel.clone(),
                        ScanMode::Full,
                        &old.settings,
                    ))
                }
                Job::New(index) => {
                    let (path, rel) = &new.audio[index];
                    Scanned::New(media::scan(
                        path,
                        rel.clone(),
                        ScanMode::Full,
                        &new.settings,
                    ))
                }
            })
            .collect::<Vec<_>>()
    };
    let scanned = crate::plan::in_pool(options.jobs, run)?;

    let mut pairs = Vec::new();
    let mut removed = Vec::new();
    let mut added = Vec::new();
    for outcome in scanned {
        match outcome {
            Scanned::Pair(pair) => pairs.push(*pair),
            Scanned::Old(record) => removed.push(record),
            Scanned::New(record) => added.push(record),
        }
    }
    let renamed = pair_renamed(&mut removed, &mut added);
    for (old_record, new_record, same_audio) in renamed {
        let compared = if same_audio {
            None
        } else {
            Some(compare_files(&old_record.path, &new_record.path))
        };
        pairs.push((old_record, new_record, compared));
    }

    let mut files: Vec<FileDiff> = pairs
        .iter()
        .map(|(old_record, new_record, compared)| {
            let (verdict, changes) = pair_changes(old_record, new_record, compared.as_ref());
            FileDiff {
                old: Some(old_record.rel.clone()),
                new: Some(new_record.rel.clone()),
                verdict,
                changes,
                expected: false,
            }
        })
        .collect();
    files.extend(removed.iter().map(|record| FileDiff {
        old: Some(record.rel.clone()),
        new: None,
        verdict: Verdict::Removed,
        changes: vec![Change::Removed],
        expected: false,
    }));
    files.extend(added.iter().map(|record| FileDiff {
        old: None,
        new: Some(record.rel.clone()),
        verdict: Verdict::Added,
        changes: vec![Change::Added],
        expected: false,
    }));
    // OLD's order, then what only NEW has in NEW's order.
    let old_order: BTreeMap<&str, usize> = old
        .audio
        .iter()
        .enumerate()
        .map(|(index, (_, rel))| (rel.as_str(), index))
        .collect();
    let new_order = &by_name;
    files.sort_by_key(|file| match &file.old {
        Some(rel) => (0, old_order.get(rel.as_str()).copied().unwrap_or(0)),
        None => (
            1,
            file.new
                .as_deref()
                .and_then(|rel| new_order.get(rel).copied())
                .unwrap_or(0),
        ),
    });
    for file in &mut files {
        file.expected = [&file.old, &file.new]
            .into_iter()
            .flatten()
            .any(|rel| expected(&expect, rel));
    }

    let records: Vec<(Option<&FileRecord>, Option<&FileRecord>)> = pairs
        .iter()
        .map(|(old_record, new_record, _)| (Some(old_record), Some(new_record)))
        .chain(removed.iter().map(|record| (Some(record), None)))
        .chain(added.iter().map(|record| (None, Some(record))))
        .collect();
    let stems = stem_balance(&records, old.mix_pattern.as_ref());
    Ok(DiffReport {
        old: old.display,
        new: new.display,
        files,
        stems,
    })
}

fn expect_globs(patterns: &[String]) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|error| Error::Io {
            path: "--expect-changed".to_owned(),
            message: format!("bad glob `{pattern}`: {error}"),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|error| Error::Io {
        path: "--expect-changed".to_owned(),
        message: error.to_string(),
    })
}

/// A glob matches the relative path or the file name alone.
fn expected(globs: &GlobSet, rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    globs.is_match(rel) || globs.is_match(name)
}

/// Rate and channels from the header, when the file opens.
fn layout(path: &Path) -> Option<(u32, u16)> {
    media::guarded(|| media::open(path))
        .ok()?
        .ok()
        .map(|opened| (opened.facts.sample_rate, opened.facts.channels))
        .filter(|&(rate, channels)| rate > 0 && channels > 0)
}

/// Scan both files of a pair, each on a thread of its own, comparing them in lockstep as
/// they stream. When their headers disagree on rate or channels they are scanned alone and
/// not compared (None).
fn scan_pair(
    old: &(PathBuf, String),
    new: &(PathBuf, String),
    old_settings: &AnalysisSettings,
    new_settings: &AnalysisSettings,
) -> (FileRecord, FileRecord, Option<Result<Compared, String>>) {
    let scan_alone = |(path, rel): &(PathBuf, String), settings| {
        media::scan(path, rel.clone(), ScanMode::Full, settings)
    };
    let shared = match (layout(&old.0), layout(&new.0)) {
        (Some(a), Some(b)) if a == b => a,
        _ => {
            return (
                scan_alone(old, old_settings),
                scan_alone(new, new_settings),
                None,
            )
        }
    };
    let (rate, channels) = shared;
    std::thread::scope(|scope| {
        let mut sources = Vec::new();
        let mut scans = Vec::new();
        for ((path, rel), settings) in [(old, old_settings), (new, new_settings)] {
            let (sender, blocks) = sync_channel(CHANNEL_BLOCKS);
            sources.push(ChannelSource::new(blocks));
            scans.push(scope.spawn(move || {
                media::scan_with(path, rel.clone(), ScanMode::Full, settings, |inner| {
                    Box::new(Tee::new(inner, sender))
                })
            }));
        }
        let new_source = sources.pop().expect("two sources were pushed");
        let old_source = sources.pop().expect("two sources were pushed");
        // The sources are dropped when `compare` returns or panics, so no scan waits on a
        // channel nobody reads.
        let compared = media::guarded(|| {
            compare::compare(
                Box::new(old_source),
                Box::new(new_source),
                usize::from(channels),
                rate,
            )
        })
        .unwrap_or_else(|_| Err("internal error while comparing".to_owned()));
        let mut records = scans
            .into_iter()
            .zip([old, new])
            .map(|(scan, (path, rel))| {
                scan.join().unwrap_or_else(|_| {
                    let mut record = FileRecord::new(path.clone(), rel.clone());
                    record.issues.push(crate::model::record::FileIssue::new(
                        crate::model::record::FileIssueKind::Corrupt,
                        "internal error while decoding this file",
                    ));
                    record
                })
            });
        let old_record = records.next().expect("two scans were spawned");
        let new_record = records.next().expect("two scans were spawned");
        (old_record, new_record, Some(compared))
    })
}

/// Compare two files read afresh (a renamed pair whose audio changed).
fn compare_files(old: &Path, new: &Path) -> Result<Compared, String> {
    let (Some((rate, channels)), Some(other)) = (layout(old), layout(new)) else {
        return Err("a file did not open".to_owned());
    };
    if (rate, channels) != other {
        return Err("their rates or channel counts differ".to_owned());
    }
    media::guarded(|| {
        let old = media::open(old).map_err(|issue| issue.message)?;
        let new = media::open(new).map_err(|issue| issue.message)?;
        compare::compare(old.source, new.source, usize::from(channels), rate)
    })
    .unwrap_or_else(|_| Err("internal error while comparing".to_owned()))
}

fn same_audio(old: &FileRecord, new: &FileRecord) -> bool {
    fn print(record: &FileRecord) -> Option<(u64, &Vec<u64>)> {
        let facts = record.facts.as_ref()?;
        let analysis = record.analysis.as_ref()?;
        (!analysis.fingerprint.channel_hashes.is_empty() && record.is_sound())
            .then_some((facts.frames, &analysis.fingerprint.channel_hashes))
    }
    print(old).is_some_and(|old_print| print(new) == Some(old_print))
}

/// Pair files only in OLD with files only in NEW by their audio: the same hash first, then the
/// closest level curve. Returns (old, new, same audio) and leaves the rest.
fn pair_renamed(
    removed: &mut Vec<FileRecord>,
    added: &mut Vec<FileRecord>,
) -> Vec<(FileRecord, FileRecord, bool)> {
    let mut matches: Vec<(usize, usize, bool)> = Vec::new();
    let mut used_old = BTreeSet::new();
    let mut used_new = BTreeSet::new();
    for (o, old_record) in removed.iter().enumerate() {
        if let Some(n) =
            (0..added.len()).find(|&n| !used_new.contains(&n) && same_audio(old_record, &added[n]))
        {
            used_old.insert(o);
            used_new.insert(n);
            matches.push((o, n, true));
        }
    }
    let mut candidates = Vec::new();
    for (o, old_record) in removed.iter().enumerate() {
        for (n, new_record) in added.iter().enumerate() {
            if used_old.contains(&o) || used_new.contains(&n) {
                continue;
            }
            let (Some(a), Some(b)) = (&old_record.analysis, &new_record.analysis) else {
                continue;
            };
            if let Some(similarity) = a.fingerprint.similarity(&b.fingerprint) {
                if similarity >= SAME_MATERIAL {
                    candidates.push((similarity, o, n));
                }
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, o, n) in candidates {
        if !used_old.contains(&o) && !used_new.contains(&n) {
            used_old.insert(o);
            used_new.insert(n);
            matches.push((o, n, false));
        }
    }
    // Take the matched records out, highest index first so the others keep their places.
    let mut old_taken: BTreeMap<usize, FileRecord> = BTreeMap::new();
    let mut new_taken: BTreeMap<usize, FileRecord> = BTreeMap::new();
    let mut old_indexes: Vec<usize> = matches.iter().map(|m| m.0).collect();
    let mut new_indexes: Vec<usize> = matches.iter().map(|m| m.1).collect();
    old_indexes.sort_unstable_by(|a, b| b.cmp(a));
    new_indexes.sort_unstable_by(|a, b| b.cmp(a));
    for index in old_indexes {
        old_taken.insert(index, removed.remove(index));
    }
    for index in new_indexes {
        new_taken.insert(index, added.remove(index));
    }
    matches
        .into_iter()
        .filter_map(|(o, n, same)| Some((old_taken.remove(&o)?, new_taken.remove(&n)?, same)))
        .collect()
}

/// The verdict and the changes of one pair.
fn pair_changes(
    old: &FileRecord,
    new: &FileRecord,
    compared: Option<&Result<Compared, String>>,
) -> (Verdict, Vec<Change>) {
    let mut changes = Vec::new();
    if old.rel != new.rel {
        changes.push(Change::Renamed {
            from: old.rel.clone(),
            to: new.rel.clone(),
        });
    }
    let unreadable: Vec<Change> = [(Side::Old, old), (Side::New, new)]
        .into_iter()
        .filter(|(_, record)| !record.is_sound())
        .map(|(side, record)| Change::Unreadable {
            side,
            message: match record.issues.first() {
                Some(issue) => issue.message.clone(),
                None => "not an audio stream".to_owned(),
            },
        })
        .collect();
    let (Some(old_facts), Some(new_facts)) = (&old.facts, &new.facts) else {
        changes.extend(unreadable);
        return (Verdict::Changed, changes);
    };
    if !unreadable.is_empty() {
        changes.extend(unreadable);
        return (Verdict::Changed, changes);
    }
    let header = header_changes(old_facts, new_facts);
    if !header.is_empty() {
        changes.push(Change::Header { fields: header });
    }
    let format = format_changes(old_facts, new_facts);
    let depth_changed = format.iter().any(|field| field.field == "bit depth");
    if !format.is_empty() {
        changes.push(Change::Format { fields: format });
    }
    let audio = match compared {
        None if same_audio(old, new) => Vec::new(),
        None => vec![Change::NotCompared {
            reason: "the rates or channel counts differ: the audio was not compared sample by \
                     sample"
                .to_owned(),
        }],
        Some(Err(reason)) => vec![Change::NotCompared {
            reason: reason.clone(),
        }],
        Some(Ok(compared)) => audio_changes(compared, new_facts.sample_rate, depth_changed),
    };
    let audio_changed = !audio.is_empty();
    changes.extend(audio);
    let verdict = if changes.is_empty() {
        Verdict::Identical
    } else if audio_changed {
        Verdict::Changed
    } else {
        Verdict::SameAudio
    };
    (verdict, changes)
}

fn field(name: &str, old: impl ToString, new: impl ToString) -> FieldChange {
    FieldChange {
        field: name.to_owned(),
        old: old.to_string(),
        new: new.to_string(),
    }
}

fn format_tag(facts: &AudioFacts) -> &'static str {
    match (facts.channel_mask.is_some(), facts.sample_format) {
        (true, _) => "extensible",
        (false, SampleFormat::Float) => "float",
        (false, SampleFormat::Int) => "pcm",
    }
}

fn header_changes(old: &AudioFacts, new: &AudioFacts) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    let mut differ = |name: &str, a: String, b: String| {
        if a != b {
            fields.push(field(name, a, b));
        }
    };
    differ(
        "container",
        old.container.as_str().to_owned(),
        new.container.as_str().to_owned(),
    );
    differ(
        "codec",
        old.codec.as_str().to_owned(),
        new.codec.as_str().to_owned(),
    );
    differ(
        "format tag",
        format_tag(old).to_owned(),
        format_tag(new).to_owned(),
    );
    let show = |mask: Option<u32>| mask.map_or("none".to_owned(), |mask| format!("{mask:#x}"));
    differ(
        "channel mask",
        show(old.channel_mask),
        show(new.channel_mask),
    );
    match (&old.bext, &new.bext) {
        (Some(a), Some(b)) => {
            let bext_fields: [(&str, ReadBext); 6] = [
                ("bext.description", |bext| bext.description.clone()),
                ("bext.originator", |bext| bext.originator.clone()),
                ("bext.originator_reference", |bext| {
                    bext.originator_reference.clone()
                }),
                ("bext.origination_date", |bext| {
                    bext.origination_date.clone()
                }),
                ("bext.origination_time", |bext| {
                    bext.origination_time.clone()
                }),
                ("bext.time_reference", |bext| {
                    bext.time_reference.to_string()
                }),
            ];
            for (name, read) in bext_fields {
                differ(name, read(a), read(b));
            }
        }
        (a, b) => differ(
            "bext",
            if a.is_some() { "present" } else { "absent" }.to_owned(),
            if b.is_some() { "present" } else { "absent" }.to_owned(),
        ),
    }
    let ixml = |text: &Option<String>| match text {
        Some(text) => format!("{} bytes", text.len()),
        None => "absent".to_owned(),
    };
    if old.ixml != new.ixml {
        let (a, b) = (ixml(&old.ixml), ixml(&new.ixml));
        fields.push(if a == b {
            field("ixml", format!("{a} (other text)"), b)
        } else {
            field("ixml", a, b)
        });
    }
    fields
}

fn format_changes(old: &AudioFacts, new: &AudioFacts) -> Vec<FieldChange> {
    let mut fields = Vec::new();
    if old.sample_rate != new.sample_rate {
        fields.push(field(
            "sample rate",
            format!("{} Hz", old.sample_rate),
            format!("{} Hz", new.sample_rate),
        ));
    }
    let depth = |facts: &AudioFacts| match (facts.bit_depth, facts.sample_format) {
        (Some(bits), SampleFormat::Float) => format!("{bits}-bit float"),
        (Some(bits), SampleFormat::Int) => format!("{bits}-bit"),
        (None, _) => "none".to_owned(),
    };
    if depth(old) != depth(new) {
        fields.push(field("bit depth", depth(old), depth(new)));
    }
    if old.channels != new.channels {
        fields.push(field("channels", old.channels, new.channels));
    }
    fields
}

/// What changed in the audio, from the lockstep comparison.
fn audio_changes(compared: &Compared, rate: u32, depth_changed: bool) -> Vec<Change> {
    if compared.bit_identical {
        return Vec::new();
    }
    let seconds = |frames: u64| frames as f64 / f64::from(rate.max(1));
    if !compared.overlap_identical
        && compared
            .correlation
            .is_none_or(|correlation| correlation.abs() < SAME_AUDIO_CORRELATION)
    {
        return vec![Change::Different {
            correlation: compared.correlation,
        }];
    }
    let mut changes = Vec::new();
    // NEW has `head` more frames before the common audio (fewer when negative), `tail` more
    // after it.
    let head = -compared.lag;
    let tail = compared.new_frames as i64 - compared.old_frames as i64 - head;
    if head != 0 && tail == -head {
        changes.push(Change::Offset {
            frames: head,
            seconds: head as f64 / f64::from(rate.max(1)),
        });
    } else {
        for (end, extra, silent) in [
            (End::Head, head, compared.new_head_silent),
            (End::Tail, tail, compared.new_tail_silent),
        ] {
            let frames = extra.unsigned_abs();
            if extra < 0 {
                changes.push(Change::Trimmed {
                    end,
                    frames,
                    seconds: seconds(frames),
                });
            } else if extra > 0 {
                changes.push(Change::Extended {
                    end,
                    frames,
                    seconds: seconds(frames),
                    silent,
                });
            }
        }
    }
    let gain_db = 20.0 * compared.gain.abs().max(1e-12).log10();
    let gain_changed = gain_db.abs() >= GAIN_EPSILON_DB || compared.gain < 0.0;
    if gain_changed && compared.ranges.is_empty() {
        changes.push(Change::Gain {
            db: gain_db,
            polarity_inverted: compared.gain < 0.0,
        });
    }
    let residual_db = compared.residual_db.unwrap_or(f64::NEG_INFINITY);
    if !compared.ranges.is_empty() {
        changes.push(Change::Content {
            ranges: compared
                .ranges
                .iter()
                .map(|&(start, end)| TimeRange {
                    start_s: seconds(start),
                    end_s: seconds(end),
                })
                .collect(),
            residual_db,
        });
    } else if !compared.overlap_identical && !gain_changed && !depth_changed {
        // Differences below the ranges' detection level (dither, a resample round trip).
        changes.push(Change::Content {
            ranges: Vec::new(),
            residual_db,
        });
    }
    changes
}

/// Each stem's loudness and share in both versions, when the delivery holds stems (a mix by
/// the profile's pattern, on either side).
fn stem_balance(
    records: &[(Option<&FileRecord>, Option<&FileRecord>)],
    mix_pattern: Option<&Pattern>,
) -> Option<StemBalance> {
    let pattern = mix_pattern?;
    let is_mix = |record: Option<&FileRecord>| {
        record.is_some_and(|record| pattern.matches_stem_of(&record.rel))
    };
    let mix = records
        .iter()
        .find(|(old, new)| is_mix(*old) || is_mix(*new))?;
    let lufs = |record: Option<&FileRecord>| {
        record
            .and_then(|record| record.analysis.as_ref())
            .and_then(|analysis| analysis.integrated_lufs)
    };
    let stems: Vec<&(Option<&FileRecord>, Option<&FileRecord>)> = records
        .iter()
        .filter(|(old, new)| !is_mix(*old) && !is_mix(*new))
        .collect();
    let power = |lufs: Option<f64>| lufs.map_or(0.0, |lufs| 10f64.powf(lufs / 10.0));
    let old_total: f64 = stems.iter().map(|(old, _)| power(lufs(*old))).sum();
    let new_total: f64 = stems.iter().map(|(_, new)| power(lufs(*new))).sum();
    let share = |value: Option<f64>, total: f64| {
        value
            .filter(|_| total > 0.0)
            .map(|lufs| power(Some(lufs)) / total)
    };
    let mut levels: Vec<StemLevel> = stems
        .iter()
        .map(|(old, new)| {
            let (old_lufs, new_lufs) = (lufs(*old), lufs(*new));
            StemLevel {
                name: new
                    .or(*old)
                    .map(|record| record.rel.clone())
                    .unwrap_or_default(),
                old_lufs,
                new_lufs,
                old_share: share(old_lufs, old_total),
                new_share: share(new_lufs, new_total),
                change_lu: old_lufs.zip(new_lufs).map(|(a, b)| b - a),
            }
        })
        .collect();
    levels.sort_by(|a, b| a.name.cmp(&b.name));
    Some(StemBalance {
        mix_old: mix.0.map(|record| record.rel.clone()),
        mix_new: mix.1.map(|record| record.rel.clone()),
        mix_old_lufs: lufs(mix.0),
        mix_new_lufs: lufs(mix.1),
        stems: levels,
    })
}
