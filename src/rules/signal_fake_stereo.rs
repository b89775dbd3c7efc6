use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds multichannel files whose channels carry the same signal: bit-identical, or differing
    /// by less than a residual (−90 dBFS by default).
    ///
    /// Why it matters: a mono source exported as stereo doubles the file size, says nothing more,
    /// and pans wrong in many sessions (a centred "stereo" track plays 3 dB louder than the same
    /// mono track under common pan laws). Tracks of a single source should be mono.
    ///
    /// Fix: export the track as mono (the session's mono bounce, or one channel of the pair).
    ///
    /// Parameters: `max_difference_dbfs`.
    pub struct SignalFakeStereo {
        id: "signal/fake-stereo",
        summary: "a stereo file whose channels are identical: render it mono",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Channels whose difference never rises above this level (dBFS) count as identical
    /// (dither or a codec can leave a tiny residual). Bit-identical channels always count.
    pub max_difference_dbfs: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_difference_dbfs: -90.0,
        }
    }
}

impl Rule for SignalFakeStereo {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts, analysis) in delivery.analysed() {
            if facts.channels < 2 || analysis.sample_peak_dbfs.is_none() {
                continue;
            }
            let message = if analysis.identical_channels {
                format!(
                    "all {} channels are bit-identical: this is mono audio in a stereo file",
                    facts.channels
                )
            } else {
                match analysis.channel_difference_peak_dbfs {
                    Some(difference) if difference < params.max_difference_dbfs => format!(
                        "the channels differ by at most {difference:.1} dBFS: this is mono audio in a stereo file"
                    ),
                    _ => continue,
                }
            };
            out.report(
                Some(&file.rel),
                message,
                "render it mono: export the track as a mono file",
            );
        }
    }
}
