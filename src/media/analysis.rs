//! The single streaming pass: every statistic any rule needs, accumulated block by block.
//!
//! One fused loop per block walks the interleaved samples once, updates every statistic and
//! writes the (sanitised, full-scale) copy that the `ebur128` meter needs into a reused
//! scratch buffer; the meter then runs over that buffer. Memory does not depend on the
//! file's length, except the meter's gating history (8 bytes per 100 ms block, about
//! 0.3 MB per hour whatever the channel count), kept so that loudness is exact rather than
//! quantised to the 0.1 LU bins of the meter's histogram mode.

use super::Block;
pub use crate::model::analysis::{Analysis, AnalysisSettings};
use crate::model::record::SampleFormat;
use ebur128::{Channel, EbuR128, Mode};

/// What the analyser needs to know about the stream before the first block.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSpec {
    pub channels: u16,
    pub sample_rate: u32,
    pub sample_format: SampleFormat,
    pub bit_depth: Option<u16>,
    /// WAVE_FORMAT_EXTENSIBLE channel mask, for the BS.1770 channel weights of surround files.
    pub channel_mask: Option<u32>,
}

/// Accumulates an `Analysis` over the blocks of one file.
pub struct Analyzer {
    spec: StreamSpec,
    /// None when the stream cannot be metered (no channels, more than the meter's 64, a rate
    /// it refuses) or the meter failed part-way: loudness figures are then absent.
    meter: Option<EbuR128>,
    stats: Stats,
    /// Reused copies of each block in the form the meter takes; only the one matching the
    /// stream's sample type ever grows.
    scratch_int: Vec<i32>,
    scratch_float: Vec<f32>,
    scratch_double: Vec<f64>,
}

impl Analyzer {
    pub fn new(spec: StreamSpec, settings: &AnalysisSettings) -> Self {
        let meter = new_meter(&spec);
        let stats = Stats::new(usize::from(spec.channels), settings);
        Analyzer {
            spec,
            meter,
            stats,
            scratch_int: Vec::new(),
            scratch_float: Vec::new(),
            scratch_double: Vec::new(),
        }
    }

    /// Adds one block. Samples after the last whole frame are ignored.
    pub fn push(&mut self, block: &Block<'_>) {
        let channels = usize::from(self.spec.channels);
        if channels == 0 {
            return;
        }
        let whole = |len: usize| len - len % channels;
        let fed = match *block {
            Block::Int { samples, bits } => {
                let samples = &samples[..whole(samples.len())];
                let kind = IntKind::new(bits);
                self.stats.accumulate(&kind, samples, &mut self.scratch_int);
                self.meter
                    .as_mut()
                    .map(|meter| meter.add_frames_i32(&self.scratch_int))
            }
            Block::Float(samples) => {
                let samples = &samples[..whole(samples.len())];
                self.stats
                    .accumulate(&FloatKind, samples, &mut self.scratch_float);
                self.meter
                    .as_mut()
                    .map(|meter| meter.add_frames_f32(&self.scratch_float))
            }
            Block::Double(samples) => {
                let samples = &samples[..whole(samples.len())];
                self.stats
                    .accumulate(&DoubleKind, samples, &mut self.scratch_double);
                self.meter
                    .as_mut()
                    .map(|meter| meter.add_frames_f64(&self.scratch_double))
            }
        };
        // A meter that rejected a block has lost its place in the stream: its figures would
        // be wrong, so it is dropped rather than trusted.
        if let Some(Err(_)) = fed {
            self.meter = None;
        }
    }

    pub fn finish(self) -> Analysis {
        let container_depth = self
            .spec
            .bit_depth
            .unwrap_or(match self.spec.sample_format {
                SampleFormat::Int => 24,
                SampleFormat::Float => 32,
            });
        let mut analysis = self.stats.finish(self.spec.sample_rate, container_depth);
        if let Some(meter) = &self.meter {
            read_meter(meter, &mut analysis);
        }
        analysis
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

/// Amplitude to dB, None for zero (and for anything not a positive finite number).
fn to_db(amplitude: f64) -> Option<f64> {
    (amplitude > 0.0 && amplitude.is_finite()).then(|| 20.0 * amplitude.log10())
}

fn from_db(db: f64) -> f64 {
    10.0_f64.powf(db / 20.0)
}

/// How one sample type reads as full-scale units, what the meter is fed, and how its
/// quantisation shows. Monomorphised, so the fused loop has no per-sample dispatch.
trait SampleKind {
    type Raw: Copy;
    type Metered: Copy + Default;
    /// Integer samples are always finite: lets the compiler drop the check for them.
    const MAY_BE_NON_FINITE: bool;
    /// The sample in full-scale units (may be non-finite for floats).
    fn unit(&self, raw: Self::Raw) -> f64;
    /// What the meter gets for the sample, `unit` already sanitised to a finite value.
    fn metered(&self, raw: Self::Raw, unit: f64) -> Self::Metered;
    /// The sample on a grid whose lowest set bit, ORed over the file, gives its bit depth:
    /// `grid_bits() - trailing_zeros`.
    fn grid(&self, raw: Self::Raw, unit: f64) -> u64;
    fn grid_bits(&self) -> u32;
    /// Bit-exact equality (two NaNs with the same payload are the same sample).
    fn same(a: Self::Raw, b: Self::Raw) -> bool;
}

/// Integer PCM sign-extended from `bits`; the meter takes it as full-scale i32 (shifted
/// left) so that its own i32 scaling (2^31 = full scale) reads the level right.
struct IntKind {
    bits: u32,
    scale: f64,
    shift: u32,
    min: i32,
    max: i32,
}

impl IntKind {
    fn new(bits: u32) -> Self {
        let bits = bits.clamp(1, 32);
        let full_scale = 2.0_f64.powi(bits as i32 - 1);
        IntKind {
            bits,
            scale: 1.0 / full_scale,
            shift: 32 - bits,
            // A decoder bug handing out-of-range values must not wrap around when shifted.
            min: (i64::from(i32::MIN) >> (32 - bits)) as i32,
            max: (i64::from(i32::MAX) >> (32 - bits)) as i32,
        }
    }

    fn clamp(&self, raw: i32) -> i32 {
        raw.clamp(self.min, self.max)
    }
}

impl SampleKind for IntKind {
    type Raw = i32;
    type Metered = i32;
    const MAY_BE_NON_FINITE: bool = false;

    fn unit(&self, raw: i32) -> f64 {
        f64::from(self.clamp(raw)) * self.scale
    }

    fn metered(&self, raw: i32, _unit: f64) -> i32 {
        self.clamp(raw) << self.shift
    }

    fn grid(&self, raw: i32, _unit: f64) -> u64 {
        // Sign extension keeps the low bits of a negative sample: its trailing zeros are the
        // same as its magnitude's.
        self.clamp(raw) as u64
    }

    fn grid_bits(&self) -> u32 {
        self.bits
    }

    fn same(a: i32, b: i32) -> bool {
        a == b
    }
}

/// A float sample on a 2^-24 grid (one bit finer than 24-bit audio): a sample that is not on
/// it, or too large to place, sets bit 0, which reads as "finer than 24 bits".
fn float_grid(unit: f64) -> u64 {
    let scaled = unit * 16_777_216.0;
    let whole = scaled as i64;
    if whole as f64 == scaled {
        whole as u64
    } else {
        1
    }
}

/// The grid is 2^-24 per step, so `GRID_BITS - trailing_zeros` is 25 for a float that
/// is finer than 24-bit audio.
const FLOAT_GRID_BITS: u32 = 25;

struct FloatKind;

impl SampleKind for FloatKind {
    type Raw = f32;
    type Metered = f32;
    const MAY_BE_NON_FINITE: bool = true;

    fn unit(&self, raw: f32) -> f64 {
        f64::from(raw)
    }

    fn metered(&self, _raw: f32, unit: f64) -> f32 {
        // Exact: `unit` is either the f32 itself or 0.
        unit as f32
    }

    fn grid(&self, _raw: f32, unit: f64) -> u64 {
        float_grid(unit)
    }

    fn grid_bits(&self) -> u32 {
        FLOAT_GRID_BITS
    }

    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits()
    }
}

struct DoubleKind;

impl SampleKind for DoubleKind {
    type Raw = f64;
    type Metered = f64;
    const MAY_BE_NON_FINITE: bool = true;

    fn unit(&self, raw: f64) -> f64 {
        raw
    }

    fn metered(&self, _raw: f64, unit: f64) -> f64 {
        unit
    }

    fn grid(&self, _raw: f64, unit: f64) -> u64 {
        float_grid(unit)
    }

    fn grid_bits(&self) -> u32 {
        FLOAT_GRID_BITS
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits()
    }
}

/// Per-channel running state.
#[derive(Debug, Clone, Default)]
struct ChannelStats {
    sum: f64,
    non_finite: u64,
    /// Consecutive samples at or above the clip level up to the last one seen; carried
    /// across blocks.
    clip_run: u64,
}

/// Co-moments of the first two channels, merged block by block (Chan et al.) so that a large
/// DC component or a long file cannot cancel the variance away in a single running sum.
#[derive(Debug, Clone, Default)]
struct PairMoments {
    frames: f64,
    mean_left: f64,
    mean_right: f64,
    var_left: f64,
    var_right: f64,
    covariance: f64,
}

/// Raw sums of one block of the first two channels.
#[derive(Debug, Clone, Copy, Default)]
struct PairSums {
    left: f64,
    right: f64,
    left_left: f64,
    right_right: f64,
    left_right: f64,
}

impl PairMoments {
    fn merge(&mut self, frames: usize, sums: &PairSums) {
        if frames == 0 {
            return;
        }
        let block = frames as f64;
        let mean_left = sums.left / block;
        let mean_right = sums.right / block;
        let var_left = sums.left_left - sums.left * mean_left;
        let var_right = sums.right_right - sums.right * mean_right;
        let covariance = sums.left_right - sums.left * mean_right;
        let total = self.frames + block;
        let delta_left = mean_left - self.mean_left;
        let delta_right = mean_right - self.mean_right;
        let weight = self.frames * block / total;
        self.var_left += var_left + delta_left * delta_left * weight;
        self.var_right += var_right + delta_right * delta_right * weight;
        self.covariance += covariance + delta_left * delta_right * weight;
        self.mean_left += delta_left * block / total;
        self.mean_right += delta_right * block / total;
        self.frames = total;
    }

    fn correlation(&self) -> Option<f64> {
        let denominator = (self.var_left * self.var_right).sqrt();
        (denominator > 0.0 && denominator.is_finite())
            .then(|| (self.covariance / denominator).clamp(-1.0, 1.0))
    }
}

/// Counts of |sample| on a logarithmic grid read straight from the f32 bit pattern (exponent
/// and the top 8 mantissa bits: 256 bins per octave, at most 0.034 dB wide), so that the share
/// of samples near the peak can be read once the peak is known, without a log per sample.
struct LevelHistogram {
    counts: Vec<u64>,
}

impl LevelHistogram {
    const MANTISSA_DROP: u32 = 23 - 8;
    /// 2^-16 (-96.3 dBFS), below any level a limiter works at.
    const LOWEST: f32 = 1.0 / 65_536.0;
    /// 2^2 (+12 dBFS); louder float samples share the top bin.
    const HIGHEST: f32 = 4.0;

    fn new() -> Self {
        LevelHistogram {
            counts: vec![0; (Self::bin_of(Self::HIGHEST) - Self::bin_of(Self::LOWEST)) + 1],
        }
    }

    fn bin_of(level: f32) -> usize {
        (level.to_bits() >> Self::MANTISSA_DROP) as usize
    }

    fn add(&mut self, level: f64) {
        let level = level as f32;
        if level < Self::LOWEST {
            return;
        }
        let level = level.min(Self::HIGHEST);
        let bin = Self::bin_of(level) - Self::bin_of(Self::LOWEST);
        if let Some(count) = self.counts.get_mut(bin) {
            *count += 1;
        }
    }

    /// Samples in bins whose middle lies at or above `threshold`.
    fn count_from(&self, threshold: f64) -> u64 {
        let first_bin = Self::bin_of(Self::LOWEST) as u32;
        self.counts
            .iter()
            .enumerate()
            .filter(|&(bin, _)| {
                let low = f32::from_bits((first_bin + bin as u32) << Self::MANTISSA_DROP);
                let high = f32::from_bits((first_bin + bin as u32 + 1) << Self::MANTISSA_DROP);
                (f64::from(low) + f64::from(high)) / 2.0 >= threshold
            })
            .map(|(_, &count)| count)
            .sum()
    }
}

/// Everything but the meter: the statistics of the fused loop.
struct Stats {
    channels: usize,
    clip_level: f64,
    clip_min_run: u64,
    silence_floor: f64,
    per_channel: Vec<ChannelStats>,
    frames: u64,
    peak: f64,
    sum_squares: f64,
    grid: u64,
    grid_bits: u32,
    /// Float grids have one bit finer than 24-bit audio, standing for "not integer audio".
    grid_is_float: bool,
    identical: bool,
    difference_peak: f64,
    pair: PairMoments,
    first_sound: Option<u64>,
    last_sound: Option<u64>,
    clipped_samples: u64,
    clip_runs: u64,
    longest_clip_run: u64,
    first_clip: Option<u64>,
    levels: LevelHistogram,
}

/// How far under the sample peak a sample still counts as piled up against it, dB.
const NEAR_PEAK_DB: f64 = -0.5;

impl Stats {
    fn new(channels: usize, settings: &AnalysisSettings) -> Self {
        Stats {
            channels,
            clip_level: from_db(settings.clip_level_dbfs),
            clip_min_run: u64::from(settings.clip_min_run.max(1)),
            silence_floor: from_db(settings.silence_floor_dbfs),
            per_channel: vec![ChannelStats::default(); channels],
            frames: 0,
            peak: 0.0,
            sum_squares: 0.0,
            grid: 0,
            grid_bits: 0,
            grid_is_float: false,
            identical: channels >= 2,
            difference_peak: 0.0,
            pair: PairMoments::default(),
            first_sound: None,
            last_sound: None,
            clipped_samples: 0,
            clip_runs: 0,
            longest_clip_run: 0,
            first_clip: None,
            levels: LevelHistogram::new(),
        }
    }

    /// The fused loop: one walk over `samples` (whole frames) updates every statistic and
    /// fills `metered` with what the meter takes.
    fn accumulate<K: SampleKind>(
        &mut self,
        kind: &K,
        samples: &[K::Raw],
        metered: &mut Vec<K::Metered>,
    ) {
        metered.clear();
        metered.resize(samples.len(), K::Metered::default());
        let channels = self.channels;
        if channels == 0 || samples.is_empty() {
            return;
        }
        self.grid_bits = kind.grid_bits();
        self.grid_is_float = K::MAY_BE_NON_FINITE;
        // Samples that cannot end up within 0.5 dB of the final peak (which is at least the
        // peak so far) need not be binned: for most audio that skips nearly all of them. The
        // margin of two bins keeps every sample of a bin that `count_from` may read, so that
        // the ratio does not depend on where blocks start.
        let near_peak_floor = self.peak * from_db(NEAR_PEAK_DB) * (1.0 - 1.0 / 128.0);
        let clip_level = self.clip_level;
        let clip_min_run = self.clip_min_run;
        let silence_floor = self.silence_floor;
        let pair = channels >= 2;

        let mut peak = self.peak;
        let mut sum_squares = 0.0;
        let mut grid = self.grid;
        let mut pair_sums = PairSums::default();
        let mut difference_peak = self.difference_peak;
        let mut identical = self.identical;

        for (index, (frame, metered_frame)) in samples
            .chunks_exact(channels)
            .zip(metered.chunks_exact_mut(channels))
            .enumerate()
        {
            let position = self.frames + index as u64;
            let mut frame_peak: f64 = 0.0;
            for ((&raw, out), channel) in frame
                .iter()
                .zip(metered_frame.iter_mut())
                .zip(self.per_channel.iter_mut())
            {
                let mut value = kind.unit(raw);
                if K::MAY_BE_NON_FINITE && !value.is_finite() {
                    channel.non_finite += 1;
                    value = 0.0;
                }
                *out = kind.metered(raw, value);
                let level = value.abs();
                frame_peak = frame_peak.max(level);
                channel.sum += value;
                sum_squares += value * value;
                grid |= kind.grid(raw, value);
                if level >= clip_level {
                    channel.clip_run += 1;
                    let run = channel.clip_run;
                    if run == clip_min_run {
                        self.clipped_samples += run;
                        self.clip_runs += 1;
                        let start = position + 1 - run;
                        self.first_clip = Some(self.first_clip.map_or(start, |s| s.min(start)));
                    } else if run > clip_min_run {
                        self.clipped_samples += 1;
                    }
                    self.longest_clip_run = self.longest_clip_run.max(run);
                } else {
                    channel.clip_run = 0;
                }
                if level >= near_peak_floor && level > 0.0 {
                    self.levels.add(level);
                }
            }
            peak = peak.max(frame_peak);
            if frame_peak > silence_floor {
                self.first_sound.get_or_insert(position);
                self.last_sound = Some(position);
            }
            if pair {
                let left = sanitised(kind.unit(frame[0]));
                let right = sanitised(kind.unit(frame[1]));
                pair_sums.left += left;
                pair_sums.right += right;
                pair_sums.left_left += left * left;
                pair_sums.right_right += right * right;
                pair_sums.left_right += left * right;
                difference_peak = difference_peak.max((left - right).abs());
                identical = identical && frame[1..].iter().all(|&other| K::same(other, frame[0]));
            }
        }

        let frames = samples.len() / channels;
        self.frames += frames as u64;
        self.peak = peak;
        self.sum_squares += sum_squares;
        self.grid = grid;
        self.difference_peak = difference_peak;
        self.identical = identical;
        if pair {
            self.pair.merge(frames, &pair_sums);
        }
    }

    fn finish(self, sample_rate: u32, container_depth: u16) -> Analysis {
        let seconds = |frame: u64| (sample_rate > 0).then(|| frame as f64 / f64::from(sample_rate));
        let non_finite_samples: u64 = self.per_channel.iter().map(|c| c.non_finite).sum();
        let finite_samples =
            (self.frames * self.channels as u64).saturating_sub(non_finite_samples);
        let dc_offset = self
            .per_channel
            .iter()
            .filter_map(|channel| {
                let finite = self.frames.saturating_sub(channel.non_finite);
                (finite > 0).then(|| (channel.sum / finite as f64).abs())
            })
            .fold(0.0, f64::max);
        let rms_dbfs = (finite_samples > 0)
            .then(|| (self.sum_squares / finite_samples as f64).sqrt())
            .and_then(to_db);
        let effective_bit_depth = (self.grid != 0).then(|| {
            let used = self.grid_bits.saturating_sub(self.grid.trailing_zeros());
            if self.grid_is_float && used > 24 {
                container_depth
            } else {
                used as u16
            }
        });
        let near_peak_ratio = if finite_samples > 0 && self.peak > 0.0 {
            let near = self.levels.count_from(self.peak * from_db(NEAR_PEAK_DB));
            near as f64 / finite_samples as f64
        } else {
            0.0
        };
        Analysis {
            sample_peak_dbfs: to_db(self.peak),
            true_peak_dbtp: None,
            integrated_lufs: None,
            loudness_range_lu: None,
            peak_to_loudness_db: None,
            rms_dbfs,
            dc_offset,
            clipped_samples: self.clipped_samples,
            clip_runs: self.clip_runs,
            longest_clip_run: self.longest_clip_run,
            first_clip_s: self.first_clip.and_then(seconds),
            effective_bit_depth,
            identical_channels: self.identical,
            channel_difference_peak_dbfs: if self.identical {
                None
            } else {
                to_db(self.difference_peak)
            },
            correlation: self.pair.correlation(),
            first_sound_s: self.first_sound.and_then(seconds),
            last_sound_s: self.last_sound.and_then(seconds),
            non_finite_samples,
            near_peak_ratio,
        }
    }
}

fn sanitised(value: f64) -> f64 {
    if value.is_finite() {
        value
    } else {
        0.0
    }
}
