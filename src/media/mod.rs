//! Per-file probe and decode: identify what a file is, then stream its samples in blocks.
//!
//! `riff` reads WAV/RF64/BW64 headers ourselves (symphonia does not read RF64 nor expose
//! `bext`/`iXML`); `pcm` streams PCM from those files with a reused buffer (the fast path);
//! `decode` wraps symphonia for everything else; `analysis` is the single streaming pass.

pub mod analysis;
pub mod decode;
pub mod pcm;
pub mod riff;

use std::path::Path;

use crate::record::{AudioFacts, FileIssue, FileRecord};

/// One block of interleaved samples, borrowed from the source's reused buffer.
#[derive(Debug, Clone, Copy)]
pub enum Block<'a> {
    /// Integer PCM, sign-extended from `bits` valid bits (a 24-bit sample lies in ±2^23;
    /// 8-bit unsigned WAV is converted to signed).
    Int {
        samples: &'a [i32],
        bits: u32,
    },
    Float(&'a [f32]),
    Double(&'a [f64]),
}

impl Block<'_> {
    pub fn len(&self) -> usize {
        match self {
            Block::Int { samples, .. } => samples.len(),
            Block::Float(samples) => samples.len(),
            Block::Double(samples) => samples.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A stream of sample blocks.
pub trait SampleSource: Send {
    /// The next block of interleaved samples (a whole number of frames), `Ok(None)` at the
    /// clean end of the stream, `Err` when decoding fails part-way (truncated data, a corrupt
    /// frame): the blocks returned before stay valid statistics.
    fn next_block(&mut self) -> Result<Option<Block<'_>>, FileIssue>;
}

/// A file identified as audio, ready to stream.
pub struct Opened {
    /// Facts from the header; `frames` holds the frames the header declares (0 if unknown)
    /// until the stream has been read to its end.
    pub facts: AudioFacts,
    pub source: Box<dyn SampleSource>,
}

/// How much of each file to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// Decode every sample and analyse it.
    Full,
    /// Headers only: no sample decode, no analysis.
    Fast,
}

/// Identify `path` and open it for streaming. A file that cannot be opened, is not audio or
/// whose header is broken comes back as the `FileIssue` that says so.
pub fn open(path: &Path) -> Result<Opened, FileIssue> {
    decode::open(path)
}

/// Probe, decode and analyse one file in one streaming pass. Never panics: a panic inside the
/// decoders becomes a `file/corrupt` issue on this file.
pub fn scan(
    path: &Path,
    rel: String,
    mode: ScanMode,
    settings: &analysis::AnalysisSettings,
) -> FileRecord {
    let _ = (mode, settings);
    FileRecord {
        path: path.to_path_buf(),
        rel,
        facts: None,
        analysis: None,
        issues: vec![FileIssue::new(
            crate::record::FileIssueKind::Unreadable,
            "decoding is not implemented yet",
        )],
    }
}
