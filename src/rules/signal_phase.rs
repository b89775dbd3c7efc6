use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Measures the correlation of a stereo file's two channels over the whole file (+1: the same
    /// signal, 0: unrelated, −1: one is the other upside down) and finds files below the threshold
    /// (−0.5 by default).
    ///
    /// Why it matters: a strongly negative correlation nearly always means one channel's polarity
    /// is flipped (a miswired cable, a polarity switch, a plug-in). The part sounds wide and
    /// hollow on speakers and disappears when the mix is folded to mono.
    ///
    /// Fix: flip the polarity of one channel (the DAW's Ø / phase-invert button) and export again;
    /// if the effect is intended, say so in the notes.
    ///
    /// Parameters: `min_correlation`.
    pub struct SignalPhase {
        id: "signal/phase",
        summary: "channels strongly out of phase (correlation below a threshold)",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Report a stereo file whose channel correlation is below this value (−1 … +1).
    pub min_correlation: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_correlation: -0.5,
        }
    }
}

impl Rule for SignalPhase {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, _, analysis) in delivery.analysed() {
            let Some(correlation) = analysis.correlation else {
                continue;
            };
            if correlation >= params.min_correlation {
                continue;
            }
            out.report(
                Some(&file.rel),
                format!(
                    "the channels are out of phase: correlation {correlation:+.2} (below {:+.2}); one channel's polarity looks flipped",
                    params.min_correlation
                ),
                "flip the polarity of one channel and export again; the part would vanish in mono as it is",
            );
        }
    }
}
