use serde::Deserialize;

use super::util::{majority, rate};
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files whose sample rate is not one the profile accepts (48 kHz by default), and
    /// deliveries that mix rates.
    ///
    /// Why it matters: a 44.1 kHz file dropped into a 48 kHz session either plays 8.8 % fast and
    /// sharp, or is converted on import with whatever quality the DAW picks; mixed rates mean some
    /// files were exported from a different session or bounce setting.
    ///
    /// Fix: export again from the session at the accepted rate. Do not resample a finished file
    /// unless the engineer agrees: a new export is cleaner.
    ///
    /// Parameters: `rates` (list of Hz), `consistent` (report a minority rate even when accepted).
    pub struct FormatSampleRate {
        id: "format/sample-rate",
        summary: "sample rate not in the profile's list (default 48 kHz), or mixed rates",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Sample rates accepted, in Hz.
    pub rates: Vec<u32>,
    /// Also report files whose rate differs from the rest of the delivery, when several
    /// rates are accepted.
    pub consistent: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            rates: vec![48000],
            consistent: true,
        }
    }
}

impl Rule for FormatSampleRate {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let accepted: Vec<String> = params.rates.iter().map(|hz| rate(*hz)).collect();
        let common = majority(delivery.audio().map(|(_, facts)| facts.sample_rate));
        for (file, facts) in delivery.audio() {
            if facts.sample_rate == 0 {
                continue;
            }
            if !params.rates.contains(&facts.sample_rate) {
                out.report(
                    Some(&file.rel),
                    format!(
                        "sample rate is {}, the profile wants {}",
                        rate(facts.sample_rate),
                        accepted.join(" or ")
                    ),
                    format!(
                        "export it again from the session at {}; resampling a finished file is a last resort",
                        accepted.first().map_or("48 kHz", String::as_str)
                    ),
                );
            } else if params.consistent {
                if let Some((common_rate, _)) = common {
                    if facts.sample_rate != common_rate && params.rates.contains(&common_rate) {
                        out.report(
                            Some(&file.rel),
                            format!(
                                "sample rate is {} while the rest of the delivery is {}",
                                rate(facts.sample_rate),
                                rate(common_rate)
                            ),
                            format!("export every file at one rate ({})", rate(common_rate)),
                        );
                    }
                }
            }
        }
    }
}
