use serde::Deserialize;

use super::util::{name_span, rate};
use super::{Findings, Rule};
use crate::model::record::{Delivery, SampleFormat};

declare_rule! {
    /// Reads the sample rate and bit depth a file name states — the P&E Wing convention
    /// `AB_SongTitle_Drums_48k24.wav`, or `…_96kHz_24bit.wav`, `…_44k1.wav` — and finds names that
    /// contradict the file's real format.
    ///
    /// Why it matters: people trust the name. A file named `96k24` that is really 48 kHz was
    /// renamed from another export, or exported with the wrong settings; either way the engineer
    /// sets up the session wrong.
    ///
    /// Fix: export the file again at the format its name states, or correct the name.
    pub struct NamingDeclaredFormat {
        id: "naming/declared-format",
        summary: "the file name states a sample rate or bit depth the file does not have (`…_96k24.wav`)",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for NamingDeclaredFormat {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts) in delivery.audio() {
            let declared = &file.name_facts;
            if let Some(found) = declared.sample_rates.first() {
                if found.value != facts.sample_rate && facts.sample_rate > 0 {
                    out.report_span(
                        Some(&file.rel),
                        format!(
                            "the name says {} but the file is {}",
                            rate(found.value),
                            rate(facts.sample_rate)
                        ),
                        "export it again at the rate the name states, or correct the name",
                        name_span(
                            file,
                            found.range.start,
                            found.range.len(),
                            format!("file is {}", rate(facts.sample_rate)),
                        ),
                    );
                }
            }
            if let (Some(found), Some(bits)) = (declared.bit_depths.first(), facts.bit_depth) {
                let float = facts.sample_format == SampleFormat::Float;
                let matches =
                    found.value.bits == bits && (found.value.float == float || bits == 32);
                if !matches {
                    let actual = format!("{bits}-bit {}", if float { "float" } else { "integer" });
                    out.report_span(
                        Some(&file.rel),
                        format!(
                            "the name says {}-bit but the file is {actual}",
                            found.value.bits
                        ),
                        "export it again at the bit depth the name states, or correct the name",
                        name_span(
                            file,
                            found.range.start,
                            found.range.len(),
                            format!("file is {actual}"),
                        ),
                    );
                }
            }
        }
    }
}
