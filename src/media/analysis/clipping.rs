//! Runs of consecutive samples at full scale in one channel (runs continue across blocks).

use super::{from_db, seconds, Accumulator, Analysis, AnalysisSettings, Frames, StreamSpec};

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
        }
    }
}

impl Accumulator for Clipping {
    fn push(&mut self, frames: &Frames<'_>) {
        for (index, frame) in frames.samples.chunks_exact(frames.channels).enumerate() {
            for (&value, run) in frame.iter().zip(self.runs.iter_mut()) {
                if value.abs() >= self.clip_level {
                    *run += 1;
                    if *run == self.min_run {
                        self.clipped_samples += *run;
                        self.clip_runs += 1;
                        let start = frames.position + index as u64 + 1 - *run;
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
    }
}
