use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Looks for the fingerprint of a limiter or heavy master-bus processing: a small
    /// peak-to-loudness ratio (true peak minus integrated loudness, 9 dB or less by default)
    /// together with a pile-up of samples just under the peak (more than 0.1 % of all samples
    /// within 0.5 dB of it), where natural material thins out toward its peaks. Steady tones and
    /// test signals (a crest factor under 4 dB: a sine reads 3 dB) are not taken for limiting.
    ///
    /// Why it matters: tracks for mixing and film stems are delivered dry: the engineer needs the
    /// dynamics to mix, and a limiter printed into a stem cannot be undone (film stems must also
    /// sum to a print master whose dynamics the re-recording mixer sets).
    ///
    /// Fix: bypass the limiter and bus processing on the master and the track, and export again.
    /// Music stems from a mastered mix may keep it: the `stems` profile turns this rule off.
    ///
    /// Parameters: `max_plr_db`, `min_pile_up`, `min_crest_db`.
    pub struct SignalLimited {
        id: "signal/limited",
        summary: "signs of limiting / master-bus processing where the profile wants it dry",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Peak-to-loudness ratio (true peak minus integrated loudness, dB) at or below which a
    /// file counts as squashed.
    pub max_plr_db: f64,
    /// Share of samples within 0.5 dB of the peak from which the peaks count as piled up
    /// against a ceiling.
    pub min_pile_up: f64,
    /// Below this crest factor (sample peak minus RMS, dB) it is a steady tone or test signal
    /// (a sine reads 3 dB, a square 0 dB), not limited programme (6 dB and up).
    pub min_crest_db: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_plr_db: 9.0,
            min_pile_up: 0.001,
            min_crest_db: 4.0,
        }
    }
}

impl Rule for SignalLimited {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, _, analysis) in delivery.analysed() {
            let (Some(true_peak), Some(loudness)) =
                (analysis.true_peak_dbtp, analysis.integrated_lufs)
            else {
                continue;
            };
            let (Some(peak), Some(rms)) = (analysis.sample_peak_dbfs, analysis.rms_dbfs) else {
                continue;
            };
            let plr = true_peak - loudness;
            let pile_up = analysis.near_peak_ratio;
            let crest = peak - rms;
            if plr > params.max_plr_db
                || pile_up < params.min_pile_up
                || crest < params.min_crest_db
            {
                continue;
            }
            out.report(
                Some(&file.rel),
                format!(
                    "looks limited: peak-to-loudness ratio {plr:.1} dB (true peak {true_peak:+.1} dBTP, {loudness:.1} LUFS) and {:.2} % of samples piled up within 0.5 dB of the peak",
                    pile_up * 100.0
                ),
                "bypass the limiter and master-bus processing and export again: this delivery must be dry",
            );
        }
    }
}
