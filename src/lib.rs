//! stemlint: a linter for audio deliveries.
//!
//! Data flows one way: [`discover`] walks a delivery → [`media::scan`] probes, decodes and
//! analyses each file in one streaming pass (in parallel) → [`record::Delivery`] → the
//! [`rules`] of a [`profile`] → [`diagnostic::Diagnostic`]s → the renderers in the binary.
//! The library never prints.

pub mod diagnostic;
pub mod discover;
pub mod error;
pub mod media;
pub mod notes;
pub mod profile;
pub mod record;
pub mod render;
pub mod rules;
pub mod stems;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

pub use diagnostic::{Diagnostic, Severity};
pub use error::Error;
pub use media::ScanMode;
use profile::{Origin, Profile};
use record::{Delivery, FileRecord};
use rules::Findings;

/// How to run a check.
#[derive(Debug, Clone)]
pub struct Options {
    /// A built-in profile name or a profile YAML path; overrides the config's `profile:`.
    pub profile: Option<String>,
    /// A config file to use instead of each delivery's `stemlint.yaml`.
    pub config: Option<PathBuf>,
    pub mode: ScanMode,
    /// Worker threads; None for one per core.
    pub jobs: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            config: None,
            mode: ScanMode::Full,
            jobs: None,
        }
    }
}

/// The outcome of a run: one entry per delivery (or per section of a delivery).
#[derive(Debug)]
pub struct Report {
    pub deliveries: Vec<DeliveryReport>,
}

#[derive(Debug)]
pub struct DeliveryReport {
    pub delivery: Delivery,
    /// Sorted: delivery-wide findings first, then by path, then by rule.
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts for a summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn add(&mut self, other: Summary) {
        self.files += other.files;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }
}

impl DeliveryReport {
    pub fn summary(&self) -> Summary {
        let count = |severity| {
            self.diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.severity == severity)
                .count()
        };
        Summary {
            files: self.delivery.files.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut total = Summary::default();
        for delivery in &self.deliveries {
            total.add(delivery.summary());
        }
        total
    }

    /// The most severe finding of the run, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.deliveries
            .iter()
            .flat_map(|delivery| &delivery.diagnostics)
            .map(|diagnostic| diagnostic.severity)
            .max()
    }
}

/// Progress of a run, for a progress bar. Called from worker threads.
pub trait Observer: Sync {
    fn files_found(&self, _total: usize) {}
    fn file_done(&self, _rel: &str) {}
}

struct Silent;
impl Observer for Silent {}

/// Check each delivery in `paths`.
pub fn check(paths: &[PathBuf], options: &Options) -> Result<Report, Error> {
    check_observed(paths, options, &Silent)
}

/// A delivery (or section) to check: its root, profile and what to leave out.
struct Plan {
    root: PathBuf,
    display_root: String,
    profile: Profile,
    skip: GlobSet,
    /// Audio files from outside `root` that belong to this delivery (a section's mix), with
    /// their paths relative to `root` (`../Mix/AB_Song_Mix.wav`).
    extra_audio: Vec<(PathBuf, String)>,
    /// For a section: the index of the plan of the delivery it belongs to (whose notes it
    /// shares when it has none of its own).
    parent: Option<usize>,
    /// A single file given as PATH (its path and name): no walk, file rules only.
    single: Option<(PathBuf, String)>,
    /// The section's folder relative to its delivery's root, with a trailing `/` (empty for
    /// the root): `ignore:` globs are written relative to the root.
    prefix: String,
}

pub fn check_observed(
    paths: &[PathBuf],
    options: &Options,
    observer: &dyn Observer,
) -> Result<Report, Error> {
    let plans = plan_all(paths, options)?;
    // Every rule's parameters are validated before any file is read.
    let prepared = plans
        .iter()
        .map(|plan| plan.profile.prepare())
        .collect::<Result<Vec<_>, _>>()?;
    let settings = plans
        .iter()
        .map(|plan| rules::analysis_settings(&plan.profile))
        .collect::<Result<Vec<_>, _>>()?;
    let discovered = discover_all(&plans);
    observer.files_found(discovered.iter().map(|found| found.audio.len()).sum());
    let (records, mut measured) = scan_all(&plans, &discovered, &settings, options, observer)?;

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
        )?);
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
    prepared: &[Vec<profile::PreparedRule>],
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
        for suppression in prepared[index].iter().flat_map(|rule| &rule.ignore) {
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

/// Every PATH's deliveries and sections, in order; a section knows its parent's index.
fn plan_all(paths: &[PathBuf], options: &Options) -> Result<Vec<Plan>, Error> {
    let default_path = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default_path[..]
    } else {
        paths
    };
    let mut plans = Vec::new();
    for path in paths {
        let first = plans.len();
        plans.extend(plan(path, options)?.into_iter().map(|mut plan| {
            plan.parent = plan.parent.map(|parent| parent + first);
            plan
        }));
    }
    Ok(plans)
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
                inherited: true,
            })
            .collect();
    }
    discovered
}

/// The null test's measurement per plan, from the scan (None where it did not run).
type Measured = Vec<Option<Result<stems::Measurement, String>>>;

/// Does this plan run the null test? Its parameters when it does.
fn null_test_params(plan: &Plan, options: &Options) -> Result<Option<stems::Params>, Error> {
    let runs = options.mode == ScanMode::Full
        && plan.single.is_none()
        && plan.profile.level(stems::RULE_ID).severity().is_some();
    if !runs {
        return Ok(None);
    }
    plan.profile
        .params::<stems::Params>(stems::RULE_ID)
        .map(Some)
}

/// Probe, decode and analyse every audio file of every plan, one pass per file; the records
/// come back grouped by plan, in the discovered (sorted) order. Files on their own run in
/// parallel on the worker pool; the stems and mix of a delivery that runs the null test are
/// scanned together, each on its own thread, so the test sums them as they stream.
fn scan_all(
    plans: &[Plan],
    discovered: &[discover::Discovered],
    settings: &[media::analysis::AnalysisSettings],
    options: &Options,
    observer: &dyn Observer,
) -> Result<(Vec<Vec<FileRecord>>, Measured), Error> {
    let mut groups = Vec::with_capacity(plans.len());
    for (plan, found) in plans.iter().zip(discovered) {
        groups.push(match null_test_params(plan, options)? {
            Some(params) => stems::plan_group(&found.audio, &params),
            None => None,
        });
    }
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
    let scan = || {
        jobs.par_iter()
            .map(|(index, position, path, rel)| {
                let record = media::scan(path, (*rel).clone(), options.mode, &settings[*index]);
                observer.file_done(rel);
                (*index, *position, record)
            })
            .collect::<Vec<_>>()
    };
    let scanned = match options.jobs {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|error| Error::Io {
                path: "--jobs".to_owned(),
                message: format!("cannot start {threads} worker threads: {error}"),
            })?
            .install(scan),
        None => scan(),
    };
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
        let done = |rel: &str| observer.file_done(rel);
        let (records, measurement) =
            stems::scan_group(&discovered[index].audio, group, &settings[index], &done);
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
    rules: &[profile::PreparedRule],
    options: &Options,
    measured: Option<Result<stems::Measurement, String>>,
    used: &mut BTreeSet<SuppressionKey>,
) -> Result<DeliveryReport, Error> {
    // The null test was measured during the scan; here it meets the decoded facts.
    if let Some(params) = null_test_params(plan, options)? {
        delivery.null_test = stems::null_test(&delivery, &params, measured);
    }
    let mut diagnostics = Vec::new();
    for prepared in rules {
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
    Ok(DeliveryReport {
        delivery,
        diagnostics,
    })
}

/// Resolve one PATH into the deliveries to check: the folder itself and its sections.
fn plan(path: &Path, options: &Options) -> Result<Vec<Plan>, Error> {
    if !path.exists() {
        return Err(Error::PathNotFound {
            path: path.display().to_string(),
        });
    }
    // A single file is checked alone, with the file rules, under the config of its folder.
    let single = (!path.is_dir()).then(|| path.to_path_buf());
    let folder = match &single {
        Some(file) => match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        },
        None => path.to_path_buf(),
    };
    let path = folder.as_path();
    let config = match &options.config {
        Some(file) => Some(profile::load_config(file)?),
        None => profile::discover_config(path)?,
    };
    let config_dir = config
        .as_ref()
        .and_then(|config| config.path.parent().map(Path::to_path_buf));
    let base_profile = |section_profile: Option<&String>| -> Result<Profile, Error> {
        let name = options
            .profile
            .as_deref()
            .or(section_profile.map(String::as_str))
            .or(config
                .as_ref()
                .and_then(|config| config.doc.profile.as_deref()))
            .unwrap_or(profile::DEFAULT_PROFILE);
        profile::load(name, config_dir.as_deref())
    };

    let mut ignore = Vec::new();
    let mut sections = Vec::new();
    let mut profile = base_profile(None)?;
    if let Some(config) = &config {
        profile.apply(&config.doc.rules, &config.origin)?;
        ignore = config.doc.ignore.clone();
        sections = config.doc.sections.clone();
    }
    if let Some(file) = single {
        let rel = file.file_name().map_or_else(
            || file.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        return Ok(vec![Plan {
            root: folder.clone(),
            display_root: file.display().to_string(),
            profile,
            skip: GlobSet::empty(),
            extra_audio: Vec::new(),
            parent: None,
            single: Some((file, rel)),
            prefix: String::new(),
        }]);
    }
    let origin = config.as_ref().map(|config| &config.origin);
    let section_globs: Vec<String> = sections
        .iter()
        .map(|section| section.path.clone())
        .collect();
    let mut main_skip = ignore.clone();
    main_skip.extend(section_globs.iter().cloned());
    main_skip.extend(sections.iter().filter_map(|section| section.mix.clone()));
    let mut plans = vec![Plan {
        root: path.to_path_buf(),
        display_root: path.display().to_string(),
        profile,
        skip: globs(&main_skip, origin)?,
        extra_audio: Vec::new(),
        parent: None,
        single: None,
        prefix: String::new(),
    }];

    for section in &sections {
        let matcher = globs(std::slice::from_ref(&section.path), origin)?;
        let ignore_set = globs(&ignore, origin)?;
        let mixes = match &section.mix {
            Some(pattern) => matching_files(path, &globs(std::slice::from_ref(pattern), origin)?),
            None => Vec::new(),
        };
        for folder in section_folders(path, &matcher) {
            let mut profile = base_profile(section.profile.as_ref())?;
            if let Some(config) = &config {
                profile.apply(&config.doc.rules, &config.origin)?;
                profile.apply(&section.rules, &config.origin)?;
            }
            let rel = discover::relative(path, &folder);
            let up = "../".repeat(rel.split('/').count());
            let extra_audio = mixes
                .iter()
                .filter(|mix| !mix.starts_with(&folder))
                .map(|mix| {
                    (
                        mix.clone(),
                        format!("{up}{}", discover::relative(path, mix)),
                    )
                })
                .collect();
            plans.push(Plan {
                display_root: path.join(&rel).display().to_string(),
                root: folder,
                profile,
                skip: ignore_set.clone(),
                extra_audio,
                parent: Some(0),
                single: None,
                prefix: format!("{rel}/"),
            });
        }
    }
    Ok(plans)
}

/// Files below `root` whose relative path matches `matcher`, sorted.
fn matching_files(root: &Path, matcher: &GlobSet) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter(|entry| matcher.is_match(discover::relative(root, entry.path())))
        .map(|entry| entry.path().to_path_buf())
        .collect()
}

/// Sub-folders of `root` whose relative path matches a section glob (outermost only).
fn section_folders(root: &Path, matcher: &GlobSet) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    let mut walker = walkdir::WalkDir::new(root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_dir() && matcher.is_match(discover::relative(root, entry.path())) {
            folders.push(entry.path().to_path_buf());
            walker.skip_current_dir();
        }
    }
    folders
}

fn globs(patterns: &[String], origin: Option<&Origin>) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|error| match origin {
            Some(origin) => Error::config(
                &origin.name,
                &origin.text,
                format!("bad glob `{pattern}`: {error}"),
                origin
                    .text
                    .find(pattern.as_str())
                    .map(|start| (start, pattern.len())),
                "this pattern",
                Some(
                    "globs use `*`, `**`, `?` and `[...]`, relative to the delivery root"
                        .to_owned(),
                ),
            ),
            None => Error::Io {
                path: pattern.clone(),
                message: format!("bad glob: {error}"),
            },
        })?;
        builder.add(glob);
        // A folder glob also covers everything inside the folder.
        if !pattern.ends_with("/**") {
            if let Ok(inside) = Glob::new(&format!("{}/**", pattern.trim_end_matches('/'))) {
                builder.add(inside);
            }
        }
    }
    builder.build().map_err(|error| Error::Io {
        path: "ignore".to_owned(),
        message: error.to_string(),
    })
}
