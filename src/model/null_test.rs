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
// One per delivery: boxing the measurement would save nothing worth its indirection.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// The stems were summed against the mix.
    Measured(Measurement),
    /// The files cannot be summed sample by sample; `reason` says why.
    Skipped {
        /// Why the files cannot be summed.
        reason: String,
    },
}

/// A residual that follows a stem, or the stems' sum, at least this closely (normalised
/// correlation) is said to follow it; below it, it follows nothing in particular.
pub const FOLLOWS_CORRELATION: f64 = 0.3;

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
    /// End of that window, seconds (the end of the file for a last, shorter window).
    pub worst_window_end_s: Option<f64>,
    /// That window's residual RMS against the mix RMS, dB.
    pub worst_window_db: Option<f64>,
    /// The stem the residual resembles most, when it clearly resembles one, and more than it
    /// resembles the stems' sum.
    pub suspect: Option<Suspect>,
    /// Normalised correlation of the residual with the stems' sum, -1..1: near ±1 when the
    /// mix is the sum re-levelled or inverted, high when processing on the mix bus acted on
    /// the sum. None with fewer than two stems (the sum is the stem) or a bit-exact null.
    #[serde(default)]
    pub sum_correlation: Option<f64>,
    /// What the residual is, when one hypothesis accounts for it (a stem re-levelled, shifted,
    /// inverted or replaced; part of the mix not delivered); None when it follows no single
    /// stem (mix-bus processing) or the null is bit-exact.
    pub explanation: Option<Explanation>,
    /// Mono stems summed into a stereo set as centred dual-mono: each sample to both
    /// channels, at unity gain.
    pub dual_mono: Vec<String>,
    /// The files differ in length (`length/mismatch`): they were summed over the `frames` all
    /// of them hold, from their common start.
    #[serde(default)]
    pub lengths_differ: bool,
}

impl Measurement {
    /// How closely the residual follows the stems' sum, when it follows it and no single stem:
    /// processing on the mix bus that the stems were not printed through.
    pub fn follows_sum(&self) -> Option<f64> {
        self.sum_correlation
            .filter(|whole| self.suspect.is_none() && whole.abs() >= FOLLOWS_CORRELATION)
    }

    /// The stretch the files were summed over, seconds from their start.
    pub fn seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// A residual accounted for by one change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Explanation {
    /// The delivered stem is a shifted, re-levelled or inverted copy of the one in the mix:
    /// undoing the change leaves a residual at least `explained_db` under the original one.
    Altered {
        stem: String,
        /// How many samples later (+) or earlier (-) the delivered stem is than in the mix.
        delay_samples: i64,
        /// How much louder (+) or quieter (-) the delivered stem is than in the mix, dB.
        gain_db: f64,
        /// The delivered stem is the mix's one with its polarity inverted.
        inverted: bool,
        /// The residual left after undoing the change, against the residual, dB.
        remaining_db: f64,
    },
    /// The residual follows this stem only, partly: the delivered stem is another print
    /// (an edit, an effect, another take) than the one in the mix, and the other stems null.
    Replaced {
        stem: String,
        /// The share of the residual's energy the delivered stem holds (Σr·s / Σr²: about
        /// 0.5 for a new print of equal level, 1 for an effect added to the stem).
        share: f64,
    },
    /// The mix is the stems' sum shifted, re-levelled or inverted as a whole (a gain, a
    /// polarity or an offset on the mix after the stems were printed): undoing it leaves a
    /// residual at least `explained_db` under the original one.
    Mix {
        /// How many samples later (+) or earlier (-) the mix is than the stems' sum.
        delay_samples: i64,
        /// How much louder (+) or quieter (-) the mix is than the stems' sum, dB.
        gain_db: f64,
        /// The mix is the stems' sum with its polarity inverted.
        inverted: bool,
        /// The residual left after undoing the change, against the residual, dB.
        remaining_db: f64,
    },
    /// The residual is a part of the mix that no stem holds (it is orthogonal to every
    /// stem and to their sum, and is not white rounding noise): a stem left out of the
    /// delivery, or a return (reverb, effect) printed into the mix only.
    Missing,
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
    /// A change to one stem explains the residual when undoing it leaves a residual at least
    /// this many dB under the original one.
    pub explained_db: f64,
}
