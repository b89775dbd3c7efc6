use serde::Deserialize;

use super::util::{count, majority, seconds};
use super::{Findings, Rule};
use crate::model::record::{AudioFacts, Delivery, FileRecord};

declare_rule! {
    /// Compares the time references of Broadcast-WAV (`bext`) files: where each file starts, in
    /// samples since midnight. The reference is the start most files share; each outlier is
    /// reported with its offset in samples, in seconds and as timecode. Files without `bext` carry
    /// no start time and are left out, except when the other files start somewhere other than
    /// midnight (`missing_bext`): such a file will land at zero when spotted to its time stamp.
    ///
    /// Why it matters: post and many mix engineers spot files to their original time stamp. Files
    /// of equal length whose time references differ were exported from different selections;
    /// spotted, they come out of sync by exactly that offset, even though every file looks right
    /// on its own.
    ///
    /// Fix: export every file again from the same start (session start or bar 1), or, if the
    /// content itself is right, correct the time stamp in a BWF editor.
    ///
    /// Parameters: `fps` (timecode frames per second shown in messages, non-drop),
    /// `tolerance_samples` (accepted difference), `missing_bext` (report files without `bext` when
    /// the others carry a start time).
    pub struct LengthStartOffset {
        id: "length/start-offset",
        summary: "Broadcast-WAV time references differ (files will not line up)",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Frames per second of the timecode shown in messages (non-drop: 24, 25, 30…).
    pub fps: u32,
    /// Differences up to this many samples are accepted.
    pub tolerance_samples: u64,
    /// When most files carry a non-zero time reference, also report files without `bext`.
    pub missing_bext: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            fps: 25,
            tolerance_samples: 0,
            missing_bext: true,
        }
    }
}

/// A time base every common rate divides (8 k to 192 k, 44.1 k and 48 k families), so that
/// time references at different rates compare exactly.
const TICKS_PER_SECOND: u128 = 705_600_000;

fn ticks(time_reference: u64, rate: u32) -> u128 {
    u128::from(time_reference) * TICKS_PER_SECOND / u128::from(rate.max(1))
}

/// `HH:MM:SS:FF` at `fps` (non-drop), from a time in samples since midnight.
fn timecode(time_reference: u64, rate: u32, fps: u32) -> String {
    let rate = u64::from(rate.max(1));
    let fps = u64::from(fps.max(1));
    let whole = time_reference / rate;
    let frame = (time_reference % rate) * fps / rate;
    format!(
        "{:02}:{:02}:{:02}:{:02}",
        whole / 3600,
        whole / 60 % 60,
        whole % 60,
        frame
    )
}

impl Rule for LengthStartOffset {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let stamped: Vec<(&FileRecord, &AudioFacts, u64)> = delivery
            .audio()
            .filter(|(_, facts)| facts.sample_rate > 0)
            .filter_map(|(file, facts)| {
                facts
                    .bext
                    .as_ref()
                    .map(|bext| (file, facts, bext.time_reference))
            })
            .collect();
        let Some((reference_ticks, sharing)) = majority(
            stamped
                .iter()
                .map(|(_, facts, time)| ticks(*time, facts.sample_rate)),
        ) else {
            return;
        };
        let Some(&(_, reference_facts, reference_time)) = stamped
            .iter()
            .find(|(_, facts, time)| ticks(*time, facts.sample_rate) == reference_ticks)
        else {
            return;
        };
        let reference_rate = reference_facts.sample_rate;
        let reference_code = timecode(reference_time, reference_rate, params.fps);
        let reference_seconds = reference_time as f64 / f64::from(reference_rate);
        for &(file, facts, time) in &stamped {
            let rate = facts.sample_rate;
            // The reference start in this file's own samples.
            let reference_here = (reference_ticks * u128::from(rate) / TICKS_PER_SECOND)
                .min(u128::from(u64::MAX)) as u64;
            let offset = time.abs_diff(reference_here);
            if offset <= params.tolerance_samples {
                continue;
            }
            let direction = if time > reference_here {
                "later"
            } else {
                "earlier"
            };
            let offset_seconds = offset as f64 / f64::from(rate);
            out.report(
                Some(&file.rel),
                format!(
                    "starts {} ({}) {direction} than the other files: time reference {} ({} at {} fps) against {} ({} at {} fps) in {} of {} files",
                    count(offset, "sample"),
                    seconds(offset_seconds),
                    time,
                    timecode(time, rate, params.fps),
                    params.fps,
                    reference_time,
                    reference_code,
                    params.fps,
                    sharing,
                    stamped.len(),
                ),
                format!(
                    "{} will land {} {direction} when spotted to its time stamp: export it again from the same start as the others ({}, {})",
                    file.name(),
                    seconds(offset_seconds),
                    reference_code,
                    seconds(reference_seconds),
                ),
            );
        }
        if params.missing_bext && reference_time > 0 {
            let unstamped: Vec<&FileRecord> = delivery
                .audio()
                .filter(|(_, facts)| facts.bext.is_none())
                .map(|(file, _)| file)
                .collect();
            if unstamped.is_empty() {
                return;
            }
            if stamped.len() >= unstamped.len() {
                // Most files carry a start time: the unstamped ones will land at zero.
                for file in unstamped {
                    out.report(
                        Some(&file.rel),
                        format!(
                            "has no Broadcast-WAV time reference while {} of {} stamped files start at {} ({})",
                            sharing,
                            stamped.len(),
                            reference_code,
                            seconds(reference_seconds),
                        ),
                        format!(
                            "{} will land at zero when spotted to its time stamp: export it as Broadcast WAV from the same start as the others",
                            file.name()
                        ),
                    );
                }
            } else {
                // Most files carry none: the few stamped ones are the odd ones out.
                for &(file, facts, time) in &stamped {
                    if time == 0 {
                        continue;
                    }
                    out.report(
                        Some(&file.rel),
                        format!(
                            "has a Broadcast-WAV time reference of {} ({}) while {} of {} files carry none (they start at zero when spotted)",
                            timecode(time, facts.sample_rate, params.fps),
                            seconds(time as f64 / f64::from(facts.sample_rate)),
                            unstamped.len(),
                            unstamped.len() + stamped.len(),
                        ),
                        format!(
                            "{} will land later than the others when spotted to its time stamp: export every file the same way, from the same start",
                            file.name()
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timecode_counts_frames_at_the_given_rate() {
        assert_eq!(timecode(48000 * 3600 * 10, 48000, 25), "10:00:00:00");
        assert_eq!(timecode(48000 * 61 + 24000, 48000, 25), "00:01:01:12");
        assert_eq!(timecode(44100 + 44099, 44100, 30), "00:00:01:29");
    }

    #[test]
    fn ticks_compare_rates_exactly() {
        assert_eq!(ticks(48000, 48000), ticks(44100, 44100));
        assert_eq!(ticks(96000, 96000), ticks(48000, 48000));
    }
}
