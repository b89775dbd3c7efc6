use serde::Deserialize;

use super::{Findings, Meta, Rule, Scope};
use crate::diagnostic::Level;
use crate::record::Delivery;

#[derive(Clone)]
pub struct DeliveryStrayFile;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for DeliveryStrayFile {
    type Params = Params;
    const META: Meta = Meta {
        id: "delivery/stray-file",
        summary: "clutter that should not ship (`.DS_Store`, `._*`, session/peak files, archives)",
        explain: "Finds files that should not be in a delivery: operating-system metadata \
(`.DS_Store`, `._*` AppleDouble files, `Thumbs.db`, `__MACOSX/`), DAW session files and \
peak/overview files (`.ptx`, `.als`, `.reapeaks`, `.pkf`, `.asd`), archives that should have \
been unpacked, temporary and partial downloads.\n\n\
Why it matters: `._*` files look like audio to a DAW and fail to import; peak files go stale \
and show the wrong waveform; a partial download means a file is missing.\n\n\
Fix: delete them from the delivery (on macOS, `dot_clean` removes `._*` files), and unpack \
archives. Ignore a file on purpose with `ignore:` in stemlint.yaml.",
        default_level: Level::Warning,
        scope: Scope::Delivery,
    };

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
