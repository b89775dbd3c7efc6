use serde::Deserialize;

use crate::model::pattern::Pattern;
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Measures each file's true peak (ITU-R BS.1770-4: the peak of the waveform between the
    /// samples, by 4× oversampling) and finds files above the profile's ceiling: −1 dBTP for EBU
    /// R128 broadcast, −2 dBTP for Netflix. Off where the profile sets no ceiling.
    ///
    /// Why it matters: broadcasters and platforms reject deliveries over their ceiling; the
    /// overshoot clips in converters and lossy encoders.
    ///
    /// Fix: lower the level or use a true-peak limiter on the print master (dry stems: lower their
    /// level in the mix), then print again.
    ///
    /// Parameters: `max_dbtp`, `files` (regex over file names the ceiling applies to).
    pub struct SignalTruePeak {
        id: "signal/true-peak",
        summary: "true peak (ITU-R BS.1770) above the profile's ceiling",
        level: Off,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Highest accepted true peak, dBTP; none: no ceiling.
    pub max_dbtp: Option<f64>,
    /// Which files the ceiling applies to (regex over the file name).
    pub files: Pattern,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_dbtp: None,
            files: Pattern::new(".*"),
        }
    }
}

impl Rule for SignalTruePeak {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let Some(ceiling) = params.max_dbtp else {
            return;
        };
        for (file, _, analysis) in delivery.analysed() {
            let Some(true_peak) = analysis.true_peak_dbtp else {
                continue;
            };
            if true_peak <= ceiling || !params.files.0.is_match(file.name()) {
                continue;
            }
            // The highest true peak is placed to the 100 ms stretch that holds it.
            out.report_at(
                Some(&file.rel),
                analysis.true_peak_s,
                analysis.true_peak_s.map(|at| at + 0.1),
                format!("true peak is {true_peak:+.2} dBTP, over the {ceiling:+.1} dBTP ceiling by {:.2} dB", true_peak - ceiling),
                format!("lower the level by at least {:.1} dB (or use a true-peak limiter on the print master) and print again", true_peak - ceiling),
            );
        }
    }
}
