use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::analysis::{Analysis, MeasureSettings};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files that are digital silence from the first sample to the last, or whose peak never
    /// rises above the floor (−90 dBFS by default: below that it is dither or noise, not a part).
    ///
    /// Why it matters: a silent file is a track that was muted, soloed away, routed to nowhere or
    /// bounced from the wrong output. It looks fine in a file list, and the part is missing.
    ///
    /// Also finds a stereo file one of whose two channels is under the floor from start to end
    /// while the other carries sound: a mono source recorded or routed to one side (a mono
    /// input on a stereo track, a pan at its end stop), or a stereo part whose other side was
    /// lost. Files of more channels are not judged per channel (a film stem's LFE and
    /// surrounds are often silent by design).
    ///
    /// Fix: check the track's mute, routing and output in the session and export it again. If a
    /// part is silent on purpose, leave it out of the delivery or say so in the notes. A mono
    /// source on one side of a stereo file: export it as a mono file.
    ///
    /// Parameters: `floor_dbfs`.
    pub struct SignalSilent {
        id: "signal/silent",
        summary: "the file (or one side of a stereo file) is digital silence, or below a floor, from start to end",
        level: Error,
        scope: File,
    }
}

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

    // Measured whether or not the rule is on: the figures are in every file's analysis.
    fn configure(&self, params: &Params, _enabled: bool, settings: &mut MeasureSettings) {
        settings.analysis.silence_floor_dbfs = params.floor_dbfs;
    }

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
                Some(peak) => {
                    report_silent_side(params, facts.channels, peak, analysis, &file.rel, out);
                    continue;
                }
            };
            out.report_at(
                Some(&file.rel),
                Some(0.0),
                Some(facts.duration_s()),
                message,
                "check the track's mute, solo, routing and output in the session, then export it again",
            );
        }
    }
}

/// A stereo file with sound on one side only.
fn report_silent_side(
    params: &Params,
    channels: u16,
    peak: f64,
    analysis: &Analysis,
    path: &str,
    out: &mut Findings,
) {
    let [silent] = analysis.silent_channels[..] else {
        return;
    };
    if channels != 2 {
        return;
    }
    let (quiet, loud) = if silent == 1 {
        ("left", "right")
    } else {
        ("right", "left")
    };
    out.report(
        Some(path),
        format!(
            "the {quiet} channel is silent from start to end (under the {:.0} dBFS floor) while the {loud} peaks at {peak:.1} dBFS: the part is on one side only",
            params.floor_dbfs
        ),
        format!(
            "a mono source belongs in a mono file: export the {loud} channel as mono; for a stereo part, check the routing of its {quiet} side and export it again"
        ),
    );
}
