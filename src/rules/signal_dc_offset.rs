use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::analysis::MeasureSettings;
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files whose waveform is not centred on zero: the mean of a channel is above the
    /// threshold (−50 dBFS, about 0.3 % of full scale, by default), and the offset is steady —
    /// in at least `min_steady_share` (75 %) of the half-second windows with sound, the window's
    /// own mean has the same sign and at least half the threshold, and the window means vary by
    /// less than the offset itself (`max_wander`: their standard deviation at most 1× their
    /// average); and the offset stays where the sound is quiet — the quietest quarter of the
    /// 50 ms blocks with sound carries at least `min_quiet_share` (a quarter) of the mean the
    /// blocks carry on average. The mean of a short stretch of pink noise or of a bass note's
    /// tail comes from its lowest frequencies and wanders from window to window, or swells
    /// away from zero and back; a kick or snare whose waveform leans to one side averages off
    /// zero in every window it sounds in, but that mean comes from the loud part of each hit
    /// and dies away with it, while its tail sits at zero. Neither is an offset. A sampler
    /// patch with a 2 % offset carries it alike in every window where it sounds, under the
    /// decayed tail of each note as under its attack.
    ///
    /// Why it matters: DC offset wastes headroom, makes clicks at every edit and fade that starts
    /// or stops off zero, and pushes compressors and limiters unevenly. It comes from faulty
    /// converters, some plug-ins and badly made samples.
    ///
    /// Fix: remove it with a DC-offset filter or a high-pass filter at a few Hz before the export
    /// (most editors have one), or record the part again through a healthy converter.
    ///
    /// Parameters: `max_dbfs`, `min_steady_share`, `max_wander`, `min_quiet_share`.
    pub struct SignalDcOffset {
        id: "signal/dc-offset",
        summary: "a DC offset above a threshold",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Largest accepted DC offset (the mean of a channel), in dBFS.
    pub max_dbfs: f64,
    /// Share of the windows with sound that must carry the offset for it to count as steady.
    pub min_steady_share: f64,
    /// Largest spread of the windows' means, as a multiple of their average, for the offset
    /// to count as steady.
    pub max_wander: f64,
    /// Smallest share of the offset the quietest quarter of the 50 ms blocks with sound must
    /// carry (their mean over the mean of all blocks with sound) for it to count as a
    /// constant rather than the lean of loud hits.
    pub min_quiet_share: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_dbfs: -50.0,
            min_steady_share: 0.75,
            max_wander: 1.0,
            min_quiet_share: 0.25,
        }
    }
}

impl Rule for SignalDcOffset {
    type Params = Params;

    // Measured whether or not the rule is on: the windows are judged against its threshold.
    fn configure(&self, params: &Params, _enabled: bool, settings: &mut MeasureSettings) {
        settings.analysis.dc_limit_dbfs = params.max_dbfs;
    }

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let limit = 10f64.powf(params.max_dbfs / 20.0);
        for (file, _, analysis) in delivery.analysed() {
            let steady = analysis.dc_steady_share.unwrap_or(0.0);
            let wander = analysis.dc_wander.unwrap_or(f64::INFINITY);
            // Too few blocks with sound to tell where the mean lies: the windows decide.
            let quiet = analysis.dc_quiet_share.unwrap_or(1.0);
            if analysis.dc_offset <= limit
                || steady < params.min_steady_share
                || wander > params.max_wander
                || quiet < params.min_quiet_share
            {
                continue;
            }
            let dbfs = 20.0 * analysis.dc_offset.log10();
            out.report(
                Some(&file.rel),
                format!(
                    "DC offset of {:.3} % of full scale ({dbfs:.1} dBFS), above the {:.0} dBFS limit, steady in {:.0} % of the file",
                    analysis.dc_offset * 100.0,
                    params.max_dbfs,
                    steady * 100.0
                ),
                "remove it with a DC-offset or high-pass filter (a few Hz) and export again",
            );
        }
    }
}
