//! True peak (ITU-R BS.1770-4, 4× oversampled below 96 kHz) with our own kernel
//! (`media::true_peak`, within one f32 step of the `ebur128` crate).

use super::loudness::peak_to_loudness;
use super::{to_db, Accumulator, Analysis, Frames, StreamSpec};
use crate::media::true_peak::TruePeakMeter;

/// The most channels metered, as libebur128 (and the `ebur128` crate) allow.
const MAX_CHANNELS: u16 = 64;

pub struct TruePeak {
    /// None when the stream cannot be metered (no channels, more than 64, a rate the meter
    /// refuses): the true peak is then absent.
    meter: Option<TruePeakMeter>,
}

impl TruePeak {
    pub fn new(spec: &StreamSpec) -> Self {
        let meter = (spec.channels <= MAX_CHANNELS)
            .then(|| TruePeakMeter::new(usize::from(spec.channels), spec.sample_rate))
            .flatten();
        TruePeak { meter }
    }
}

impl Accumulator for TruePeak {
    fn push(&mut self, frames: &Frames<'_>) {
        if let Some(meter) = &mut self.meter {
            meter.push_f64(frames.samples);
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let Some(meter) = &self.meter else {
            return;
        };
        analysis.true_peak_dbtp = to_db(meter.peak());
        analysis.peak_to_loudness_db = peak_to_loudness(analysis);
    }
}
