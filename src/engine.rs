//! The engine: discover → scan (probe, decode and analyse every file in one streaming pass,
//! in parallel; the null test taps the same pass) → the rules of each delivery's profile →
//! a `Report`. Planning (which deliveries, which profile) is `plan`'s.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cache::Cache;
use crate::error::Error;
use crate::media;
use crate::model::analysis::MeasureSettings;
use crate::model::diagnostic;
use crate::model::null_test::{Measurement, NullTestSettings};
use crate::model::options::{Options, ScanMode};
use crate::model::record::{self, Delivery, FileRecord};
use crate::model::report::{DeliveryReport, Report};
use crate::plan::{plan_all, Plan};
use crate::profile::{self, RuleSet};
use crate::rules::{self, Findings};
use crate::{discover, notes, stems};

/// Progress of a run, for a progress bar. Called from worker threads, in this order:
/// `files_found` and `bytes_found` once, then for each file `file_started`, `bytes_read`
/// (the file's size on disk, in one or more calls) and `file_done`.
pub trait Observer: Sync {
    /// How many audio files the run will read.
    fn files_found(&self, _total: usize) {}
    /// How many bytes those files hold on disk.
    fn bytes_found(&self, _total: u64) {}
    /// A worker starts reading this file (its path relative to its delivery).
    fn file_started(&self, _rel: &str) {}
    /// This many more bytes of the delivery have been read.
    fn bytes_read(&self, _bytes: u64) {}
    /// A worker has finished this file.
    fn file_done(&self, _rel: &str) {}
}

/// Check each delivery in `paths` (see `crate::check`).
pub(crate) fn run(
    paths: &[PathBuf],
    options: &Options,
    observer: &dyn Observer,
) -> Result<Report, Error> {
    let plans = plan_all(paths, options)?;
    // Every rule's parameters are validated before any file is read; the rules say what to
    // measure.
    let prepared = plans
        .iter()
        .map(|plan| {
            let mut rules = plan.profile.prepare()?;
            rules.settings.analysis.series = options.series;
            Ok(rules)
        })
        .collect::<Result<Vec<RuleSet>, Error>>()?;
    let discovered = discover_all(&plans);
    observer.files_found(discovered.iter().map(|found| found.audio.len()).sum());
    observer.bytes_found(
        discovered
            .iter()
            .flat_map(|found| &found.audio)
            .map(|(path, _)| file_bytes(path))
            .sum(),
    );
    let (mut records, mut measured) = scan_all(&plans, &discovered, &prepared, options, observer)?;
    for record in records.iter_mut().flatten() {
        record.name_facts = notes::parse_name(record.stem());
    }

    let sections: Vec<usize> = (0..plans.len())
        .map(|index| {
            plans
                .iter()
                .filter(|plan| plan.parent == Some(index))
                .count()
        })
        .collect();
    let mut deliveries = Vec::with_capacity(plans.len());
    let mut used = BTreeSet::new();
    for (((plan, found), files), sections) in
        plans.iter().zip(discovered).zip(records).zip(sections)
    {
        let delivery = Delivery {
            root: plan.root.clone(),
            display_root: plan.display_root.clone(),
            profile: plan.profile.name.clone(),
            files,
            notes: found.notes,
            strays: found.strays,
            walk_problems: found.problems,
            fast: options.mode == ScanMode::Fast,
            null_test: None,
            sections,
            external_links: found.external_links,
            single_file: plan.single.is_some(),
        };
        let index = deliveries.len();
        let measurement = measured[index].take();
        deliveries.push(judge(
            plan,
            delivery,
            &prepared[index],
            options,
            measurement,
            &mut used,
        ));
    }
    report_unused_suppressions(&plans, &prepared, &used, &mut deliveries);
    Ok(Report { deliveries })
}

/// A suppression's identity across the sections of one delivery: rule, glob, config file.
type SuppressionKey = (&'static str, String, String);

fn suppression_key(suppression: &profile::Suppression) -> SuppressionKey {
    (
        suppression.rule,
        suppression.pattern.clone(),
        suppression.origin.name.clone(),
    )
}

/// `config/unused-ignore`: every `ignore:` glob that matched no finding in any delivery or
/// section it applied to, reported on the delivery at the root of its PATH.
fn report_unused_suppressions(
    plans: &[Plan],
    prepared: &[RuleSet],
    used: &BTreeSet<SuppressionKey>,
    deliveries: &mut [DeliveryReport],
) {
    let mut reported = BTreeSet::new();
    for (index, plan) in plans.iter().enumerate() {
        // With --fast or a single file, most rules did not run: their globs prove nothing.
        if plan.single.is_some() || deliveries[index].delivery.fast {
            continue;
        }
        let root = plan.parent.unwrap_or(index);
        let Some(severity) = plans[root].profile.level(rules::UNUSED_IGNORE).severity() else {
            continue;
        };
        for suppression in prepared[index].rules.iter().flat_map(|rule| &rule.ignore) {
            let key = suppression_key(suppression);
            if used.contains(&key) || !reported.insert(key) {
                continue;
            }
            let origin = &suppression.origin;
            let config = Path::new(&origin.name);
            let path = config.strip_prefix(&plans[root].root).map_or_else(
                |_| origin.name.clone(),
                |rel| discover::relative(Path::new(""), rel),
            );
            let mut findings = Findings::new(rules::UNUSED_IGNORE, severity);
            let message = format!(
                "`{}` ignores `{}`, but no finding of that rule matched it",
                suppression.rule, suppression.pattern
            );
            let help =
                "remove the glob from stemlint.yaml, or correct it to the path it was meant for";
            match origin.text.find(suppression.pattern.as_str()) {
                Some(offset) => findings.report_span(
                    Some(&path),
                    message,
                    help,
                    diagnostic::Span::new(
                        diagnostic::SpanSource::Config,
                        &path,
                        origin.text.clone(),
                        offset,
                        suppression.pattern.len(),
                        "matched nothing",
                    ),
                ),
                None => {
                    findings.report(Some(&path), message, help);
                }
            }
            let report = &mut deliveries[root];
            report.diagnostics.extend(findings.into_diagnostics());
            report
                .diagnostics
                .sort_by(|a, b| (&a.path, a.rule).cmp(&(&b.path, b.rule)));
        }
    }
}

/// Walk every plan's folder (a single file needs no walk). A section without notes of its
/// own is described by the notes at its delivery's root.
fn discover_all(plans: &[Plan]) -> Vec<discover::Discovered> {
    let mut discovered: Vec<_> = plans
        .iter()
        .map(|plan| {
            if let Some(single) = &plan.single {
                return discover::Discovered {
                    audio: vec![single.clone()],
                    ..discover::Discovered::default()
                };
            }
            let mut found = discover::discover(&plan.root, &plan.skip);
            found.audio.extend(plan.extra_audio.iter().cloned());
            found.audio.sort_by(|a, b| a.1.cmp(&b.1));
            found
        })
        .collect();
    for (index, plan) in plans.iter().enumerate() {
        let Some(parent) = plan.parent else { continue };
        if !discovered[index].notes.is_empty() {
            continue;
        }
        let depth = discover::relative(&plans[parent].root, &plan.root)
            .split('/')
            .count();
        let up = "../".repeat(depth);
        discovered[index].notes = discovered[parent]
            .notes
            .iter()
            .map(|notes| record::NotesFile {
                rel: format!("{up}{}", notes.rel),
                text: notes.text.clone(),
                facts: notes.facts.clone(),
                inherited: true,
            })
            .collect();
    }
    discovered
}

/// The null test's measurement per plan, from the scan (None where it did not run).
type Measured = Vec<Option<Result<Measurement, String>>>;

/// The null test's settings when this plan runs it: the profile enables it, every sample
/// is read (not `--fast`) and the plan is a delivery (not a single file).
fn null_test_settings<'a>(
    plan: &Plan,
    rules: &'a RuleSet,
    options: &Options,
) -> Option<&'a NullTestSettings> {
    let runs = options.mode == ScanMode::Full && plan.single.is_none();
    rules.settings.null_test.as_ref().filter(|_| runs)
}

/// A file's size on disk, for progress only (0 when it cannot be read: the scan says why).
fn file_bytes(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |metadata| metadata.len())
}

/// Probe, decode and analyse every audio file of every plan, one pass per file; the records
/// come back grouped by plan, in the discovered (sorted) order. Files on their own run in
/// parallel on the worker pool; the stems and mix of a delivery that runs the null test are
/// scanned together, each on its own thread, so the test sums them as they stream.
fn scan_all(
    plans: &[Plan],
    discovered: &[discover::Discovered],
    prepared: &[RuleSet],
    options: &Options,
    observer: &dyn Observer,
) -> Result<(Vec<Vec<FileRecord>>, Measured), Error> {
    let settings: Vec<&MeasureSettings> = prepared.iter().map(|rules| &rules.settings).collect();
    let groups: Vec<Option<stems::Group>> = plans
        .iter()
        .zip(discovered)
        .zip(prepared)
        .map(|((plan, found), rules)| {
            null_test_settings(plan, rules, options)
                .and_then(|null_test| stems::plan_group(&found.audio, null_test))
        })
        .collect();
    let jobs: Vec<(usize, usize, &PathBuf, &String)> = discovered
        .iter()
        .enumerate()
        .flat_map(|(index, found)| {
            found
                .audio
                .iter()
                .enumerate()
                .map(move |(position, (path, rel))| (index, position, path, rel))
        })
        .filter(|(index, position, _, _)| {
            groups[*index]
                .as_ref()
                .is_none_or(|group| !group.members().any(|member| member == *position))
        })
        .collect();
    let cache = options.cache.clone().map(Cache::new);
    let scan = || {
        jobs.par_iter()
            .map(|(index, position, path, rel)| {
                observer.file_started(rel);
                let analysis = &settings[*index].analysis;
                let cached = cache
                    .as_ref()
                    .and_then(|cache| cache.get(path, rel, options.mode, analysis));
                let record = cached.unwrap_or_else(|| {
                    let record = media::scan(path, (*rel).clone(), options.mode, analysis);
                    if let Some(cache) = &cache {
                        cache.put(&record, options.mode, analysis);
                    }
                    record
                });
                observer.bytes_read(file_bytes(path));
                observer.file_done(rel);
                (*index, *position, record)
            })
            .collect::<Vec<_>>()
    };
    let scanned = crate::plan::in_pool(options.jobs, scan)?;
    let mut slots: Vec<Vec<Option<FileRecord>>> = discovered
        .iter()
        .map(|found| found.audio.iter().map(|_| None).collect())
        .collect();
    for (index, position, record) in scanned {
        slots[index][position] = Some(record);
    }
    let mut measured = Vec::with_capacity(plans.len());
    for (index, group) in groups.iter().enumerate() {
        let Some(group) = group else {
            measured.push(None);
            continue;
        };
        let audio = &discovered[index].audio;
        for (_, rel) in group.members().filter_map(|position| audio.get(position)) {
            observer.file_started(rel);
        }
        let done = |rel: &str| {
            if let Some((path, _)) = audio.iter().find(|(_, name)| name == rel) {
                observer.bytes_read(file_bytes(path));
            }
            observer.file_done(rel);
        };
        let (records, measurement) =
            stems::scan_group(audio, group, &settings[index].analysis, &done);
        for (position, record) in group.members().zip(records) {
            slots[index][position] = Some(record);
        }
        measured.push(Some(measurement));
    }
    let records = slots
        .into_iter()
        .map(|plan_slots| plan_slots.into_iter().flatten().collect())
        .collect();
    Ok((records, measured))
}

/// Run the delivery-wide stage (the null test) and the rules over one delivery.
fn judge(
    plan: &Plan,
    mut delivery: Delivery,
    rules: &RuleSet,
    options: &Options,
    measured: Option<Result<Measurement, String>>,
    used: &mut BTreeSet<SuppressionKey>,
) -> DeliveryReport {
    // The null test was measured during the scan; here it meets the decoded facts.
    if let Some(null_test) = null_test_settings(plan, rules, options) {
        delivery.null_test = stems::null_test(&delivery, null_test, measured);
    }
    let mut diagnostics = Vec::new();
    for prepared in &rules.rules {
        if delivery.single_file && prepared.meta.scope == rules::Scope::Delivery {
            continue;
        }
        let mut findings = Findings::new(prepared.meta.id, prepared.severity);
        prepared.rule.check(&delivery, &mut findings);
        for diagnostic in findings.into_diagnostics() {
            let suppressed_by = diagnostic.path.as_deref().and_then(|path| {
                let from_root = format!("{}{path}", plan.prefix);
                prepared.ignore.iter().find(|suppression| {
                    suppression.matcher.is_match(path) || suppression.matcher.is_match(&from_root)
                })
            });
            match suppressed_by {
                Some(suppression) => {
                    used.insert(suppression_key(suppression));
                }
                None => diagnostics.push(diagnostic),
            }
        }
    }
    // Stable sort keeps each rule's own order (e.g. by time) within a file.
    diagnostics.sort_by(|a, b| (&a.path, a.rule).cmp(&(&b.path, b.rule)));
    DeliveryReport {
        delivery,
        diagnostics,
    }
}
