use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::{Delivery, SampleFormat};

declare_rule! {
    /// Finds files whose samples use fewer bits than their container: a 24-bit WAV whose lowest 8
    /// bits are zero in every sample holds 16-bit audio; a 32-bit float file whose every sample is
    /// a multiple of 1/32768 holds 16-bit audio. stemlint counts the bits actually used across the
    /// whole file.
    ///
    /// Why it matters: the file passes a format check but has the resolution (and the noise floor)
    /// of the smaller format. It usually means a 16-bit bounce or a 16-bit source was converted,
    /// and the real 24-bit export was never made.
    ///
    /// Fix: export again from the session at 24-bit; if the source really was 16-bit (a sample, an
    /// old recording), say so in the notes.
    ///
    /// Parameters: `float_max_bits`.
    pub struct SignalPaddedBitDepth {
        id: "signal/padded-bit-depth",
        summary: "a 24-bit container holding 16-bit (or less) audio",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Report float files that hold integer audio of this many bits or fewer.
    pub float_max_bits: u16,
}

impl Default for Params {
    fn default() -> Self {
        Params { float_max_bits: 16 }
    }
}

impl Rule for SignalPaddedBitDepth {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts, analysis) in delivery.analysed() {
            let (Some(effective), Some(container)) =
                (analysis.effective_bit_depth, facts.bit_depth)
            else {
                continue;
            };
            let padded = match facts.sample_format {
                SampleFormat::Int => effective < container && container > 8,
                SampleFormat::Float => effective <= params.float_max_bits,
            };
            if !padded {
                continue;
            }
            let kind = match facts.sample_format {
                SampleFormat::Int => format!("{container}-bit file"),
                SampleFormat::Float => format!("{container}-bit float file"),
            };
            let detail = match facts.sample_format {
                SampleFormat::Int => format!(
                    " (the lowest {} bits are zero in every sample)",
                    container - effective
                ),
                SampleFormat::Float => String::new(),
            };
            out.report(
                Some(&file.rel),
                format!("this {kind} holds {effective}-bit audio{detail}"),
                format!("export it again from the session at {container}-bit; if the source really was {effective}-bit, say so in the notes"),
            );
        }
    }
}
