use serde::Deserialize;

use super::util::count;
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds floating-point files that contain NaN (not a number) or infinite samples. stemlint
    /// leaves them out of every other measurement and counts them here.
    ///
    /// Why it matters: a NaN or an infinity is not a level; a DAW may play it as a full-scale
    /// click, silence the whole bus, or crash a plug-in. It comes from a plug-in fault or a broken
    /// conversion.
    ///
    /// Fix: find the plug-in or process that produced it (bypass them one by one), and export
    /// again.
    pub struct SignalNonFinite {
        id: "signal/non-finite",
        summary: "NaN or infinite samples in a floating-point file",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for SignalNonFinite {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, _, analysis) in delivery.analysed() {
            if analysis.non_finite_samples == 0 {
                continue;
            }
            out.report_at(
                Some(&file.rel),
                analysis.first_non_finite_s,
                None,
                format!("{} NaN or infinite: not audio values", count(analysis.non_finite_samples, "sample is").replace("sample iss", "samples are")),
                "a plug-in or conversion produced invalid values: bypass processing one by one to find it, then export again",
            );
        }
    }
}
