use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files that should not be in a delivery: operating-system metadata (`.DS_Store`, `._*`
    /// AppleDouble files, `Thumbs.db`, `__MACOSX/`), DAW session files and peak/overview files
    /// (`.ptx`, `.als`, `.reapeaks`, `.pkf`, `.asd`), archives that should have been unpacked,
    /// temporary and partial downloads.
    ///
    /// Why it matters: `._*` files look like audio to a DAW and fail to import; peak files go
    /// stale and show the wrong waveform; a partial download means a file is missing.
    ///
    /// Fix: delete them from the delivery (on macOS, `dot_clean` removes `._*` files), and unpack
    /// archives. Ignore a file on purpose with `ignore:` in stemlint.yaml.
    pub struct DeliveryStrayFile {
        id: "delivery/stray-file",
        summary: "clutter that should not ship (`.DS_Store`, `._*`, session/peak files, archives)",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for DeliveryStrayFile {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        for stray in &delivery.strays {
            out.report(
                Some(&stray.rel),
                format!("should not ship: {}", stray.reason),
                "remove it from the delivery (or list it under `ignore:` in stemlint.yaml)",
            );
        }
    }
}
