//! What the media stage learned about each file, and a delivery as the rules see it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::analysis::Analysis;
use super::notes::NotesFacts;
use super::null_test::NullTest;

/// The container a file's bytes are in (what the file *is*, whatever its extension says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Wav,
    Rf64,
    Bw64,
    /// Sony Wave64: RIFF with GUID chunk ids and 64-bit sizes.
    W64,
    /// Big-endian RIFF WAVE (`RIFX`).
    Rifx,
    Aiff,
    Aifc,
    Flac,
    Mp3,
    Ogg,
    Mp4,
    Caf,
    Mkv,
    /// WavPack: found and described from its block header, not decoded.
    WavPack,
    /// DSD (DSF or DSDIFF): found and described, not decoded.
    Dsd,
    /// Monkey's Audio: found, not decoded.
    Ape,
    Other,
}

impl Container {
    pub fn as_str(self) -> &'static str {
        match self {
            Container::Wav => "wav",
            Container::Rf64 => "rf64",
            Container::Bw64 => "bw64",
            Container::W64 => "w64",
            Container::Rifx => "rifx",
            Container::Aiff => "aiff",
            Container::Aifc => "aifc",
            Container::Flac => "flac",
            Container::Mp3 => "mp3",
            Container::Ogg => "ogg",
            Container::Mp4 => "mp4",
            Container::Caf => "caf",
            Container::Mkv => "mkv",
            Container::WavPack => "wavpack",
            Container::Dsd => "dsd",
            Container::Ape => "ape",
            Container::Other => "other",
        }
    }
}

/// The codec of the audio stream inside the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    Pcm,
    Flac,
    Alac,
    Adpcm,
    Mp3,
    Aac,
    Vorbis,
    Other,
}

impl Codec {
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::Pcm => "pcm",
            Codec::Flac => "flac",
            Codec::Alac => "alac",
            Codec::Adpcm => "adpcm",
            Codec::Mp3 => "mp3",
            Codec::Aac => "aac",
            Codec::Vorbis => "vorbis",
            Codec::Other => "other",
        }
    }

    /// Lossy codecs throw audio away; no delivery profile accepts them by default.
    pub fn is_lossy(self) -> bool {
        matches!(self, Codec::Mp3 | Codec::Aac | Codec::Vorbis | Codec::Adpcm)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SampleFormat {
    Int,
    Float,
}

/// The byte order of stored samples, where the format has one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Endianness {
    #[default]
    Little,
    Big,
}

impl Endianness {
    pub fn is_little(&self) -> bool {
        *self == Endianness::Little
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Endianness::Little => "little",
            Endianness::Big => "big",
        }
    }
}

/// G.711 companding: 8-bit codes standing for 14- (µ-law) or 13-bit (A-law) linear samples,
/// the telephone network's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Companding {
    #[serde(rename = "mu-law")]
    MuLaw,
    #[serde(rename = "a-law")]
    ALaw,
}

impl Companding {
    pub fn as_str(self) -> &'static str {
        match self {
            Companding::MuLaw => "mu-law",
            Companding::ALaw => "a-law",
        }
    }

    /// The name an engineer reads: `µ-law`, `A-law`.
    pub fn display(self) -> &'static str {
        match self {
            Companding::MuLaw => "µ-law",
            Companding::ALaw => "A-law",
        }
    }
}

/// Broadcast-WAV `bext` chunk: the fields a delivery check needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bext {
    pub description: String,
    pub originator: String,
    pub originator_reference: String,
    pub origination_date: String,
    pub origination_time: String,
    /// Samples since midnight at the file's own sample rate.
    pub time_reference: u64,
}

/// Format facts of one audio stream, from its header, with the exact frame count from decoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioFacts {
    pub container: Container,
    pub codec: Codec,
    pub sample_format: SampleFormat,
    pub sample_rate: u32,
    /// Bits per sample as stored (the valid bits for WAVE_FORMAT_EXTENSIBLE); None where the
    /// codec has no such notion (lossy codecs).
    pub bit_depth: Option<u16>,
    pub channels: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_mask: Option<u32>,
    /// Exact sample frames decoded; with `--fast`, the frames the header declares.
    pub frames: u64,
    /// Frames the header declares, where it declares any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared_frames: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bext: Option<Bext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ixml: Option<String>,
    /// Byte order of the stored samples: big for RIFX, AIFF and big-endian CAF PCM.
    #[serde(default, skip_serializing_if = "Endianness::is_little")]
    pub endianness: Endianness,
    /// µ-law / A-law: `bit_depth` is then the 8 bits of each code, decoded to linear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub companding: Option<Companding>,
    /// Size fields of the header that disagree with the chunks present (a RIFF size, a
    /// `ds64` sample count): the audio reads, but the writer got its bookkeeping wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_notes: Vec<String>,
}

impl AudioFacts {
    pub fn duration_s(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.frames as f64 / f64::from(self.sample_rate)
        }
    }
}

/// A problem with the file itself, found while probing or decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileIssueKind {
    /// `file/unreadable`: cannot be opened or read.
    Unreadable,
    /// `file/corrupt`: header and data disagree, truncated, decode error part-way.
    Corrupt,
    /// `file/not-audio`: an audio extension on something that is not a supported audio stream.
    NotAudio,
    /// `format/container`: audio in a format stemlint identifies but does not decode
    /// (WavPack, DSD, Monkey's Audio): it was not checked.
    Undecoded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIssue {
    pub kind: FileIssueKind,
    pub message: String,
}

impl FileIssue {
    pub fn new(kind: FileIssueKind, message: impl Into<String>) -> Self {
        FileIssue {
            kind,
            message: message.into(),
        }
    }
}

/// Everything known about one audio file of a delivery.
#[derive(Debug, Clone)]
pub struct FileRecord {
    /// Where the file is on disk.
    pub path: PathBuf,
    /// Relative to the delivery root, `/` separators, lossily converted to UTF-8.
    pub rel: String,
    /// Facts, where the file could be identified as an audio stream at all.
    pub facts: Option<AudioFacts>,
    /// Statistics of the decoded samples; None with `--fast` or when nothing decoded.
    pub analysis: Option<Analysis>,
    pub issues: Vec<FileIssue>,
    /// The rate and depth the file's name states (`…_48k24`), read at discovery.
    pub name_facts: NotesFacts,
}

impl FileRecord {
    /// A record with nothing known yet but where the file is.
    pub fn new(path: PathBuf, rel: String) -> Self {
        FileRecord {
            path,
            rel,
            facts: None,
            analysis: None,
            issues: Vec::new(),
            name_facts: NotesFacts::default(),
        }
    }

    /// The file name alone (the last component of `rel`).
    pub fn name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap_or(&self.rel)
    }

    /// The file name without its extension.
    pub fn stem(&self) -> &str {
        let name = self.name();
        match name.rfind('.') {
            Some(dot) if dot > 0 => &name[..dot],
            _ => name,
        }
    }

    /// True when the file decoded without any file-level problem.
    pub fn is_sound(&self) -> bool {
        self.facts.is_some() && self.issues.is_empty()
    }
}

/// A notes / readme text of the delivery.
#[derive(Debug, Clone)]
pub struct NotesFile {
    pub rel: String,
    pub text: std::sync::Arc<str>,
    /// What the text states, parsed once at discovery.
    pub facts: NotesFacts,
    /// A section's view of the notes at its delivery's root: they satisfy the notes rules
    /// there, and the root reports what they lack.
    pub inherited: bool,
}

/// A file that should not ship, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stray {
    pub rel: String,
    pub reason: &'static str,
}

/// Something the walk could not read or follow (a folder without permission, a link loop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    pub rel: String,
    pub message: String,
}

/// A symbolic link inside the delivery that points outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLink {
    /// The link, relative to the root.
    pub rel: String,
    /// Where it resolves to, lossy UTF-8.
    pub target: String,
    /// True when the target is a folder, which the walk did not enter.
    pub folder: bool,
}

/// One delivery as the rules see it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub root: PathBuf,
    /// The root as the user gave it, for reports.
    pub display_root: String,
    pub profile: String,
    /// Audio files, sorted by `rel`.
    pub files: Vec<FileRecord>,
    pub notes: Vec<NotesFile>,
    pub strays: Vec<Stray>,
    pub walk_problems: Vec<WalkProblem>,
    /// Headers only (`--fast`): there is no analysis, and frame counts are the headers'.
    pub fast: bool,
    /// The null test of stems against the mix, when the profile asks for it and the delivery
    /// holds a mix (see `stems`).
    pub null_test: Option<NullTest>,
    /// How many sub-folders of this delivery are checked as sections of their own.
    pub sections: usize,
    /// Symbolic links that point outside the delivery.
    pub external_links: Vec<ExternalLink>,
    /// A single file given as PATH, checked alone with the file rules.
    pub single_file: bool,
}

impl Delivery {
    /// Files that decoded cleanly enough to have facts, with those facts.
    pub fn audio(&self) -> impl Iterator<Item = (&FileRecord, &AudioFacts)> {
        self.files
            .iter()
            .filter_map(|file| file.facts.as_ref().map(|facts| (file, facts)))
    }
}

impl Delivery {
    /// Files with an analysis (decoded, not `--fast`), with their facts and analysis.
    pub fn analysed(&self) -> impl Iterator<Item = (&FileRecord, &AudioFacts, &Analysis)> {
        self.files.iter().filter_map(|file| {
            let facts = file.facts.as_ref()?;
            let analysis = file.analysis.as_ref()?;
            Some((file, facts, analysis))
        })
    }
}
