//! Loudness and true peak (ITU-R BS.1770-4 / EBU R128) with the `ebur128` crate: integrated
//! loudness, loudness range, true peak and the peak-to-loudness ratio; where the true peak
//! is (to 100 ms) and, for a report's plots, the short-term loudness every 100 ms.

use ebur128::{Channel, EbuR128, Mode};

use super::bins::Bins;
use super::{seconds, to_db, Accumulator, Analysis, AnalysisSettings, Frames, StreamSpec};
use crate::model::analysis::Series;

pub struct Loudness {
    /// None when the stream cannot be metered (no channels, more than the meter's 64, a rate
    /// it refuses) or the meter failed part-way: loudness figures are then absent.
    meter: Option<EbuR128>,
    sample_rate: u32,
    /// The meter is read every `interval` frames (100 ms): the true peak's place and the
    /// short-term curve.
    interval: u64,
    frames: u64,
    /// The highest true peak of any interval so far, and the interval's first frame.
    loudest_peak: (f64, u64),
    /// Short-term loudness at the end of each interval (with `series`), the loudest of
    /// each bin once bins merge.
    curve: Option<Bins<Option<f32>>>,
}

impl Loudness {
    pub fn new(spec: &StreamSpec, settings: &AnalysisSettings) -> Self {
        Loudness {
            meter: new_meter(spec),
            sample_rate: spec.sample_rate,
            interval: u64::from(spec.sample_rate / 10).max(1),
            frames: 0,
            loudest_peak: (0.0, 0),
            curve: settings.series.then(|| {
                Bins::new(None, |a: &Option<f32>, b: &Option<f32>| match (a, b) {
                    (Some(a), Some(b)) => Some(a.max(*b)),
                    _ => a.or(*b),
                })
            }),
        }
    }
}

impl Accumulator for Loudness {
    fn push(&mut self, frames: &Frames<'_>) {
        let Some(meter) = self.meter.as_mut() else {
            return;
        };
        // Fed up to each interval's end, where the meter is read; the meter's figures do not
        // depend on how the stream is cut.
        let mut rest = frames.samples;
        while !rest.is_empty() {
            let to_boundary = self.interval - self.frames % self.interval;
            let take = (to_boundary as usize).min(rest.len() / frames.channels);
            let (chunk, after) = rest.split_at(take * frames.channels);
            // The full-scale samples are exactly what the meter reads from any sample type
            // (its own conversion of i32 and f32 gives the same values). A meter that
            // rejected a block has lost its place in the stream: its figures would be wrong,
            // so it is dropped rather than trusted.
            if meter.add_frames_f64(chunk).is_err() {
                self.meter = None;
                return;
            }
            let peak = (0..meter.channels())
                .filter_map(|channel| meter.prev_true_peak(channel).ok())
                .fold(0.0_f64, f64::max);
            let start = self.frames - self.frames % self.interval;
            if peak > self.loudest_peak.0 {
                self.loudest_peak = (peak, start);
            }
            self.frames += take as u64;
            if self.frames % self.interval == 0 {
                if let Some(curve) = &mut self.curve {
                    let lufs = meter
                        .loudness_shortterm()
                        .ok()
                        .filter(|lufs| lufs.is_finite());
                    *curve.at(start / self.interval) = lufs.map(|lufs| lufs as f32);
                }
            }
            rest = after;
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let Some(meter) = &self.meter else {
            return;
        };
        read_meter(meter, analysis);
        if analysis.true_peak_dbtp.is_some() {
            analysis.true_peak_s = seconds(self.loudest_peak.1, self.sample_rate);
        }
        if let Some(curve) = self.curve {
            let series = analysis.series.get_or_insert_with(Series::default);
            series.loudness_interval_s =
                seconds(curve.width() * self.interval, self.sample_rate).unwrap_or(0.0);
            series.loudness_lufs = curve.into_bins();
        }
    }
}

/// The meter for `spec`, with a BS.1770 channel map, or None when it cannot measure it.
fn new_meter(spec: &StreamSpec) -> Option<EbuR128> {
    let channels = u32::from(spec.channels);
    let mut meter = EbuR128::new(
        channels,
        spec.sample_rate,
        Mode::I | Mode::LRA | Mode::TRUE_PEAK,
    )
    .ok()?;
    meter
        .set_channel_map(&channel_map(spec.channels, spec.channel_mask))
        .ok()?;
    Some(meter)
}

/// BS.1770 position of each channel. The meter's own default drops channel 4 of a 5-channel
/// file as if it were an LFE, and counts a mono file once where broadcast practice (and
/// ffmpeg's `dualmono`) counts it as the same signal on both stereo speakers.
fn channel_map(channels: u16, mask: Option<u32>) -> Vec<Channel> {
    use Channel::*;
    let count = usize::from(channels);
    if count == 1 {
        return vec![DualMono];
    }
    // WAVE_FORMAT_EXTENSIBLE speaker bits, in the order channels appear in the file.
    const SPEAKERS: [Channel; 18] = [
        Left,          // FRONT_LEFT
        Right,         // FRONT_RIGHT
        Center,        // FRONT_CENTER
        Unused,        // LOW_FREQUENCY: BS.1770 leaves the LFE out
        LeftSurround,  // BACK_LEFT
        RightSurround, // BACK_RIGHT
        Left,          // FRONT_LEFT_OF_CENTER: weight 1.0 like any front channel
        Right,         // FRONT_RIGHT_OF_CENTER
        Mp180,         // BACK_CENTER
        Mp090,         // SIDE_LEFT
        Mm090,         // SIDE_RIGHT
        Tp000,         // TOP_CENTER
        Up030,         // TOP_FRONT_LEFT
        Up000,         // TOP_FRONT_CENTER
        Um030,         // TOP_FRONT_RIGHT
        Up135,         // TOP_BACK_LEFT
        Up180,         // TOP_BACK_CENTER
        Um135,         // TOP_BACK_RIGHT
    ];
    let mut map: Vec<Channel> = match mask.filter(|&mask| mask != 0) {
        Some(mask) => SPEAKERS
            .iter()
            .enumerate()
            .filter(|&(bit, _)| mask & (1 << bit) != 0)
            .map(|(_, &speaker)| speaker)
            .collect(),
        None => match count {
            3 => vec![Left, Right, Center],
            4 => vec![Left, Right, LeftSurround, RightSurround],
            5 => vec![Left, Right, Center, LeftSurround, RightSurround],
            6 => vec![Left, Right, Center, Unused, LeftSurround, RightSurround],
            8 => vec![
                Left,
                Right,
                Center,
                Unused,
                LeftSurround,
                RightSurround,
                Mp090,
                Mm090,
            ],
            _ => vec![Left, Right],
        },
    };
    // Channels the layout does not name still carry programme: count them at weight 1.0
    // rather than silently dropping them.
    map.resize(count, Center);
    map.truncate(count);
    map
}

/// Copies the meter's figures into `analysis`, leaving out what silence makes infinite.
fn read_meter(meter: &EbuR128, analysis: &mut Analysis) {
    analysis.integrated_lufs = meter.loudness_global().ok().filter(|lufs| lufs.is_finite());
    if analysis.integrated_lufs.is_some() {
        analysis.loudness_range_lu = meter.loudness_range().ok().filter(|lu| lu.is_finite());
    }
    let true_peak = (0..meter.channels())
        .filter_map(|channel| meter.true_peak(channel).ok())
        .fold(0.0_f64, f64::max);
    analysis.true_peak_dbtp = to_db(true_peak);
    analysis.peak_to_loudness_db = analysis
        .true_peak_dbtp
        .zip(analysis.integrated_lufs)
        .map(|(peak, loudness)| peak - loudness);
}
