//! Whether a channel's mean is a steady offset or only the shape or slow movement of the
//! programme.
//!
//! - The share of half-second windows with sound whose own mean carries the same offset. A
//!   real DC offset (a faulty converter, a badly made sample) is there in every window; the
//!   mean of a short stretch of pink noise or a bass note's tail comes from its lowest
//!   frequencies and changes sign from window to window, or swells away from zero and back:
//!   the window means wander by more than their average (`dc_wander`).
//! - Where the sound is quiet (`dc_quiet_share`): the mean of the quietest quarter of the
//!   50 ms blocks with sound, as a share of the mean of them all. An offset is a constant: it
//!   sits under a hit's decayed tail as it sits under the attack. A kick or a snare whose
//!   waveform leans to one side averages off zero in every half-second it sounds, but that
//!   mean comes from the loud part of each hit and dies away with it.

use super::lanes::Windows;
use super::{from_db, Accumulator, Analysis, AnalysisSettings, Frames, StreamSpec};

/// Block length, seconds: short enough to tell a hit's tail from its attack, long enough
/// that a bass note's cycles mostly cancel.
const BLOCK_SECONDS: f64 = 0.05;
/// Blocks per window: half-second windows, long enough that anything above a few hertz
/// averages out.
const BLOCKS_PER_WINDOW: u32 = 10;
/// Width of a level bin of the blocks, dB; the bins span from the sound floor to full scale.
const LEVEL_STEP_DB: f64 = 0.25;
/// Blocks' RMS above full scale land in the top bin.
const LEVEL_SPAN_DB: f64 = 80.0;
/// The quiet share of the blocks: the quietest quarter.
const QUIET_SHARE: f64 = 0.25;
/// Fewer blocks with sound than this say nothing about where the mean lies.
const MIN_BLOCKS: u64 = 8;

/// One level bin of one channel's blocks: how many, and the sum of their means.
#[derive(Debug, Clone, Copy, Default)]
struct LevelBin {
    blocks: u64,
    means: f64,
}

pub struct DcSteadiness {
    blocks: Windows,
    /// Half the offset the profile accepts: a window or block quieter than this has nothing
    /// to say; a window mean at least this large, with the file's sign, carries the offset.
    half_limit: f64,
    /// Level of `half_limit`, dBFS: the bottom of the first level bin.
    floor_db: f64,
    /// Frames in the current block; blocks closed in the current window.
    filled: u64,
    blocks_in_window: u32,
    /// Per channel: the current block's and window's sums, the window's sum of squares, the
    /// whole file's sum, and counts of windows with sound whose mean is at least
    /// `half_limit` above / below zero.
    block_sums: Vec<f64>,
    block_squares: Vec<f64>,
    window_sums: Vec<f64>,
    window_squares: Vec<f64>,
    window_frames: u64,
    totals: Vec<f64>,
    sounding: Vec<u64>,
    positive: Vec<u64>,
    negative: Vec<u64>,
    /// Per channel: the sum and the sum of squares of the means of the windows with sound.
    mean_sums: Vec<f64>,
    mean_squares: Vec<f64>,
    /// Per channel: the blocks with sound, binned by their RMS.
    levels: Vec<Vec<LevelBin>>,
}

impl DcSteadiness {
    pub fn new(spec: &StreamSpec, settings: &AnalysisSettings) -> Self {
        let channels = usize::from(spec.channels);
        let half_limit = from_db(settings.dc_limit_dbfs) / 2.0;
        let floor_db = 20.0 * half_limit.max(f64::MIN_POSITIVE).log10();
        let bins = (LEVEL_SPAN_DB / LEVEL_STEP_DB) as usize + 1;
        DcSteadiness {
            blocks: Windows::new((f64::from(spec.sample_rate) * BLOCK_SECONDS) as u64),
            half_limit,
            floor_db,
            filled: 0,
            blocks_in_window: 0,
            block_sums: vec![0.0; channels],
            block_squares: vec![0.0; channels],
            window_sums: vec![0.0; channels],
            window_squares: vec![0.0; channels],
            window_frames: 0,
            totals: vec![0.0; channels],
            sounding: vec![0; channels],
            positive: vec![0; channels],
            negative: vec![0; channels],
            mean_sums: vec![0.0; channels],
            mean_squares: vec![0.0; channels],
            levels: vec![vec![LevelBin::default(); bins]; channels],
        }
    }

    fn close_block(&mut self) {
        if self.filled == 0 {
            return;
        }
        let frames = self.filled as f64;
        for channel in 0..self.block_sums.len() {
            let mean = self.block_sums[channel] / frames;
            let rms = (self.block_squares[channel] / frames).sqrt();
            if rms >= self.half_limit {
                let step = ((20.0 * rms.log10() - self.floor_db) / LEVEL_STEP_DB).max(0.0);
                let bins = &mut self.levels[channel];
                let top = bins.len() - 1;
                let bin = &mut bins[(step as usize).min(top)];
                bin.blocks += 1;
                bin.means += mean;
            }
            self.window_sums[channel] += self.block_sums[channel];
            self.window_squares[channel] += self.block_squares[channel];
            self.block_sums[channel] = 0.0;
            self.block_squares[channel] = 0.0;
        }
        self.window_frames += self.filled;
        self.filled = 0;
        self.blocks_in_window += 1;
        if self.blocks_in_window == BLOCKS_PER_WINDOW {
            self.close_window();
        }
    }

    fn close_window(&mut self) {
        self.blocks_in_window = 0;
        if self.window_frames == 0 {
            return;
        }
        let frames = self.window_frames as f64;
        for channel in 0..self.window_sums.len() {
            let mean = self.window_sums[channel] / frames;
            let rms = (self.window_squares[channel] / frames).sqrt();
            if rms >= self.half_limit {
                self.sounding[channel] += 1;
                self.mean_sums[channel] += mean;
                self.mean_squares[channel] += mean * mean;
                if mean >= self.half_limit {
                    self.positive[channel] += 1;
                } else if mean <= -self.half_limit {
                    self.negative[channel] += 1;
                }
            }
            self.window_sums[channel] = 0.0;
            self.window_squares[channel] = 0.0;
        }
        self.window_frames = 0;
    }

    /// The mean of the quietest quarter of `channel`'s blocks with sound over the mean of
    /// them all, signed by the file's mean (`sign`); a bin the quarter ends in counts for
    /// its share.
    fn quiet_share(&self, channel: usize, sign: f64) -> Option<f64> {
        let bins = &self.levels[channel];
        let blocks: u64 = bins.iter().map(|bin| bin.blocks).sum();
        if blocks < MIN_BLOCKS {
            return None;
        }
        let all = bins.iter().map(|bin| bin.means).sum::<f64>() / blocks as f64;
        if all == 0.0 {
            return None;
        }
        let wanted = blocks as f64 * QUIET_SHARE;
        let (mut taken, mut means) = (0.0, 0.0);
        for bin in bins.iter().filter(|bin| bin.blocks > 0) {
            let take = (wanted - taken).min(bin.blocks as f64);
            means += bin.means * take / bin.blocks as f64;
            taken += take;
            if taken >= wanted {
                break;
            }
        }
        Some(sign * (means / taken) / all.abs())
    }
}

impl Accumulator for DcSteadiness {
    fn push(&mut self, frames: &Frames<'_>) {
        let channels = frames.channels.min(self.totals.len());
        for segment in self.blocks.segments(frames.frames()) {
            let sums = frames.sums(segment.start, segment.end);
            for channel in 0..channels {
                self.block_sums[channel] += sums.sums[channel];
                self.block_squares[channel] += sums.squares[channel];
                self.totals[channel] += sums.sums[channel];
            }
            self.filled += (segment.end - segment.start) as u64;
            if segment.closes {
                self.close_block();
            }
        }
    }

    fn finish(mut self: Box<Self>, analysis: &mut Analysis) {
        // A tail shorter than a block or a window still counts when it is all there is.
        if self.sounding.iter().all(|&count| count == 0) {
            self.close_block();
            self.close_window();
        }
        // The channel with the largest mean is the one `dc_offset` reports.
        let Some(channel) = (0..self.totals.len()).max_by(|&a, &b| {
            self.totals[a]
                .abs()
                .partial_cmp(&self.totals[b].abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        }) else {
            return;
        };
        let sign = if self.totals[channel] >= 0.0 {
            1.0
        } else {
            -1.0
        };
        let with_sign = if sign > 0.0 {
            self.positive[channel]
        } else {
            self.negative[channel]
        };
        let sounding = self.sounding[channel] as f64;
        analysis.dc_steady_share = (sounding > 0.0).then(|| with_sign as f64 / sounding);
        let average = self.mean_sums[channel] / sounding;
        let spread = (self.mean_squares[channel] / sounding - average * average)
            .max(0.0)
            .sqrt();
        analysis.dc_wander = (sounding > 0.0 && average != 0.0).then(|| spread / average.abs());
        analysis.dc_quiet_share = self.quiet_share(channel, sign);
    }
}
