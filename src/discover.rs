//! Walk a delivery: audio files (by extension and by content), notes, strays; sorted.
//! Reads nothing but directory entries and, for files of unknown type, their first bytes.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobSet;
use walkdir::WalkDir;

use crate::media::probe;
pub use crate::model::record::ExternalLink;
use crate::model::record::{NotesFile, Stray, WalkProblem};
use crate::notes;

/// Extensions of files that are legitimately in a delivery and are neither audio nor notes.
const KNOWN_OTHER: &[&str] = &[
    "yaml", "yml", "txt", "md", "rtf", "pdf", "doc", "docx", "mid", "midi", "jpg", "jpeg", "png",
    "csv", "json", "xml", "edl", "aaf", "omf",
];

/// Largest notes file read (bytes): notes are a page or two, not a book.
const NOTES_LIMIT: u64 = 1 << 20;

/// What a walk of one delivery found, sorted by relative path.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Audio candidates: on-disk path and the path relative to the root (`/`-separated).
    pub audio: Vec<(PathBuf, String)>,
    /// Notes files (`notes.txt`, `README.txt`, `*notes*.txt`, `*.md`), read leniently.
    pub notes: Vec<NotesFile>,
    /// Files that should not ship (`.DS_Store`, session and peak files, archives).
    pub strays: Vec<Stray>,
    /// Entries the walk could not read, with why.
    pub problems: Vec<WalkProblem>,
    /// Symbolic links whose target lies outside the delivery. A link to a file is still
    /// followed and the file checked; a link to a folder is not entered (it could be `/usr`, or
    /// `/proc`, whose files block when read). Either way the recipient gets a dangling link.
    pub external_links: Vec<ExternalLink>,
}

/// Walk `root`. `skip` holds globs (relative paths) of files and folders to leave out: the
/// user's ignores and the sub-folders that are sections of their own.
pub fn discover(root: &Path, skip: &GlobSet) -> Discovered {
    let mut found = Discovered::default();
    // Links are followed so that a delivery may link its own files and folders, and so that
    // walkdir can report loops; links that leave the delivery are sorted out by `inside`.
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut external_links = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            if skip.is_match(relative(root, entry.path())) {
                return false;
            }
            if !entry.path_is_symlink() {
                return true;
            }
            match entry.path().canonicalize() {
                Ok(target) if !target.starts_with(&canonical_root) => {
                    let folder = entry.file_type().is_dir();
                    external_links.push(ExternalLink {
                        rel: relative(root, entry.path()),
                        target: target.to_string_lossy().into_owned(),
                        folder,
                    });
                    !folder
                }
                // Inside the delivery, or not resolvable now (walkdir reports that itself).
                _ => true,
            }
        });
    let mut walker = walker;
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let rel = error
                    .path()
                    .map_or_else(|| ".".to_owned(), |path| relative(root, path));
                let message = if error.loop_ancestor().is_some() {
                    "symbolic link loop: this link points back to a folder that contains it"
                        .to_owned()
                } else {
                    match error.io_error() {
                        Some(io) => describe_io(io),
                        None => error.to_string(),
                    }
                };
                found.problems.push(WalkProblem { rel, message });
                continue;
            }
        };
        if entry.file_type().is_dir() {
            if entry.depth() > 0 {
                if let Some(reason) = stray_folder(&entry.file_name().to_string_lossy()) {
                    found.strays.push(Stray {
                        rel: relative(root, entry.path()),
                        reason,
                    });
                    // One finding for the folder, not one more for each file it holds.
                    walker.skip_current_dir();
                }
            }
            continue;
        }
        if !entry.file_type().is_file() {
            // Never opened: reading a named pipe blocks until something writes to it.
            found.problems.push(WalkProblem {
                rel: relative(root, entry.path()),
                message: format!(
                    "not a regular file but {}: it cannot be copied or read as audio",
                    special_kind(&entry.file_type())
                ),
            });
            continue;
        }
        let path = entry.path().to_path_buf();
        let rel = relative(root, &path);
        let name = entry.file_name().to_string_lossy().into_owned();
        classify(&mut found, path, rel, &name);
    }
    found.external_links = external_links;
    found
}

/// What a file that is neither a regular file nor a folder is, for a message.
fn special_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    let _ = file_type;
    "a special file"
}

fn classify(found: &mut Discovered, path: PathBuf, rel: String, name: &str) {
    let lower = name.to_lowercase();
    let extension = lower.rsplit_once('.').map(|(_, extension)| extension);
    if lower == "stemlint.yaml" || lower == ".stemlint.yaml" {
        return;
    }
    if let Some(reason) = stray_file(&lower) {
        found.strays.push(Stray { rel, reason });
        return;
    }
    if let Some(extension) = extension {
        if probe::is_audio_extension(extension) {
            found.audio.push((path, rel));
            return;
        }
    }
    if is_notes_name(&lower) {
        match read_notes(&path) {
            Ok(text) => found.notes.push(NotesFile {
                rel,
                facts: notes::parse(&text),
                text,
                inherited: false,
            }),
            Err(error) => found.problems.push(WalkProblem {
                rel,
                message: describe_io(&error),
            }),
        }
        return;
    }
    let known = extension.is_some_and(|extension| KNOWN_OTHER.contains(&extension));
    if !known && sniff_audio(&path) {
        found.audio.push((path, rel));
    }
}

/// `notes.txt`, `README.txt`, `*notes*.txt`, `*.md`, and a few spellings people use.
pub fn is_notes_name(lower: &str) -> bool {
    let text_like = lower.ends_with(".txt") || lower.ends_with(".md") || lower.ends_with(".rtf");
    lower.ends_with(".md")
        || (text_like
            && (lower.starts_with("readme")
                || lower.contains("note")
                || lower.contains("info")
                || lower.contains("tempo")
                || lower.contains("session")))
}

/// Read a notes file leniently: UTF-8 or UTF-16 with a BOM, invalid bytes replaced.
fn read_notes(path: &Path) -> std::io::Result<Arc<str>> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(NOTES_LIMIT)
        .read_to_end(&mut bytes)?;
    Ok(Arc::from(decode_text(&bytes)))
}

/// A text file's bytes as a string: UTF-16 when it starts with a byte-order mark, else
/// UTF-8 with invalid bytes replaced.
pub fn decode_text(bytes: &[u8]) -> String {
    let utf16 = |big_endian: bool, body: &[u8]| {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|pair| {
                if big_endian {
                    u16::from_be_bytes([pair[0], pair[1]])
                } else {
                    u16::from_le_bytes([pair[0], pair[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    match bytes {
        [0xFF, 0xFE, body @ ..] => utf16(false, body),
        [0xFE, 0xFF, body @ ..] => utf16(true, body),
        [0xEF, 0xBB, 0xBF, body @ ..] => String::from_utf8_lossy(body).into_owned(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
    .replace("\r\n", "\n")
}

/// Does the content start like an audio container, whatever the name says?
fn sniff_audio(path: &Path) -> bool {
    let mut head = [0u8; probe::HEAD_LEN];
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(read) => filled += read,
        }
    }
    probe::sniff(&head[..filled]).is_some()
}

fn stray_file(lower: &str) -> Option<&'static str> {
    let extension = lower
        .rsplit_once('.')
        .map_or("", |(_, extension)| extension);
    if lower == ".ds_store" {
        Some("macOS Finder metadata")
    } else if lower.starts_with("._") {
        Some("macOS resource fork (AppleDouble) file")
    } else if lower == "thumbs.db" || lower == "desktop.ini" || lower == "ehthumbs.db" {
        Some("Windows Explorer metadata")
    } else if matches!(
        extension,
        "ptx"
            | "ptf"
            | "pts"
            | "als"
            | "cpr"
            | "rpp"
            | "flp"
            | "song"
            | "logicx"
            | "band"
            | "npr"
            | "bwproject"
            | "ses"
            | "sesx"
            | "aup"
            | "aup3"
            | "reason"
            | "ardour"
    ) {
        Some("DAW session file")
    } else if matches!(
        extension,
        "pkf" | "reapeaks" | "asd" | "pk" | "peak" | "wfm" | "ovw" | "gpk" | "mtp" | "sfk"
    ) || lower.ends_with(".wav.peak")
    {
        Some("waveform overview / peak file written by a DAW or editor")
    } else if matches!(
        extension,
        "zip" | "rar" | "7z" | "tar" | "gz" | "tgz" | "bz2" | "xz"
    ) {
        Some("archive: deliver the unpacked files")
    } else if matches!(
        extension,
        "bak" | "tmp" | "part" | "crdownload" | "download"
    ) || lower.ends_with('~')
    {
        Some("temporary or partial file")
    } else {
        None
    }
}

fn stray_folder(name: &str) -> Option<&'static str> {
    (name == "__MACOSX").then_some("macOS archive metadata folder (what it holds is not read)")
}

/// `path` relative to `root`, `/`-separated, lossy UTF-8.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// An I/O error as an engineer reads it ("permission denied", not an OS error code).
pub fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::NotFound => {
            "not found (a broken link, or removed during the run)".to_owned()
        }
        _ => error.to_string(),
    }
}
