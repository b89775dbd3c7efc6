use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::analysis::{Analysis, MeasureSettings};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files that are digital silence from the first sample to the last, or whose peak never
    /// rises above the floor (−90 dBFS by default: below that it is dither or noise, not a part),
    /// and files that hold no audio at all (a header and 0 samples).
    ///
    /// Why it matters: a silent file is a track that was muted, soloed away, routed to nowhere or
    /// bounced from the wrong output. It looks fine in a file list, and the part is missing.
    ///
    /// Also finds a stereo file one of whose two channels is under the floor from start to end,
    /// or carries a steady noise alone (a 16-bit export's dither sits over the floor), while
    /// the other carries sound: a mono source recorded or routed to one side (a mono
    /// input on a stereo track, a pan at its end stop), or a stereo part whose other side was
    /// lost. Files of more channels are not judged per channel (a film stem's LFE and
    /// surrounds are often silent by design).
    ///
    /// Fix: check the track's mute, routing and output in the session and export it again. If a
    /// part is silent on purpose, leave it out of the delivery or say so in the notes. A mono
    /// source on one side of a stereo file: export it as a mono file.
    ///
    /// Parameters: `floor_dbfs`, `max_side_noise_dbfs`.
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
    /// One channel of a stereo file whose 50 ms windows stay within 3 dB of one level under
    /// this (dBFS RMS), 40 dB or more under the other's, carries a noise alone (dither, hiss).
    pub max_side_noise_dbfs: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            floor_dbfs: -90.0,
            max_side_noise_dbfs: -70.0,
        }
    }
}

impl Rule for SignalSilent {
    type Params = Params;

    // Measured whether or not the rule is on: the figures are in every file's analysis.
    fn configure(&self, params: &Params, _enabled: bool, settings: &mut MeasureSettings) {
        settings.analysis.silence_floor_dbfs = params.floor_dbfs;
    }

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts) in delivery.audio() {
            // A header and no audio: an export cancelled or failed before its first sample
            // (counted by decoding: with `--fast` a header's count is all there is).
            if facts.frames == 0 && file.is_sound() && !delivery.fast {
                out.report(
                    Some(&file.rel),
                    "holds no audio: the file has a header and 0 samples",
                    "export it again (an export that was cancelled or failed leaves a header and no audio)",
                );
            }
        }
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

/// A side carrying noise alone stays within this of one level (its windows' 90th and 10th
/// percentiles), dB…
const STEADY_SIDE_DB: f64 = 3.0;
/// …this far or more under the other side's loud windows, dB.
const SIDE_GAP_DB: f64 = 40.0;

/// A stereo file with sound on one side only: the other silent, or carrying a steady noise
/// alone (a 16-bit export's dither, which sits over the floor).
fn report_silent_side(
    params: &Params,
    channels: u16,
    peak: f64,
    analysis: &Analysis,
    path: &str,
    out: &mut Findings,
) {
    if channels != 2 {
        return;
    }
    let name = |channel: u16| if channel == 1 { "left" } else { "right" };
    let (silent, how) = match analysis.silent_channels[..] {
        [silent] => (
            silent,
            format!(
                "is silent from start to end (under the {:.0} dBFS floor)",
                params.floor_dbfs
            ),
        ),
        [] => {
            let Some(windows) = &analysis.channel_windows else {
                return;
            };
            let [left, right] = windows.channel_levels_dbfs;
            let noise_only = |[loud, quiet]: [f64; 2], [other, _]: [f64; 2]| {
                loud - quiet <= STEADY_SIDE_DB
                    && loud <= params.max_side_noise_dbfs
                    && other - loud >= SIDE_GAP_DB
            };
            let silent = if noise_only(left, right) {
                1
            } else if noise_only(right, left) {
                2
            } else {
                return;
            };
            let [level, _] = windows.channel_levels_dbfs[usize::from(silent - 1)];
            (
                silent,
                format!("carries only a steady noise (dither or hiss) at {level:.0} dBFS RMS"),
            )
        }
        _ => return,
    };
    let (quiet, loud) = (name(silent), name(3 - silent));
    out.report(
        Some(path),
        format!(
            "the {quiet} channel {how} while the {loud} peaks at {peak:.1} dBFS: the part is on one side only"
        ),
        format!(
            "a mono source belongs in a mono file: export the {loud} channel as mono; for a stereo part, check the routing of its {quiet} side and export it again"
        ),
    );
}
