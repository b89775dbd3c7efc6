//! A limiter's signature, read in 50 ms windows (`signal/limited`; the design and its
//! evaluation: `scripts/eval/LIMITER-DESIGN.md`).
//!
//! Each window is reduced to its peak and mean square, binned into two level histograms
//! (0.05 dB bins) with the crest summed per peak bin; and the waveform around the peak of each
//! window that sits within 0.2 dB of the running peak is kept (at most `MAX_SHAPES`), to tell
//! a ceiling from a sample that repeats. Memory does not depend on the file's length.

use super::{Accumulator, Analysis, Frames, StreamSpec};
use crate::model::analysis::LimiterFigures;

/// Window length, seconds.
const WINDOW_S: f64 = 0.05;
/// Histogram bins: 0.05 dB from -150 to +30 dBFS.
const BIN_DB: f64 = 0.05;
const LOW_DB: f64 = -150.0;
const BINS: usize = 3600;
/// A window at the ceiling: its peak within this of the loudest window's, dB.
const WALL_DB: f64 = 0.2;
/// The band the wall is measured against, dB under the loudest window's peak.
const BAND_DB: f64 = 3.0;
/// Windows whose peak is within this of the loudest window's count (live), dB.
const LIVE_DB: f64 = 50.0;
/// Samples kept either side of a wall window's peak (the peak is the first of the second half).
const HALF: usize = 16;
/// Shapes kept at most.
const MAX_SHAPES: usize = 256;
/// Two shapes whose difference is this far under the first one's level are the same, dB.
const SAME_SHAPE_DB: f64 = -40.0;

/// The waveform around one window's peak.
#[derive(Clone)]
struct Shape {
    /// The window's peak (full-scale units).
    peak: f64,
    samples: [f64; 2 * HALF],
    /// Samples still to be filled after the peak (0 = complete).
    missing: usize,
    channel: usize,
}

impl Shape {
    fn push(&mut self, value: f64) {
        if self.missing > 0 {
            self.samples[2 * HALF - self.missing] = value;
            self.missing -= 1;
        }
    }
}

pub struct Limiter {
    channels: usize,
    /// Frames per window (0 when the rate gives less than one: nothing is measured).
    window: u64,
    in_window: u64,
    window_peak: f64,
    window_squares: f64,
    /// The shape of the current window's peak so far.
    current: Option<Shape>,
    /// The last window's shape, still waiting for the samples after its peak.
    deferred: Option<Shape>,
    /// The last `HALF` samples of every channel (a ring; `ring_start` is the oldest).
    ring: Vec<f64>,
    ring_start: usize,
    running_peak: f64,
    shapes: Vec<Shape>,
    peaks: Vec<u32>,
    rms: Vec<u32>,
    crest_sum: Vec<f64>,
    crest_squares: Vec<f64>,
}

impl Limiter {
    pub fn new(spec: &StreamSpec) -> Self {
        let channels = usize::from(spec.channels);
        Limiter {
            channels,
            window: (f64::from(spec.sample_rate) * WINDOW_S).round() as u64,
            in_window: 0,
            window_peak: 0.0,
            window_squares: 0.0,
            current: None,
            deferred: None,
            ring: vec![0.0; channels * HALF],
            ring_start: 0,
            running_peak: 0.0,
            shapes: Vec::new(),
            peaks: vec![0; BINS],
            rms: vec![0; BINS],
            crest_sum: vec![0.0; BINS],
            crest_squares: vec![0.0; BINS],
        }
    }

    /// A new peak of the current window at `channel` of the frame being read: its shape
    /// starts with the `HALF` samples before it.
    fn start_shape(&self, channel: usize, value: f64) -> Shape {
        let mut samples = [0.0; 2 * HALF];
        for (index, slot) in samples.iter_mut().take(HALF).enumerate() {
            *slot = self.ring[channel * HALF + (self.ring_start + index) % HALF];
        }
        samples[HALF] = value;
        Shape {
            peak: value.abs(),
            samples,
            missing: HALF - 1,
            channel,
        }
    }

    fn close_window(&mut self) {
        let peak = self.window_peak;
        let squares = self.window_squares;
        let shape = self.current.take();
        self.in_window = 0;
        self.window_peak = 0.0;
        self.window_squares = 0.0;
        if peak <= 0.0 || self.window == 0 {
            return;
        }
        let mean_square = squares / (self.window as f64 * self.channels as f64);
        let peak_db = 20.0 * peak.log10();
        let rms_db = 10.0 * mean_square.log10();
        let crest = peak_db - rms_db;
        let bin = bin_of(peak_db);
        self.peaks[bin] += 1;
        self.rms[bin_of(rms_db)] += 1;
        self.crest_sum[bin] += crest;
        self.crest_squares[bin] += crest * crest;
        if peak > self.running_peak {
            self.running_peak = peak;
            let floor = peak * wall_gain();
            self.shapes.retain(|shape| shape.peak >= floor);
        }
        if peak >= self.running_peak * wall_gain() {
            if let Some(shape) = shape {
                if shape.missing == 0 {
                    self.keep(shape);
                } else if let Some(older) = self.deferred.replace(shape) {
                    // Windows shorter than a shape's tail (rates under 640 Hz): keep it as is.
                    self.keep(older);
                }
            }
        }
    }

    fn keep(&mut self, shape: Shape) {
        if self.shapes.len() < MAX_SHAPES && shape.peak >= self.running_peak * wall_gain() {
            self.shapes.push(shape);
        }
    }
}

impl Accumulator for Limiter {
    fn push(&mut self, frames: &Frames<'_>) {
        if self.window == 0 || self.channels == 0 {
            return;
        }
        for frame in frames.samples.chunks_exact(frames.channels) {
            if let Some(shape) = &mut self.deferred {
                shape.push(frame[shape.channel]);
                if shape.missing == 0 {
                    if let Some(shape) = self.deferred.take() {
                        self.keep(shape);
                    }
                }
            }
            if let Some(shape) = &mut self.current {
                shape.push(frame[shape.channel]);
            }
            let mut loudest: Option<(usize, f64)> = None;
            for (channel, &value) in frame.iter().enumerate() {
                let level = value.abs();
                self.window_squares += value * value;
                if level > self.window_peak {
                    self.window_peak = level;
                    loudest = Some((channel, value));
                }
            }
            if let Some((channel, value)) = loudest {
                self.current = Some(self.start_shape(channel, value));
            }
            for (channel, &value) in frame.iter().enumerate() {
                self.ring[channel * HALF + self.ring_start] = value;
            }
            self.ring_start = (self.ring_start + 1) % HALF;
            self.in_window += 1;
            if self.in_window == self.window {
                self.close_window();
            }
        }
    }

    fn finish(mut self: Box<Self>, analysis: &mut Analysis) {
        // The last incomplete window is dropped; a shape still waiting for samples past the
        // end keeps zeros there.
        if let Some(shape) = self.deferred.take() {
            self.keep(shape);
        }
        analysis.limiter = self.figures();
    }
}

impl Limiter {
    fn figures(&self) -> Option<LimiterFigures> {
        let top = self.peaks.iter().rposition(|&count| count > 0)?;
        let ceiling = level_of(top);
        let count_from = |hist: &[u32], from: usize| -> u64 {
            hist[from..].iter().map(|&count| u64::from(count)).sum()
        };
        let live = count_from(&self.peaks, bin_of(ceiling - LIVE_DB));
        let wall_from = bin_of(ceiling - WALL_DB);
        let wall = count_from(&self.peaks, wall_from);
        let band = count_from(&self.peaks, bin_of(ceiling - BAND_DB));
        let wall_crest = self.crest_sum[wall_from..].iter().sum::<f64>() / wall as f64;
        let wall_crest_squares = self.crest_squares[wall_from..].iter().sum::<f64>() / wall as f64;
        let wall_crest_sd = (wall_crest_squares - wall_crest * wall_crest)
            .max(0.0)
            .sqrt();
        let q75 = (live / 4).max(1);
        let q98 = (live / 50).max(1);
        let p75 = rank_from_top(&self.peaks, q75);
        let p98 = rank_from_top(&self.peaks, q98);
        let r75 = rank_from_top(&self.rms, q75);
        let r98 = rank_from_top(&self.rms, q98);
        let upper_from = bin_of(p75);
        let upper = count_from(&self.peaks, upper_from).max(1);
        let upper_crest = self.crest_sum[upper_from..].iter().sum::<f64>() / upper as f64;
        Some(LimiterFigures {
            windows: live,
            ceiling_dbfs: ceiling,
            wall_windows: wall,
            band_windows: band,
            wall_crest_db: wall_crest,
            wall_crest_sd_db: wall_crest_sd,
            peak_spread_db: p98 - p75,
            body_spread_db: r98 - r75,
            upper_crest_db: upper_crest,
            repeat_share: self.repeat_share(),
        })
    }

    /// Share of the kept wall shapes that are the same as at least one other.
    fn repeat_share(&self) -> f64 {
        let floor = self.running_peak * wall_gain();
        let shapes: Vec<&Shape> = self
            .shapes
            .iter()
            .filter(|shape| shape.peak >= floor)
            .collect();
        if shapes.len() < 2 {
            return 0.0;
        }
        let same = 10.0_f64.powf(SAME_SHAPE_DB / 20.0);
        let rms = |samples: &[f64]| {
            (samples.iter().map(|value| value * value).sum::<f64>() / samples.len() as f64).sqrt()
        };
        let repeated = shapes
            .iter()
            .enumerate()
            .filter(|(index, shape)| {
                let level = rms(&shape.samples);
                shapes.iter().enumerate().any(|(other_index, other)| {
                    if other_index == *index {
                        return false;
                    }
                    let difference: Vec<f64> = shape
                        .samples
                        .iter()
                        .zip(other.samples.iter())
                        .map(|(a, b)| a - b)
                        .collect();
                    rms(&difference) <= level * same
                })
            })
            .count();
        repeated as f64 / shapes.len() as f64
    }
}

fn wall_gain() -> f64 {
    10.0_f64.powf(-WALL_DB / 20.0)
}

fn bin_of(level_db: f64) -> usize {
    let bin = ((level_db - LOW_DB) / BIN_DB).floor();
    if bin.is_nan() || bin < 0.0 {
        0
    } else {
        (bin as usize).min(BINS - 1)
    }
}

/// The middle of a bin, dB.
fn level_of(bin: usize) -> f64 {
    LOW_DB + (bin as f64 + 0.5) * BIN_DB
}

/// The level of the window at `rank` (1 = the loudest) in a histogram.
fn rank_from_top(hist: &[u32], rank: u64) -> f64 {
    let mut seen = 0u64;
    for (bin, &count) in hist.iter().enumerate().rev() {
        seen += u64::from(count);
        if seen >= rank {
            return level_of(bin);
        }
    }
    level_of(0)
}
