//! How the channels relate: bit-identical copies (fake stereo), the peak of the difference of
//! the first two, their correlation (phase), and how they share their signal window by window
//! (a mono source with a noise of its own in each channel; a side with noise alone).

use crate::media::simd::multiversion;

use super::db_bins::DbBins;
use super::lanes::Windows;
use super::{to_db, Accumulator, Analysis, Frames, StreamSpec};
use crate::media::Block;
use crate::model::analysis::ChannelWindows;

/// Window length, seconds.
const WINDOW_S: f64 = 0.05;

pub struct ChannelPair {
    /// Two channels or more: otherwise there is nothing to compare.
    active: bool,
    identical: bool,
    difference_peak: f64,
    moments: PairMoments,
    windows: Windows,
    /// The window being filled: its frames and sums.
    window_frames: usize,
    window: PairSums,
    levels: WindowLevels,
}

impl ChannelPair {
    pub fn new(spec: &StreamSpec) -> Self {
        let active = spec.channels >= 2;
        ChannelPair {
            active,
            identical: active,
            difference_peak: 0.0,
            moments: PairMoments::default(),
            windows: Windows::new((f64::from(spec.sample_rate) * WINDOW_S).round() as u64),
            window_frames: 0,
            window: PairSums::default(),
            levels: WindowLevels::default(),
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
        let channels = frames.channels;
        for segment in self.windows.segments(frames.frames()) {
            let samples = &frames.samples[segment.start * channels..segment.end * channels];
            // Each channel's sums come from the block's tiles; only what pairs them is read.
            let (left_right, difference_peak) = if channels == 2 {
                stereo_cross(samples)
            } else {
                pair_cross(samples, channels)
            };
            let own = frames.sums(segment.start, segment.end);
            let sums = PairSums {
                left: own.sums[0],
                right: own.sums[1],
                left_left: own.squares[0],
                right_right: own.squares[1],
                left_right,
            };
            self.difference_peak = self.difference_peak.max(difference_peak);
            let length = segment.end - segment.start;
            self.moments.merge(length, &sums);
            self.window_frames += length;
            self.window.add(&sums);
            if segment.closes {
                self.levels.add(self.window_frames, &self.window);
                self.window_frames = 0;
                self.window = PairSums::default();
            }
        }
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
        analysis.channel_windows = self.levels.figures();
    }
}

multiversion! {
    /// `pair_cross` of stereo frames.
    fn stereo_cross(samples: &[f64]) -> (f64, f64) {
        pair_cross(samples, 2)
    }
}

/// The sum of left × right over the first two channels and the largest |left - right|, over
/// `LANES` frames side by side (independent chains of additions, which the compiler
/// vectorises). Each channel's own sums are the tiles'.
#[inline(always)]
fn pair_cross(samples: &[f64], channels: usize) -> (f64, f64) {
    const LANES: usize = 4;
    let mut left_right = [0.0_f64; LANES];
    let mut difference = [0.0_f64; LANES];
    let mut add = |lane: usize, l: f64, r: f64| {
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
    (
        left_right.iter().sum::<f64>(),
        difference.iter().copied().fold(0.0, f64::max),
    )
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

impl PairSums {
    fn add(&mut self, other: &PairSums) {
        self.left += other.left;
        self.right += other.right;
        self.left_left += other.left_left;
        self.right_right += other.right_right;
        self.left_right += other.left_right;
    }
}

/// Window levels are binned by half a dB from -160 dB (digital silence and anything under it
/// land in the first bin) to 0 dBFS and a little over.
const LEVELS: DbBins = DbBins::new(LOW_DB, 0.5, 340);
/// The lowest level a window reads, dB.
const LOW_DB: f64 = -160.0;
/// Windows within this of the loudest have sound for the quarters, dB.
const LIVE_DB: f64 = 50.0;
/// Fewer windows with sound than this and there are no figures.
const MIN_WINDOWS: u64 = 8;

/// Each window's levels, in histograms (bounded memory, whatever the file's length).
#[derive(Debug, Clone)]
struct WindowLevels {
    /// By the louder channel's level: windows, and the sums of their `1 - r²` (dB) and of
    /// what the quieter one does not share (dBFS).
    count: Vec<u64>,
    residual_sum: Vec<f64>,
    unshared_sum: Vec<f64>,
    /// Windows by what the quieter channel does not share.
    unshared: Vec<u64>,
    /// Per channel, windows by its own level.
    channel: [Vec<u64>; 2],
}

impl Default for WindowLevels {
    fn default() -> Self {
        WindowLevels {
            count: vec![0; LEVELS.count],
            residual_sum: vec![0.0; LEVELS.count],
            unshared_sum: vec![0.0; LEVELS.count],
            unshared: vec![0; LEVELS.count],
            channel: [vec![0; LEVELS.count], vec![0; LEVELS.count]],
        }
    }
}

fn level_db(power: f64) -> f64 {
    if power > 0.0 {
        (10.0 * power.log10()).max(LOW_DB)
    } else {
        LOW_DB
    }
}

impl WindowLevels {
    fn add(&mut self, frames: usize, sums: &PairSums) {
        if frames == 0 {
            return;
        }
        let n = frames as f64;
        let var_left = ((sums.left_left - sums.left * sums.left / n) / n).max(0.0);
        let var_right = ((sums.right_right - sums.right * sums.right / n) / n).max(0.0);
        let covariance = (sums.left_right - sums.left * sums.right / n) / n;
        let louder = var_left.max(var_right);
        if louder <= 0.0 {
            return;
        }
        let unexplained = if var_left > 0.0 && var_right > 0.0 {
            (1.0 - covariance * covariance / (var_left * var_right)).clamp(1e-30, 1.0)
        } else {
            1.0
        };
        let at = LEVELS.bin(level_db(louder));
        let unshared = level_db(var_left.min(var_right) * unexplained);
        self.count[at] += 1;
        self.residual_sum[at] += 10.0 * unexplained.log10();
        self.unshared_sum[at] += unshared;
        self.unshared[LEVELS.bin(unshared)] += 1;
        self.channel[0][LEVELS.bin(level_db(var_left))] += 1;
        self.channel[1][LEVELS.bin(level_db(var_right))] += 1;
    }

    fn figures(&self) -> Option<ChannelWindows> {
        let windows: u64 = self.count.iter().sum();
        let top = self.count.iter().rposition(|&count| count > 0)?;
        let live_from = LEVELS.bin(LEVELS.level(top) - LIVE_DB);
        let live: u64 = self.count[live_from..].iter().sum();
        if windows < MIN_WINDOWS || live < MIN_WINDOWS {
            return None;
        }
        let quarter = (live / 4).max(1);
        // The loudest and the quietest quarter of the live windows, by whole windows: a bin is
        // taken in part where the quarter ends inside it.
        let mean_over = |bins: &mut dyn Iterator<Item = usize>| {
            let (mut taken, mut level, mut residual, mut unshared) = (0u64, 0.0, 0.0, 0.0);
            for at in bins {
                let count = self.count[at];
                if count == 0 {
                    continue;
                }
                let take = count.min(quarter - taken);
                let share = take as f64 / count as f64;
                level += LEVELS.level(at) * take as f64;
                residual += self.residual_sum[at] * share;
                unshared += self.unshared_sum[at] * share;
                taken += take;
                if taken == quarter {
                    break;
                }
            }
            let taken = taken as f64;
            (level / taken, residual / taken, unshared / taken)
        };
        let (loud_level, loud_residual, loud_unshared) =
            mean_over(&mut (live_from..LEVELS.count).rev());
        let (quiet_level, _, _) = mean_over(&mut (live_from..LEVELS.count));
        let percentile = |hist: &[u64], share: f64| {
            let total: u64 = hist.iter().sum();
            LEVELS.ranked_from_bottom(hist, ((total as f64 * share).ceil() as u64).max(1))
        };
        let levels = |hist: &[u64]| [percentile(hist, 0.9), percentile(hist, 0.1)];
        Some(ChannelWindows {
            windows,
            loud_residual_db: loud_residual,
            level_range_db: loud_level - quiet_level,
            loud_unshared_dbfs: loud_unshared,
            unshared_floor_dbfs: percentile(&self.unshared, 0.1),
            channel_levels_dbfs: [levels(&self.channel[0]), levels(&self.channel[1])],
        })
    }
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
