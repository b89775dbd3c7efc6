//! The share of samples within 0.5 dB of the file's sample peak (a limiter's pile-up).

use super::{from_db, Accumulator, Analysis, Frames};

/// How far under the sample peak a sample still counts as piled up against it, dB.
const NEAR_PEAK_DB: f64 = -0.5;

pub struct NearPeak {
    /// The sample peak so far.
    peak: f64,
    samples: u64,
    non_finite: u64,
    levels: LevelHistogram,
}

impl NearPeak {
    pub fn new() -> Self {
        NearPeak {
            peak: 0.0,
            samples: 0,
            non_finite: 0,
            levels: LevelHistogram::new(),
        }
    }
}

impl Accumulator for NearPeak {
    fn push(&mut self, frames: &Frames<'_>) {
        // Samples that cannot end up within 0.5 dB of the final peak (which is at least the
        // peak so far) need not be binned: for most audio that skips nearly all of them. The
        // margin of two bins keeps every sample of a bin that `count_from` may read, so that
        // the ratio does not depend on where blocks start.
        let floor = self.peak * from_db(NEAR_PEAK_DB) * (1.0 - 1.0 / 128.0);
        if frames.peak >= floor && frames.peak > 0.0 {
            for &value in frames.samples {
                let level = value.abs();
                if level >= floor && level > 0.0 {
                    self.levels.add(level);
                }
            }
        }
        self.peak = self.peak.max(frames.peak);
        self.samples += frames.samples.len() as u64;
        self.non_finite += frames.non_finite;
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let finite = self.samples.saturating_sub(self.non_finite);
        analysis.near_peak_ratio = if finite > 0 && self.peak > 0.0 {
            let near = self.levels.count_from(self.peak * from_db(NEAR_PEAK_DB));
            near as f64 / finite as f64
        } else {
            0.0
        };
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
