use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds deliveries with no audio file at all.
    ///
    /// Why it matters: an empty folder usually means the upload failed, the files are still in an
    /// archive, or the wrong folder was shared.
    ///
    /// Fix: check that the export finished and the files were copied into this folder; unpack any
    /// archive.
    pub struct DeliveryEmpty {
        id: "delivery/empty",
        summary: "no audio files found",
        level: Error,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for DeliveryEmpty {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        // A root whose audio all lives in its sections is not empty.
        if !delivery.files.is_empty() || delivery.sections > 0 {
            return;
        }
        let archives = delivery
            .strays
            .iter()
            .filter(|stray| stray.reason.starts_with("archive"))
            .count();
        let help = if archives > 0 {
            "the audio seems to be inside an archive: unpack it here and check again"
        } else {
            "export the files into this folder (or point stemlint at the folder that holds them)"
        };
        out.report(
            None,
            format!("no audio files in {}", delivery.display_root),
            help,
        );
    }
}
