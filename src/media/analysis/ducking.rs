//! What a waveshaping limiter or clipper does under the peaks of a mix, read in 50 ms windows
//! (`signal/limited`'s ducked sign; the design and its evaluation:
//! `scripts/eval/LIMITER-DESIGN.md`).
//!
//! A static curve (sox `gain -l`, a soft clipper) scales every sample by the curve's slope at
//! the sample's own level: on the peaks it is shallow, so whatever rides on them (the cymbals
//! and the consonants on top of a kick's swing, the stereo side on top of the centred mid) is
//! pushed down with them. In an unprocessed mix that detail does not know where the kick's
//! waveform is: it is as large on the peaks as near zero. Per window:
//! - the detail: the mean magnitude of the first difference on samples within 0.6 of their
//!   channel's window peak, over that on samples under 0.3 of it, dB;
//! - the side: the mean magnitude of (L − R) / 2 on samples whose mid (L + R) / 2 is within 0.7
//!   of its window peak, over that where it is under 0.3, dB (first two channels, when the
//!   side is no more than 30 dB under the mid).
//!
//! Both are binned by the window's level, so that the loudest tenth and the body of the
//! programme can be read at the end, whatever the file's length; and the first difference of
//! the channels' mean is kept for the 8 loudest windows, whose periodicity tells a solo
//! instrument (whose harmonics peak with its fundamental by nature) from a mix.

use std::collections::BTreeMap;

use super::{Accumulator, Analysis, Frames, StreamSpec};
use crate::media::simd::dot;
use crate::model::analysis::DuckingFigures;

mod kernels;

/// Window length, seconds.
const WINDOW_S: f64 = 0.05;
/// The detail is read on samples within this share of their channel's window peak…
const DETAIL_TOP: f64 = 0.6;
/// …against those under this share.
const DETAIL_LOW: f64 = 0.3;
/// The side is read where the mid is within this share of its window peak…
const SIDE_TOP: f64 = 0.7;
/// …against where it is under this share.
const SIDE_LOW: f64 = 0.3;
/// Samples needed in each set: for the detail (over all channels)…
const MIN_DETAIL_SAMPLES: u64 = 3;
/// …and for the side.
const MIN_SIDE_SAMPLES: u64 = 5;
/// The side is read only where its energy is at least this share of the mid's (-30 dB).
const MIN_SIDE_ENERGY: f64 = 1e-3;
/// Windows whose level is within this of the loudest window's are read, dB.
const LIVE_DB: f64 = 40.0;
/// Level bins, dB (windows' mean square over all channels).
const LEVEL_BIN_DB: f64 = 0.25;
const LEVEL_LOW_DB: f64 = -200.0;
/// Figure bins, dB, from -60 to +60.
const FIGURE_BIN_DB: f64 = 0.1;
const FIGURE_LOW_DB: f64 = -60.0;
const FIGURE_BINS: usize = 1200;
/// Loudest windows whose periodicity is read.
const LOUDEST: usize = 8;
/// Periodicity is the autocorrelation's highest value over lags from 1 to 20 ms
/// (fundamentals from 50 Hz to 1 kHz).
const MIN_LAG_S: f64 = 0.001;
const MAX_LAG_S: f64 = 0.02;

pub struct Ducking {
    channels: usize,
    /// Frames per window (0 when the rate gives less than one: nothing is measured).
    window: usize,
    min_lag: usize,
    max_lag: usize,
    /// The samples of a window begun in an earlier block, interleaved.
    current: Vec<f64>,
    /// Each channel's sample before the current window (for its first difference), and the
    /// channels' mean's.
    before: Vec<f64>,
    mean_before: f64,
    /// Windows per level bin.
    levels: BTreeMap<i32, u64>,
    /// Per (level bin, figure bin): windows whose detail / side read that.
    detail: BTreeMap<(i32, u16), u64>,
    side: BTreeMap<(i32, u16), u64>,
    /// The loudest windows so far: their level (mean square) and the first difference of the
    /// channels' mean.
    loudest: Vec<(f64, Vec<f64>)>,
}

impl Ducking {
    pub fn new(spec: &StreamSpec) -> Self {
        let channels = usize::from(spec.channels);
        let rate = f64::from(spec.sample_rate);
        let window = (rate * WINDOW_S).round() as usize;
        Ducking {
            channels,
            window,
            min_lag: ((rate * MIN_LAG_S).round() as usize).max(1),
            max_lag: (rate * MAX_LAG_S).round() as usize,
            current: Vec::with_capacity(window * channels),
            before: vec![0.0; channels],
            mean_before: 0.0,
            levels: BTreeMap::new(),
            detail: BTreeMap::new(),
            side: BTreeMap::new(),
            loudest: Vec::with_capacity(LOUDEST),
        }
    }

    fn close_window(&mut self, samples: &[f64]) {
        let channels = self.channels;
        let window = measure_window(samples, &self.before, channels);
        if window.mean_square > 0.0 {
            let level = level_bin(window.mean_square);
            *self.levels.entry(level).or_insert(0) += 1;
            if let Some(detail) = window.detail_db {
                *self.detail.entry((level, figure_bin(detail))).or_insert(0) += 1;
            }
            if let Some(side) = window.side_db {
                *self.side.entry((level, figure_bin(side))).or_insert(0) += 1;
            }
            self.keep_if_loud(window.mean_square, samples);
        }
        let frames = samples.len() / channels.max(1);
        if frames > 0 {
            self.before
                .copy_from_slice(&samples[(frames - 1) * channels..frames * channels]);
            self.mean_before = self.before.iter().sum::<f64>() / channels as f64;
        }
    }

    /// Keeps the window's first difference of the channels' mean if it is among the loudest.
    fn keep_if_loud(&mut self, mean_square: f64, samples: &[f64]) {
        let quietest = self
            .loudest
            .iter()
            .enumerate()
            .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
            .map(|(index, kept)| (index, kept.0));
        let slot = match quietest {
            _ if self.loudest.len() < LOUDEST => None,
            Some((index, level)) if mean_square > level => Some(index),
            _ => return,
        };
        let channels = self.channels as f64;
        let mut previous = self.mean_before;
        let difference: Vec<f64> = samples
            .chunks_exact(self.channels)
            .map(|frame| {
                let mean = frame.iter().sum::<f64>() / channels;
                let step = mean - previous;
                previous = mean;
                step
            })
            .collect();
        match slot {
            Some(index) => self.loudest[index] = (mean_square, difference),
            None => self.loudest.push((mean_square, difference)),
        }
    }

    fn figures(&self) -> Option<DuckingFigures> {
        let (&top, _) = self.levels.iter().next_back()?;
        let live_from = top - (LIVE_DB / LEVEL_BIN_DB).round() as i32;
        let live: u64 = self
            .levels
            .range(live_from..)
            .map(|(_, &count)| count)
            .sum();
        // The levels at ranks from the top: the loudest tenth, and the body from the 30th to
        // the 60th percentile.
        let at_share = |share: f64| -> i32 {
            let rank = ((live as f64 * share).ceil() as u64).max(1);
            let mut seen = 0;
            for (&level, &count) in self.levels.range(live_from..).rev() {
                seen += count;
                if seen >= rank {
                    return level;
                }
            }
            live_from
        };
        let loud_from = at_share(0.1);
        let body_to = at_share(0.4);
        let body_from = at_share(0.7);
        let loud = |map: &BTreeMap<(i32, u16), u64>| median(map, loud_from, i32::MAX);
        let (detail_peak_db, _) = loud(&self.detail);
        let (body_detail_peak_db, _) = median(&self.detail, body_from, body_to);
        let (side_peak_db, side_windows) = loud(&self.side);
        Some(DuckingFigures {
            windows: live,
            detail_peak_db,
            body_detail_peak_db,
            side_peak_db,
            side_windows,
            periodicity: self.periodicity(),
        })
    }

    /// The median over the loudest windows of the highest normalised autocorrelation of the
    /// channels' mean's first difference at lags from 1 to 20 ms (1 for a steady tone, near 0
    /// for noise).
    fn periodicity(&self) -> Option<f64> {
        let mut values: Vec<f64> = self
            .loudest
            .iter()
            .filter_map(|(_, difference)| {
                autocorrelation_peak(difference, self.min_lag, self.max_lag)
            })
            .collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let middle = values.len() / 2;
        Some(if values.len() % 2 == 1 {
            values[middle]
        } else {
            (values[middle - 1] + values[middle]) / 2.0
        })
    }
}

impl Accumulator for Ducking {
    fn push(&mut self, frames: &Frames<'_>) {
        if self.window == 0 || self.channels == 0 {
            return;
        }
        let whole = self.window * self.channels;
        let mut samples = frames.samples;
        // A window begun in an earlier block is completed from this one…
        if !self.current.is_empty() {
            let take = (whole - self.current.len()).min(samples.len());
            self.current.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.current.len() == whole {
                let window = std::mem::take(&mut self.current);
                self.close_window(&window);
                self.current = window;
                self.current.clear();
            }
        }
        // …whole windows are measured where they lie, and the rest is kept for the next.
        let mut windows = samples.chunks_exact(whole);
        for window in &mut windows {
            self.close_window(window);
        }
        self.current.extend_from_slice(windows.remainder());
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        // The last incomplete window is dropped, as the limiter's windows are.
        analysis.ducking = self.figures();
    }
}

/// One window's figures.
struct Window {
    mean_square: f64,
    /// The detail on the peaks against the detail near zero, dB, over all channels (each
    /// sample judged against its own channel's window peak); None when either set is too
    /// small or holds no movement.
    detail_db: Option<f64>,
    /// The side on the mid's peaks against the side where the mid is near zero, dB (first two
    /// channels); None for one channel, a side more than 30 dB under the mid, or too few
    /// samples.
    side_db: Option<f64>,
}

/// Two passes over the window: its peaks and energies, then the sets judged against them
/// (selects, not branches). One, two and four channels take the kernels in lanes
/// (`kernels`); others take the plain loops.
fn measure_window(samples: &[f64], before: &[f64], channels: usize) -> Window {
    let mut peaks = [0.0_f64; 8];
    let mut peaks_more = Vec::new();
    let peaks: &mut [f64] = if channels <= 8 {
        &mut peaks[..channels]
    } else {
        peaks_more.resize(channels, 0.0);
        &mut peaks_more
    };
    let (squares, mid_peak, mid_energy, side_energy) = if channels <= 2 {
        let pass = kernels::first_pass(samples, channels == 2);
        peaks.copy_from_slice(&pass.peaks[..channels]);
        (
            pass.squares,
            pass.mid_peak,
            pass.mid_energy,
            pass.side_energy,
        )
    } else {
        let (mut squares, mut mid_peak, mut mid_energy, mut side_energy) = (0.0, 0.0_f64, 0.0, 0.0);
        for frame in samples.chunks_exact(channels) {
            for (peak, value) in peaks.iter_mut().zip(frame) {
                *peak = peak.max(value.abs());
                squares += value * value;
            }
            let (mid, side) = mid_side(frame);
            mid_peak = mid_peak.max(mid.abs());
            mid_energy += mid * mid;
            side_energy += side * side;
        }
        (squares, mid_peak, mid_energy, side_energy)
    };
    let mean_square = squares / samples.len().max(1) as f64;
    // The side is read on the mid's peaks and where the mid is near zero.
    let side = (channels >= 2 && side_energy >= mid_energy * MIN_SIDE_ENERGY)
        .then_some((SIDE_TOP * mid_peak, SIDE_LOW * mid_peak));
    // The detail: each sample's step from the one before, on the peaks and near zero; the
    // first frame's from the frame before the window.
    let mut detail = Sums::default();
    let first = samples.len().min(channels);
    for ((value, last), peak) in samples[..first].iter().zip(before).zip(peaks.iter()) {
        detail.add(
            value.abs(),
            (value - last).abs(),
            DETAIL_TOP * peak,
            DETAIL_LOW * peak,
        );
    }
    let side_sums = if channels <= 4 && 4 % channels == 0 {
        let tops: [f64; 4] = std::array::from_fn(|lane| DETAIL_TOP * peaks[lane % channels]);
        let lows: [f64; 4] = std::array::from_fn(|lane| DETAIL_LOW * peaks[lane % channels]);
        let in_lanes = side.filter(|_| channels == 2);
        let pass = kernels::second_pass(samples, channels, tops, lows, in_lanes);
        detail = detail.plus(&pass.detail);
        in_lanes.map(|_| pass.side)
    } else {
        let mut previous = &samples[..first];
        for frame in samples[first..].chunks_exact(channels) {
            for ((value, last), peak) in frame.iter().zip(previous).zip(peaks.iter()) {
                detail.add(
                    value.abs(),
                    (value - last).abs(),
                    DETAIL_TOP * peak,
                    DETAIL_LOW * peak,
                );
            }
            previous = frame;
        }
        None
    };
    let side_db = side.and_then(|(top, low)| {
        let sums = side_sums.unwrap_or_else(|| {
            let mut sums = Sums::default();
            for frame in samples.chunks_exact(channels) {
                let (mid, side) = mid_side(frame);
                sums.add(mid.abs(), side.abs(), top, low);
            }
            sums
        });
        sums.ratio_db(MIN_SIDE_SAMPLES)
    });
    Window {
        mean_square,
        detail_db: detail.ratio_db(MIN_DETAIL_SAMPLES),
        side_db,
    }
}

/// The larger of two finite values (one compare, where `f64::max` also orders NaN).
#[inline(always)]
fn larger(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

#[inline(always)]
fn mid_side(frame: &[f64]) -> (f64, f64) {
    ((frame[0] + frame[1]) / 2.0, (frame[0] - frame[1]) / 2.0)
}

/// A figure summed over the samples on the peaks and over those near zero, and their counts.
#[derive(Default, Clone, Copy)]
struct Sums {
    top: f64,
    top_count: f64,
    low: f64,
    low_count: f64,
}

impl Sums {
    /// Adds `value` to the peaks' sum when `magnitude` is at least `top`, to the sum near zero
    /// when it is at most `low` (selects, not branches).
    #[inline(always)]
    fn add(&mut self, magnitude: f64, value: f64, top: f64, low: f64) {
        self.top += if magnitude >= top { value } else { 0.0 };
        self.top_count += if magnitude >= top { 1.0 } else { 0.0 };
        self.low += if magnitude <= low { value } else { 0.0 };
        self.low_count += if magnitude <= low { 1.0 } else { 0.0 };
    }

    fn plus(&self, other: &Sums) -> Sums {
        Sums {
            top: self.top + other.top,
            top_count: self.top_count + other.top_count,
            low: self.low + other.low,
            low_count: self.low_count + other.low_count,
        }
    }

    /// The mean on the peaks over the mean near zero, dB; None with fewer than `min` samples
    /// in either set or no movement in one.
    fn ratio_db(&self, min: u64) -> Option<f64> {
        let min = min as f64;
        (self.top_count >= min && self.low_count >= min && self.top > 0.0 && self.low > 0.0)
            .then(|| 20.0 * ((self.top / self.top_count) / (self.low / self.low_count)).log10())
    }
}

/// The highest autocorrelation of `signal` at lags `min_lag..max_lag`, each normalised by the
/// signal's energy and corrected for the overlap's length; None for silence or a window
/// shorter than the lags.
fn autocorrelation_peak(signal: &[f64], min_lag: usize, max_lag: usize) -> Option<f64> {
    let length = signal.len();
    let energy = dot(signal, signal);
    if energy <= 0.0 || min_lag >= max_lag.min(length) {
        return None;
    }
    (min_lag..max_lag.min(length))
        .map(|lag| {
            dot(&signal[..length - lag], &signal[lag..]) / energy * length as f64
                / (length - lag) as f64
        })
        .max_by(f64::total_cmp)
}

/// The median figure over the windows whose level bin is in `from..=to`, and their count.
fn median(map: &BTreeMap<(i32, u16), u64>, from: i32, to: i32) -> (Option<f64>, u64) {
    let mut counts = vec![0u64; FIGURE_BINS];
    for (&(_, bin), &count) in map.range((from, 0)..=(to, u16::MAX)) {
        counts[usize::from(bin)] += count;
    }
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return (None, 0);
    }
    // The lower median's bin, read at its middle.
    let rank = total.div_ceil(2);
    let mut seen = 0;
    for (bin, &count) in counts.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return (
                Some(FIGURE_LOW_DB + (bin as f64 + 0.5) * FIGURE_BIN_DB),
                total,
            );
        }
    }
    (None, total)
}

fn level_bin(mean_square: f64) -> i32 {
    let db = 10.0 * mean_square.log10();
    ((db - LEVEL_LOW_DB) / LEVEL_BIN_DB).floor().max(0.0) as i32
}

fn figure_bin(db: f64) -> u16 {
    let bin = ((db - FIGURE_LOW_DB) / FIGURE_BIN_DB).floor();
    if bin.is_nan() || bin < 0.0 {
        0
    } else {
        (bin as usize).min(FIGURE_BINS - 1) as u16
    }
}
