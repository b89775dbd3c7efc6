use serde::Deserialize;

use super::util::{clock, DEFAULT_MIX_PATTERN};
use super::{Findings, Rule};
use crate::model::analysis::MeasureSettings;
use crate::model::null_test::{Measurement, NullTestSettings, Outcome};
use crate::model::pattern::Pattern;
use crate::model::record::Delivery;

declare_rule! {
    /// The null test. When the delivery holds a reference mix (a file whose name matches
    /// `mix_pattern`: `AB_Song_Mix_48k24.wav`, `PrintMaster.wav`), every other file is taken as a
    /// stem; the stems are summed sample by sample, the mix is subtracted, and the level of what
    /// is left (the residual, RMS over the whole length) is measured against the mix's RMS: the
    /// null depth. A bit-exact null leaves nothing; 24-bit rounding leaves about -130 dB. The
    /// finding names the stem the residual follows (its correlation, and its gain difference when
    /// it is a plain level change), the residual's peak and the time of the 100 ms window where it
    /// is loudest. When the files cannot be summed (different lengths, rates or channel counts, a
    /// file that does not decode, several mixes), the test is skipped with an info finding that
    /// says why; the length and format rules report the cause. Not run with `--fast`.
    ///
    /// Why it matters: stems are printed from the same mix pass as the mix so that together they
    /// rebuild it. A stem edited, re-bounced, nudged or re-levelled after the mix was printed no
    /// longer does, and the remix, the re-master or the M&E built from the stems will not match
    /// the approved mix. Dry film stems must null to the print master; music stems printed through
    /// master-bus processing null less deep (-20 to -40 dB is typical), which is why the music
    /// profile is looser.
    ///
    /// Fix: print the stems again from the same session state, same start, with the master bus as
    /// it was for the mix (or bypassed for both), and check the stem the finding names first.
    ///
    /// Parameters: `threshold_db` (a null depth above it is a finding), `mix_pattern` (regular
    /// expression over the file name without extension that marks the mix).
    pub struct StemsSumMismatch {
        id: "stems/sum-mismatch",
        summary: "the stems, summed, do not null against the delivered mix",
        level: Off,
        scope: Delivery,
    }
}

/// What a null depth means to an engineer, for the help line.
fn meaning(depth_db: f64) -> &'static str {
    if depth_db <= -90.0 {
        "at this depth only rounding or dither differs"
    } else if depth_db <= -60.0 {
        "a depth like this is a tiny level or rounding difference (a float print, a fader off by hundredths of a dB)"
    } else if depth_db <= -40.0 {
        "a depth like this is a small level difference (about 0.1 dB on one stem) or light bus processing"
    } else if depth_db <= -20.0 {
        "-20 to -40 dB is typical of master-bus processing (bus compressor, limiter) acting on the mix but not on each stem alone, or of one stem about 1 dB off"
    } else {
        "above -20 dB a stem is missing, muted, shifted in time, processed differently or printed from another version of the mix"
    }
}

fn signed_db(value: f64) -> String {
    format!("{value:+.1} dB")
}

/// Parameters of `stems/sum-mismatch`; the null test stage gets `mix_pattern` through
/// `configure`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// A null depth (residual RMS against the mix RMS, dB) above this is a finding.
    pub threshold_db: f64,
    /// Regular expression over the file stem that marks the reference mix.
    pub mix_pattern: Pattern,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold_db: -40.0,
            mix_pattern: Pattern::new(DEFAULT_MIX_PATTERN),
        }
    }
}

impl Rule for StemsSumMismatch {
    type Params = Params;

    fn configure(&self, params: &Params, enabled: bool, settings: &mut MeasureSettings) {
        if enabled {
            settings.null_test = Some(NullTestSettings {
                mix_pattern: params.mix_pattern.clone(),
            });
        }
    }

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let Some(test) = &delivery.null_test else {
            return;
        };
        match &test.outcome {
            Outcome::Skipped { reason } => {
                // Not a failure of the delivery by itself: the cause is some other rule's.
                out.notice(
                    Some(&test.mix),
                    format!("null test against `{}` skipped: {reason}", test.mix),
                    "fix the length, format or decode findings first; then the stems can be summed against the mix",
                );
            }
            Outcome::Measured(measured) => check_measured(params, &test.mix, measured, out),
        }
    }
}

fn check_measured(params: &Params, mix: &str, measured: &Measurement, out: &mut Findings) {
    let Some(depth) = measured.null_depth_db else {
        return;
    };
    if depth <= params.threshold_db {
        return;
    }
    let mut message = format!(
        "the stems do not null against `{mix}`: null depth {} against the mix (threshold {}), residual peak {}",
        signed_db(depth),
        signed_db(params.threshold_db),
        signed_db(measured.residual_peak_db.unwrap_or(depth)),
    );
    if let (Some(at), Some(window_db)) = (measured.worst_window_s, measured.worst_window_db) {
        message.push_str(&format!(
            ", loudest at {} ({})",
            clock(at),
            signed_db(window_db)
        ));
    }
    let path = match &measured.suspect {
        Some(suspect) => {
            message.push_str(&format!(
                "; the residual follows `{}` (correlation {:.2})",
                suspect.stem, suspect.correlation
            ));
            if let Some(gain) = suspect.gain_db {
                let direction = if gain < 0.0 { "quieter" } else { "louder" };
                message.push_str(&format!(
                    ": it is {:.2} dB {direction} than in the mix",
                    gain.abs()
                ));
            }
            suspect.stem.as_str()
        }
        None => mix,
    };
    let help = format!(
        "{}; print the stems again from the same session state as the mix{}",
        meaning(depth),
        match &measured.suspect {
            Some(suspect) => format!(", starting with `{}`", suspect.stem),
            None => String::new(),
        }
    );
    out.report(Some(path), message, help);
}
