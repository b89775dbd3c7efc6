use serde::Deserialize;

use super::util::{count, majority, rate as util_rate, seconds};
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files whose length differs from the rest of the delivery, to the sample. The
    /// reference is the length most files share (where no two share one, the longest file's,
    /// named); each outlier is reported with its difference in samples and in seconds. A file at
    /// another sample rate (also `format/sample-rate`'s finding) is compared in time, and
    /// reported where it differs by more than a sample of the coarser rate: one run says all
    /// that its new export must fix.
    ///
    /// Why it matters: tracks and stems are printed from the same start to the same end so they
    /// drop into a blank session aligned. A file a few samples short was exported from another
    /// selection or has been trimmed; one much shorter was cut off (a truncated upload).
    ///
    /// Fix: export every file again from one selection (session start to the same end point).
    /// Frames are counted by decoding, so a header that lies does not hide a short file.
    ///
    /// Parameters: `tolerance_frames` (0 = sample-exact).
    pub struct LengthMismatch {
        id: "length/mismatch",
        summary: "files are not all the same length, sample-exact",
        level: Error,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Differences up to this many frames are accepted (0: sample-exact).
    pub tolerance_frames: u64,
}

impl Rule for LengthMismatch {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let Some((reference_rate, _)) =
            majority(delivery.audio().map(|(_, facts)| facts.sample_rate))
        else {
            return;
        };
        if reference_rate == 0 {
            return;
        }
        // Lengths compare to the sample within the common rate. A file at another rate is
        // `format/sample-rate`'s finding too, but its length still counts: compared in time,
        // it is reported where it differs by more than a sample of either rate, so that one run
        // says everything a new export must fix.
        let (same_rate, other_rates): (Vec<_>, Vec<_>) = delivery
            .audio()
            .filter(|(_, facts)| facts.sample_rate > 0)
            .partition(|(_, facts)| facts.sample_rate == reference_rate);
        if same_rate.len() + other_rates.len() < 2 {
            return;
        }
        let Some((reference, sharing)) = majority(same_rate.iter().map(|(_, facts)| facts.frames))
        else {
            return;
        };
        let rate = f64::from(reference_rate);
        // What the outliers are measured against: the length most files share, or, where no
        // two share one, the longest (a file cut short is the common fault), named.
        let longest = same_rate
            .iter()
            .find(|(_, facts)| facts.frames == reference)
            .map_or("", |(file, _)| file.name());
        let files = same_rate.len();
        // `this` file's length against `theirs` (the reference's).
        let against = |this: &str, theirs: &str| {
            if files == 1 {
                format!("{longest}: {this} against {theirs}")
            } else if sharing > 1 {
                format!("the other files: {this} against {theirs} in {sharing} of {files} files")
            } else if files == 2 {
                format!("the other file, {longest}: {this} against {theirs}")
            } else {
                format!("the longest file, {longest}: {this} against {theirs}; no two of the {files} files are the same length")
            }
        };
        let reference_seconds = reference as f64 / rate;
        for (file, facts) in &same_rate {
            let difference = facts.frames.abs_diff(reference);
            if difference <= params.tolerance_frames {
                continue;
            }
            let direction = if facts.frames < reference {
                "shorter"
            } else {
                "longer"
            };
            // Placed where the files differ: from where the short file ends to where the
            // others end (or the long file's extra stretch).
            let (start, end) = (
                facts.frames.min(reference) as f64 / rate,
                facts.frames.max(reference) as f64 / rate,
            );
            let this = format!("{} frames ({})", facts.frames, seconds(facts.frames as f64 / rate));
            let theirs = format!("{reference} ({})", seconds(reference_seconds));
            out.report_at(
                Some(&file.rel),
                Some(start),
                Some(end),
                format!("{} {direction} than {}", count(difference, "sample"), against(&this, &theirs)),
                format!(
                    "{} is {} {direction}: export every file again from the same start to the same end so they line up sample-exact",
                    file.name(),
                    seconds(difference as f64 / rate)
                ),
            );
        }
        for (file, facts) in &other_rates {
            let own_rate = f64::from(facts.sample_rate);
            let length = facts.frames as f64 / own_rate;
            let difference = (length - reference_seconds).abs();
            // A sample of the coarser rate, plus the tolerance, is not a difference.
            let slack = 1.0 / own_rate.min(rate) + params.tolerance_frames as f64 / rate;
            if difference <= slack {
                continue;
            }
            let direction = if length < reference_seconds {
                "shorter"
            } else {
                "longer"
            };
            out.report_at(
                Some(&file.rel),
                Some(length.min(reference_seconds)),
                Some(length.max(reference_seconds)),
                format!(
                    "{} {direction} than {}; its sample rate differs too",
                    seconds(difference),
                    against(
                        &format!(
                            "{} frames at {} ({})",
                            facts.frames,
                            util_rate(facts.sample_rate),
                            seconds(length)
                        ),
                        &format!(
                            "{reference} frames at {} ({})",
                            util_rate(reference_rate),
                            seconds(reference_seconds)
                        ),
                    ),
                ),
                format!(
                    "{} is {} {direction} and at another rate: export it again at {} from the same start to the same end as the other files",
                    file.name(),
                    seconds(difference),
                    util_rate(reference_rate),
                ),
            );
        }
    }
}
