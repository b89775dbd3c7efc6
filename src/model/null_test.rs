//! The null test's result (stems summed against the mix), as the rules and renderers read it.
//! The stage that measures it is `crate::stems`.

use serde::Serialize;

use super::pattern::Pattern;

/// The outcome of the null test of one delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NullTest {
    /// The mix the stems were compared with (relative path).
    pub mix: String,
    /// The stems summed (relative paths, sorted).
    pub stems: Vec<String>,
    /// Measured, or why not.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What the null test came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// The stems were summed against the mix.
    Measured(Measurement),
    /// The files cannot be summed sample by sample; `reason` says why.
    Skipped {
        /// Why the files cannot be summed.
        reason: String,
    },
}

/// Levels of the residual `sum(stems) - mix`, in f64 full-scale units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    /// Frames compared.
    pub frames: u64,
    /// Sample rate of the stems and the mix.
    pub sample_rate: u32,
    /// Every residual sample is exactly zero.
    pub bit_exact: bool,
    /// RMS of the mix over all channels, dBFS; None when the mix is digital silence.
    pub mix_rms_dbfs: Option<f64>,
    /// Residual RMS against the mix RMS (against full scale when the mix is silent), dB;
    /// None when bit-exact. This is the null depth the threshold applies to.
    pub null_depth_db: Option<f64>,
    /// Residual sample peak against the mix RMS, dB; None when bit-exact.
    pub residual_peak_db: Option<f64>,
    /// Start of the 100 ms window with the loudest residual, seconds; None when bit-exact.
    pub worst_window_s: Option<f64>,
    /// That window's residual RMS against the mix RMS, dB.
    pub worst_window_db: Option<f64>,
    /// The stem the residual resembles most, when it clearly resembles one.
    pub suspect: Option<Suspect>,
}

/// A stem the residual follows: likely the one changed after the mix was printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspect {
    /// The stem's path, relative to the delivery.
    pub stem: String,
    /// Normalised correlation of the residual with the stem, -1..1.
    pub correlation: f64,
    /// When the residual is (nearly) a scaled copy of the stem: how much louder (+) or
    /// quieter (-) the delivered stem is than the one in the mix, dB.
    pub gain_db: Option<f64>,
}

/// What the null test needs from the profile: which file is the mix. Present only when the
/// profile enables `stems/sum-mismatch`.
#[derive(Debug, Clone)]
pub struct NullTestSettings {
    /// Matched against each file name without its extension.
    pub mix_pattern: Pattern,
}
