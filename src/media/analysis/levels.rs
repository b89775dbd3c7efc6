//! Sample peak, RMS, DC offset, NaN/inf samples, and where sound starts and ends.

use super::{from_db, seconds, to_db, Accumulator, Analysis, AnalysisSettings, Frames, StreamSpec};
use crate::media::Block;

pub struct Levels {
    sample_rate: u32,
    silence_floor: f64,
    peak: f64,
    sum_squares: f64,
    /// Per channel: sum of the samples (for the DC offset) and NaN/inf samples.
    sums: Vec<f64>,
    non_finite: Vec<u64>,
    first_non_finite: Option<u64>,
    frames: u64,
    first_sound: Option<u64>,
    last_sound: Option<u64>,
    /// Per channel, the peak so far; followed only until every channel has risen above the
    /// silence floor (a file with a dead channel pays one more read, the others none).
    channel_peaks: Vec<f64>,
    all_sounding: bool,
}

impl Levels {
    pub fn new(spec: &StreamSpec, settings: &AnalysisSettings) -> Self {
        let channels = usize::from(spec.channels);
        Levels {
            sample_rate: spec.sample_rate,
            silence_floor: from_db(settings.silence_floor_dbfs),
            peak: 0.0,
            sum_squares: 0.0,
            sums: vec![0.0; channels],
            non_finite: vec![0; channels],
            first_non_finite: None,
            frames: 0,
            first_sound: None,
            last_sound: None,
            channel_peaks: vec![0.0; channels],
            all_sounding: channels < 2,
        }
    }

    /// Raises each channel's peak to the block's, while one is still under the floor.
    fn follow_channel_peaks(&mut self, samples: &[f64]) {
        let channels = self.channel_peaks.len();
        for frame in samples.chunks_exact(channels) {
            for (peak, value) in self.channel_peaks.iter_mut().zip(frame) {
                *peak = peak.max(value.abs());
            }
        }
        let floor = self.silence_floor;
        self.all_sounding = self.channel_peaks.iter().all(|&peak| peak > floor);
    }

    fn count_non_finite<T: Copy>(&mut self, raw: &[T], position: u64, finite: impl Fn(T) -> bool) {
        let channels = self.non_finite.len();
        for (index, &sample) in raw.iter().enumerate() {
            if !finite(sample) {
                self.non_finite[index % channels] += 1;
                self.first_non_finite
                    .get_or_insert(position + (index / channels) as u64);
            }
        }
    }
}

impl Accumulator for Levels {
    fn push(&mut self, frames: &Frames<'_>) {
        let channels = frames.channels;
        self.peak = self.peak.max(frames.peak);
        let sums = frames.sums(0, frames.frames());
        for (total, sum) in self.sums.iter_mut().zip(&sums.sums) {
            *total += sum;
        }
        self.sum_squares += sums.total_squares();
        self.frames += frames.frames() as u64;
        if !self.all_sounding && frames.peak > self.silence_floor {
            self.follow_channel_peaks(frames.samples);
        }
        // Sound starts at the first frame with a sample over the floor, ends at the last one.
        if frames.peak > self.silence_floor {
            let floor = self.silence_floor;
            let frame_of = |index: usize| frames.position + (index / channels) as u64;
            if self.first_sound.is_none() {
                let first = frames.samples.iter().position(|value| value.abs() > floor);
                self.first_sound = first.map(frame_of);
            }
            let last = frames.samples.iter().rposition(|value| value.abs() > floor);
            self.last_sound = last.map(frame_of).or(self.last_sound);
        }
        if frames.non_finite > 0 {
            match frames.raw {
                Block::Float(raw) => self.count_non_finite(raw, frames.position, f32::is_finite),
                Block::Double(raw) => self.count_non_finite(raw, frames.position, f64::is_finite),
                Block::Int { .. } => {}
            }
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let non_finite_samples: u64 = self.non_finite.iter().sum();
        let finite_samples =
            (self.frames * self.sums.len() as u64).saturating_sub(non_finite_samples);
        analysis.sample_peak_dbfs = to_db(self.peak);
        analysis.rms_dbfs = (finite_samples > 0)
            .then(|| (self.sum_squares / finite_samples as f64).sqrt())
            .and_then(to_db);
        analysis.dc_offset = self
            .sums
            .iter()
            .zip(&self.non_finite)
            .filter_map(|(sum, non_finite)| {
                let finite = self.frames.saturating_sub(*non_finite);
                (finite > 0).then(|| (sum / finite as f64).abs())
            })
            .fold(0.0, f64::max);
        // A channel under the floor from start to end, in a file with sound in another.
        analysis.silent_channels = if self.peak > self.silence_floor && !self.all_sounding {
            (1..)
                .zip(&self.channel_peaks)
                .filter(|&(_, &peak)| peak <= self.silence_floor)
                .map(|(number, _)| number)
                .collect()
        } else {
            Vec::new()
        };
        analysis.non_finite_samples = non_finite_samples;
        analysis.first_non_finite_s = self
            .first_non_finite
            .and_then(|frame| seconds(frame, self.sample_rate));
        analysis.first_sound_s = self
            .first_sound
            .and_then(|frame| seconds(frame, self.sample_rate));
        analysis.last_sound_s = self
            .last_sound
            .and_then(|frame| seconds(frame, self.sample_rate));
    }
}
