//! How the channels relate: bit-identical copies (fake stereo), the peak of the difference of
//! the first two, and their correlation (phase).

use crate::media::simd::multiversion;

use super::{to_db, Accumulator, Analysis, Frames, StreamSpec};
use crate::media::Block;

pub struct ChannelPair {
    /// Two channels or more: otherwise there is nothing to compare.
    active: bool,
    identical: bool,
    difference_peak: f64,
    moments: PairMoments,
}

impl ChannelPair {
    pub fn new(spec: &StreamSpec) -> Self {
        let active = spec.channels >= 2;
        ChannelPair {
            active,
            identical: active,
            difference_peak: 0.0,
            moments: PairMoments::default(),
        }
    }
}

/// Whether every channel of every frame of `raw` (samples as decoded) is bit-identical to
/// the frame's first channel; true for one channel, without reading it.
pub(super) fn raw_identical(raw: Block<'_>, channels: usize) -> bool {
    if channels < 2 {
        return true;
    }
    match raw {
        Block::Int { samples, .. } => all_identical(samples, channels, |a, b| a == b),
        Block::Float(samples) => {
            all_identical(samples, channels, |a, b| a.to_bits() == b.to_bits())
        }
        Block::Double(samples) => {
            all_identical(samples, channels, |a, b| a.to_bits() == b.to_bits())
        }
    }
}

/// Every channel of every frame bit-identical to the frame's first channel (two NaNs with
/// the same payload are the same sample). Checked in runs of frames without an early exit
/// inside a run (which the compiler vectorises), stopping at the first run that differs.
fn all_identical<T: Copy>(raw: &[T], channels: usize, same: impl Fn(T, T) -> bool) -> bool {
    const RUN: usize = 64;
    if channels == 2 {
        return raw.chunks(2 * RUN).all(|run| {
            run.chunks_exact(2)
                .fold(true, |all, frame| all & same(frame[0], frame[1]))
        });
    }
    raw.chunks(channels * RUN).all(|run| {
        run.chunks_exact(channels).fold(true, |all, frame| {
            all & frame[1..]
                .iter()
                .fold(true, |all, &other| all & same(other, frame[0]))
        })
    })
}

impl Accumulator for ChannelPair {
    fn push(&mut self, frames: &Frames<'_>) {
        if !self.active {
            return;
        }
        let (sums, difference_peak) = if frames.channels == 2 {
            stereo_sums(frames.samples)
        } else {
            pair_sums(frames.samples, frames.channels)
        };
        let difference_peak = self.difference_peak.max(difference_peak);
        self.difference_peak = difference_peak;
        self.moments.merge(frames.frames(), &sums);
        self.identical &= frames.identical_channels;
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        analysis.identical_channels = self.identical;
        analysis.channel_difference_peak_dbfs = if self.identical {
            None
        } else {
            to_db(self.difference_peak)
        };
        analysis.correlation = self.moments.correlation();
        analysis.channel_residual_db = self.moments.residual_db();
        analysis.channel_balance_db = self.moments.balance_db();
        analysis.channel_unshared_dbfs = self.moments.unshared_dbfs();
    }
}

multiversion! {
    /// `pair_sums` of stereo frames.
    fn stereo_sums(samples: &[f64]) -> (PairSums, f64) {
        pair_sums(samples, 2)
    }
}

/// The sums of the first two channels and the largest |left - right|, over `LANES` frames
/// side by side (independent chains of additions, which the compiler vectorises).
#[inline(always)]
fn pair_sums(samples: &[f64], channels: usize) -> (PairSums, f64) {
    const LANES: usize = 4;
    let mut left = [0.0_f64; LANES];
    let mut right = [0.0_f64; LANES];
    let mut left_left = [0.0_f64; LANES];
    let mut right_right = [0.0_f64; LANES];
    let mut left_right = [0.0_f64; LANES];
    let mut difference = [0.0_f64; LANES];
    let mut add = |lane: usize, l: f64, r: f64| {
        left[lane] += l;
        right[lane] += r;
        left_left[lane] += l * l;
        right_right[lane] += r * r;
        left_right[lane] += l * r;
        let gap = (l - r).abs();
        difference[lane] = if gap > difference[lane] {
            gap
        } else {
            difference[lane]
        };
    };
    let mut chunks = samples.chunks_exact(channels * LANES);
    if channels == 2 {
        for chunk in &mut chunks {
            for lane in 0..LANES {
                add(lane, chunk[2 * lane], chunk[2 * lane + 1]);
            }
        }
    } else {
        for chunk in &mut chunks {
            for (lane, frame) in chunk.chunks_exact(channels).enumerate() {
                add(lane, frame[0], frame[1]);
            }
        }
    }
    for frame in chunks.remainder().chunks_exact(channels) {
        add(0, frame[0], frame[1]);
    }
    let total = |lanes: [f64; LANES]| lanes.iter().sum::<f64>();
    let sums = PairSums {
        left: total(left),
        right: total(right),
        left_left: total(left_left),
        right_right: total(right_right),
        left_right: total(left_right),
    };
    (sums, difference.iter().copied().fold(0.0, f64::max))
}

/// Co-moments of the first two channels, merged block by block (Chan et al.) so that a large
/// DC component or a long file cannot cancel the variance away in a single running sum.
#[derive(Debug, Clone, Default)]
struct PairMoments {
    frames: f64,
    mean_left: f64,
    mean_right: f64,
    var_left: f64,
    var_right: f64,
    covariance: f64,
}

/// Raw sums of one block of the first two channels.
#[derive(Debug, Clone, Copy, Default)]
struct PairSums {
    left: f64,
    right: f64,
    left_left: f64,
    right_right: f64,
    left_right: f64,
}

impl PairMoments {
    fn merge(&mut self, frames: usize, sums: &PairSums) {
        if frames == 0 {
            return;
        }
        let block = frames as f64;
        let mean_left = sums.left / block;
        let mean_right = sums.right / block;
        let var_left = sums.left_left - sums.left * mean_left;
        let var_right = sums.right_right - sums.right * mean_right;
        let covariance = sums.left_right - sums.left * mean_right;
        let total = self.frames + block;
        let delta_left = mean_left - self.mean_left;
        let delta_right = mean_right - self.mean_right;
        let weight = self.frames * block / total;
        self.var_left += var_left + delta_left * delta_left * weight;
        self.var_right += var_right + delta_right * delta_right * weight;
        self.covariance += covariance + delta_left * delta_right * weight;
        self.mean_left += delta_left * block / total;
        self.mean_right += delta_right * block / total;
        self.frames = total;
    }

    /// `1 - r²`, from the moments themselves (a correlation rounded to 1.0 would lose it);
    /// at least 1e-30 (-300 dB) for a copy exact to the last bit.
    fn unexplained(&self) -> Option<f64> {
        self.correlation()?;
        let explained = self.covariance * self.covariance / (self.var_left * self.var_right);
        Some((1.0 - explained).max(1e-30))
    }

    fn residual_db(&self) -> Option<f64> {
        Some(10.0 * self.unexplained()?.log10())
    }

    /// The quieter channel's variance times `1 - r²`, as an RMS in dBFS.
    fn unshared_dbfs(&self) -> Option<f64> {
        let quieter = self.var_left.min(self.var_right) / self.frames;
        Some(10.0 * (quieter * self.unexplained()?).max(1e-30).log10())
    }

    fn balance_db(&self) -> Option<f64> {
        self.correlation()?;
        Some(10.0 * (self.var_right / self.var_left).log10())
    }

    fn correlation(&self) -> Option<f64> {
        let denominator = (self.var_left * self.var_right).sqrt();
        (denominator > 0.0 && denominator.is_finite())
            .then(|| (self.covariance / denominator).clamp(-1.0, 1.0))
    }
}
