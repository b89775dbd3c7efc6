//! The result cache: what the scan learned about a file, kept between runs so that checking an
//! unchanged delivery again reads no audio.
//!
//! One JSON entry per file, in the user's cache directory (never inside a delivery), named by
//! a hash of its key and holding the whole key, which is compared on load (a hash collision
//! is a miss, not a wrong answer). The key is everything the result depends on: the file's
//! canonical path, device and inode, size, modification and change times (so a file
//! rewritten in place is seen), stemlint's version, the scan mode and the analysis settings.
//! Entries are written to a temporary file and renamed into place, so a run killed half-way
//! leaves no half entry. Any problem with the cache (unwritable, corrupt entry) makes it a
//! miss: the cache can only save time, never change a result.

use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::model::analysis::{Analysis, AnalysisSettings, Fingerprint};
use crate::model::options::ScanMode;
use crate::model::record::{AudioFacts, FileIssue, FileRecord};

/// The cache directory: `$STEMLINT_CACHE_DIR`, else `$XDG_CACHE_HOME/stemlint`, else
/// `~/.cache/stemlint` (`%LOCALAPPDATA%\stemlint\cache` on Windows). None when no home is
/// known.
pub fn default_dir() -> Option<PathBuf> {
    let from = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    if let Some(dir) = from("STEMLINT_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = from("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("stemlint"));
    }
    if cfg!(windows) {
        if let Some(dir) = from("LOCALAPPDATA") {
            return Some(PathBuf::from(dir).join("stemlint").join("cache"));
        }
    }
    from("HOME").map(|home| PathBuf::from(home).join(".cache").join("stemlint"))
}

/// Removes every entry under `dir`; the number removed.
pub fn clean(dir: &Path) -> std::io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut removed = 0;
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        // Only our own entries (and temporary files of a killed run): never anything else a
        // user may have put there.
        if name.is_some_and(|name| name.starts_with(ENTRY_PREFIX)) {
            fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

const ENTRY_PREFIX: &str = "scan-";

/// Distinguishes the temporary files of entries written at once by several threads.
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// What a file's result depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Key {
    path: String,
    device: u64,
    inode: u64,
    size: u64,
    modified_ns: i128,
    changed_ns: i128,
    version: String,
    fast: bool,
    settings: String,
}

impl Key {
    fn of(path: &Path, mode: ScanMode, settings: &AnalysisSettings) -> Option<Key> {
        let canonical = fs::canonicalize(path).ok()?;
        let metadata = fs::metadata(&canonical).ok()?;
        let modified_ns = metadata
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos() as i128;
        let (device, inode, changed_ns) = identity(&metadata);
        Some(Key {
            path: canonical.to_string_lossy().into_owned(),
            device,
            inode,
            size: metadata.len(),
            modified_ns,
            changed_ns,
            version: build_identity().to_owned(),
            fast: mode == ScanMode::Fast,
            settings: format!("{settings:?}"),
        })
    }

    fn file_name(&self) -> String {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.path.hash(&mut hasher);
        self.fast.hash(&mut hasher);
        self.settings.hash(&mut hasher);
        format!("{ENTRY_PREFIX}{:016x}.json", hasher.finish())
    }
}

/// What identifies the build that measures: the crate's version, the analysis' figures and
/// the running executable's size and modification time, so that a rebuilt stemlint (a
/// reader fixed, a measurement changed, with the same version number) never serves results
/// an older build measured.
fn build_identity() -> &'static str {
    static IDENTITY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| {
        let executable = std::env::current_exe()
            .and_then(fs::metadata)
            .ok()
            .map(|metadata| {
                let modified = metadata
                    .modified()
                    .ok()
                    .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |since| since.as_nanos());
                format!("{}:{modified}", metadata.len())
            })
            .unwrap_or_default();
        format!(
            "{} {executable} {}",
            env!("CARGO_PKG_VERSION"),
            analysis_fields()
        )
    })
}

/// The names of the analysis' figures: an entry written by a build that measured other
/// figures is a miss, even when the crate's version is the same (a figure missing from an
/// old entry would otherwise read as "not measured").
fn analysis_fields() -> String {
    match serde_json::to_value(Analysis::default()) {
        Ok(serde_json::Value::Object(fields)) => {
            fields.keys().cloned().collect::<Vec<_>>().join(",")
        }
        _ => String::new(),
    }
}

#[cfg(unix)]
fn identity(metadata: &fs::Metadata) -> (u64, u64, i128) {
    use std::os::unix::fs::MetadataExt;
    let changed = i128::from(metadata.ctime()) * 1_000_000_000 + i128::from(metadata.ctime_nsec());
    (metadata.dev(), metadata.ino(), changed)
}

#[cfg(not(unix))]
fn identity(_metadata: &fs::Metadata) -> (u64, u64, i128) {
    (0, 0, 0)
}

/// What is kept of a scanned file (its name-derived facts are re-read each run).
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: Key,
    facts: Option<AudioFacts>,
    analysis: Option<Analysis>,
    /// Kept apart: the analysis leaves it out of its serialised form (the JSON report).
    #[serde(default)]
    fingerprint: Fingerprint,
    issues: Vec<FileIssue>,
}

/// A cache in one directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache kept in `dir` (created when the first result is written).
    pub fn new(dir: PathBuf) -> Self {
        Cache { dir }
    }

    /// The file's record as scanned before, if nothing it depends on has changed.
    pub fn get(
        &self,
        path: &Path,
        rel: &str,
        mode: ScanMode,
        settings: &AnalysisSettings,
    ) -> Option<FileRecord> {
        let key = Key::of(path, mode, settings)?;
        let text = fs::read(self.dir.join(key.file_name())).ok()?;
        let entry: Entry = serde_json::from_slice(&text).ok()?;
        if entry.key != key {
            return None;
        }
        let mut record = FileRecord::new(path.to_path_buf(), rel.to_owned());
        record.facts = entry.facts;
        record.analysis = entry.analysis.map(|mut analysis| {
            analysis.fingerprint = entry.fingerprint;
            analysis
        });
        record.issues = entry.issues;
        Some(record)
    }

    /// Keeps `record`; silently does nothing when the cache cannot be written. A record whose
    /// file could not be read is not kept (the next run should try again).
    pub fn put(&self, record: &FileRecord, mode: ScanMode, settings: &AnalysisSettings) {
        if record
            .issues
            .iter()
            .any(|issue| issue.kind == crate::model::record::FileIssueKind::Unreadable)
        {
            return;
        }
        let Some(key) = Key::of(&record.path, mode, settings) else {
            return;
        };
        let entry = Entry {
            facts: record.facts.clone(),
            analysis: record.analysis.clone(),
            fingerprint: record
                .analysis
                .as_ref()
                .map(|analysis| analysis.fingerprint.clone())
                .unwrap_or_default(),
            issues: record.issues.clone(),
            key,
        };
        let Ok(text) = serde_json::to_vec(&entry) else {
            return;
        };
        if fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let name = entry.key.file_name();
        let unique = NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed);
        let temporary = self
            .dir
            .join(format!("{name}.{}-{unique}.tmp", std::process::id()));
        if fs::write(&temporary, text).is_ok()
            && fs::rename(&temporary, self.dir.join(&name)).is_err()
        {
            let _ = fs::remove_file(&temporary);
        }
    }
}
