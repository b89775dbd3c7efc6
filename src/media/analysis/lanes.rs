//! Reductions written for the machine, shared by the accumulators.
//!
//! A running sum over every sample is one chain of dependent additions: each waits for the
//! one before (about 4 cycles), whatever the vector units could do. These helpers keep
//! `LANES` frames' worth of independent partial sums (and maxima), combined at the end, so the
//! compiler turns the loop into vector instructions and the chain into several short ones. The
//! result differs from a sample-by-sample sum only in the order of the additions (a few ulps).
//!
//! Mono and stereo, nearly every delivery, get loops compiled for their channel count; other
//! counts take a frame-by-frame loop with the same results.

use crate::media::simd::multiversion;
use smallvec::{smallvec, SmallVec};

/// Frames summed side by side.
const LANES: usize = 4;

/// Per channel, inline up to 8 channels: sums are taken per tile and per window segment,
/// dozens of times a block, and must not each cost two allocations.
pub type PerChannel = SmallVec<[f64; 8]>;

/// Per-channel sums and sums of squares of interleaved frames.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSums {
    pub sums: PerChannel,
    pub squares: PerChannel,
}

impl ChannelSums {
    /// The sums of `samples` (whole frames of `channels` interleaved samples).
    pub fn of(samples: &[f64], channels: usize) -> Self {
        let mut sums: PerChannel = smallvec![0.0; channels];
        let mut squares: PerChannel = smallvec![0.0; channels];
        match channels {
            0 => {}
            1 => sums_mono(samples, &mut sums, &mut squares),
            2 => sums_stereo(samples, &mut sums, &mut squares),
            _ => {
                for frame in samples.chunks_exact(channels) {
                    for ((&value, sum), square) in frame.iter().zip(&mut sums).zip(&mut squares) {
                        *sum += value;
                        *square += value * value;
                    }
                }
            }
        }
        ChannelSums { sums, squares }
    }

    /// The sum of squares over every channel.
    pub fn total_squares(&self) -> f64 {
        self.squares.iter().sum()
    }
}

multiversion! {
    fn sums_mono(samples: &[f64], sums: &mut [f64], squares: &mut [f64]) {
        sums_of::<1>(samples, sums, squares)
    }
}

multiversion! {
    fn sums_stereo(samples: &[f64], sums: &mut [f64], squares: &mut [f64]) {
        sums_of::<2>(samples, sums, squares)
    }
}

#[inline(always)]
fn sums_of<const C: usize>(samples: &[f64], sums: &mut [f64], squares: &mut [f64]) {
    let mut lane_sums = [[0.0_f64; C]; LANES];
    let mut lane_squares = [[0.0_f64; C]; LANES];
    let mut chunks = samples.chunks_exact(C * LANES);
    for chunk in &mut chunks {
        for lane in 0..LANES {
            for channel in 0..C {
                let value = chunk[lane * C + channel];
                lane_sums[lane][channel] += value;
                lane_squares[lane][channel] += value * value;
            }
        }
    }
    for frame in chunks.remainder().chunks_exact(C) {
        for channel in 0..C {
            lane_sums[0][channel] += frame[channel];
            lane_squares[0][channel] += frame[channel] * frame[channel];
        }
    }
    for channel in 0..C {
        sums[channel] += lane_sums.iter().map(|lane| lane[channel]).sum::<f64>();
        squares[channel] += lane_squares.iter().map(|lane| lane[channel]).sum::<f64>();
    }
}

multiversion! {
    /// The largest |sample| (0 for none). Samples are finite (the analyser sanitises them).
    pub fn peak(samples: &[f64]) -> f64 {
        const WIDTH: usize = 8;
        let mut lanes = [0.0_f64; WIDTH];
        let mut chunks = samples.chunks_exact(WIDTH);
        for chunk in &mut chunks {
            for (lane, &value) in lanes.iter_mut().zip(chunk) {
                let level = value.abs();
                *lane = if level > *lane { level } else { *lane };
            }
        }
        let mut peak = lanes.iter().copied().fold(0.0, f64::max);
        for &value in chunks.remainder() {
            peak = peak.max(value.abs());
        }
        peak
    }
}

/// What `ints_to_units` reads of a block of integer samples on the way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntBlock {
    /// The largest |unit|: the block's peak.
    pub peak: f64,
    /// Every sample, clamped, OR-ed together (the low 32 bits): its trailing zeros are the
    /// bits the block never uses (sign extension keeps a negative sample's low bits).
    pub bits_used: u32,
}

multiversion! {
    /// Integer samples to full-scale units: each clamped to `min..=max`, times `scale`; the
    /// block's peak and used bits, read in the same pass.
    pub fn ints_to_units(samples: &[i32], min: i32, max: i32, scale: f64, out: &mut [f64]) -> IntBlock {
        const WIDTH: usize = 8;
        let mut lanes = [0.0_f64; WIDTH];
        let mut ors = [0_u32; WIDTH];
        let mut outs = out.chunks_exact_mut(WIDTH);
        let mut ins = samples.chunks_exact(WIDTH);
        for (out, raw) in (&mut outs).zip(&mut ins) {
            for lane in 0..WIDTH {
                let clamped = raw[lane].clamp(min, max);
                ors[lane] |= clamped as u32;
                let unit = f64::from(clamped) * scale;
                out[lane] = unit;
                let level = unit.abs();
                lanes[lane] = if level > lanes[lane] { level } else { lanes[lane] };
            }
        }
        let mut peak = lanes.iter().copied().fold(0.0, f64::max);
        let mut bits_used = ors.iter().fold(0, |all, lane| all | lane);
        for (out, &raw) in outs.into_remainder().iter_mut().zip(ins.remainder()) {
            let clamped = raw.clamp(min, max);
            bits_used |= clamped as u32;
            *out = f64::from(clamped) * scale;
            peak = peak.max(out.abs());
        }
        IntBlock { peak, bits_used }
    }
}

/// Per-channel sums of a block's frames over a grid of tiles fixed in the file (tile `k` holds
/// the file's frames `k * tile .. (k + 1) * tile`; a block's first and last tiles may be
/// partial), read in one pass so that every accumulator whose windows are whole tiles adds
/// tiles instead of reading the samples again.
#[derive(Debug, Clone, Default)]
pub struct Tiles {
    channels: usize,
    /// Where each tile starts in the block, in frames, then the block's length.
    bounds: Vec<usize>,
    /// Per tile, per channel.
    sums: Vec<f64>,
    squares: Vec<f64>,
}

impl Tiles {
    /// The tiles of a block of whole frames starting at frame `position` of the file.
    pub fn measure(&mut self, samples: &[f64], channels: usize, position: u64, tile: u64) {
        self.channels = channels;
        self.bounds.clear();
        self.sums.clear();
        self.squares.clear();
        let frames = samples.len() / channels.max(1);
        if channels == 0 || tile == 0 {
            return;
        }
        let mut start = 0;
        self.bounds.push(0);
        while start < frames {
            let into = ((position + start as u64) % tile) as usize;
            let end = (start + tile as usize - into).min(frames);
            let sums = ChannelSums::of(&samples[start * channels..end * channels], channels);
            self.sums.extend_from_slice(&sums.sums);
            self.squares.extend_from_slice(&sums.squares);
            self.bounds.push(end);
            start = end;
        }
    }

    /// The tiles of frames `start..end` of the block, when both are tile bounds: each one's
    /// first and one-past-last frame, and its squares summed over the channels.
    pub fn squares(
        &self,
        start: usize,
        end: usize,
    ) -> Option<impl Iterator<Item = (usize, usize, f64)> + '_> {
        let first = self.bounds.binary_search(&start).ok()?;
        let last = self.bounds.binary_search(&end).ok()?;
        let channels = self.channels;
        Some((first..last).map(move |tile| {
            let squares = self.squares[tile * channels..(tile + 1) * channels]
                .iter()
                .sum();
            (self.bounds[tile], self.bounds[tile + 1], squares)
        }))
    }

    /// The sums of frames `start..end` of the block, when both are tile bounds.
    pub fn range(&self, start: usize, end: usize) -> Option<ChannelSums> {
        let first = self.bounds.binary_search(&start).ok()?;
        let last = self.bounds.binary_search(&end).ok()?;
        let channels = self.channels;
        let mut sums: PerChannel = smallvec![0.0; channels];
        let mut squares: PerChannel = smallvec![0.0; channels];
        for tile in first..last {
            for channel in 0..channels {
                sums[channel] += self.sums[tile * channels + channel];
                squares[channel] += self.squares[tile * channels + channel];
            }
        }
        Some(ChannelSums { sums, squares })
    }
}

/// Splits a stream into windows of a fixed number of frames, across blocks.
#[derive(Debug, Clone)]
pub struct Windows {
    length: u64,
    filled: u64,
}

/// A run of frames of one block that lies inside one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// First and one-past-last frame of the run, in the block.
    pub start: usize,
    pub end: usize,
    /// The run completes its window.
    pub closes: bool,
}

impl Windows {
    /// Windows of `length` frames (at least 1).
    pub fn new(length: u64) -> Self {
        Windows {
            length: length.max(1),
            filled: 0,
        }
    }

    /// The runs of a block of `frames` frames, in order (the windows advance past them).
    pub fn segments(&mut self, frames: usize) -> Vec<Segment> {
        let mut segments = Vec::new();
        let mut start = 0;
        while start < frames {
            let room = (self.length - self.filled).min((frames - start) as u64) as usize;
            let end = start + room;
            self.filled += room as u64;
            let closes = self.filled == self.length;
            if closes {
                self.filled = 0;
            }
            segments.push(Segment { start, end, closes });
            start = end;
        }
        segments
    }
}

/// `count` samples of deterministic white noise in [-1, 1) (xorshift64), for the unit tests of
/// the lane kernels.
#[cfg(test)]
pub(crate) fn test_noise(count: usize) -> Vec<f64> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_sums_agree_with_the_plain_sums_for_any_channel_count() {
        for channels in 1..=6 {
            // An odd number of frames, to leave a remainder after the lanes.
            let samples = test_noise(channels * 1001);
            let sums = ChannelSums::of(&samples, channels);
            for channel in 0..channels {
                let values = samples.iter().skip(channel).step_by(channels);
                let sum: f64 = values.clone().sum();
                let squares: f64 = values.map(|v| v * v).sum();
                assert!((sums.sums[channel] - sum).abs() < 1e-9, "{channels}");
                assert!((sums.squares[channel] - squares).abs() < 1e-9, "{channels}");
            }
        }
    }

    #[test]
    fn the_peak_is_the_largest_magnitude_wherever_it_is() {
        for at in [0, 5, 7, 8, 99, 100] {
            let mut samples = vec![0.25; 101];
            samples[at] = -0.75;
            assert_eq!(peak(&samples), 0.75, "{at}");
        }
        assert_eq!(peak(&[]), 0.0);
    }

    #[test]
    fn integers_become_units_clamped_with_their_peak_and_used_bits() {
        // 17 samples: two lanes of 8 and a remainder; 16-bit values on a 4-bit grid, one
        // out of range (a decoder bug) clamped to full scale.
        let mut samples: Vec<i32> = (0..17).map(|index| (index - 8) * 16).collect();
        samples[3] = 40_000;
        let mut out = vec![0.0; samples.len()];
        let read = ints_to_units(&samples, -32_768, 32_767, 1.0 / 32_768.0, &mut out);
        assert_eq!(out[0], -128.0 / 32_768.0);
        assert_eq!(out[3], 32_767.0 / 32_768.0, "clamped");
        assert_eq!(out[16], 128.0 / 32_768.0, "the remainder is converted");
        assert_eq!(read.peak, 32_767.0 / 32_768.0);
        // 32_767 (clamped) sets every low bit.
        assert_eq!(read.bits_used.trailing_zeros(), 0);
        samples[3] = 0;
        let read = ints_to_units(&samples, -32_768, 32_767, 1.0 / 32_768.0, &mut out);
        assert_eq!(read.bits_used.trailing_zeros(), 4, "a 4-bit grid: {read:?}");
        assert_eq!(read.peak, 128.0 / 32_768.0);
        samples[16] = 1;
        let read = ints_to_units(&samples, -32_768, 32_767, 1.0 / 32_768.0, &mut out);
        assert_eq!(
            read.bits_used.trailing_zeros(),
            0,
            "the remainder's bits count"
        );
    }

    #[test]
    fn tiles_sum_to_the_frames_they_cover() {
        let samples = test_noise(2 * 1000);
        let mut tiles = Tiles::default();
        // Frames 0..1000 of the block are frames 130..1130 of the file: tiles of 100 start
        // at 0, 70, 170, … 970 in the block.
        tiles.measure(&samples, 2, 130, 100);
        let direct = ChannelSums::of(&samples[70 * 2..370 * 2], 2);
        let tiled = tiles.range(70, 370).expect("tile bounds");
        for channel in 0..2 {
            assert!((direct.sums[channel] - tiled.sums[channel]).abs() < 1e-9);
            assert!((direct.squares[channel] - tiled.squares[channel]).abs() < 1e-9);
        }
        assert!(
            tiles.range(0, 1000).is_some(),
            "the block's ends are bounds"
        );
        assert!(tiles.range(71, 370).is_none(), "not a tile bound");
    }

    #[test]
    fn windows_cut_blocks_at_their_boundaries() {
        let mut windows = Windows::new(4);
        let first: Vec<Segment> = windows.segments(6).into_iter().collect();
        assert_eq!(
            first,
            [
                Segment {
                    start: 0,
                    end: 4,
                    closes: true
                },
                Segment {
                    start: 4,
                    end: 6,
                    closes: false
                }
            ]
        );
        let second: Vec<Segment> = windows.segments(2).into_iter().collect();
        assert_eq!(
            second,
            [Segment {
                start: 0,
                end: 2,
                closes: true
            }]
        );
        assert_eq!(windows.segments(0).len(), 0);
    }
}
