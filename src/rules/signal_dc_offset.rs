use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files whose waveform is not centred on zero: the mean of a channel is above the
    /// threshold (−50 dBFS, about 0.3 % of full scale, by default).
    ///
    /// Why it matters: DC offset wastes headroom, makes clicks at every edit and fade that starts
    /// or stops off zero, and pushes compressors and limiters unevenly. It comes from faulty
    /// converters, some plug-ins and badly made samples.
    ///
    /// Fix: remove it with a DC-offset filter or a high-pass filter at a few Hz before the export
    /// (most editors have one), or record the part again through a healthy converter.
    ///
    /// Parameters: `max_dbfs`.
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
}

impl Default for Params {
    fn default() -> Self {
        Params { max_dbfs: -50.0 }
    }
}

impl Rule for SignalDcOffset {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let limit = 10f64.powf(params.max_dbfs / 20.0);
        for (file, _, analysis) in delivery.analysed() {
            if analysis.dc_offset <= limit {
                continue;
            }
            let dbfs = 20.0 * analysis.dc_offset.log10();
            out.report(
                Some(&file.rel),
                format!(
                    "DC offset of {:.3} % of full scale ({dbfs:.1} dBFS), above the {:.0} dBFS limit",
                    analysis.dc_offset * 100.0,
                    params.max_dbfs
                ),
                "remove it with a DC-offset or high-pass filter (a few Hz) and export again",
            );
        }
    }
}
