//! Runs of consecutive samples at full scale in one channel (runs continue across blocks), and
//! flat tops at a channel's own peak whatever its level: runs of identical samples there,
//! entered and left by a step on the same side, as a clipper leaves them on a waveform that was
//! turned down afterwards.

use super::bins::Bins;
use super::{
    from_db, quantisation_step, seconds, Accumulator, Analysis, AnalysisSettings, Frames,
    StreamSpec,
};
use crate::model::analysis::{FlatTop, Series};

/// Samples within this factor of a channel's peak (0.01 dB) are at it.
const FLAT_NEAR: f64 = 0.998_849_3;
/// A flat top is entered and left by a step of at least this share of its level (a smooth
/// crest rounded to the format's steps creeps onto its top by one step at a time)…
const FLAT_STEP: f64 = 0.002;
/// …and at least this many of the format's steps.
const FLAT_QUANTA: f64 = 4.0;

/// One channel's flat tops at its running peak.
#[derive(Debug, Clone, Default)]
struct FlatChannel {
    /// The channel's largest |sample| so far.
    peak: f64,
    /// The two samples before the current one (the latest first).
    prev: [f64; 2],
    /// The run of identical samples being followed (at the peak when it began); `len` 0: none.
    run: Run,
    /// A run that has ended, and the first sample after it, waiting for the second.
    leaving: Option<(Run, f64)>,
    /// The level of the runs counted, and their count, samples, first start and last end.
    level: f64,
    runs: u64,
    samples: u64,
    first: Option<u64>,
    last_end: Option<u64>,
    /// With `series`: the columns holding the runs counted (at `level`).
    marks: Option<Bins<bool>>,
}

/// A run of identical samples: its value, length, first frame, and the two samples before
/// it (the nearest first).
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    value: f64,
    len: u64,
    start: u64,
    entry: [f64; 2],
}

impl FlatChannel {
    fn push(&mut self, value: f64, at: u64, min_run: u64, quantum: f64) {
        if let Some((run, exit)) = self.leaving.take() {
            self.judge(run, exit, value, quantum);
        }
        if self.run.len > 0 {
            if value == self.run.value {
                self.run.len += 1;
                self.prev = [value, self.prev[0]];
                return;
            }
            if self.run.len >= min_run {
                self.leaving = Some((self.run, value));
            }
            self.run.len = 0;
        }
        let level = value.abs();
        self.peak = self.peak.max(level);
        if level > 0.0 && level >= self.peak * FLAT_NEAR {
            self.run = Run {
                value,
                len: 1,
                start: at,
                entry: self.prev,
            };
        }
        self.prev = [value, self.prev[0]];
    }

    /// Counts a finished run if it is a flat top: reached and left on its own side of zero,
    /// each over two samples moving towards it and away (a square wave's tops are reached from
    /// the other side within a sample or two), by a step of at least the larger of
    /// `FLAT_STEP` of its level and `quantum`.
    fn judge(&mut self, run: Run, exit: f64, after_exit: f64, quantum: f64) {
        let level = run.value.abs();
        let step = (FLAT_STEP * level).max(quantum);
        let side = |near: f64, far: f64| {
            near * run.value > 0.0
                && far * run.value > 0.0
                && far.abs() <= near.abs()
                && level - near.abs() >= step
        };
        if !(side(run.entry[0], run.entry[1]) && side(exit, after_exit)) {
            return;
        }
        if level > self.level / FLAT_NEAR {
            // A higher top: the lower ones were no ceiling.
            self.level = level;
            self.runs = 0;
            self.samples = 0;
            self.first = None;
            if let Some(marks) = &mut self.marks {
                *marks = flag_bins();
            }
        }
        if level >= self.level * FLAT_NEAR {
            self.runs += 1;
            self.samples += run.len;
            self.first.get_or_insert(run.start);
            self.last_end = Some(run.start + run.len);
            if let Some(marks) = &mut self.marks {
                let last = run.start + run.len - 1;
                marks.reach(last);
                let mut frame = run.start;
                while frame <= last {
                    *marks.at(frame) = true;
                    frame = marks.bin_end(frame);
                }
            }
        }
    }
}

/// Flags per overview column (a column holds one when any of its frames does).
fn flag_bins() -> Bins<bool> {
    Bins::new(false, |a: &bool, b: &bool| *a || *b)
}

pub struct Clipping {
    sample_rate: u32,
    clip_level: f64,
    min_run: u64,
    /// Per channel: consecutive samples at or above the clip level up to the last one seen.
    runs: Vec<u64>,
    /// Per channel, the magnitude of the last sample of its run (float files: a run at full
    /// scale is clipped only where it is flat, since the waveform can go on over it).
    run_values: Vec<f64>,
    clipped_samples: u64,
    clip_runs: u64,
    longest_run: u64,
    first_clip: Option<u64>,
    /// The frame after the last clipped sample of a run.
    last_clip_end: Option<u64>,
    /// Samples above full scale (float files), and where the first and the last lie.
    over_samples: u64,
    first_over: Option<u64>,
    last_over_end: Option<u64>,
    /// Which columns of the waveform overview hold clipped samples (with `series`).
    marks: Option<Bins<bool>>,
    /// Per channel, flat tops at its own peak.
    flat: Vec<FlatChannel>,
    /// The format's step (integer samples; 0 for float), times `FLAT_QUANTA`.
    quantum: f64,
    frames: u64,
}

impl Clipping {
    pub fn new(spec: &StreamSpec, settings: &AnalysisSettings) -> Self {
        Clipping {
            sample_rate: spec.sample_rate,
            clip_level: from_db(settings.clip_level_dbfs),
            min_run: u64::from(settings.clip_min_run.max(1)),
            runs: vec![0; usize::from(spec.channels)],
            run_values: vec![0.0; usize::from(spec.channels)],
            clipped_samples: 0,
            clip_runs: 0,
            longest_run: 0,
            first_clip: None,
            last_clip_end: None,
            over_samples: 0,
            first_over: None,
            last_over_end: None,
            marks: settings.series.then(flag_bins),
            flat: vec![
                FlatChannel {
                    marks: settings.series.then(flag_bins),
                    ..FlatChannel::default()
                };
                usize::from(spec.channels)
            ],
            quantum: FLAT_QUANTA * quantisation_step(spec),
            frames: 0,
        }
    }

    /// Follows flat tops: sample by sample only in blocks that reach a channel's peak or
    /// continue a run; in the others, each channel's last sample is all that is kept.
    fn follow_flat_tops(&mut self, frames: &Frames<'_>) {
        let channels = frames.channels;
        if channels == 0 || self.flat.len() != channels {
            return;
        }
        // Digital silence starts no run and ends any (a top left for zero is no flat top).
        if frames.peak == 0.0 {
            for channel in &mut self.flat {
                channel.run.len = 0;
                channel.leaving = None;
                channel.prev = [0.0; 2];
            }
            return;
        }
        let lowest_floor = self
            .flat
            .iter()
            .map(|channel| channel.peak * FLAT_NEAR)
            .fold(f64::INFINITY, f64::min);
        let open = self
            .flat
            .iter()
            .any(|channel| channel.run.len > 0 || channel.leaving.is_some());
        if frames.peak < lowest_floor && !open {
            let mut last_two = frames.samples.chunks_exact(channels).rev();
            if let (Some(last), before) = (last_two.next(), last_two.next()) {
                for (index, channel) in self.flat.iter_mut().enumerate() {
                    let earlier = before.map_or(channel.prev[0], |frame| frame[index]);
                    channel.prev = [last[index], earlier];
                }
            }
            return;
        }
        let min_run = self.min_run;
        let quantum = self.quantum;
        for (index, frame) in frames.samples.chunks_exact(channels).enumerate() {
            let at = frames.position + index as u64;
            for (channel, &value) in self.flat.iter_mut().zip(frame) {
                channel.push(value, at, min_run, quantum);
            }
        }
    }

    /// The channel with the most flat tops at its final peak (a run still open at the end has
    /// no way out, and is not counted).
    fn flat_channel(&self) -> Option<&FlatChannel> {
        self.flat
            .iter()
            .filter(|channel| channel.runs > 0 && channel.level >= channel.peak * FLAT_NEAR)
            .max_by_key(|channel| channel.runs)
    }

    fn flat_top(&self) -> Option<FlatTop> {
        let best = self.flat_channel()?;
        Some(FlatTop {
            level_dbfs: 20.0 * best.level.log10(),
            runs: best.runs,
            samples: best.samples,
            share: best.samples as f64 / self.frames.max(1) as f64,
            first_s: best
                .first
                .and_then(|frame| seconds(frame, self.sample_rate)),
            last_s: best
                .last_end
                .and_then(|frame| seconds(frame, self.sample_rate)),
        })
    }
}

impl Accumulator for Clipping {
    fn push(&mut self, frames: &Frames<'_>) {
        self.frames += frames.frames() as u64;
        self.follow_flat_tops(frames);
        if let Some(marks) = &mut self.marks {
            // Keep the marks' columns as wide as the overview's, clipped or not.
            marks.reach(frames.position + frames.frames() as u64 - 1);
        }
        // Most blocks have no sample at the clip level: every run ends, nothing else to do.
        if frames.peak < self.clip_level {
            self.runs.fill(0);
            return;
        }
        let float = self.quantum == 0.0;
        for (index, frame) in frames.samples.chunks_exact(frames.channels).enumerate() {
            for ((&value, run), last) in frame
                .iter()
                .zip(self.runs.iter_mut())
                .zip(self.run_values.iter_mut())
            {
                let magnitude = value.abs();
                // A float run goes on only while flat: a float waveform can pass through full
                // scale on its way over it. (An integer one cannot: its runs are its ceiling.)
                if float && *run > 0 && magnitude != *last {
                    *run = 0;
                }
                *last = magnitude;
                // Over full scale (a float file's): kept, not clipped; it ends a run at full
                // scale, and is clipping only where it is flat (the flat tops read that).
                if magnitude > 1.0 {
                    let position = frames.position + index as u64;
                    self.over_samples += 1;
                    self.first_over.get_or_insert(position);
                    self.last_over_end = Some(position + 1);
                    *run = 0;
                } else if magnitude >= self.clip_level {
                    *run += 1;
                    let position = frames.position + index as u64;
                    if *run >= self.min_run {
                        self.last_clip_end = Some(position + 1);
                        if let Some(marks) = &mut self.marks {
                            let start = if *run == self.min_run {
                                position + 1 - *run
                            } else {
                                position
                            };
                            for frame in start..=position {
                                *marks.at(frame) = true;
                            }
                        }
                    }
                    if *run == self.min_run {
                        self.clipped_samples += *run;
                        self.clip_runs += 1;
                        let start = position + 1 - *run;
                        self.first_clip = Some(self.first_clip.map_or(start, |s| s.min(start)));
                    } else if *run > self.min_run {
                        self.clipped_samples += 1;
                    }
                    self.longest_run = self.longest_run.max(*run);
                } else {
                    *run = 0;
                }
            }
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        analysis.flat_top = self.flat_top();
        analysis.clipped_samples = self.clipped_samples;
        analysis.clip_runs = self.clip_runs;
        analysis.longest_clip_run = self.longest_run;
        analysis.first_clip_s = self
            .first_clip
            .and_then(|frame| seconds(frame, self.sample_rate));
        analysis.last_clip_s = self
            .last_clip_end
            .and_then(|frame| seconds(frame, self.sample_rate));
        analysis.over_samples = self.over_samples;
        analysis.first_over_s = self
            .first_over
            .and_then(|frame| seconds(frame, self.sample_rate));
        analysis.last_over_s = self
            .last_over_end
            .and_then(|frame| seconds(frame, self.sample_rate));
        let flat_tops = self
            .flat_channel()
            .and_then(|channel| channel.marks.clone())
            .map(|mut marks| {
                // As wide as the overview's columns: both have reached the last frame.
                marks.reach(self.frames.saturating_sub(1));
                marks.into_bins()
            });
        if let Some(marks) = self.marks {
            let series = analysis.series.get_or_insert_with(Series::default);
            series.clipped = marks.into_bins();
            series.flat_tops = flat_tops.unwrap_or_default();
        }
    }
}
