//! True peak (ITU-R BS.1770-4, 4× oversampled below 96 kHz) with our own kernel
//! (`media::true_peak`, within one f32 step of the `ebur128` crate).

use super::loudness::peak_to_loudness;
use super::{seconds, to_db, Accumulator, Analysis, Frames, StreamSpec};
use crate::media::true_peak::TruePeakMeter;

/// The most channels metered, as libebur128 (and the `ebur128` crate) allow.
const MAX_CHANNELS: u16 = 64;

pub struct TruePeak {
    /// None when the stream cannot be metered (no channels, more than 64, a rate the meter
    /// refuses): the true peak is then absent.
    meter: Option<TruePeakMeter>,
    sample_rate: u32,
    /// The meter is fed 100 ms at a time so that the interval where the peak was reached is
    /// known (`true_peak_s`); its figures do not depend on how the stream is cut.
    interval: u64,
    frames: u64,
    /// The first frame of the interval where the running peak last rose.
    peak_at: u64,
}

impl TruePeak {
    pub fn new(spec: &StreamSpec) -> Self {
        let meter = (spec.channels <= MAX_CHANNELS)
            .then(|| TruePeakMeter::new(usize::from(spec.channels), spec.sample_rate))
            .flatten();
        TruePeak {
            meter,
            sample_rate: spec.sample_rate,
            interval: u64::from(spec.sample_rate / 10).max(1),
            frames: 0,
            peak_at: 0,
        }
    }
}

impl Accumulator for TruePeak {
    fn push(&mut self, frames: &Frames<'_>) {
        let Some(meter) = &mut self.meter else {
            return;
        };
        let mut rest = frames.samples;
        while !rest.is_empty() {
            let to_boundary = self.interval - self.frames % self.interval;
            let take = (to_boundary as usize).min(rest.len() / frames.channels);
            let (chunk, after) = rest.split_at(take * frames.channels);
            let before = meter.peak();
            meter.push_f64(chunk);
            if meter.peak() > before {
                self.peak_at = self.frames - self.frames % self.interval;
            }
            self.frames += take as u64;
            rest = after;
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let Some(meter) = &self.meter else {
            return;
        };
        analysis.true_peak_dbtp = to_db(meter.peak());
        if analysis.true_peak_dbtp.is_some() {
            analysis.true_peak_s = seconds(self.peak_at, self.sample_rate);
        }
        analysis.peak_to_loudness_db = peak_to_loudness(analysis);
    }
}
