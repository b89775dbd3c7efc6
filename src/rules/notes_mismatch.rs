use serde::Deserialize;

use super::util::{majority, rate};
use super::{Findings, Rule};
use crate::model::diagnostic::{Span, SpanSource};
use crate::model::record::{Delivery, SampleFormat};

declare_rule! {
    /// Compares what the notes say with what the files are: a sample rate (`44.1 kHz`, `48k`,
    /// `96000 Hz`), a bit depth (`16-bit`, `24 bit`, `32-bit float`, the `48k24` convention) other
    /// than the one most files have, and file names the notes list that are not in the delivery.
    ///
    /// Why it matters: one of the two is wrong. Either the notes were copied from another project,
    /// or the files were exported with the wrong settings, or a listed file never made it into the
    /// upload.
    ///
    /// Fix: correct the notes, or export the files again as the notes say; send any listed file
    /// that is missing.
    ///
    /// Parameters: `sample_rate`, `bit_depth`, `file_list` (each on or off).
    pub struct NotesMismatch {
        id: "notes/mismatch",
        summary: "notes declare a sample rate / bit depth / file list that the audio contradicts",
        level: Warning,
        scope: Delivery,
    }
}

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
            let facts = &file.facts;
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
                    // One finding per stated value, at its first mention.
                    let mut seen = Vec::new();
                    for declared in facts
                        .sample_rates
                        .iter()
                        .filter(|found| found.value != actual)
                    {
                        if seen.contains(&declared.value) {
                            continue;
                        }
                        seen.push(declared.value);
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
                    let mut seen = Vec::new();
                    for declared in &facts.bit_depths {
                        let wanted = (declared.value.bits, declared.value.float);
                        if seen.contains(&wanted) {
                            continue;
                        }
                        seen.push(wanted);
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
                    let Some((start, name)) = missing_name(&listed.value, &names) else {
                        continue;
                    };
                    let range = listed.range.start + start..listed.range.end;
                    out.report_span(
                        Some(&file.rel),
                        format!("the notes list `{name}`, which is not in the delivery"),
                        "send the missing file, or correct the notes",
                        span(&range, "not in the delivery".to_owned()),
                    );
                }
            }
        }
    }
}

/// A file name the notes mention that no delivered file has, with its byte offset in
/// `mention`; None when the mention names a delivered file. Names may hold spaces (`03 Bass
/// DI.wav`), so a mention can start with words that are not part of the name (`Files:
/// 01_Kick.wav`, `sox ... out.wav`): it names a file when any of its word-suffixes does.
fn missing_name<'a>(mention: &'a str, delivered: &[String]) -> Option<(usize, &'a str)> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(mention.match_indices(' ').map(|(space, _)| space + 1))
        .filter(|&start| start < mention.len())
        .collect();
    let base = |start: usize| {
        let suffix = &mention[start..];
        let name_at = suffix.rfind(['/', '\\']).map_or(0, |slash| slash + 1);
        (start + name_at, &suffix[name_at..])
    };
    if starts
        .iter()
        .any(|&start| delivered.contains(&base(start).1.to_lowercase()))
    {
        return None;
    }
    // Report the most likely name: the longest suffix that starts like a track (a number),
    // else the last word. A bare extension (`.wav` in prose) names nothing.
    let chosen = starts
        .iter()
        .map(|&start| base(start))
        .find(|(_, name)| name.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or_else(|| base(starts.last().copied().unwrap_or(0)));
    (!chosen.1.starts_with('.')).then_some(chosen)
}

#[cfg(test)]
mod tests {
    use super::missing_name;

    #[test]
    fn a_mention_names_a_file_when_any_word_suffix_does() {
        let delivered = vec!["pcm16_sox.wav".to_owned(), "03 bass di.wav".to_owned()];
        assert_eq!(
            missing_name("sox -n -r 48000 pcm16_sox.wav", &delivered),
            None
        );
        assert_eq!(missing_name("03 Bass DI.wav", &delivered), None);
        assert_eq!(
            missing_name("Files: 09 Pad Stereo.wav", &delivered),
            Some((7, "09 Pad Stereo.wav"))
        );
        assert_eq!(
            missing_name("a take called lead.wav", &delivered),
            Some((14, "lead.wav"))
        );
        assert_eq!(missing_name("an MP3 renamed .wav", &delivered), None);
    }
}
