//! Planning a run: each PATH resolved into the deliveries to check (the folder itself, its
//! sections, or a single file), each with its profile, config and what to leave out. No
//! audio is read here.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::discover;
use crate::error::Error;
use crate::model::options::Options;
use crate::profile::{self, Origin, Profile};

/// A delivery (or section) to check: its root, profile and what to leave out.
pub(crate) struct Plan {
    pub(crate) root: PathBuf,
    pub(crate) display_root: String,
    pub(crate) profile: Profile,
    pub(crate) skip: GlobSet,
    /// The config's own `ignore:` globs (what `skip` holds besides the sections): paths
    /// stemlint leaves alone wherever it reads the folder, `diff` included.
    pub(crate) ignore: GlobSet,
    /// Audio files from outside `root` that belong to this delivery (a section's mix), with
    /// their paths relative to `root` (`../Mix/AB_Song_Mix.wav`).
    pub(crate) extra_audio: Vec<(PathBuf, String)>,
    /// For a section: the index of the plan of the delivery it belongs to (whose notes it
    /// shares when it has none of its own).
    pub(crate) parent: Option<usize>,
    /// A single file given as PATH (its path and name): no walk, file rules only.
    pub(crate) single: Option<(PathBuf, String)>,
    /// The section's folder relative to its delivery's root, with a trailing `/` (empty for
    /// the root): `ignore:` globs are written relative to the root.
    pub(crate) prefix: String,
}

/// Every PATH's deliveries and sections, in order; a section knows its parent's index.
pub(crate) fn plan_all(paths: &[PathBuf], options: &Options) -> Result<Vec<Plan>, Error> {
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
            ignore: GlobSet::empty(),
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
        ignore: globs(&ignore, origin)?,
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
                ignore: ignore_set.clone(),
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

/// Runs `work` on a pool of `jobs` worker threads (`--jobs`), or on rayon's global pool (one
/// thread per core) when None; either way on one of the pool's workers.
pub(crate) fn in_pool<T: Send>(
    jobs: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T, Error> {
    match jobs {
        Some(threads) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|error| Error::Io {
                path: "--jobs".to_owned(),
                message: format!("cannot start {threads} worker threads: {error}"),
            })?
            .install(work)),
        // On a worker of the global pool, not the calling thread: a file's measurements are
        // shared with another worker (`media::split`) only from a worker.
        None => Ok(rayon::scope(|_| work())),
    }
}
