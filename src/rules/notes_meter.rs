use serde::Deserialize;

use super::util::{report_missing_notes_value, NotesValue};
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Reads the notes files and finds deliveries whose notes give no readable meter (time
    /// signature): `Time signature: 6/8`, `Meter 7/8`, `4/4`, `common time`. Dates such as
    /// `12/08/2024` are not taken for meters. Music without a grid, said so (`free time`,
    /// `rubato`, `no click`, `unmetered`), needs no meter.
    ///
    /// Why it matters: the session's bar lines depend on it; a 6/8 song gridded in 4/4 makes every
    /// edit and every tempo-synced effect land wrong.
    ///
    /// Fix: write the meter in the notes (`Meter: 4/4`), with the bars where it changes.
    pub struct NotesMeter {
        id: "notes/meter",
        summary: "notes give no readable meter (e.g. `4/4`, `6/8`)",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for NotesMeter {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        let value = NotesValue {
            what: "meter",
            found: |facts| !facts.meters.is_empty() || !facts.free_time.is_empty(),
            unreadable: |facts| &facts.meter_lines,
            help: "write the meter in the notes, e.g. `Meter: 4/4` (and the bars where it changes)",
        };
        report_missing_notes_value(&value, delivery, out);
    }
}
