//! Integrated loudness and loudness range (ITU-R BS.1770-4 / EBU R128) with our own kernel
//! (`media::loudness`, figure for figure as the `ebur128` crate), and the peak-to-loudness
//! ratio once the true peak is known too.

use super::bins::Bins;
use super::{seconds, Accumulator, Analysis, AnalysisSettings, Frames, StreamSpec};
use crate::media::loudness::{
    LoudnessMeter, DUAL_MONO_WEIGHT, FRONT_WEIGHT, SURROUND_WEIGHT, UNUSED_WEIGHT,
};
use crate::model::analysis::Series;

/// The most channels metered, as libebur128 (and the `ebur128` crate) allow.
const MAX_CHANNELS: u16 = 64;

pub struct Loudness {
    /// None when the stream cannot be metered (no channels, more than 64, a rate the meter
    /// refuses): loudness figures are then absent.
    meter: Option<LoudnessMeter>,
    sample_rate: u32,
    /// With `series`: the short-term curve for a report's plots.
    series: bool,
}

impl Loudness {
    pub fn new(spec: &StreamSpec, settings: &AnalysisSettings) -> Self {
        let meter = (spec.channels <= MAX_CHANNELS)
            .then(|| {
                LoudnessMeter::new(
                    spec.sample_rate,
                    &channel_weights(spec.channels, spec.channel_mask),
                )
            })
            .flatten();
        Loudness {
            meter,
            sample_rate: spec.sample_rate,
            series: settings.series,
        }
    }
}

impl Accumulator for Loudness {
    fn push(&mut self, frames: &Frames<'_>) {
        if let Some(meter) = &mut self.meter {
            meter.push_f64(frames.samples);
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let Some(meter) = &self.meter else {
            return;
        };
        analysis.integrated_lufs = meter.integrated_lufs();
        if analysis.integrated_lufs.is_some() {
            // Where no 3 s block passes the gate the range is 0 LU, as the crate reported.
            analysis.loudness_range_lu = meter.loudness_range_lu().or(Some(0.0));
        }
        analysis.peak_to_loudness_db = peak_to_loudness(analysis);
        if self.series {
            // One short-term value per 100 ms, placed at the 100 ms interval it ends; the
            // latest of each bin once bins merge.
            let mut curve = Bins::new(None, |a: &Option<f32>, b: &Option<f32>| match (a, b) {
                (Some(a), Some(b)) => Some(a.max(*b)),
                _ => a.or(*b),
            });
            for (index, lufs) in meter.short_term_from_start_lufs().enumerate() {
                *curve.at(index as u64) = lufs.is_finite().then_some(lufs as f32);
            }
            let interval = u64::from(self.sample_rate / 10).max(1);
            let series = analysis.series.get_or_insert_with(Series::default);
            series.loudness_interval_s =
                seconds(curve.width() * interval, self.sample_rate).unwrap_or(0.0);
            series.loudness_lufs = curve.into_bins();
        }
    }
}

/// True peak minus integrated loudness, when both are known (whichever accumulator finishes
/// last sees both).
pub fn peak_to_loudness(analysis: &Analysis) -> Option<f64> {
    analysis
        .true_peak_dbtp
        .zip(analysis.integrated_lufs)
        .map(|(peak, loudness)| peak - loudness)
}

/// BS.1770 weight of each channel. A mono file counts as the same signal on both stereo
/// speakers (broadcast practice, ffmpeg's `dualmono`); a 5-channel file without a mask is
/// L R C Ls Rs (libebur128's default would drop channel 4 as if it were an LFE).
fn channel_weights(channels: u16, mask: Option<u32>) -> Vec<f64> {
    const FRONT: f64 = FRONT_WEIGHT;
    const SURROUND: f64 = SURROUND_WEIGHT;
    const LFE: f64 = UNUSED_WEIGHT;
    let count = usize::from(channels);
    if count == 1 {
        return vec![DUAL_MONO_WEIGHT];
    }
    // WAVE_FORMAT_EXTENSIBLE speaker bits, in the order channels appear in the file.
    const SPEAKERS: [f64; 18] = [
        FRONT,    // FRONT_LEFT
        FRONT,    // FRONT_RIGHT
        FRONT,    // FRONT_CENTER
        LFE,      // LOW_FREQUENCY: BS.1770 leaves the LFE out
        SURROUND, // BACK_LEFT (Ls)
        SURROUND, // BACK_RIGHT (Rs)
        FRONT,    // FRONT_LEFT_OF_CENTER
        FRONT,    // FRONT_RIGHT_OF_CENTER
        FRONT,    // BACK_CENTER (M+180: weight 1.0 in libebur128)
        SURROUND, // SIDE_LEFT (M+090)
        SURROUND, // SIDE_RIGHT (M-090)
        FRONT,    // TOP_CENTER
        FRONT,    // TOP_FRONT_LEFT
        FRONT,    // TOP_FRONT_CENTER
        FRONT,    // TOP_FRONT_RIGHT
        FRONT,    // TOP_BACK_LEFT
        FRONT,    // TOP_BACK_CENTER
        FRONT,    // TOP_BACK_RIGHT
    ];
    let mut weights: Vec<f64> = match mask.filter(|&mask| mask != 0) {
        Some(mask) => SPEAKERS
            .iter()
            .enumerate()
            .filter(|&(bit, _)| mask & (1 << bit) != 0)
            .map(|(_, &weight)| weight)
            .collect(),
        None => match count {
            3 => vec![FRONT; 3],
            4 => vec![FRONT, FRONT, SURROUND, SURROUND],
            5 => vec![FRONT, FRONT, FRONT, SURROUND, SURROUND],
            6 => vec![FRONT, FRONT, FRONT, LFE, SURROUND, SURROUND],
            8 => vec![
                FRONT, FRONT, FRONT, LFE, SURROUND, SURROUND, SURROUND, SURROUND,
            ],
            _ => vec![FRONT, FRONT],
        },
    };
    // Channels the layout does not name still carry programme: count them at weight 1.0
    // rather than silently dropping them.
    weights.resize(count, FRONT);
    weights.truncate(count);
    weights
}
