use serde::Deserialize;

use super::{Findings, Meta, Rule};
use crate::diagnostic::{Level, Span, SpanSource};
use crate::notes;
use crate::record::Delivery;

#[derive(Clone)]
pub struct NotesMeter;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for NotesMeter {
    type Params = Params;
    const META: Meta = Meta {
        id: "notes/meter",
        summary: "notes give no readable meter (e.g. `4/4`, `6/8`)",
        explain: "Reads the notes files and finds deliveries whose notes give no readable meter (time signature): `Time signature: 6/8`, `Meter 7/8`, `4/4`, `common time`. Dates such as `12/08/2024` are not taken for meters.\n\nWhy it matters: the session's bar lines depend on it; a 6/8 song gridded in 4/4 makes every edit and every tempo-synced effect land wrong.\n\nFix: write the meter in the notes (`Meter: 4/4`), with the bars where it changes.",
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
        if parsed.iter().any(|(_, facts)| !facts.meters.is_empty()) {
            return;
        }
        // Point at a line that talks about the meter without a readable value, if any.
        for (file, facts) in &parsed {
            if let Some(line) = facts.meter_lines.first() {
                out.report_span(
                    Some(&file.rel),
                    "the notes mention the meter but give no value stemlint can read",
                    "write the meter in the notes, e.g. `Meter: 4/4` (and the bars where it changes)",
                    Span::new(SpanSource::Notes, &file.rel, file.text.clone(), line.start, line.len(), "no readable meter here"),
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
            "no meter in the notes".to_owned()
        } else {
            format!("no meter in any of the notes files ({})", names.join(", "))
        };
        out.report(
            Some(names[0]),
            message,
            "write the meter in the notes, e.g. `Meter: 4/4` (and the bars where it changes)",
        );
    }
}
