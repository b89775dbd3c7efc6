use serde::Deserialize;

use super::util::{count, majority, seconds};
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files whose length differs from the rest of the delivery, to the sample. The
    /// reference is the length most files share; each outlier is reported with its difference in
    /// samples and in seconds.
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
        // Lengths compare within the common rate; a file at another rate is
        // `format/sample-rate`'s finding, and its length in frames means something else.
        let same_rate: Vec<_> = delivery
            .audio()
            .filter(|(_, facts)| facts.sample_rate == reference_rate && reference_rate > 0)
            .collect();
        if same_rate.len() < 2 {
            return;
        }
        let Some((reference, sharing)) = majority(same_rate.iter().map(|(_, facts)| facts.frames))
        else {
            return;
        };
        let rate = f64::from(reference_rate);
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
            out.report_at(
                Some(&file.rel),
                Some(start),
                Some(end),
                format!(
                    "{} {direction} than the other files: {} frames ({}) against {} ({}) in {} of {} files",
                    count(difference, "sample"),
                    facts.frames,
                    seconds(facts.frames as f64 / rate),
                    reference,
                    seconds(reference as f64 / rate),
                    sharing,
                    same_rate.len(),
                ),
                format!(
                    "{} is {} {direction}: export every file again from the same start to the same end so they line up sample-exact",
                    file.name(),
                    seconds(difference as f64 / rate)
                ),
            );
        }
    }
}
