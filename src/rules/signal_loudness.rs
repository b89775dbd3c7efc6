use serde::Deserialize;

use crate::model::pattern::Pattern;
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Measures integrated loudness (ITU-R BS.1770-4 with EBU R128 gating; a mono file is measured
    /// as dual-mono, as heard on two speakers, like ffmpeg's `dualmono`) and loudness range (EBU
    /// Tech 3342), and finds files outside the profile's target: EBU R128 −23 LUFS ±1 LU for
    /// broadcast, ATSC A/85 −24 LKFS ±2, Netflix −27 LKFS ±2. Off where the profile sets no
    /// target. The reading is the whole programme's (level-gated, as R128 and A/85 measure):
    /// Netflix measures the dialogue alone (dialogue-gated), which reads a music-heavy mix
    /// quieter than this, so check a Netflix master with a dialogue-gated meter as well.
    ///
    /// Why it matters: a broadcast or streaming delivery outside its loudness spec is rejected or
    /// turned up and down by the platform.
    ///
    /// Fix: adjust the print master's level (and dynamics for the range) and print again.
    ///
    /// Parameters: `target_lufs`, `tolerance_lu`, `max_range_lu`, `files` (regex over file names
    /// the target applies to, e.g. the print master only).
    pub struct SignalLoudness {
        id: "signal/loudness",
        summary: "integrated loudness outside the profile's target range",
        level: Off,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Target integrated loudness, LUFS; none: no target.
    pub target_lufs: Option<f64>,
    /// Accepted deviation from the target, LU.
    pub tolerance_lu: f64,
    /// Highest accepted loudness range (EBU Tech 3342), LU; none: no limit.
    pub max_range_lu: Option<f64>,
    /// Which files the target applies to (regex over the file name), e.g. the print master.
    pub files: Pattern,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            target_lufs: None,
            tolerance_lu: 1.0,
            max_range_lu: None,
            files: Pattern::new(".*"),
        }
    }
}

impl Rule for SignalLoudness {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, _, analysis) in delivery.analysed() {
            if !params.files.0.is_match(file.name()) {
                continue;
            }
            if let Some(target) = params.target_lufs {
                match analysis.integrated_lufs {
                    Some(loudness) if (loudness - target).abs() > params.tolerance_lu => {
                        let direction = if loudness > target {
                            "too loud"
                        } else {
                            "too quiet"
                        };
                        out.report(
                            Some(&file.rel),
                            format!(
                                "integrated loudness {loudness:.1} LUFS is {direction}: the target is {target:.1} LUFS ±{:.1} LU",
                                params.tolerance_lu
                            ),
                            format!("change the level by {:+.1} dB and print again", target - loudness),
                        );
                    }
                    None => {
                        out.report(
                            Some(&file.rel),
                            format!("no integrated loudness: the file never rises above the −70 LUFS gate (target {target:.1} LUFS)"),
                            "check that the right file was delivered",
                        );
                    }
                    _ => {}
                }
            }
            if let (Some(limit), Some(range)) = (params.max_range_lu, analysis.loudness_range_lu) {
                if range > limit {
                    out.report(
                        Some(&file.rel),
                        format!("loudness range {range:.1} LU is over the {limit:.1} LU limit"),
                        "reduce the dynamics of the print master (level rides or gentle compression) and print again",
                    );
                }
            }
        }
    }
}
