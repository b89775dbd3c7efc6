//! The single streaming pass: every statistic any rule needs, accumulated block by block.
//!
//! Each block is converted once into full-scale `f64` samples (non-finite samples read as 0)
//! in a reused buffer; then every accumulator of `accumulators()` reads it (and, where it
//! needs the bits as decoded, the raw block). A measurement is one file in this folder plus
//! one line in that list. Memory does not depend on the file's length, except the loudness
//! meter's gating history (8 bytes per 100 ms block, about 0.3 MB per hour whatever the
//! channel count), kept so that loudness is exact rather than quantised to 0.1 LU bins.

mod bins;
mod bit_depth;
mod channels;
mod clipping;
mod db_bins;
mod dc_offset;
mod ducking;
mod envelope;
mod fingerprint;
mod lanes;
mod levels;
mod limiter;
mod loudness;
mod near_peak;
mod true_peak;

use super::Block;
pub use crate::model::analysis::{Analysis, AnalysisSettings};
use crate::model::record::SampleFormat;
use lanes::{ChannelSums, Tiles};

/// What the analyser needs to know about the stream before the first block.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpec {
    /// Interleaved channels per frame.
    pub channels: u16,
    /// Frames per second.
    pub sample_rate: u32,
    /// Integer or floating-point samples.
    pub sample_format: SampleFormat,
    /// Bits per sample as stored, when the codec has them (not for lossy streams).
    pub bit_depth: Option<u16>,
    /// WAVE_FORMAT_EXTENSIBLE channel mask, for the BS.1770 channel weights of surround files.
    pub channel_mask: Option<u32>,
}

/// One block as every accumulator sees it.
pub struct Frames<'a> {
    /// Interleaved samples in full-scale units (1.0 = full scale; integer samples clamped to
    /// their bit depth's range); NaN and infinite samples read as 0.
    pub samples: &'a [f64],
    /// The same whole frames as decoded, for what needs the exact bits. The samples are there
    /// only when some are NaN or infinite (`non_finite`): a block measured on another
    /// thread than the reader's keeps no other copy of them (`Converted::keep_raw`); the kind
    /// of block and its bits are always there.
    pub raw: Block<'a>,
    /// Interleaved channels per frame.
    pub channels: usize,
    /// Index, in the file, of the block's first frame.
    pub position: u64,
    /// NaN and infinite samples in the block (only float blocks have any).
    pub non_finite: u64,
    /// Integer blocks: every sample, clamped, OR-ed together (see `lanes::IntBlock`); 0 for
    /// float blocks.
    pub bits_used: u32,
    /// Every frame's channels are bit-identical as decoded (true for one channel).
    pub identical_channels: bool,
    /// The largest |sample| of the block (read once, for every accumulator).
    pub peak: f64,
    /// The block's sums on the tile grid (see `sums`).
    pub tiles: &'a Tiles,
}

impl Frames<'_> {
    /// Whole frames in the block.
    pub fn frames(&self) -> usize {
        self.samples.len() / self.channels
    }

    /// Per-channel sums and sums of squares of frames `start..end` of the block: added from
    /// the block's tiles when the range is made of whole tiles (the windows of the levels, DC,
    /// limiter and fingerprint accumulators are, at rates that are a multiple of 100 Hz),
    /// else read from the samples.
    pub fn sums(&self, start: usize, end: usize) -> ChannelSums {
        self.tiles.range(start, end).unwrap_or_else(|| {
            ChannelSums::of(
                &self.samples[start * self.channels..end * self.channels],
                self.channels,
            )
        })
    }
}

/// One measurement of the pass.
pub trait Accumulator: Send {
    /// Adds one block of whole frames.
    fn push(&mut self, frames: &Frames<'_>);
    /// Writes what it measured into the file's analysis.
    fn finish(self: Box<Self>, analysis: &mut Analysis);
}

/// Every measurement of the pass, one line each (order does not matter: each writes its own
/// fields). Each sees every block in order, but not necessarily on the same thread as the
/// others: when one long file would keep a core idle, two threads share them
/// (`media::split`).
fn accumulators(spec: &StreamSpec, settings: &AnalysisSettings) -> Vec<Box<dyn Accumulator>> {
    let mut all: Vec<Box<dyn Accumulator>> = vec![
        Box::new(loudness::Loudness::new(spec, settings)),
        Box::new(true_peak::TruePeak::new(spec)),
        Box::new(levels::Levels::new(spec, settings)),
        Box::new(clipping::Clipping::new(spec, settings)),
        Box::new(dc_offset::DcSteadiness::new(spec, settings)),
        Box::new(bit_depth::BitDepth::new(spec)),
        Box::new(channels::ChannelPair::new(spec)),
        Box::new(near_peak::NearPeak::new()),
        Box::new(limiter::Limiter::new(spec)),
        Box::new(ducking::Ducking::new(spec)),
        Box::new(fingerprint::Fingerprinter::new(spec)),
    ];
    // Curves over time, for a report's plots: only when asked for.
    if settings.series {
        all.push(Box::new(envelope::Envelope::new(spec)));
    }
    all
}

/// One block converted once for every accumulator: full-scale samples and what was read on
/// the way (tile sums, peak, used bits, non-finite samples). A block shared between threads
/// also keeps a copy of its samples as decoded (`keep_raw`).
#[derive(Debug, Default)]
pub struct Converted {
    samples: Vec<f64>,
    tiles: Tiles,
    position: u64,
    non_finite: u64,
    peak: f64,
    bits_used: u32,
    identical_channels: bool,
    channels: usize,
    raw: RawCopy,
}

/// A block's samples as decoded, owned.
#[derive(Debug)]
enum RawCopy {
    Int(Vec<i32>, u32),
    Float(Vec<f32>),
    Double(Vec<f64>),
}

impl Default for RawCopy {
    fn default() -> Self {
        RawCopy::Int(Vec::new(), 0)
    }
}

impl Converted {
    /// Keeps what accumulators read of `raw` (the frames as decoded, as `Analyzer::convert`
    /// gave them back), for a block measured on another thread than the reader's: its kind and
    /// bits, and a copy of the samples when some are not finite.
    pub fn keep_raw(&mut self, raw: Block<'_>) {
        // Rare (a float file with NaN or infinite samples): copied afresh, no buffer kept.
        let keep = self.non_finite > 0;
        self.raw = match raw {
            Block::Int { bits, .. } => RawCopy::Int(Vec::new(), bits),
            Block::Float(samples) => {
                RawCopy::Float(if keep { samples.to_vec() } else { Vec::new() })
            }
            Block::Double(samples) => {
                RawCopy::Double(if keep { samples.to_vec() } else { Vec::new() })
            }
        };
    }

    /// The block as the accumulators see it, with the raw frames kept by `keep_raw`.
    pub fn frames(&self) -> Frames<'_> {
        let raw = match &self.raw {
            RawCopy::Int(samples, bits) => Block::Int {
                samples,
                bits: *bits,
            },
            RawCopy::Float(samples) => Block::Float(samples),
            RawCopy::Double(samples) => Block::Double(samples),
        };
        self.frames_with(raw)
    }

    /// The block as the accumulators see it, with `raw` its frames as decoded.
    fn frames_with<'a>(&'a self, raw: Block<'a>) -> Frames<'a> {
        Frames {
            samples: &self.samples,
            raw,
            channels: self.channels,
            position: self.position,
            non_finite: self.non_finite,
            bits_used: self.bits_used,
            identical_channels: self.identical_channels,
            peak: self.peak,
            tiles: &self.tiles,
        }
    }
}

/// Accumulates an `Analysis` over the blocks of one file.
pub struct Analyzer {
    channels: usize,
    frames: u64,
    accumulators: Vec<Box<dyn Accumulator>>,
    /// Frames per tile (a hundredth of a second, at rates that are a multiple of 100 Hz),
    /// or 0: no tiles.
    tile: u64,
    /// The block being measured, its buffers reused.
    current: Converted,
}

impl Analyzer {
    /// An analyser for one stream, measuring what `settings` ask for.
    pub fn new(spec: StreamSpec, settings: &AnalysisSettings) -> Self {
        Analyzer {
            channels: usize::from(spec.channels),
            frames: 0,
            tile: if spec.sample_rate % 100 == 0 {
                u64::from(spec.sample_rate / 100)
            } else {
                0
            },
            accumulators: accumulators(&spec, settings),
            current: Converted::default(),
        }
    }

    /// Adds one block. Samples after the last whole frame are ignored.
    pub fn push(&mut self, block: &Block<'_>) {
        let mut current = std::mem::take(&mut self.current);
        if let Some(raw) = self.convert(block, &mut current) {
            let frames = current.frames_with(raw);
            for accumulator in &mut self.accumulators {
                accumulator.push(&frames);
            }
        }
        self.current = current;
    }

    /// Converts the whole frames of `block` into `into` (its buffers reused) and counts them
    /// as read; gives back the same frames as decoded, or None when the block holds no whole
    /// frame.
    pub fn convert<'b>(&mut self, block: &Block<'b>, into: &mut Converted) -> Option<Block<'b>> {
        let channels = self.channels;
        if channels == 0 {
            return None;
        }
        let whole = |len: usize| len - len % channels;
        let out = &mut into.samples;
        // Written as indexed loops over a buffer of the final length, which the compiler
        // vectorises (an `extend` from a mapped iterator it does not).
        let (raw, non_finite, read) = match *block {
            Block::Int { samples, bits } => {
                let samples = &samples[..whole(samples.len())];
                let bits = bits.clamp(1, 32);
                let scale = 1.0 / 2.0_f64.powi(bits as i32 - 1);
                let (min, max) = int_range(bits);
                out.resize(samples.len(), 0.0);
                let read = lanes::ints_to_units(samples, min, max, scale, out);
                (Block::Int { samples, bits }, 0, Some(read))
            }
            Block::Float(samples) => {
                let samples = &samples[..whole(samples.len())];
                out.resize(samples.len(), 0.0);
                for (out, &raw) in out.iter_mut().zip(samples) {
                    *out = sanitised(f64::from(raw));
                }
                let bad = samples.iter().filter(|raw| !raw.is_finite()).count();
                (Block::Float(samples), bad, None)
            }
            Block::Double(samples) => {
                let samples = &samples[..whole(samples.len())];
                out.resize(samples.len(), 0.0);
                for (out, &raw) in out.iter_mut().zip(samples) {
                    *out = sanitised(raw);
                }
                let bad = samples.iter().filter(|raw| !raw.is_finite()).count();
                (Block::Double(samples), bad, None)
            }
        };
        if out.is_empty() {
            return None;
        }
        into.tiles.measure(out, channels, self.frames, self.tile);
        into.position = self.frames;
        into.channels = channels;
        into.non_finite = non_finite as u64;
        into.peak = read.map_or_else(|| lanes::peak(out), |read| read.peak);
        into.bits_used = read.map_or(0, |read| read.bits_used);
        into.identical_channels = channels::raw_identical(raw, channels);
        self.frames += (out.len() / channels) as u64;
        Some(raw)
    }

    /// Lends out the measurements, to be fed the blocks `convert` makes on other threads
    /// (each block to each, in order) and given back with `restore`.
    pub fn take_accumulators(&mut self) -> Vec<Box<dyn Accumulator>> {
        std::mem::take(&mut self.accumulators)
    }

    /// Takes back the measurements of `take_accumulators`.
    pub fn restore(&mut self, accumulators: Vec<Box<dyn Accumulator>>) {
        self.accumulators = accumulators;
    }

    /// The measurements of every block fed so far.
    pub fn finish(self) -> Analysis {
        let mut analysis = Analysis::default();
        for accumulator in self.accumulators {
            accumulator.finish(&mut analysis);
        }
        analysis
    }
}

/// The range of a `bits`-bit signed sample (1..=32 bits): a decoder bug handing out-of-range
/// values must not read past full scale.
fn int_range(bits: u32) -> (i32, i32) {
    let bits = bits.clamp(1, 32);
    (
        (i64::from(i32::MIN) >> (32 - bits)) as i32,
        (i64::from(i32::MAX) >> (32 - bits)) as i32,
    )
}

/// Amplitude to dB, None for zero (and for anything not a positive finite number).
fn to_db(amplitude: f64) -> Option<f64> {
    (amplitude > 0.0 && amplitude.is_finite()).then(|| 20.0 * amplitude.log10())
}

fn from_db(db: f64) -> f64 {
    10.0_f64.powf(db / 20.0)
}

/// One quantisation step of an integer stream in full-scale units (1.0 = full scale); 0 for
/// float streams and integer ones of no stated depth.
fn quantisation_step(spec: &StreamSpec) -> f64 {
    match (spec.sample_format, spec.bit_depth) {
        (SampleFormat::Int, Some(bits)) if bits > 0 => 2f64.powi(1 - i32::from(bits.min(64))),
        _ => 0.0,
    }
}

fn sanitised(value: f64) -> f64 {
    if value.is_finite() {
        value
    } else {
        0.0
    }
}

/// Frame index to seconds at `sample_rate` (None at rate 0).
fn seconds(frame: u64, sample_rate: u32) -> Option<f64> {
    (sample_rate > 0).then(|| frame as f64 / f64::from(sample_rate))
}

/// Test support: `samples` (interleaved integers of `bits` bits) analysed in blocks of the
/// given numbers of frames, cycled.
#[cfg(test)]
pub(crate) fn analyse_in_blocks(
    spec: StreamSpec,
    samples: &[i32],
    bits: u32,
    block_frames: &[usize],
) -> Analysis {
    let channels = usize::from(spec.channels);
    let mut analyzer = Analyzer::new(spec, &AnalysisSettings::default());
    let mut rest = samples;
    for frames in block_frames.iter().cycle() {
        let take = (frames * channels).min(rest.len());
        let (block, tail) = rest.split_at(take);
        analyzer.push(&Block::Int {
            samples: block,
            bits,
        });
        rest = tail;
        if rest.is_empty() {
            break;
        }
    }
    analyzer.finish()
}
