//! Per-file probe and decode: identify what a file is, then stream its samples in blocks.
//!
//! `riff` reads WAV/RF64/BW64 headers ourselves (symphonia does not read RF64 nor expose
//! `bext`/`iXML`); `pcm` streams PCM from those files with a reused buffer (the fast path);
//! `decode` wraps symphonia for everything else; `analysis` is the single streaming pass.

pub mod analysis;
pub mod decode;
pub mod loudness;
pub mod pcm;
pub mod probe;
pub mod riff;
pub(crate) mod simd;
mod split;
pub mod true_peak;
pub mod undecoded;
pub mod wave64;

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use crate::model::options::ScanMode;
use crate::model::record::{AudioFacts, FileIssue, FileIssueKind, FileRecord};

/// One block of interleaved samples, borrowed from the source's reused buffer.
#[derive(Debug, Clone, Copy)]
pub enum Block<'a> {
    /// Integer PCM, sign-extended from `bits` valid bits (a 24-bit sample lies in ±2^23;
    /// 8-bit unsigned WAV is converted to signed).
    Int {
        /// The samples, interleaved.
        samples: &'a [i32],
        /// Valid bits per sample (8, 16, 24 or 32).
        bits: u32,
    },
    /// 32-bit float samples, interleaved, full scale at ±1.0.
    Float(&'a [f32]),
    /// 64-bit float samples, interleaved, full scale at ±1.0.
    Double(&'a [f64]),
}

impl Block<'_> {
    /// Samples in the block, all channels counted.
    pub fn len(&self) -> usize {
        match self {
            Block::Int { samples, .. } => samples.len(),
            Block::Float(samples) => samples.len(),
            Block::Double(samples) => samples.len(),
        }
    }

    /// Whether the block holds no sample.
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

    /// What the header alone shows to be wrong (data cut short, a size never written), for
    /// `--fast`, which reads no samples. Streaming reports the same problems itself.
    fn header_issue(&self) -> Option<FileIssue> {
        None
    }

    /// Frames in each of the stream's packets, where the container counts its length in whole
    /// packets of one size (ALAC in CAF, 4096): a stream that ends cleanly less than one
    /// packet short of that count is whole, its last packet a short one.
    fn packet_frames(&self) -> Option<u64> {
        None
    }
}

/// A file identified as audio, ready to stream.
pub struct Opened {
    /// Facts from the header; `frames` holds the frames the header declares (0 if unknown;
    /// the frames present for a header whose size was never written) until the stream has
    /// been read to its end.
    pub facts: AudioFacts,
    /// The decoder, read block by block.
    pub source: Box<dyn SampleSource>,
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
    scan_read(path, rel, mode, settings, |source| source, true)
}

/// `scan`, with the sample stream passed through `wrap` before the analysis reads it: the
/// null test taps the same blocks the analysis sees, so each file is still read once.
pub fn scan_with(
    path: &Path,
    rel: String,
    mode: ScanMode,
    settings: &analysis::AnalysisSettings,
    wrap: impl FnOnce(Box<dyn SampleSource>) -> Box<dyn SampleSource>,
) -> FileRecord {
    // The wrapped stream is the one the null test sums: it is read once, by this thread.
    scan_read(path, rel, mode, settings, wrap, false)
}

fn scan_read(
    path: &Path,
    rel: String,
    mode: ScanMode,
    settings: &analysis::AnalysisSettings,
    wrap: impl FnOnce(Box<dyn SampleSource>) -> Box<dyn SampleSource>,
    may_split: bool,
) -> FileRecord {
    let mut record = FileRecord::new(path.to_path_buf(), rel);
    // Two guards, so that a panic while streaming still keeps the facts the header gave.
    let opened = match guarded(|| open(path)) {
        Ok(Ok(opened)) => opened,
        Ok(Err(issue)) => {
            record.issues.push(issue);
            return record;
        }
        Err(payload) => {
            record.issues.push(internal_error(payload.as_ref()));
            return record;
        }
    };
    let opened = Opened {
        facts: opened.facts,
        source: wrap(opened.source),
    };
    scan_opened_with(record, opened, mode, settings, may_split)
}

/// The streaming half of `scan`: decode every block of an opened file into the analyser and
/// fill `record` in. A panic while streaming becomes a `file/corrupt` issue and keeps the facts
/// the header gave.
pub fn scan_opened(
    record: FileRecord,
    opened: Opened,
    mode: ScanMode,
    settings: &analysis::AnalysisSettings,
) -> FileRecord {
    scan_opened_with(record, opened, mode, settings, false)
}

/// `scan_opened`; with `may_split`, a free worker of the pool may take half of the measurements.
fn scan_opened_with(
    mut record: FileRecord,
    opened: Opened,
    mode: ScanMode,
    settings: &analysis::AnalysisSettings,
    may_split: bool,
) -> FileRecord {
    let Opened { mut facts, source } = opened;
    if mode == ScanMode::Fast {
        record.issues.extend(source.header_issue());
        record.facts = Some(facts);
        return record;
    }
    match guarded(|| stream(&facts, source, settings, may_split)) {
        Ok(streamed) => {
            facts.frames = streamed.frames;
            if streamed.frames > 0 {
                record.analysis = Some(streamed.analysis);
            }
            record.issues.extend(streamed.issue);
            facts.header_notes.extend(streamed.header_note);
        }
        Err(payload) => record.issues.push(internal_error(payload.as_ref())),
    }
    record.facts = Some(facts);
    record
}

thread_local! {
    /// How many `guarded` calls are running on this thread.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
}

/// Run `work`, turning a panic into `Err` with its payload. A panic here is already reported
/// as a finding on the file, so a panic hook can stay quiet for it (see `panic_is_guarded`).
pub fn guarded<T>(work: impl FnOnce() -> T) -> std::thread::Result<T> {
    GUARDED.with(|depth| depth.set(depth.get() + 1));
    let outcome = panic::catch_unwind(AssertUnwindSafe(work));
    GUARDED.with(|depth| depth.set(depth.get().saturating_sub(1)));
    outcome
}

/// True while the current thread runs inside `guarded`: a panic hook uses it to keep a
/// caught decoder panic from printing a backtrace over the report.
pub fn panic_is_guarded() -> bool {
    GUARDED.with(|depth| depth.get() > 0)
}

/// What one streaming pass produced.
struct Streamed {
    frames: u64,
    analysis: analysis::Analysis,
    issue: Option<FileIssue>,
    /// A header count the audio shows to be the writer's bookkeeping (`file/header-size`).
    header_note: Option<String>,
}

/// Whether this thread is a worker of a rayon pool with other workers, which may take half of
/// a file's work (`rayon::join`) when they are free. Other threads (the null test's readers,
/// a library caller's own thread) must not hand work to a pool whose workers may be waiting
/// for them: they measure on their own.
pub(crate) fn shares_a_pool() -> bool {
    rayon::current_thread_index().is_some() && rayon::current_num_threads() > 1
}

/// Decodes and measures one block after the other, on this thread.
fn read_in_turn(
    source: &mut dyn SampleSource,
    analyzer: &mut analysis::Analyzer,
    channels: usize,
) -> (u64, Option<FileIssue>) {
    let mut frames = 0u64;
    loop {
        match source.next_block() {
            Ok(Some(block)) => {
                frames += (block.len() / channels) as u64;
                analyzer.push(&block);
            }
            Ok(None) => return (frames, None),
            Err(failure) => return (frames, Some(failure)),
        }
    }
}

/// Files being streamed by this process now, to tell whether a worker of the pool is free.
static STREAMING: AtomicUsize = AtomicUsize::new(0);

/// Counts a file as streaming while it lives.
struct Streaming;

impl Streaming {
    /// Starts counting; also how many files stream now, this one included.
    fn start() -> (Streaming, usize) {
        (Streaming, STREAMING.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        STREAMING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whether to share one file's measurements with another worker of the pool: when this
/// thread shares a pool with a worker that no file keeps busy (a delivery of one long file, or
/// its last file), and the file is long enough to repay handing blocks over.
fn worth_splitting(facts: &AudioFacts, streaming: usize) -> bool {
    const MIN_SECONDS: u64 = 20;
    let long = facts
        .declared_frames
        .is_some_and(|frames| frames >= MIN_SECONDS * u64::from(facts.sample_rate));
    long && shares_a_pool() && streaming < rayon::current_num_threads()
}

/// Decode every block into the analyser, counting frames. A decode error part-way keeps the
/// statistics of what decoded before it.
fn stream(
    facts: &AudioFacts,
    mut source: Box<dyn SampleSource>,
    settings: &analysis::AnalysisSettings,
    may_split: bool,
) -> Streamed {
    let spec = analysis::StreamSpec {
        channels: facts.channels,
        sample_rate: facts.sample_rate,
        sample_format: facts.sample_format,
        bit_depth: facts.bit_depth,
        channel_mask: facts.channel_mask,
    };
    let mut analyzer = analysis::Analyzer::new(spec, settings);
    let channels = usize::from(facts.channels.max(1));
    let (_streaming, now) = Streaming::start();
    let (frames, mut issue) = if may_split && worth_splitting(facts, now) {
        split::read(source.as_mut(), &mut analyzer, channels, |read, measure| {
            rayon::join(read, measure)
        })
    } else {
        read_in_turn(source.as_mut(), &mut analyzer, channels)
    };
    // A lossless stream that ends cleanly but short of what its header declares was cut.
    // Lossy headers only estimate their length, so they are left out. Less than one packet
    // short of a count kept in whole packets, it is whole: the writer counted its last, short
    // packet as full (ffmpeg's CAF packet table for ALAC), which a truncation cannot do (losing
    // whole packets loses a packet's frames or more; losing part of one fails to decode).
    let mut header_note = None;
    if issue.is_none() && !facts.codec.is_lossy() {
        if let Some(declared) = facts.declared_frames.filter(|&declared| declared > frames) {
            match source.packet_frames() {
                Some(packet) if declared - frames < packet => {
                    header_note = Some(format!(
                        "the header counts {declared} frames, whole packets of {packet}; the \
                         audio holds {frames}: the last packet is {} frames short, as written \
                         (the file is whole)",
                        declared - frames
                    ));
                }
                _ => {
                    issue = Some(FileIssue::new(
                        FileIssueKind::Corrupt,
                        shortfall_message(declared, frames, facts.sample_rate),
                    ));
                }
            }
        }
    }
    Streamed {
        frames,
        analysis: analyzer.finish(),
        issue,
        header_note,
    }
}

/// The text of a panic's payload (`panic!` gives a `&str` or a `String`); empty for others.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn internal_error(payload: &(dyn Any + Send)) -> FileIssue {
    let detail = match panic_message(payload) {
        message if message.is_empty() => "unknown panic".to_owned(),
        message => message,
    };
    FileIssue::new(
        FileIssueKind::Corrupt,
        format!("internal error while decoding: {detail}"),
    )
}

/// The engineer's account of a file that holds fewer frames than its header declares.
pub(crate) fn shortfall_message(declared: u64, present: u64, sample_rate: u32) -> String {
    format!(
        "{} — the upload or copy was cut short",
        missing_frames_message(declared, present, sample_rate)
    )
}

/// "header declares N frames (X s) but the file holds M (Y s): Z s missing".
pub(crate) fn missing_frames_message(declared: u64, present: u64, sample_rate: u32) -> String {
    let seconds = |frames: u64| frames as f64 / f64::from(sample_rate.max(1));
    format!(
        "header declares {declared} frames ({:.3} s) but the file holds {present} ({:.3} s): \
         {:.3} s missing",
        seconds(declared),
        seconds(present),
        seconds(declared.saturating_sub(present)),
    )
}
