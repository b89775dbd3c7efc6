//! Loudness and true peak (ITU-R BS.1770-4 / EBU R128) with the `ebur128` crate: integrated
//! loudness, loudness range, true peak and the peak-to-loudness ratio.

use ebur128::{Channel, EbuR128, Mode};

use super::{to_db, Accumulator, Analysis, Frames, StreamSpec};

pub struct Loudness {
    /// None when the stream cannot be metered (no channels, more than the meter's 64, a rate
    /// it refuses) or the meter failed part-way: loudness figures are then absent.
    meter: Option<EbuR128>,
}

impl Loudness {
    pub fn new(spec: &StreamSpec) -> Self {
        Loudness {
            meter: new_meter(spec),
        }
    }
}

impl Accumulator for Loudness {
    fn push(&mut self, frames: &Frames<'_>) {
        // The full-scale samples are exactly what the meter reads from any sample type (its
        // own conversion of i32 and f32 gives the same values), so one path serves all.
        let fed = self
            .meter
            .as_mut()
            .map(|meter| meter.add_frames_f64(frames.samples));
        // A meter that rejected a block has lost its place in the stream: its figures would
        // be wrong, so it is dropped rather than trusted.
        if let Some(Err(_)) = fed {
            self.meter = None;
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        if let Some(meter) = &self.meter {
            read_meter(meter, analysis);
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
