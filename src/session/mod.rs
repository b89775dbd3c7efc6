//! `stemlint session DELIVERY --reaper OUT.rpp`: the test import, written for the engineer.
//!
//! The delivery is checked as usual (every file decoded, for exact lengths); each file that
//! decoded becomes a track named after it, with one item at its Broadcast-WAV start (its time
//! reference less the delivery's earliest, or 0) and its exact length; the notes give the
//! tempo and meter; the stems go into a folder track, the mix after it. The writers (one per
//! DAW) turn that `Session` into a project file.

pub mod reaper;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::engine::{self, Observer};
use crate::error::Error;
use crate::model::options::Options;
use crate::model::record::FileRecord;
use crate::model::session::{Session, SessionTrack};
use crate::profile;

/// The session's check reports no progress.
struct Quiet;
impl Observer for Quiet {}

/// The session and the files left out of it (they did not decode), with why.
#[derive(Debug, Clone)]
pub struct Built {
    pub session: Session,
    pub skipped: Vec<(String, String)>,
}

/// The session for the delivery at `delivery`, with the item paths relative to the folder the
/// project file `project` will be written in (which must exist).
pub fn build(delivery: &Path, project: &Path, options: &Options) -> Result<Built, Error> {
    if !delivery.is_dir() {
        return Err(Error::PathNotFound {
            path: delivery.display().to_string(),
        });
    }
    let project_dir = project_folder(project)?;
    let report = engine::run(&[delivery.to_path_buf()], options, &Quiet)?;
    let root = canonical(delivery)?;

    // The delivery's files, sections included, each once, in delivery order.
    let mut files: BTreeMap<String, (&FileRecord, PathBuf)> = BTreeMap::new();
    for delivery_report in &report.deliveries {
        for record in &delivery_report.delivery.files {
            let Ok(path) = canonical(&record.path) else {
                continue;
            };
            let rel = path
                .strip_prefix(&root)
                .map(slashed)
                .unwrap_or_else(|_| record.rel.clone());
            files.entry(rel).or_insert((record, path));
        }
    }

    let mix_pattern = profile::load("stems", None)?
        .prepare()?
        .settings
        .null_test
        .map(|null_test| null_test.mix_pattern);
    let is_mix = |rel: &str| mix_pattern.as_ref().is_some_and(|p| p.matches_stem_of(rel));
    let profile_is_stems = report
        .deliveries
        .first()
        .is_some_and(|first| first.delivery.profile.starts_with("stems"));
    let stems = profile_is_stems || files.keys().any(|rel| is_mix(rel));

    let earliest = files
        .values()
        .filter_map(|(record, _)| {
            let facts = record.facts.as_ref()?;
            let bext = facts.bext.as_ref()?;
            (facts.sample_rate > 0)
                .then(|| bext.time_reference as f64 / f64::from(facts.sample_rate))
        })
        .reduce(f64::min);

    let mut tracks = Vec::new();
    let mut skipped = Vec::new();
    let mut rates: BTreeMap<u32, usize> = BTreeMap::new();
    for (rel, (record, path)) in &files {
        let Some(facts) = record.facts.as_ref().filter(|_| record.is_sound()) else {
            let why = record
                .issues
                .first()
                .map_or("not an audio stream".to_owned(), |issue| {
                    issue.message.clone()
                });
            skipped.push((rel.clone(), why));
            continue;
        };
        *rates.entry(facts.sample_rate).or_default() += 1;
        let position_frames = match (&facts.bext, earliest) {
            (Some(bext), Some(earliest)) if facts.sample_rate > 0 => {
                let rate = f64::from(facts.sample_rate);
                let start = bext.time_reference as f64 / rate - earliest;
                (start * rate).round().max(0.0) as u64
            }
            _ => 0,
        };
        tracks.push(SessionTrack {
            name: record.stem().to_owned(),
            file: relative(&project_dir, path),
            path: record.path.clone(),
            position_frames,
            length_frames: facts.frames,
            sample_rate: facts.sample_rate,
            channels: facts.channels,
            in_folder: stems && !is_mix(rel),
            container: facts.container.as_str(),
        });
    }
    // The stems together inside their folder, then the rest (the mix) in delivery order.
    tracks.sort_by_key(|track| !track.in_folder);
    let sample_rate = rates
        .iter()
        .max_by_key(|&(rate, count)| (*count, *rate))
        .map_or(48_000, |(&rate, _)| rate);

    let notes = report
        .deliveries
        .first()
        .map(|first| first.delivery.notes.as_slice())
        .unwrap_or_default();
    let tempo_bpm = notes
        .iter()
        .find_map(|notes| notes.facts.tempos.first())
        .map(|found| found.value);
    let meter = notes
        .iter()
        .find_map(|notes| notes.facts.meters.first())
        .map(|found| found.value);
    let folder = tracks
        .iter()
        .any(|track| track.in_folder)
        .then(|| "Stems".to_owned());
    Ok(Built {
        session: Session {
            sample_rate,
            tempo_bpm,
            meter,
            note: format!("Written by stemlint from {}", delivery.display()),
            tracks,
            folder,
        },
        skipped,
    })
}

/// Write `text` to `path`, refusing to replace an existing file unless `force`.
pub fn write_project(path: &Path, text: &str, force: bool) -> Result<(), Error> {
    if path.exists() && !force {
        return Err(Error::Io {
            path: path.display().to_string(),
            message: "exists already: not overwriting it (--force replaces it)".to_owned(),
        });
    }
    std::fs::write(path, text).map_err(|error| Error::Io {
        path: path.display().to_string(),
        message: error.to_string(),
    })
}

/// The folder the project file goes in, resolved.
fn project_folder(project: &Path) -> Result<PathBuf, Error> {
    let parent = match project.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    canonical(parent).map_err(|_| Error::Io {
        path: parent.display().to_string(),
        message: "the folder for the project file does not exist".to_owned(),
    })
}

fn canonical(path: &Path) -> Result<PathBuf, Error> {
    path.canonicalize().map_err(|error| Error::Io {
        path: path.display().to_string(),
        message: error.to_string(),
    })
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `target` relative to the folder `base` (both resolved), `/`-separated: `../Audio/x.wav`.
fn relative(base: &Path, target: &Path) -> String {
    let base: Vec<Component> = base.components().collect();
    let target_parts: Vec<Component> = target.components().collect();
    let common = base
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    // Different roots (another drive): only an absolute path reaches it.
    if common == 0 {
        return slashed(target);
    }
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_owned(), base.len() - common).collect();
    parts.extend(
        target_parts[common..]
            .iter()
            .map(|component| component.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c.wav")),
            "c.wav"
        );
        assert_eq!(
            relative(Path::new("/a/out"), Path::new("/a/d/c.wav")),
            "../d/c.wav"
        );
        assert_eq!(relative(Path::new("/"), Path::new("/x/c.wav")), "x/c.wav");
    }
}
