use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::{AudioFacts, Companding, Delivery, SampleFormat};

declare_rule! {
    /// Finds files whose bit depth or sample format (integer or floating point) is not one the
    /// profile accepts: 24-bit integer by default.
    ///
    /// Why it matters: 16-bit exports lose the low-level detail and headroom a mix needs; 32-bit
    /// float files can carry levels above full scale that clip the moment they are converted; a
    /// delivery that mixes formats was exported with different settings.
    ///
    /// µ-law and A-law files hold 8-bit companded codes, telephone-network audio with about 13
    /// bits of range and 8 bits of resolution: they are named as such (`mulaw8`, `alaw8`), never
    /// as 8-bit integer PCM.
    ///
    /// Fix: export again at the accepted format (24-bit integer by default). Converting a 16-bit
    /// file to 24-bit gains nothing (see `signal/padded-bit-depth`): export from the session.
    ///
    /// Parameters: `accept` (list of `int16`, `int24`, `int32`, `float32`, `float64`; also
    /// `int8`, `mulaw8`, `alaw8` and deeper integers such as `int64`).
    pub struct FormatBitDepth {
        id: "format/bit-depth",
        summary: "bit depth / sample format not accepted (default 24-bit integer)",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Accepted sample formats: `int16`, `int24`, `int32`, `float32`, `float64` (also `int8`).
    pub accept: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            accept: vec!["int24".into()],
        }
    }
}

/// `int24`, `float32`… for a file's facts; None when the codec has no bit depth.
pub fn format_name(facts: &AudioFacts) -> Option<String> {
    let bits = facts.bit_depth?;
    if let Some(companding) = facts.companding {
        return Some(match companding {
            Companding::MuLaw => format!("mulaw{bits}"),
            Companding::ALaw => format!("alaw{bits}"),
        });
    }
    Some(match facts.sample_format {
        SampleFormat::Int => format!("int{bits}"),
        SampleFormat::Float => format!("float{bits}"),
    })
}

fn describe(name: &str) -> String {
    for (prefix, law) in [("mulaw", "µ-law"), ("alaw", "A-law")] {
        if let Some(bits) = name.strip_prefix(prefix) {
            return format!("{bits}-bit {law} companded telephony audio");
        }
    }
    match name.strip_prefix("int") {
        Some(bits) => format!("{bits}-bit integer"),
        None => match name.strip_prefix("float") {
            Some(bits) => format!("{bits}-bit float"),
            None => name.to_owned(),
        },
    }
}

impl Rule for FormatBitDepth {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts) in delivery.audio() {
            let Some(name) = format_name(facts) else {
                continue;
            };
            if params
                .accept
                .iter()
                .any(|accepted| accepted.eq_ignore_ascii_case(&name))
            {
                continue;
            }
            let accepted: Vec<String> = params.accept.iter().map(|name| describe(name)).collect();
            out.report(
                Some(&file.rel),
                format!(
                    "{}, the profile wants {}",
                    describe(&name),
                    accepted.join(" or ")
                ),
                format!(
                    "export it again from the session as {}",
                    accepted.first().map_or("24-bit integer", String::as_str)
                ),
            );
        }
    }
}
