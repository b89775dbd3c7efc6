use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Measures the correlation of a stereo file's two channels over the whole file (+1: the same
    /// signal, 0: unrelated, −1: one is the other upside down) and finds files below the threshold
    /// (−0.5 by default).
    ///
    /// Why it matters: a strongly negative correlation nearly always means one channel's polarity
    /// is flipped (a miswired cable, a polarity switch, a plug-in), and the message says so when
    /// one channel is the other upside down; otherwise it is a stereo effect in anti-phase (a
    /// chorus, a widener), and the message gives how far the mono fold-down drops. Either way the
    /// part sounds wide and hollow on speakers and thins out or disappears in mono.
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
            let balance = analysis.channel_balance_db.unwrap_or(0.0);
            let flipped = analysis
                .channel_residual_db
                .is_some_and(|residual| residual <= FLIPPED_RESIDUAL_DB);
            let (message, help) = if flipped {
                (
                    format!(
                        "one channel is the other upside down (correlation {correlation:+.2}): its polarity is flipped, and the part cancels when folded to mono"
                    ),
                    "flip the polarity of one channel (the DAW's Ø / phase-invert button) and export again",
                )
            } else {
                (
                    format!(
                        "the channels are out of phase: correlation {correlation:+.2} (below {:+.2}); folded to mono the part is {:.1} dB under its channels",
                        params.min_correlation,
                        -mono_fold_db(correlation, balance)
                    ),
                    "if one channel's polarity was flipped (a cable, a switch, a plug-in), flip it back and export again; if the width is an effect (an anti-phase chorus, a widener), check the part in mono and say so in the notes",
                )
            };
            out.report(Some(&file.rel), message, help);
        }
    }
}

/// One channel is the other inverted (at any gain) where what they do not share is this far
/// under them, dB: a polarity switch, not a stereo effect.
const FLIPPED_RESIDUAL_DB: f64 = -20.0;

/// The level of the mono fold-down (L + R) / 2 against the channels' mean power, dB: 0 for one
/// signal in both, -3 for two unrelated ones, and down to minus infinity for one against its
/// inverse (`balance_db`: the second channel against the first).
fn mono_fold_db(correlation: f64, balance_db: f64) -> f64 {
    let ratio = 10f64.powf(balance_db / 10.0);
    let cross = 2.0 * correlation * ratio.sqrt() / (1.0 + ratio);
    10.0 * ((1.0 + cross) / 2.0).max(1e-12).log10()
}

#[cfg(test)]
mod tests {
    use super::mono_fold_db;

    #[test]
    fn the_mono_fold_down_loses_what_the_channels_cancel() {
        assert!(mono_fold_db(1.0, 0.0).abs() < 1e-9);
        assert!((mono_fold_db(0.0, 0.0) + 3.01).abs() < 0.01);
        assert!((mono_fold_db(-0.5, 0.0) + 6.02).abs() < 0.01);
        // Unequal levels cancel less: -1 with the right 6 dB down leaves the left's excess.
        let unequal = mono_fold_db(-1.0, -6.02);
        assert!((unequal + 10.0).abs() < 0.1, "{unequal}");
    }
}
