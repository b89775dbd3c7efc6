use serde::Deserialize;

use super::util::{report_missing_notes_value, NotesValue};
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Reads the notes files and finds deliveries whose notes give no readable tempo. stemlint
    /// reads tempos the way people write them: `Tempo: 124 BPM`, `124bpm`, `BPM = 92.5`, a
    /// metronome mark (`♩ = 96`, `q = 120`, `M.M. = 100`), and several of them for a tempo map.
    /// Music without a grid, said so (`free time`, `rubato`, `no click`, `unmetered`), needs
    /// no tempo.
    ///
    /// Why it matters: without the tempo the engineer cannot set up the session grid, line up
    /// delays and time-based effects, or add parts in time.
    ///
    /// Fix: write the tempo in the notes (`Tempo: 124 BPM`); for a tempo map, each tempo with the
    /// bar where it starts, or export the map as a MIDI file.
    pub struct NotesTempo {
        id: "notes/tempo",
        summary: "notes give no readable tempo (BPM)",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for NotesTempo {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        let value = NotesValue {
            what: "tempo",
            found: |facts| !facts.tempos.is_empty() || !facts.free_time.is_empty(),
            unreadable: |facts| &facts.tempo_lines,
            help: "write the tempo in the notes, e.g. `Tempo: 124 BPM` (for a tempo map, each tempo with its bar)",
        };
        report_missing_notes_value(&value, delivery, out);
    }
}
