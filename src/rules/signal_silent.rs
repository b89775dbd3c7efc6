use serde::Deserialize;

use super::{Findings, Meta, Rule, Scope};
use crate::diagnostic::Level;
use crate::record::Delivery;

#[derive(Clone)]
pub struct SignalSilent;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// A file whose sample peak stays below this level (dBFS) from start to end is silent.
    /// Also the floor for head/tail silence in the analysis.
    pub floor_dbfs: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params { floor_dbfs: -90.0 }
    }
}

impl Rule for SignalSilent {
    type Params = Params;
    const META: Meta = Meta {
        id: "signal/silent",
        summary: "the file is digital silence (or below a floor) from start to end",
        explain: "Finds files that are digital silence from the first sample to the last, or \
whose peak never rises above the floor (−90 dBFS by default: below that it is dither or \
noise, not a part).\n\n\
Why it matters: a silent file is a track that was muted, soloed away, routed to nowhere or \
bounced from the wrong output. It looks fine in a file list, and the part is missing.\n\n\
Fix: check the track's mute, routing and output in the session and export it again. If a \
part is silent on purpose, leave it out of the delivery or say so in the notes.\n\n\
Parameters: `floor_dbfs`.",
        default_level: Level::Error,
        scope: Scope::File,
    };

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts, analysis) in delivery.analysed() {
            if facts.frames == 0 {
                continue;
            }
            let message = match analysis.sample_peak_dbfs {
                None => "digital silence from start to end: every sample is zero".to_owned(),
                Some(peak) if peak < params.floor_dbfs => format!(
                    "silent: the peak is {peak:.1} dBFS, below the {:.0} dBFS floor, from start to end",
                    params.floor_dbfs
                ),
                Some(_) => continue,
            };
            out.report(
                Some(&file.rel),
                message,
                "check the track's mute, solo, routing and output in the session, then export it again",
            );
        }
    }
}
