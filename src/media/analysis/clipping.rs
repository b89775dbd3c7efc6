//! Runs of consecutive samples at full scale in one channel (runs continue across blocks).

use super::bins::Bins;
use super::{from_db, seconds, Accumulator, Analysis, AnalysisSettings, Frames, StreamSpec};
use crate::model::analysis::Series;

pub struct Clipping {
    sample_rate: u32,
    clip_level: f64,
    min_run: u64,
    /// Per channel: consecutive samples at or above the clip level up to the last one seen.
    runs: Vec<u64>,
    clipped_samples: u64,
    clip_runs: u64,
    longest_run: u64,
    first_clip: Option<u64>,
    /// The frame after the last clipped sample of a run.
    last_clip_end: Option<u64>,
    /// Which columns of the waveform overview hold clipped samples (with `series`).
    marks: Option<Bins<bool>>,
}

impl Clipping {
    pub fn new(spec: &StreamSpec, settings: &AnalysisSettings) -> Self {
        Clipping {
            sample_rate: spec.sample_rate,
            clip_level: from_db(settings.clip_level_dbfs),
            min_run: u64::from(settings.clip_min_run.max(1)),
            runs: vec![0; usize::from(spec.channels)],
            clipped_samples: 0,
            clip_runs: 0,
            longest_run: 0,
            first_clip: None,
            last_clip_end: None,
            marks: settings
                .series
                .then(|| Bins::new(false, |a: &bool, b: &bool| *a || *b)),
        }
    }
}

impl Accumulator for Clipping {
    fn push(&mut self, frames: &Frames<'_>) {
        if let Some(marks) = &mut self.marks {
            // Keep the marks' columns as wide as the overview's, clipped or not.
            marks.reach(frames.position + frames.frames() as u64 - 1);
        }
        // Most blocks have no sample at the clip level: every run ends, nothing else to do.
        if frames.peak < self.clip_level {
            self.runs.fill(0);
            return;
        }
        for (index, frame) in frames.samples.chunks_exact(frames.channels).enumerate() {
            for (&value, run) in frame.iter().zip(self.runs.iter_mut()) {
                if value.abs() >= self.clip_level {
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
        analysis.clipped_samples = self.clipped_samples;
        analysis.clip_runs = self.clip_runs;
        analysis.longest_clip_run = self.longest_run;
        analysis.first_clip_s = self
            .first_clip
            .and_then(|frame| seconds(frame, self.sample_rate));
        analysis.last_clip_s = self
            .last_clip_end
            .and_then(|frame| seconds(frame, self.sample_rate));
        if let Some(marks) = self.marks {
            analysis.series.get_or_insert_with(Series::default).clipped = marks.into_bins();
        }
    }
}
