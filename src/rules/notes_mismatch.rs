use serde::Deserialize;

use super::util::{majority, rate};
use super::{Findings, Meta, Rule, Scope};
use crate::diagnostic::{Level, Span, SpanSource};
use crate::notes;
use crate::record::{Delivery, SampleFormat};

#[derive(Clone)]
pub struct NotesMismatch;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Compare the sample rates the notes declare with the files'.
    pub sample_rate: bool,
    /// Compare the bit depths the notes declare with the files'.
    pub bit_depth: bool,
    /// Report files the notes list that are not in the delivery.
    pub file_list: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            sample_rate: true,
            bit_depth: true,
            file_list: true,
        }
    }
}

impl Rule for NotesMismatch {
    type Params = Params;
    const META: Meta = Meta {
        id: "notes/mismatch",
        summary: "notes declare a sample rate / bit depth / file list that the audio contradicts",
        explain: "Compares what the notes say with what the files are: a sample rate \
(`44.1 kHz`, `48k`, `96000 Hz`), a bit depth (`16-bit`, `24 bit`, `32-bit float`, the `48k24` \
convention) other than the one most files have, and file names the notes list that are not in \
the delivery.\n\n\
Why it matters: one of the two is wrong. Either the notes were copied from another project, \
or the files were exported with the wrong settings, or a listed file never made it into the \
upload.\n\n\
Fix: correct the notes, or export the files again as the notes say; send any listed file \
that is missing.\n\n\
Parameters: `sample_rate`, `bit_depth`, `file_list` (each on or off).",
        default_level: Level::Warning,
        scope: Scope::Delivery,
    };

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let rates: Vec<u32> = delivery
            .audio()
            .map(|(_, facts)| facts.sample_rate)
            .collect();
        let depths: Vec<(u16, bool)> = delivery
            .audio()
            .filter_map(|(_, facts)| {
                facts
                    .bit_depth
                    .map(|bits| (bits, facts.sample_format == SampleFormat::Float))
            })
            .collect();
        let names: Vec<String> = delivery
            .files
            .iter()
            .map(|file| file.name().to_lowercase())
            .collect();
        for file in &delivery.notes {
            let facts = notes::parse(&file.text);
            let span = |range: &std::ops::Range<usize>, label: String| {
                Span::new(
                    SpanSource::Notes,
                    &file.rel,
                    file.text.clone(),
                    range.start,
                    range.len(),
                    label,
                )
            };
            if params.sample_rate {
                if let Some((actual, _)) = majority(rates.iter().copied()) {
                    for declared in facts
                        .sample_rates
                        .iter()
                        .filter(|found| found.value != actual)
                    {
                        out.report_span(
                            Some(&file.rel),
                            format!("the notes say {} but the files are {}", rate(declared.value), rate(actual)),
                            "correct the notes, or export the files again at the rate the notes give",
                            span(&declared.range, format!("files are {}", rate(actual))),
                        );
                    }
                }
            }
            if params.bit_depth {
                if let Some(((bits, float), _)) = majority(depths.iter().copied()) {
                    for declared in &facts.bit_depths {
                        let wanted = (declared.value.bits, declared.value.float);
                        // `32-bit` alone may mean float or integer: either matches.
                        let matches =
                            (bits, float) == wanted || (declared.value.bits == 32 && bits == 32);
                        if !matches {
                            let actual =
                                format!("{bits}-bit {}", if float { "float" } else { "integer" });
                            out.report_span(
                                Some(&file.rel),
                                format!("the notes say {}-bit but the files are {actual}", declared.value.bits),
                                "correct the notes, or export the files again at the bit depth the notes give",
                                span(&declared.range, format!("files are {actual}")),
                            );
                        }
                    }
                }
            }
            // The root's list names files of every section: a section cannot judge it.
            if params.file_list && !file.inherited {
                for listed in &facts.files {
                    let listed_name = listed
                        .value
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or(&listed.value);
                    if !names.contains(&listed_name.to_lowercase()) {
                        out.report_span(
                            Some(&file.rel),
                            format!("the notes list `{listed_name}`, which is not in the delivery"),
                            "send the missing file, or correct the notes",
                            span(&listed.range, "not in the delivery".to_owned()),
                        );
                    }
                }
            }
        }
    }
}
