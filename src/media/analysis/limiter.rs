//! A limiter's signature, read in 50 ms windows (`signal/limited`; the design and its
//! evaluation: `scripts/eval/LIMITER-DESIGN.md`).
//!
//! Each window is reduced to its peak and mean square, binned into two level histograms
//! (0.05 dB bins) with the crest summed per peak bin; and the waveform around the peak of each
//! window that sits within 0.2 dB of the running peak is kept (at most `MAX_SHAPES`), to tell
//! a ceiling from a sample that repeats. Where samples rise within 0.2 dB of the ceiling so
//! far, each channel's crests are followed too, to count the windows in which crests of one
//! sign and of different forms land on the window's peak to within 0.0005 dB: a sample-peak
//! limiter puts several there, exactly; unprocessed material one; a steady periodic note many,
//! all of one form. Memory does not depend on the file's length.

use std::collections::{BTreeMap, VecDeque};

use super::db_bins::DbBins;
use super::lanes::{self, Windows};
use super::{from_db, quantisation_step, to_db, Accumulator, Analysis, Frames, StreamSpec};
use crate::model::analysis::LimiterFigures;

/// Window length, seconds.
const WINDOW_S: f64 = 0.05;
/// Histogram bins: 0.05 dB from -150 to +30 dBFS.
const BIN_DB: f64 = 0.05;
const LOW_DB: f64 = -150.0;
const BINS: usize = 3600;
/// The windows' peak and RMS levels are kept in these bins.
const LEVELS: DbBins = DbBins::new(LOW_DB, BIN_DB, BINS);
/// A window at the ceiling: its peak within this of the loudest window's, dB.
const WALL_DB: f64 = 0.2;
/// The band the wall is measured against, dB under the loudest window's peak.
const BAND_DB: f64 = 3.0;
/// Windows whose peak is within this of the loudest window's count (live), dB.
const LIVE_DB: f64 = 50.0;
/// Each window's level is also read over a window's length from just before its peak, in
/// stretches of a fifth of a window: from the stretch before the one holding the peak. A grid
/// of fixed windows cuts a hit repeated at one velocity at another place every time (a whole
/// attack in one window, its first milliseconds in the next), so the fixed windows' RMS levels
/// spread where the hit's do not; read from its peak, each hit reads the same.
const ALIGNED_STRETCHES: u64 = 5;
const ALIGNED_LEAD: u64 = 1;
/// Samples compared either side of a wall window's peak (the peak is the first of the second
/// half).
const HALF: usize = 16;
/// Samples kept either side of it: room for the interpolator to find the true peak within
/// `TRUE_REACH` samples of the sample peak.
const WIDE: usize = 24;
/// How far from the sample peak the true peak is looked for, samples: a crest of a
/// top-octave waveform can land lower on the samples than one beside it.
const TRUE_REACH: usize = 16;
/// Taps of the true-peak interpolator either side of the point read (Lanczos, a = 8).
const TRUE_TAPS: i64 = 8;
/// Wall shapes kept at most; shapes under the wall are kept while fewer than this are kept in
/// all.
const MAX_SHAPES: usize = 256;
/// Shapes are kept of the windows whose peak is within this of the running peak, dB: the
/// loudest quarter of a programme whose peaks are pinned lies there.
const UPPER_DB: f64 = 1.0;
/// Two shapes whose difference is this far under the first one's level are the same, dB.
const SAME_SHAPE_DB: f64 = -40.0;
/// Crests are followed down to this under the wall, dB; and windows whose peaks fall in one bin
/// this wide are at one level.
const TOUCH_DB: f64 = 0.002;
/// A crest touches its window's peak within this, dB, or within 2 quantisation steps of an
/// integer format (a limiter's dithered output). A sample-peak limiter puts its crests on the
/// ceiling exactly; two crests of unprocessed material land this close by chance 4 times less
/// often than within `TOUCH_DB` (and a loop repeats a chance in every bar).
const SAME_PEAK_DB: f64 = 0.0005;
/// A crest whose peak is held this many samples in a row is clipped (as `signal/clipping`
/// counts), not limited.
const FLAT_TOP: u32 = 3;
/// Two crests whose width and area over the floor differ by at most this share have one form.
const SAME_FORM: f64 = 0.1;
/// …and whose samples either side differ by at most this share of the peak.
const SAME_EDGE: f64 = 0.02;
/// Integer samples: touches are counted only in windows whose peak is at least this many
/// quantisation steps (under it, distinct crests land on one code by chance).
const MIN_TOUCH_STEPS: f64 = 16_384.0;

/// A crest: a run of one channel's samples of one sign, all above the window's touch floor
/// (within 0.2 dB of the ceiling so far). A smooth waveform has one per half-cycle that
/// reaches that high.
#[derive(Clone, Copy, Default)]
struct Crest {
    open: bool,
    positive: bool,
    /// What an ended crest keeps.
    form: CrestForm,
    /// The magnitude of the channel's last sample (the one before a crest that starts).
    last: f64,
    /// Samples in a row at the peak, ending at the last sample, and the longest such run.
    at_peak: u32,
    flat: u32,
}

/// A crest's peak and its form over the touch floor: one cycle of a steady periodic waveform
/// has the same form as the next; crests a limiter cuts from changing material do not.
#[derive(Clone, Copy, Default)]
struct CrestForm {
    peak: f64,
    /// Samples over the floor…
    width: u32,
    /// …their sum over it…
    area: f64,
    /// …and the magnitudes of the samples either side, under it.
    before: f64,
    after: f64,
}

impl CrestForm {
    /// Within 10 % in width (or one sample) and in area, and the samples either side within
    /// 2 % of the peak: a cycle of the same waveform.
    fn alike(&self, other: &CrestForm) -> bool {
        let width = self.width.max(other.width) as f64;
        let area = self.area.max(other.area);
        let edge = SAME_EDGE * self.peak;
        f64::from(self.width.abs_diff(other.width)) <= (SAME_FORM * width).max(1.0)
            && (self.area - other.area).abs() <= SAME_FORM * area
            && (self.before - other.before).abs() <= edge
            && (self.after - other.after).abs() <= edge
    }
}

/// The waveform around one window's peak.
#[derive(Clone)]
struct Shape {
    /// The window's peak (full-scale units).
    peak: f64,
    samples: [f64; 2 * WIDE],
    /// Samples still to be filled after the peak (0 = complete).
    missing: usize,
    channel: usize,
}

impl Shape {
    fn push(&mut self, value: f64) {
        if self.missing > 0 {
            self.samples[2 * WIDE - self.missing] = value;
            self.missing -= 1;
        }
    }

    /// The `HALF` samples either side of the peak, which shapes are compared on.
    fn core(&self) -> &[f64; 2 * HALF] {
        self.samples[WIDE - HALF..WIDE + HALF]
            .try_into()
            .expect("2 * HALF samples")
    }
}

pub struct Limiter {
    channels: usize,
    /// Frames per window (0 when the rate gives less than one: nothing is measured).
    window: u64,
    windows: Windows,
    window_peak: f64,
    window_squares: f64,
    /// The shape of the current window's peak so far.
    current: Option<Shape>,
    /// The last window's shape, still waiting for the samples after its peak.
    deferred: Option<Shape>,
    /// The last `WIDE` frames of the blocks before (interleaved, oldest first).
    history: Vec<f64>,
    running_peak: f64,
    shapes: Vec<Shape>,
    peaks: Vec<u32>,
    rms: Vec<u32>,
    crest_sum: Vec<f64>,
    crest_squares: Vec<f64>,
    /// Per channel, the crest it is in, and the peaks of the crests that ended in the current
    /// window, negative and positive apart (a symmetric waveform's two crests of one cycle are
    /// alike; a limiter cuts crests of one sign to its ceiling again and again).
    crests: Vec<Crest>,
    ended: Vec<[Vec<CrestForm>; 2]>,
    /// Samples at or under this are no crest: within 0.2 dB of the ceiling as it stood when
    /// the window began (so that it does not depend on where blocks start).
    touch_floor: f64,
    /// Windows under this peak count no touches (full-scale units).
    min_touch_peak: f64,
    /// One quantisation step of an integer format (full-scale units; 0 for float).
    step: f64,
    /// Per level of a window's peak (`TOUCH_DB` bins, only those that may still be in the
    /// wall): the windows in which two or more crests of one channel touch that peak.
    touch_levels: BTreeMap<i64, u32>,
    /// The windows' levels read from their peaks (`ALIGNED_STRETCHES`).
    aligned: Aligned,
}

/// The windows' levels read over a window's length from just before each one's peak: the sum
/// of squares of each stretch of a fifth of a window (counted from the file's start), kept
/// while a window may still need it.
struct Aligned {
    /// Frames per stretch, and the stream split into stretches.
    stretch: u64,
    stretches: Windows,
    /// Sum of squares of the stretch being read, and its frames so far.
    squares: f64,
    filled: u64,
    /// The sums of squares of complete stretches `first..first + sums.len()`.
    sums: VecDeque<f64>,
    first: u64,
    /// The first stretch of each closed window still waiting for the stretches after its peak.
    pending: VecDeque<u64>,
    /// The frame of the current window's peak, and the frame the current window starts at.
    peak_frame: u64,
    window_start: u64,
    /// Samples per frame, and the levels read (mean square, `LEVELS` bins).
    channels: f64,
    levels: Vec<u32>,
}

impl Aligned {
    fn new(window: u64, channels: usize) -> Self {
        let stretch = (window / ALIGNED_STRETCHES).max(1);
        Aligned {
            stretch,
            stretches: Windows::new(stretch),
            squares: 0.0,
            filled: 0,
            sums: VecDeque::new(),
            first: 0,
            pending: VecDeque::new(),
            peak_frame: 0,
            window_start: 0,
            channels: channels as f64,
            levels: vec![0; BINS],
        }
    }

    /// The frames `start..end` of the block: tile by tile where the block's tiles cover them
    /// (at rates that are a multiple of 100 Hz a tile is a stretch), else stretch by stretch.
    fn add(&mut self, frames: &Frames<'_>, start: usize, end: usize) {
        match frames.tiles.squares(start, end) {
            Some(tiles) => {
                for (from, to, squares) in tiles {
                    self.add_run(frames, from, to, Some(squares));
                }
            }
            None => self.add_run(frames, start, end, None),
        }
    }

    /// The frames `start..end` of the block, whose squares sum to `squares` when known.
    fn add_run(&mut self, frames: &Frames<'_>, start: usize, end: usize, squares: Option<f64>) {
        let segments = self.stretches.segments(end - start);
        let whole = segments.len() == 1;
        for segment in segments {
            let (from, to) = (start + segment.start, start + segment.end);
            self.squares += match squares {
                Some(squares) if whole => squares,
                _ => frames.sums(from, to).total_squares(),
            };
            self.filled += (to - from) as u64;
            if segment.closes {
                self.sums.push_back(self.squares);
                self.squares = 0.0;
                self.filled = 0;
                self.resolve();
            }
        }
    }

    /// A window closed, the next starting at frame `next_start`: its level is read once the
    /// stretches after its peak are in (unless it is digital silence).
    fn close(&mut self, next_start: u64, sounding: bool) {
        if sounding {
            let first = (self.peak_frame / self.stretch).saturating_sub(ALIGNED_LEAD);
            self.pending.push_back(first);
        }
        self.window_start = next_start;
        self.peak_frame = next_start;
        self.resolve();
    }

    /// Reads every waiting window whose stretches are all in, and forgets the stretches no
    /// window can need any more.
    fn resolve(&mut self) {
        let complete = self.first + self.sums.len() as u64;
        while let Some(&start) = self.pending.front() {
            if start + ALIGNED_STRETCHES > complete {
                break;
            }
            self.pending.pop_front();
            let from = (start - self.first) as usize;
            let squares: f64 = self
                .sums
                .range(from..from + ALIGNED_STRETCHES as usize)
                .sum();
            self.record(squares, ALIGNED_STRETCHES * self.stretch);
        }
        let open = (self.window_start / self.stretch).saturating_sub(ALIGNED_LEAD);
        let needed = self.pending.front().map_or(open, |&start| start.min(open));
        while self.first < needed && !self.sums.is_empty() {
            self.sums.pop_front();
            self.first += 1;
        }
    }

    /// At the end: the windows still waiting read what the file has after their peak.
    fn finish(&mut self) {
        while let Some(start) = self.pending.pop_front() {
            let from = (start.saturating_sub(self.first)) as usize;
            let complete: f64 = self.sums.range(from.min(self.sums.len())..).sum();
            let stretches = self.sums.len().saturating_sub(from) as u64;
            self.record(
                complete + self.squares,
                stretches * self.stretch + self.filled,
            );
        }
    }

    fn record(&mut self, squares: f64, frames: u64) {
        if squares > 0.0 && frames > 0 {
            let mean_square = squares / (frames as f64 * self.channels);
            self.levels[LEVELS.bin(10.0 * mean_square.log10())] += 1;
        }
    }
}

impl Limiter {
    pub fn new(spec: &StreamSpec) -> Self {
        let channels = usize::from(spec.channels);
        let step = quantisation_step(spec);
        let window = (f64::from(spec.sample_rate) * WINDOW_S).round() as u64;
        Limiter {
            channels,
            window,
            windows: Windows::new(window),
            window_peak: 0.0,
            window_squares: 0.0,
            current: None,
            deferred: None,
            history: vec![0.0; channels * WIDE],
            running_peak: 0.0,
            shapes: Vec::new(),
            peaks: vec![0; BINS],
            rms: vec![0; BINS],
            crest_sum: vec![0.0; BINS],
            crest_squares: vec![0.0; BINS],
            crests: vec![Crest::default(); channels],
            ended: vec![[Vec::new(), Vec::new()]; channels],
            touch_floor: 0.0,
            min_touch_peak: MIN_TOUCH_STEPS * step,
            step,
            touch_levels: BTreeMap::new(),
            aligned: Aligned::new(window, channels),
        }
    }

    /// Follows each channel's crests through a run of the block: stretches of 64 frames with
    /// no sample over the floor (most of them) only end the crests, as a sample-by-sample scan
    /// would.
    fn scan(&mut self, run: &[f64]) {
        let channels = self.channels;
        let floor = self.touch_floor;
        for stretch in run.chunks(64 * channels) {
            if lanes::peak(stretch) <= floor {
                self.skip(stretch);
                continue;
            }
            for (channel, (crest, ended)) in self.crests.iter_mut().zip(&mut self.ended).enumerate()
            {
                for &value in stretch.iter().skip(channel).step_by(channels) {
                    let magnitude = value.abs();
                    let positive = value > 0.0;
                    if crest.open && (magnitude <= floor || crest.positive != positive) {
                        end_crest(crest, ended, magnitude);
                    }
                    if magnitude <= floor {
                        crest.last = magnitude;
                        continue;
                    }
                    if !crest.open {
                        *crest = Crest {
                            open: true,
                            positive,
                            form: CrestForm {
                                before: crest.last,
                                ..CrestForm::default()
                            },
                            last: 0.0,
                            at_peak: 0,
                            flat: 1,
                        };
                    }
                    crest.last = magnitude;
                    crest.form.width += 1;
                    crest.form.area += magnitude - floor;
                    if magnitude > crest.form.peak {
                        crest.form.peak = magnitude;
                        crest.at_peak = 1;
                    } else if magnitude == crest.form.peak && crest.at_peak > 0 {
                        crest.at_peak += 1;
                        crest.flat = crest.flat.max(crest.at_peak);
                    } else {
                        crest.at_peak = 0;
                    }
                }
            }
        }
    }

    /// A run with no sample over the touch floor ends every crest.
    fn skip(&mut self, run: &[f64]) {
        let channels = self.channels;
        let (Some(first), Some(last)) = (run.get(..channels), run.len().checked_sub(channels))
        else {
            return;
        };
        for (channel, (crest, ended)) in self.crests.iter_mut().zip(&mut self.ended).enumerate() {
            if crest.open {
                end_crest(crest, ended, first[channel].abs());
            }
            crest.last = run[last + channel].abs();
        }
    }

    /// Counts the window, at the level of its peak, when two or more crests of one channel and
    /// one sign that ended in it peak within `SAME_PEAK_DB` (or 2 steps) of its peak, and not
    /// all with one form.
    fn count_touches(&mut self, peak: f64) {
        let tolerance = (peak * (1.0 - from_db(-SAME_PEAK_DB))).max(2.0 * self.step);
        let touching = peak >= self.min_touch_peak
            && self.ended.iter().flatten().any(|ended| {
                let touches: Vec<&CrestForm> = ended
                    .iter()
                    .filter(|form| (form.peak - peak).abs() <= tolerance)
                    .collect();
                touches.iter().enumerate().any(|(index, form)| {
                    touches[index + 1..].iter().any(|other| !form.alike(other))
                })
            });
        for ended in self.ended.iter_mut().flatten() {
            ended.clear();
        }
        if touching {
            *self.touch_levels.entry(touch_bin(peak)).or_insert(0) += 1;
        }
    }

    /// The shape around the sample at `frame`, `channel` of the block: the `WIDE` samples
    /// before it (from the blocks before when it is near the start), the peak, and as many of
    /// the samples after it as the block holds.
    fn start_shape(&self, samples: &[f64], frame: usize, channel: usize) -> Shape {
        let channels = self.channels;
        let value = samples[frame * channels + channel];
        let mut shape = Shape {
            peak: value.abs(),
            samples: [0.0; 2 * WIDE],
            missing: WIDE - 1,
            channel,
        };
        for (index, slot) in shape.samples.iter_mut().take(WIDE).enumerate() {
            // The frame `WIDE - index` before the peak.
            *slot = match (frame + index).checked_sub(WIDE) {
                Some(before) => samples[before * channels + channel],
                None => self.history[(frame + index) * channels + channel],
            };
        }
        shape.samples[WIDE] = value;
        let frames = samples.len() / channels;
        for after in frame + 1..frames.min(frame + WIDE) {
            shape.push(samples[after * channels + channel]);
        }
        shape
    }

    /// Gives the shapes still waiting for samples the first frames of a new block.
    fn complete_shapes(&mut self, samples: &[f64]) {
        let channels = self.channels;
        let fill = |shape: &mut Shape| {
            let mut frame = 0;
            while shape.missing > 0 && frame < samples.len() / channels {
                shape.push(samples[frame * channels + shape.channel]);
                frame += 1;
            }
        };
        if let Some(shape) = &mut self.deferred {
            fill(shape);
            if shape.missing == 0 {
                if let Some(shape) = self.deferred.take() {
                    self.keep(shape);
                }
            }
        }
        if let Some(shape) = &mut self.current {
            fill(shape);
        }
    }

    /// Keeps the last `WIDE` frames of the block (after the frames kept before).
    fn remember(&mut self, samples: &[f64]) {
        let keep = self.history.len();
        if samples.len() >= keep {
            self.history
                .copy_from_slice(&samples[samples.len() - keep..]);
        } else {
            self.history.rotate_left(samples.len());
            let from = keep - samples.len();
            self.history[from..].copy_from_slice(samples);
        }
    }

    fn close_window(&mut self) {
        let peak = self.window_peak;
        let squares = self.window_squares;
        let shape = self.current.take();
        self.window_peak = 0.0;
        self.window_squares = 0.0;
        self.count_touches(peak);
        if peak <= 0.0 || self.window == 0 {
            return;
        }
        let mean_square = squares / (self.window as f64 * self.channels as f64);
        let peak_db = 20.0 * peak.log10();
        let rms_db = 10.0 * mean_square.log10();
        let crest = peak_db - rms_db;
        let bin = LEVELS.bin(peak_db);
        self.peaks[bin] += 1;
        self.rms[LEVELS.bin(rms_db)] += 1;
        self.crest_sum[bin] += crest;
        self.crest_squares[bin] += crest * crest;
        if peak > self.running_peak {
            self.running_peak = peak;
            let floor = peak * wall_gain();
            self.shapes
                .retain(|shape| shape.peak >= peak * upper_gain());
            // Levels under the wall now can never be in it.
            self.touch_levels = self
                .touch_levels
                .split_off(&touch_bin(floor * touch_gain()));
        }
        self.touch_floor = self.running_peak * wall_gain() * touch_gain();
        if peak >= self.running_peak * upper_gain() {
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

    /// Keeps a shape at the wall while fewer than `MAX_SHAPES` are, and one under it (within
    /// `UPPER_DB`) while fewer than `MAX_SHAPES` are kept in all.
    fn keep(&mut self, shape: Shape) {
        let wall = self.running_peak * wall_gain();
        // Counting the wall's shapes only once the list is full.
        let room = if shape.peak >= wall {
            self.shapes.len() < MAX_SHAPES
                || self.shapes.iter().filter(|kept| kept.peak >= wall).count() < MAX_SHAPES
        } else {
            shape.peak >= self.running_peak * upper_gain() && self.shapes.len() < MAX_SHAPES
        };
        if room {
            self.shapes.push(shape);
        }
    }
}

impl Accumulator for Limiter {
    fn push(&mut self, frames: &Frames<'_>) {
        if self.window == 0 || self.channels == 0 {
            return;
        }
        let channels = self.channels;
        let samples = frames.samples;
        self.complete_shapes(samples);
        // Window by window: the sum of squares and the peak of each run in lanes; the peak's
        // shape only when the run beats the window's peak so far (its first sample at the
        // run's peak, as a sample-by-sample scan would find).
        let segments = self.windows.segments(frames.frames());
        for segment in segments {
            let run = &samples[segment.start * channels..segment.end * channels];
            self.window_squares += frames.sums(segment.start, segment.end).total_squares();
            self.aligned.add(frames, segment.start, segment.end);
            let peak = lanes::peak(run);
            // Crests are followed only where a sample rises over the touch floor: in most
            // programmes, a few windows.
            if peak > self.touch_floor {
                self.scan(run);
            } else {
                self.skip(run);
            }
            if peak > self.window_peak {
                if let Some(index) = run.iter().position(|value| value.abs() == peak) {
                    let frame = segment.start + index / channels;
                    self.aligned.peak_frame = frames.position + frame as u64;
                    self.current = Some(self.start_shape(samples, frame, index % channels));
                }
                self.window_peak = peak;
            }
            if segment.closes {
                // Silent windows count in no level, as in `close_window`.
                let sounding = self.window_peak > 0.0;
                self.close_window();
                self.aligned
                    .close(frames.position + segment.end as u64, sounding);
            }
        }
        self.remember(samples);
    }

    fn finish(mut self: Box<Self>, analysis: &mut Analysis) {
        // The last incomplete window is dropped; a shape still waiting for samples past the
        // end keeps zeros there.
        if let Some(shape) = self.deferred.take() {
            self.keep(shape);
        }
        self.aligned.finish();
        analysis.limiter = self.figures();
    }
}

impl Limiter {
    fn figures(&self) -> Option<LimiterFigures> {
        let top = self.peaks.iter().rposition(|&count| count > 0)?;
        let ceiling = LEVELS.level(top);
        let count_from = |hist: &[u32], from: usize| -> u64 {
            hist[from..].iter().map(|&count| u64::from(count)).sum()
        };
        let live = count_from(&self.peaks, LEVELS.bin(ceiling - LIVE_DB));
        let wall_from = LEVELS.bin(ceiling - WALL_DB);
        let wall = count_from(&self.peaks, wall_from);
        let band = count_from(&self.peaks, LEVELS.bin(ceiling - BAND_DB));
        let wall_crest = self.crest_sum[wall_from..].iter().sum::<f64>() / wall as f64;
        let wall_crest_squares = self.crest_squares[wall_from..].iter().sum::<f64>() / wall as f64;
        let wall_crest_sd = (wall_crest_squares - wall_crest * wall_crest)
            .max(0.0)
            .sqrt();
        let q75 = (live / 4).max(1);
        let q98 = (live / 50).max(1);
        let p75 = LEVELS.ranked_from_top(&self.peaks, q75);
        let p98 = LEVELS.ranked_from_top(&self.peaks, q98);
        let r75 = LEVELS.ranked_from_top(&self.rms, q75);
        let r98 = LEVELS.ranked_from_top(&self.rms, q98);
        let a75 = LEVELS.ranked_from_top(&self.aligned.levels, q75);
        let a98 = LEVELS.ranked_from_top(&self.aligned.levels, q98);
        let upper_from = LEVELS.bin(p75);
        let upper = count_from(&self.peaks, upper_from).max(1);
        let upper_crest = self.crest_sum[upper_from..].iter().sum::<f64>() / upper as f64;
        let [loop_share, upper_loop_share] = self.loop_shares(from_db(p75 - BIN_DB / 2.0));
        Some(LimiterFigures {
            windows: live,
            ceiling_dbfs: ceiling,
            wall_windows: wall,
            band_windows: band,
            wall_crest_db: wall_crest,
            wall_crest_sd_db: wall_crest_sd,
            peak_spread_db: p98 - p75,
            body_spread_db: r98 - r75,
            aligned_body_spread_db: a98 - a75,
            upper_crest_db: upper_crest,
            repeat_share: self.repeat_share(),
            loop_share,
            upper_loop_share,
            touching_windows: self.touching_windows(),
            ..self.wall_peak_spreads()
        })
    }

    /// The most windows with two or more crests touching their peak, at any one peak level in
    /// the wall: a limiter's are all at its ceiling.
    fn touching_windows(&self) -> u64 {
        let floor = touch_bin(self.running_peak * wall_gain() * touch_gain());
        self.touch_levels
            .range(floor..)
            .map(|(_, &windows)| u64::from(windows))
            .max()
            .unwrap_or(0)
    }

    /// Share of the kept wall shapes that are the same as at least one other, sample for
    /// sample.
    fn repeat_share(&self) -> f64 {
        let same = from_db(SAME_SHAPE_DB);
        self.share_alike(self.running_peak * wall_gain(), |a, b| {
            rms(a.iter().zip(b).map(|(a, b)| a - b)) <= same * rms(a.iter().copied())
        })
    }

    /// Share of the kept wall shapes that are the same as at least one other, moved by up to
    /// `MAX_MOVE` samples and any fraction of one (`moved_same`); and the same over the kept
    /// shapes of the loudest quarter's windows (peak at least `upper_floor`, and within
    /// `UPPER_DB` of the ceiling). One pass: a pair in both sets is compared once.
    fn loop_shares(&self, upper_floor: f64) -> [f64; 2] {
        let same = from_db(SAME_MOVED_DB);
        let floors = [
            self.running_peak * wall_gain(),
            upper_floor.max(self.running_peak * upper_gain()),
        ];
        self.shares_alike(floors, |a, b| moved_same(a, b, same))
    }

    /// The spread (standard deviation, dB) of the kept wall shapes' sample peaks and of their
    /// true peaks, as `LimiterFigures` fields (the others default).
    fn wall_peak_spreads(&self) -> LimiterFigures {
        let floor = self.running_peak * wall_gain();
        let weights = true_peak_weights();
        let (samples, trues): (Vec<f64>, Vec<f64>) = self
            .shapes
            .iter()
            .filter(|shape| shape.peak >= floor)
            .filter_map(|shape| {
                Some((
                    to_db(shape.peak)?,
                    to_db(true_peak(&shape.samples, &weights))?,
                ))
            })
            .unzip();
        LimiterFigures {
            wall_peak_sd_db: spread(&samples),
            wall_true_peak_sd_db: spread(&trues),
            ..LimiterFigures::default()
        }
    }

    /// Share of the kept shapes whose peak is at least `floor` (by the final peak) that are
    /// `alike` at least one other.
    fn share_alike(
        &self,
        floor: f64,
        alike: impl Fn(&[f64; 2 * HALF], &[f64; 2 * HALF]) -> bool,
    ) -> f64 {
        let [share] = self.shares_alike([floor], alike);
        share
    }

    /// For each floor, the share of the kept shapes whose peak is at least that floor that are
    /// `alike` at least one other such shape (0 for fewer than two). Each ordered pair is
    /// compared at most once, however many of the sets hold both shapes.
    fn shares_alike<const N: usize>(
        &self,
        floors: [f64; N],
        alike: impl Fn(&[f64; 2 * HALF], &[f64; 2 * HALF]) -> bool,
    ) -> [f64; N] {
        let lowest = floors.iter().copied().fold(f64::INFINITY, f64::min);
        let shapes: Vec<&Shape> = self
            .shapes
            .iter()
            .filter(|shape| shape.peak >= lowest)
            .collect();
        let mut members = [0usize; N];
        let mut repeated = [0usize; N];
        for (index, shape) in shapes.iter().enumerate() {
            let inside = floors.map(|floor| shape.peak >= floor);
            // Per set: whether a partner is still wanted there, and whether one was found.
            let mut wanted = inside;
            let mut found = [false; N];
            for (other_index, other) in shapes.iter().enumerate() {
                if !wanted.contains(&true) {
                    break;
                }
                let useful = floors.map(|floor| other.peak >= floor);
                if other_index == index || !(0..N).any(|k| wanted[k] && useful[k]) {
                    continue;
                }
                if alike(shape.core(), other.core()) {
                    for k in 0..N {
                        if wanted[k] && useful[k] {
                            wanted[k] = false;
                            found[k] = true;
                        }
                    }
                }
            }
            for k in 0..N {
                members[k] += usize::from(inside[k]);
                repeated[k] += usize::from(found[k]);
            }
        }
        std::array::from_fn(|k| {
            if members[k] < 2 {
                0.0
            } else {
                repeated[k] as f64 / members[k] as f64
            }
        })
    }
}

/// Two shapes one of which, moved, comes this close to the other are the same, dB: closer than
/// sample-exact shapes need, as a smooth crest moved and bent a little (a low tone's, whatever
/// its pitch) comes within 40 dB of another; a repeat read through the interpolator comes
/// within 60.
const SAME_MOVED_DB: f64 = -50.0;
/// Whole samples a shape may be moved by to meet another: a repeated hit may peak a few
/// samples away on its waveform when its samples fall elsewhere on it.
const MAX_MOVE: i64 = 8;
/// Taps of the interpolator either side of the point read (Lanczos, a = 4).
const TAPS: i64 = 4;
/// Samples two shapes must share to be compared.
const MIN_SHARED: i64 = 12;
/// Gauss-Newton steps taken to find the fraction.
const MOVE_STEPS: usize = 4;

/// Whether `b`, moved by a whole number of samples (up to `MAX_MOVE`) and a fraction, is `a`
/// to `same` (the RMS of their difference over `a`'s, on the samples they share). A loop
/// bounced at another rate, or a hit a sampler starts between two samples, repeats its
/// waveform at a fractional offset, whose samples are not the same numbers.
fn moved_same(a: &[f64; 2 * HALF], b: &[f64; 2 * HALF], same: f64) -> bool {
    let length = (2 * HALF) as i64;
    // The whole move that lines the two up best: the least difference per shared sample.
    let shared = |shift: i64| {
        (
            TAPS.max(TAPS - shift),
            (length - TAPS).min(length - TAPS - shift),
        )
    };
    let difference = |shift: i64| {
        let (from, to) = shared(shift);
        (from..to)
            .map(|i| (a[i as usize] - b[(i + shift) as usize]).powi(2))
            .sum::<f64>()
            / (to - from) as f64
    };
    let Some((lag, least)) = (-MAX_MOVE..=MAX_MOVE)
        .filter(|&shift| {
            let (from, to) = shared(shift);
            to - from >= MIN_SHARED
        })
        .map(|shift| (shift, difference(shift)))
        .min_by(|x, y| x.1.total_cmp(&y.1))
    else {
        return false;
    };
    // Moved by at most half a sample from the best whole move, `b` changes by about half its
    // slope (three quarters leaves room for its bend): a difference beyond that and the
    // tolerance is another waveform (most pairs, told without the interpolator).
    let level = a.iter().map(|value| value * value).sum::<f64>() / (2 * HALF) as f64;
    let slope = a
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).powi(2))
        .sum::<f64>()
        / (2 * HALF - 1) as f64;
    if least.sqrt() > 0.75 * slope.sqrt() + same * level.sqrt() {
        return false;
    }
    // Whole samples apart and nothing more: the same (a sample-exact repeat).
    if least.sqrt() <= same * level.sqrt() {
        return true;
    }
    // The samples of `a` compared: far enough from `b`'s ends for the interpolator at every
    // move within a sample of `lag`.
    let (from, to) = (
        TAPS.max(TAPS + 1 - lag),
        (length - TAPS - 1).min(length - TAPS - 1 - lag),
    );
    if to - from < MIN_SHARED {
        return false;
    }
    let range = from as usize..to as usize;
    let tolerance = same * rms(a[range.clone()].iter().copied());
    // Gauss-Newton on the move: b read at i + move against a, its slope from the same
    // interpolator a hundredth of a sample either side.
    let read = |at: f64| -> [f64; 2 * HALF] {
        let (whole, weights) = lanczos(at);
        let mut values = [0.0; 2 * HALF];
        for (slot, i) in values.iter_mut().zip(range.clone()) {
            *slot = weights
                .iter()
                .zip(1 - TAPS..=TAPS)
                .map(|(weight, tap)| {
                    let index = (i as i64 + whole + tap).clamp(0, 2 * HALF as i64 - 1);
                    weight * b[index as usize]
                })
                .sum();
        }
        values
    };
    let mut moved = lag as f64;
    for _ in 0..MOVE_STEPS {
        let (here, ahead, behind) = (read(moved), read(moved + 0.01), read(moved - 0.01));
        let (mut along, mut slope_energy) = (0.0, 0.0);
        for (k, i) in range.clone().enumerate() {
            let slope = (ahead[k] - behind[k]) / 0.02;
            along += (a[i] - here[k]) * slope;
            slope_energy += slope * slope;
        }
        if slope_energy <= 0.0 {
            break;
        }
        moved = (moved + along / slope_energy).clamp(lag as f64 - 1.0, lag as f64 + 1.0);
    }
    let here = read(moved);
    rms(range.zip(here).map(|(i, value)| a[i] - value)) <= tolerance
}

/// Coarse steps per sample at which the true peak is read.
const TRUE_STEPS: usize = 16;

/// The Lanczos (a = `TRUE_TAPS`) weights of the taps `1 - TRUE_TAPS..=TRUE_TAPS` for each
/// fraction `step / TRUE_STEPS` of a sample, normalised to sum to 1.
fn true_peak_weights() -> Vec<[f64; 2 * TRUE_TAPS as usize]> {
    (0..TRUE_STEPS)
        .map(|step| lanczos_weights(step as f64 / TRUE_STEPS as f64))
        .collect()
}

/// The true peak of a shape within `TRUE_REACH` samples of its sample peak: the waveform read
/// between the samples every 1/16 of a sample, the loudest reading refined by a parabola
/// through it and its neighbours. A loop bounced at another rate repeats one waveform whose
/// samples fall elsewhere on it: its windows' sample peaks spread, their true peaks do not.
fn true_peak(samples: &[f64; 2 * WIDE], weights: &[[f64; 2 * TRUE_TAPS as usize]]) -> f64 {
    let read = |whole: usize, step: usize| -> f64 {
        weights[step]
            .iter()
            .zip(&samples[whole + 1 - TRUE_TAPS as usize..=whole + TRUE_TAPS as usize])
            .map(|(weight, value)| weight * value)
            .sum::<f64>()
            .abs()
    };
    let positions = (WIDE - TRUE_REACH) * TRUE_STEPS..(WIDE + TRUE_REACH - 1) * TRUE_STEPS;
    let at = |position: usize| read(position / TRUE_STEPS, position % TRUE_STEPS);
    let Some((best, value)) = positions
        .clone()
        .map(|position| (position, at(position)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return 0.0;
    };
    let coarse = value.max(samples[WIDE].abs());
    if best == positions.start || best + 1 == positions.end {
        return coarse;
    }
    let (before, after) = (at(best - 1), at(best + 1));
    let bend = before - 2.0 * value + after;
    if bend >= 0.0 {
        return coarse;
    }
    let offset = 0.5 * (before - after) / bend;
    (value - 0.25 * (before - after) * offset).max(coarse)
}

/// The standard deviation of `values` (0 for fewer than two).
fn spread(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    (values
        .iter()
        .map(|value| (value - mean).powi(2))
        .sum::<f64>()
        / count)
        .sqrt()
}

/// The root mean square of `values` (0 for none).
fn rms(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(sum, count), value| {
        (sum + value * value, count + 1)
    });
    (sum / count.max(1) as f64).sqrt()
}

/// A move `at` as whole samples and the Lanczos (a = 4) weights of the taps `1 - TAPS..=TAPS`
/// from there, normalised to sum to 1: reading a shape at i + `at` is Σ weight · x[i + whole +
/// tap]. The kernel keeps band-limited material well under the 50 dB that makes two moved
/// shapes the same.
fn lanczos(at: f64) -> (i64, [f64; 2 * TAPS as usize]) {
    let whole = at.floor();
    (whole as i64, lanczos_weights(at - whole))
}

/// The Lanczos (a = `N / 2`) weights of the taps `1 - N / 2..=N / 2` for reading `fraction`
/// of a sample past the tap 0, normalised to sum to 1.
fn lanczos_weights<const N: usize>(fraction: f64) -> [f64; N] {
    let taps = (N / 2) as i64;
    let sinc = |t: f64| {
        if t.abs() < 1e-12 {
            1.0
        } else {
            let angle = std::f64::consts::PI * t;
            angle.sin() / angle
        }
    };
    let mut weights: [f64; N] = std::array::from_fn(|index| {
        let distance = fraction - (index as i64 + 1 - taps) as f64;
        sinc(distance) * sinc(distance / taps as f64)
    });
    let total: f64 = weights.iter().sum();
    for weight in &mut weights {
        *weight /= total;
    }
    weights
}

fn wall_gain() -> f64 {
    from_db(-WALL_DB)
}

fn upper_gain() -> f64 {
    from_db(-UPPER_DB)
}

fn touch_gain() -> f64 {
    from_db(-TOUCH_DB)
}

/// The `TOUCH_DB` bin of a level (full-scale units).
fn touch_bin(level: f64) -> i64 {
    to_db(level).map_or(i64::MIN, |db| (db / TOUCH_DB).floor() as i64)
}

/// Keeps a crest's peak unless its top is flat (clipped).
fn end_crest(crest: &mut Crest, ended: &mut [Vec<CrestForm>; 2], after: f64) {
    if crest.flat < FLAT_TOP {
        crest.form.after = after;
        ended[usize::from(crest.positive)].push(crest.form);
    }
    crest.open = false;
}

#[cfg(test)]
mod tests {
    use crate::media::analysis::{analyse_in_blocks, StreamSpec};
    use crate::model::analysis::LimiterFigures;
    use crate::model::record::SampleFormat;

    /// Repeated decaying hits held by a ceiling, with noise between: wall windows, shapes to
    /// compare and peaks near block starts.
    fn hits(frames: usize, channels: usize) -> Vec<i32> {
        let mut state = 0x9e37_79b9_u32;
        (0..frames * channels)
            .map(|index| {
                let frame = index / channels;
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = f64::from(state) / f64::from(u32::MAX) - 0.5;
                let hit = (frame % 9_600) as f64;
                let tone = (hit * 0.05).sin() * (-hit / 2_000.0).exp() * 3.0;
                let value = (tone + noise * 0.001).clamp(-0.9, 0.9);
                (value * 8_388_607.0) as i32
            })
            .collect()
    }

    /// A hit every 12000 frames: a tone falling from 400 to 100 Hz, decaying from twice full
    /// scale, through a sample-peak limiter with a 1 ms look-ahead whose ceiling is `ceiling`
    /// of full scale (each sample turned down as far as the loudest within 48 frames needs):
    /// the crests it cuts land on the ceiling exactly, each of another form. Quantised to
    /// `bits`.
    fn limited_hits(frames: usize, channels: usize, ceiling: f64, bits: u32) -> Vec<i32> {
        let full = f64::from((1_u32 << (bits - 1)) - 1);
        let dry: Vec<f64> = (0..frames)
            .map(|frame| {
                let since = (frame % 12_000) as f64 / 48_000.0;
                let phase = 2.0
                    * std::f64::consts::PI
                    * (100.0 * since + 300.0 * 0.02 * (1.0 - (-since / 0.02).exp()));
                2.0 * (-since / 0.06).exp() * phase.sin()
            })
            .collect();
        (0..frames * channels)
            .map(|index| {
                let frame = index / channels;
                let near = &dry[frame.saturating_sub(48)..(frame + 49).min(frames)];
                let loudest = near
                    .iter()
                    .fold(0.0_f64, |peak, value| peak.max(value.abs()));
                let gain = (ceiling / loudest).min(1.0);
                (dry[frame] * gain * full).round() as i32
            })
            .collect()
    }

    /// A 500 Hz tone (a period of 96 frames: every cycle the same samples) whose level steps
    /// between full and 0.9 of `level` every 0.25 s.
    fn stepped_tone(frames: usize, level: f64) -> Vec<i32> {
        (0..frames)
            .map(|frame| {
                let step = if frame / 12_000 % 2 == 0 { 1.0 } else { 0.9 };
                let tone = (2.0 * std::f64::consts::PI * frame as f64 / 96.0).sin();
                (level * step * tone * 8_388_607.0).round() as i32
            })
            .collect()
    }

    /// A bell-like hit (three inharmonic partials, level for 60 ms, then decaying over 0.3 s)
    /// every `period` frames at `rate`, the `n`th at `velocity(n)`, each sampled where it
    /// starts (between samples); 24-bit, `channels` alike.
    fn ringing_hits(
        rate: f64,
        period: f64,
        channels: usize,
        velocity: impl Fn(usize) -> f64,
    ) -> Vec<i32> {
        let frames = (rate * 10.0) as usize;
        let mut out = vec![0.0; frames];
        let mut n = 0;
        while n as f64 * period < frames as f64 {
            let start = n as f64 * period;
            let gain = velocity(n);
            for (frame, value) in out.iter_mut().enumerate().skip(start.ceil() as usize) {
                let t = (frame as f64 - start) / rate;
                if t > 2.0 {
                    break;
                }
                let envelope = if t < 0.06 {
                    1.0
                } else {
                    (-(t - 0.06) / 0.3).exp()
                };
                let partials: f64 = [(1047.0, 1.0, 0.0), (2891.0, 0.8, 1.0), (5622.0, 0.6, 2.0)]
                    .iter()
                    .map(|(f, a, phase)| a * (2.0 * std::f64::consts::PI * f * t + phase).sin())
                    .sum();
                *value += gain * envelope * partials;
            }
            n += 1;
        }
        let peak = out
            .iter()
            .fold(0.0_f64, |peak, value| peak.max(value.abs()));
        out.iter()
            .flat_map(|value| {
                let sample = (value / peak * 0.89 * 8_388_607.0).round() as i32;
                std::iter::repeat_n(sample, channels)
            })
            .collect()
    }

    fn figures_rate(samples: &[i32], channels: u16, rate: u32, blocks: &[usize]) -> LimiterFigures {
        let spec = StreamSpec {
            channels,
            sample_rate: rate,
            sample_format: SampleFormat::Int,
            bit_depth: Some(24),
            channel_mask: None,
        };
        analyse_in_blocks(spec, samples, 24, blocks)
            .limiter
            .expect("figures")
    }

    #[test]
    fn the_level_read_from_each_peak_does_not_move_with_where_the_windows_cut_a_hit() {
        // 22.05 kHz has no tiles (a window of 1103 frames, stretches of 220), 44.1 and 48 kHz
        // do; the hits come every 0.44 s, no whole number of windows.
        for rate in [48_000_u32, 44_100, 22_050] {
            let period = f64::from(rate) * 0.439_85;
            let one = ringing_hits(f64::from(rate), period, 1, |_| 1.0);
            let one = figures_rate(&one, 1, rate, &[4096]);
            assert!(one.body_spread_db >= 1.0, "{rate}: {one:?}");
            assert!(
                one.aligned_body_spread_db <= 0.5 * one.body_spread_db,
                "{rate}: {one:?}"
            );
            // Hits at two velocities 4 dB apart: the level moves, read either way.
            let two = ringing_hits(f64::from(rate), period, 2, |n| {
                if n % 2 == 0 {
                    1.0
                } else {
                    0.63
                }
            });
            let whole = figures_rate(&two, 2, rate, &[usize::MAX / 4]);
            assert!(whole.aligned_body_spread_db >= 3.0, "{rate}: {whole:?}");
            for blocks in [&[4096][..], &[1, 7, 441, 2205, 33]] {
                let split = figures_rate(&two, 2, rate, blocks);
                assert_eq!(
                    split.aligned_body_spread_db, whole.aligned_body_spread_db,
                    "{rate} {blocks:?}"
                );
            }
        }
    }

    fn figures(samples: &[i32], channels: u16, block_frames: &[usize]) -> LimiterFigures {
        figures_at(samples, channels, 24, block_frames)
    }

    fn figures_at(
        samples: &[i32],
        channels: u16,
        bits: u16,
        block_frames: &[usize],
    ) -> LimiterFigures {
        let spec = StreamSpec {
            channels,
            sample_rate: 48_000,
            sample_format: SampleFormat::Int,
            bit_depth: Some(bits),
            channel_mask: None,
        };
        analyse_in_blocks(spec, samples, u32::from(bits), block_frames)
            .limiter
            .expect("figures")
    }

    #[test]
    fn crests_cut_to_one_level_touch_and_clipped_or_periodic_ones_do_not() {
        let samples = limited_hits(48_000 * 3, 1, 0.9, 24);
        let limited = figures(&samples, 1, &[4096]);
        assert!(limited.wall_windows >= 12, "{limited:?}");
        // Each of the 12 hits is cut to the ceiling in its first window.
        assert_eq!(limited.touching_windows, 12, "{limited:?}");
        for blocks in [&[usize::MAX / 4][..], &[1, 7, 15, 16, 17, 2400, 33], &[96]] {
            let split = figures(&samples, 1, blocks);
            assert_eq!(
                split.touching_windows, limited.touching_windows,
                "{blocks:?}"
            );
        }
        // The same hits without the limiter: one crest per window at its peak.
        let free = figures(&limited_hits(48_000 * 3, 1, 4.0, 24), 1, &[4096]);
        assert_eq!(free.touching_windows, 0, "{free:?}");
        // A tone at one level: every cycle's crests land on one level, all of one form.
        let tone = figures(&stepped_tone(48_000 * 3, 0.9), 1, &[4096]);
        assert!(tone.wall_windows >= 12, "{tone:?}");
        // (The first window, whose floor is not set yet, sees the file's first crest, which
        // begins at the start, beside whole ones: at most that one.)
        assert!(tone.touching_windows <= 1, "{tone:?}");
        // Hits clipped flat at the ceiling are `signal/clipping`'s, not touches.
        let clipped = figures(&hits(48_000 * 3, 1), 1, &[4096]);
        assert!(clipped.wall_windows > 5, "{clipped:?}");
        assert_eq!(clipped.touching_windows, 0, "{clipped:?}");
        // 16-bit hits 30 dB down: under a thousand codes, where crests share one by chance.
        let quiet = limited_hits(48_000 * 3, 1, 0.03, 16);
        assert_eq!(figures_at(&quiet, 1, 16, &[4096]).touching_windows, 0);
        let loud = limited_hits(48_000 * 3, 1, 0.9, 16);
        assert_eq!(figures_at(&loud, 1, 16, &[4096]).touching_windows, 12);
        // A limiter's output dithered, its ceiling 5.8 dB down: each hit's first crest on the
        // ceiling, the others a step under it (0.0005 dB there), still cut to one level.
        let low = limited_hits(48_000 * 3, 1, 0.51, 16);
        let ceiling = low.iter().map(|value| value.abs()).max().unwrap_or(0);
        let mut first = None;
        let dithered: Vec<i32> = low
            .iter()
            .enumerate()
            .map(|(frame, &value)| {
                let hit = frame / 12_000;
                if value.abs() != ceiling || first == Some(hit) {
                    return if value.abs() == ceiling {
                        value - value.signum()
                    } else {
                        value
                    };
                }
                // The hit's first sample on the ceiling: its crest's other samples there, too.
                if frame + 1 < low.len() && low[frame + 1].abs() != ceiling {
                    first = Some(hit);
                }
                value
            })
            .collect();
        let cut = figures_at(&low, 1, 16, &[4096]).touching_windows;
        assert!(cut >= 12, "{cut}");
        assert_eq!(figures_at(&dithered, 1, 16, &[4096]).touching_windows, cut);
        // Crests 0.0017 dB apart, each under the last, as chance puts two crests of a dry mix
        // now and then (and a loop repeats it in every bar): no exact ceiling.
        let near = 0.9 * 8_388_607.0 * 0.999;
        let (mut seen, mut inside) = (0, false);
        let chance: Vec<i32> = samples
            .iter()
            .enumerate()
            .map(|(frame, &value)| {
                if frame % 12_000 == 0 {
                    seen = 0;
                }
                if f64::from(value.abs()) < near {
                    inside = false;
                    return value;
                }
                // Each crest near the ceiling 0.00085 dB under the one before: those of one
                // sign (which alone can touch) 0.0017 dB apart.
                if !inside {
                    seen += 1;
                    inside = true;
                }
                (f64::from(value) * 10_f64.powf(-0.000_85 * f64::from(seen) / 20.0)).round() as i32
            })
            .collect();
        assert_eq!(figures(&chance, 1, &[4096]).touching_windows, 0);
    }

    /// A boomy kick (60 Hz after a falling chirp, swelling over 30 ms, decaying over 0.45 s)
    /// on every beat at 97 BPM, each hit starting between two samples, at `velocity(hit)`;
    /// hits overlap the next ones' starts, as a long 808 does.
    fn booms(frames: usize, velocity: impl Fn(usize) -> f64) -> Vec<i32> {
        let beat = 60.0 / 97.0 * 48_000.0;
        (0..frames)
            .map(|frame| {
                let now = frame as f64;
                let last = (now / beat).floor() as usize;
                let value: f64 = (0..=last.min(2))
                    .map(|back| {
                        let hit = last - back;
                        let t = (now - hit as f64 * beat) / 48_000.0;
                        let phase = 2.0
                            * std::f64::consts::PI
                            * (60.0 * t + 120.0 * 0.02 * (1.0 - (-t / 0.02).exp()));
                        let swell = (1.0 - (-t / 0.03).exp()).powi(2);
                        velocity(hit) * swell * (-t / 0.45).exp() * phase.sin()
                    })
                    .sum();
                (0.8 * value * 8_388_607.0).round() as i32
            })
            .collect()
    }

    #[test]
    fn a_hit_repeated_at_one_velocity_fills_the_loudest_quarter_with_one_waveform() {
        let steady = figures(&booms(48_000 * 10, |_| 1.0), 1, &[4096]);
        assert!(steady.upper_loop_share > 0.8, "{steady:?}");
        // Velocities drawn within 3 dB: the same waveform at other levels is another.
        let humanised = figures(
            &booms(48_000 * 10, |hit| {
                0.7 + 0.3 * f64::from((hit as u32).wrapping_mul(2_654_435_761) >> 16) / 65_536.0
            }),
            1,
            &[4096],
        );
        assert!(humanised.upper_loop_share < 0.5, "{humanised:?}");
        // Noise, whose loudest windows are never alike.
        let mut state = 0x2545_f491_u32;
        let noise: Vec<i32> = (0..48_000 * 3)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                ((f64::from(state) / f64::from(u32::MAX) - 0.5) * 8_000_000.0) as i32
            })
            .collect();
        let noise = figures(&noise, 1, &[4096]);
        assert!(noise.wall_windows > 0, "{noise:?}");
        assert_eq!(noise.upper_loop_share, 0.0, "{noise:?}");
    }

    #[test]
    fn the_figures_do_not_depend_on_where_blocks_start() {
        for channels in [1_u16, 2] {
            let samples = hits(48_000 * 3, usize::from(channels));
            let whole = figures(&samples, channels, &[usize::MAX / 4]);
            assert!(whole.wall_windows > 5, "{whole:?}");
            assert!(whole.repeat_share > 0.5, "{whole:?}");
            for blocks in [&[4096][..], &[1, 7, 15, 16, 17, 2400, 33]] {
                let split = figures(&samples, channels, blocks);
                assert_eq!(split.windows, whole.windows);
                assert_eq!(split.wall_windows, whole.wall_windows);
                assert_eq!(split.band_windows, whole.band_windows);
                assert_eq!(split.repeat_share, whole.repeat_share, "{blocks:?}");
                assert_eq!(split.loop_share, whole.loop_share, "{blocks:?}");
                assert_eq!(split.upper_loop_share, whole.upper_loop_share, "{blocks:?}");
                assert_eq!(split.wall_peak_sd_db, whole.wall_peak_sd_db, "{blocks:?}");
                assert_eq!(
                    split.wall_true_peak_sd_db, whole.wall_true_peak_sd_db,
                    "{blocks:?}"
                );
                assert_eq!(split.touching_windows, whole.touching_windows, "{blocks:?}");
                for (a, b) in [
                    (split.ceiling_dbfs, whole.ceiling_dbfs),
                    (split.wall_crest_db, whole.wall_crest_db),
                    (split.upper_crest_db, whole.upper_crest_db),
                    (split.peak_spread_db, whole.peak_spread_db),
                    (split.body_spread_db, whole.body_spread_db),
                    (split.aligned_body_spread_db, whole.aligned_body_spread_db),
                ] {
                    assert!((a - b).abs() < 1e-9, "{blocks:?}: {split:?} vs {whole:?}");
                }
            }
        }
    }
}

#[cfg(test)]
mod moved_tests {
    use super::*;

    /// A band-limited hit sampled with its start `start` samples into the shape.
    fn hit(start: f64) -> [f64; 2 * HALF] {
        std::array::from_fn(|index| {
            let t = index as f64 - start;
            (-(t / 20.0).powi(2)).exp() * (0.3 * t).cos()
                + 0.3 * (-(t / 9.0).powi(2)).exp() * (1.1 * t).sin()
        })
    }

    #[test]
    fn the_true_peak_is_read_between_the_samples() {
        let weights = true_peak_weights();
        // A 14.4 kHz burst peaking at 0.9 a fraction of a sample after the shape's middle:
        // its sample peak falls up to 1 dB short, its true peak is read within 0.02 dB.
        let mut sample_peaks = Vec::new();
        for offset in [0.0, 0.2, 0.45, 0.5, 0.77] {
            let burst: [f64; 2 * WIDE] = std::array::from_fn(|index| {
                let t = index as f64 - WIDE as f64 - offset;
                0.9 * (-(t / 6.0).powi(2)).exp() * (std::f64::consts::TAU * 0.3 * t).cos()
            });
            let read = true_peak(&burst, &weights);
            assert!(
                (20.0 * (read / 0.9).log10()).abs() < 0.02,
                "{offset}: {read}"
            );
            sample_peaks.push(
                burst
                    .iter()
                    .fold(0.0_f64, |peak, value| peak.max(value.abs())),
            );
        }
        let (low, high) = sample_peaks
            .iter()
            .fold((1.0_f64, 0.0_f64), |(low, high), &peak| {
                (low.min(peak), high.max(peak))
            });
        assert!(20.0 * (high / low).log10() > 0.9, "{sample_peaks:?}");
        assert_eq!(spread(&[1.0]), 0.0);
        assert!((spread(&[1.0, 3.0]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_shape_moved_by_a_fraction_of_a_sample_is_the_same_and_another_is_not() {
        let same = from_db(SAME_MOVED_DB);
        let a = hit(16.0);
        for moved in [0.0, 0.3, -0.5, 0.97, 2.7, -6.2] {
            assert!(moved_same(&a, &hit(16.0 + moved), same), "{moved}");
        }
        // Out of reach, another waveform, the same one 1 dB down, the other polarity.
        assert!(!moved_same(&a, &hit(16.0 + 12.5), same));
        let other: [f64; 2 * HALF] = std::array::from_fn(|index| (0.7 * index as f64).sin());
        assert!(!moved_same(&a, &other, same));
        let quieter = a.map(|value| value * 0.891);
        assert!(!moved_same(&a, &quieter, same));
        assert!(!moved_same(&a, &a.map(|value| -value), same));
        // The sample-exact comparison finds only the unmoved one.
        let exact = |b: &[f64; 2 * HALF]| {
            let difference: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
            let level: f64 = a.iter().map(|x| x * x).sum();
            (difference / level).sqrt() <= same
        };
        assert!(exact(&hit(16.0)) && !exact(&hit(16.3)));
    }
}
