//! The single streaming pass: every statistic any rule needs, accumulated block by block.

use serde::Serialize;

use super::Block;
use crate::record::SampleFormat;

/// Statistics of one file's decoded samples. Levels in dB are `None` for digital silence.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// Highest absolute sample over all channels, dBFS.
    pub sample_peak_dbfs: Option<f64>,
    /// ITU-R BS.1770-4 true peak (4x oversampling), dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// BS.1770-4 gated integrated loudness; mono files are measured as dual-mono.
    pub integrated_lufs: Option<f64>,
    /// EBU Tech 3342 loudness range, LU.
    pub loudness_range_lu: Option<f64>,
    /// RMS over all channels and samples, dBFS (a full-scale sine reads -3.01).
    pub rms_dbfs: Option<f64>,
    /// Largest absolute per-channel mean, in full-scale units (1.0 = full scale).
    pub dc_offset: f64,
    /// Samples at or within a hair of full scale that belong to runs of at least the
    /// analyser's minimum run length.
    pub clipped_samples: u64,
    /// Longest run of consecutive full-scale samples in one channel.
    pub longest_clip_run: u64,
    /// Time of the first clipped run, seconds.
    pub first_clip_s: Option<f64>,
    /// Bits actually used: a 24-bit file whose low 8 bits are always zero holds 16-bit audio.
    pub effective_bit_depth: Option<u16>,
    /// True when every channel is bit-identical to the first (and there are at least two).
    pub identical_channels: bool,
    /// Peak of the difference between the first two channels, dBFS (None when identical).
    pub channel_difference_peak_dbfs: Option<f64>,
    /// Pearson correlation of the first two channels (None for mono or silence).
    pub correlation: Option<f64>,
    /// First and last sample above the silence floor, seconds (None for silence).
    pub first_sound_s: Option<f64>,
    pub last_sound_s: Option<f64>,
    /// NaN or infinite samples in float files (left out of every other figure).
    pub non_finite_samples: u64,
    /// Share of samples within 0.5 dB of the file's sample peak (a limiter's pile-up).
    pub near_peak_ratio: f64,
}

/// Measurement definitions that come from the profile (the rules' parameters), fixed before
/// the pass starts so that one pass serves every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSettings {
    /// A sample at or above this level (dBFS, absolute value) counts as at full scale.
    pub clip_level_dbfs: f64,
    /// Consecutive full-scale samples in one channel that make a clipped run.
    pub clip_min_run: u32,
    /// Below this level (dBFS) a sample counts as silence (head/tail silence, `signal/silent`).
    pub silence_floor_dbfs: f64,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            clip_level_dbfs: -0.01,
            clip_min_run: 3,
            silence_floor_dbfs: -90.0,
        }
    }
}

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
    settings: AnalysisSettings,
}

impl Analyzer {
    pub fn new(spec: StreamSpec, settings: &AnalysisSettings) -> Self {
        Analyzer {
            spec,
            settings: settings.clone(),
        }
    }

    pub fn push(&mut self, block: &Block<'_>) {
        let _ = (block, &self.spec, &self.settings);
    }

    pub fn finish(self) -> Analysis {
        Analysis::default()
    }
}
