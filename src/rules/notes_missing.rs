use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds deliveries without a notes file: `notes.txt`, `README.txt`, any `*notes*.txt`, or a
    /// Markdown file.
    ///
    /// Why it matters: audio files do not say the tempo, the meter, the key, whether a part was
    /// meant to be muted, or which take is the keeper. Without notes the engineer guesses or
    /// writes back and waits.
    ///
    /// Fix: add a `notes.txt` at the delivery root with tempo (BPM, or the tempo map), meter, key,
    /// sample rate and bit depth, and anything unusual (`stemlint init` prints a template in its
    /// comments).
    pub struct NotesMissing {
        id: "notes/missing",
        summary: "no notes file (`notes.txt`, `README.txt`, `*notes*.txt`, `*.md`)",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for NotesMissing {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        if delivery.notes.is_empty() && !delivery.files.is_empty() {
            out.report(
                None,
                "no notes file: nothing says the tempo, meter, key or format of this delivery",
                "add a notes.txt at the root with tempo (BPM), meter (e.g. 4/4), key, sample rate and bit depth",
            );
        }
    }
}
