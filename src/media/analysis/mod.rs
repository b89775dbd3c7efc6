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
mod dc_offset;
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
    /// The same whole frames as decoded, for what needs the exact bits.
    pub raw: Block<'a>,
    /// Interleaved channels per frame.
    pub channels: usize,
    /// Index, in the file, of the block's first frame.
    pub position: u64,
    /// True when some sample of the block is NaN or infinite (only float blocks).
    pub has_non_finite: bool,
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

    /// NaN and infinite samples in the block.
    pub fn non_finite_count(&self) -> u64 {
        if !self.has_non_finite {
            return 0;
        }
        let count = match self.raw {
            Block::Int { .. } => 0,
            Block::Float(raw) => raw.iter().filter(|sample| !sample.is_finite()).count(),
            Block::Double(raw) => raw.iter().filter(|sample| !sample.is_finite()).count(),
        };
        count as u64
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
/// fields), in two groups of about the same cost, which two readers of one long file feed on
/// two cores (`split`): the loudness and true-peak kernels, and the rest.
fn accumulators(spec: &StreamSpec, settings: &AnalysisSettings) -> [Vec<Box<dyn Accumulator>>; 2] {
    let mut rest: Vec<Box<dyn Accumulator>> = vec![
        Box::new(levels::Levels::new(spec, settings)),
        Box::new(clipping::Clipping::new(spec, settings)),
        Box::new(dc_offset::DcSteadiness::new(spec, settings)),
        Box::new(bit_depth::BitDepth::new(spec)),
        Box::new(channels::ChannelPair::new(spec)),
        Box::new(near_peak::NearPeak::new()),
        Box::new(limiter::Limiter::new(spec)),
        Box::new(fingerprint::Fingerprinter::new(spec)),
    ];
    let kernels: Vec<Box<dyn Accumulator>> = vec![
        Box::new(loudness::Loudness::new(spec, settings)),
        Box::new(true_peak::TruePeak::new(spec)),
    ];
    // Curves over time, for a report's plots: only when asked for.
    if settings.series {
        rest.push(Box::new(envelope::Envelope::new(spec)));
    }
    [kernels, rest]
}

/// Accumulates an `Analysis` over the blocks of one file.
pub struct Analyzer {
    channels: usize,
    frames: u64,
    /// The two groups of `accumulators()`.
    groups: [Vec<Box<dyn Accumulator>>; 2],
    /// Frames per tile (a hundredth of a second, at rates that are a multiple of 100 Hz),
    /// or 0: no tiles.
    tile: u64,
    tiles: Tiles,
    /// The block in full-scale units, reused.
    samples: Vec<f64>,
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
            tiles: Tiles::default(),
            groups: accumulators(&spec, settings),
            samples: Vec::new(),
        }
    }

    /// Adds one block. Samples after the last whole frame are ignored.
    pub fn push(&mut self, block: &Block<'_>) {
        let channels = self.channels;
        if channels == 0 {
            return;
        }
        let whole = |len: usize| len - len % channels;
        // Written as indexed loops over a buffer of the final length, which the compiler
        // vectorises (an `extend` from a mapped iterator it does not).
        let (raw, has_non_finite, peak) = match *block {
            Block::Int { samples, bits } => {
                let samples = &samples[..whole(samples.len())];
                let bits = bits.clamp(1, 32);
                let scale = 1.0 / 2.0_f64.powi(bits as i32 - 1);
                let (min, max) = int_range(bits);
                self.samples.resize(samples.len(), 0.0);
                let peak = lanes::ints_to_units(samples, min, max, scale, &mut self.samples);
                (Block::Int { samples, bits }, false, Some(peak))
            }
            Block::Float(samples) => {
                let samples = &samples[..whole(samples.len())];
                self.samples.resize(samples.len(), 0.0);
                for (out, &raw) in self.samples.iter_mut().zip(samples) {
                    *out = sanitised(f64::from(raw));
                }
                let bad = samples.iter().any(|raw| !raw.is_finite());
                (Block::Float(samples), bad, None)
            }
            Block::Double(samples) => {
                let samples = &samples[..whole(samples.len())];
                self.samples.resize(samples.len(), 0.0);
                for (out, &raw) in self.samples.iter_mut().zip(samples) {
                    *out = sanitised(raw);
                }
                let bad = samples.iter().any(|raw| !raw.is_finite());
                (Block::Double(samples), bad, None)
            }
        };
        if self.samples.is_empty() {
            return;
        }
        self.tiles
            .measure(&self.samples, channels, self.frames, self.tile);
        let frames = Frames {
            samples: &self.samples,
            raw,
            channels,
            position: self.frames,
            has_non_finite,
            peak: peak.unwrap_or_else(|| lanes::peak(&self.samples)),
            tiles: &self.tiles,
        };
        let push_all = |group: &mut Vec<Box<dyn Accumulator>>| {
            for accumulator in group {
                accumulator.push(&frames);
            }
        };
        for group in &mut self.groups {
            push_all(group);
        }
        self.frames += frames.frames() as u64;
    }

    /// Moves the first group of measurements (the loudness and true-peak kernels) into an
    /// analyser of its own, to be fed the same blocks by another reader on another thread and
    /// given back with `join`.
    pub fn split(&mut self) -> Analyzer {
        let [kernels, _] = &mut self.groups;
        Analyzer {
            channels: self.channels,
            frames: self.frames,
            // The kernels read the samples, not the tiles.
            tile: 0,
            tiles: Tiles::default(),
            groups: [std::mem::take(kernels), Vec::new()],
            samples: Vec::new(),
        }
    }

    /// Takes back the measurements of `split`.
    pub fn join(&mut self, half: Analyzer) {
        for (mine, theirs) in self.groups.iter_mut().zip(half.groups) {
            mine.extend(theirs);
        }
    }

    /// The measurements of every block fed so far.
    pub fn finish(self) -> Analysis {
        let mut analysis = Analysis::default();
        for accumulator in self.groups.into_iter().flatten() {
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
