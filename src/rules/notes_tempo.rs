use serde::Deserialize;

use super::{Findings, Meta, Rule};
use crate::diagnostic::{Level, Span, SpanSource};
use crate::notes;
use crate::record::Delivery;

#[derive(Clone)]
pub struct NotesTempo;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for NotesTempo {
    type Params = Params;
    const META: Meta = Meta {
        id: "notes/tempo",
        summary: "notes give no readable tempo (BPM)",
        explain: "Reads the notes files and finds deliveries whose notes give no readable tempo. stemlint reads tempos the way people write them: `Tempo: 124 BPM`, `124bpm`, `BPM = 92.5`, and several of them for a tempo map.\n\nWhy it matters: without the tempo the engineer cannot set up the session grid, line up delays and time-based effects, or add parts in time.\n\nFix: write the tempo in the notes (`Tempo: 124 BPM`); for a tempo map, each tempo with the bar where it starts, or export the map as a MIDI file.",
        default_level: Level::Warning,
    };

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        // Without any notes file, `notes/missing` says it once.
        // Inherited notes are the root's: the root delivery reports what they lack.
        if delivery.notes.is_empty() || delivery.notes.iter().all(|notes| notes.inherited) {
            return;
        }
        let parsed: Vec<_> = delivery
            .notes
            .iter()
            .map(|file| (file, notes::parse(&file.text)))
            .collect();
        if parsed.iter().any(|(_, facts)| !facts.tempos.is_empty()) {
            return;
        }
        // Point at a line that talks about the tempo without a readable value, if any.
        for (file, facts) in &parsed {
            if let Some(line) = facts.tempo_lines.first() {
                out.report_span(
                    Some(&file.rel),
                    "the notes mention the tempo but give no value stemlint can read",
                    "write the tempo in the notes, e.g. `Tempo: 124 BPM` (for a tempo map, each tempo with its bar)",
                    Span::new(SpanSource::Notes, &file.rel, file.text.clone(), line.start, line.len(), "no readable tempo here"),
                );
                return;
            }
        }
        let names: Vec<&str> = delivery
            .notes
            .iter()
            .map(|file| file.rel.as_str())
            .collect();
        let message = if names.len() == 1 {
            "no tempo in the notes".to_owned()
        } else {
            format!("no tempo in any of the notes files ({})", names.join(", "))
        };
        out.report(
            Some(names[0]),
            message,
            "write the tempo in the notes, e.g. `Tempo: 124 BPM` (for a tempo map, each tempo with its bar)",
        );
    }
}
