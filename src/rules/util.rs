//! Small helpers the rules share: formatting figures for messages, spans over file names.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::diagnostic::{Span, SpanSource};
use crate::model::pattern::Pattern;
use crate::model::record::FileRecord;

/// What marks a reference mix, matched against the file name without its extension: a word
/// `Mix`, `Master`, `PrintMaster`, `PM`, `FullMix` between separators (`AB_Song_Mix_48k24`).
/// The default of both stems rules' `mix_pattern`.
pub const DEFAULT_MIX_PATTERN: &str =
    r"(?i)(^|[_ .-])(mix|master|printmaster|print_master|pm|fullmix|full_mix)([_ .-]|$)";

/// True when `file` is a reference mix, not a stem.
pub fn is_mix(file: &FileRecord, pattern: &Pattern) -> bool {
    pattern.matches_stem_of(&file.rel)
}

/// `48 kHz`, `44.1 kHz`, `88.2 kHz`.
pub fn rate(hz: u32) -> String {
    if hz % 1000 == 0 {
        format!("{} kHz", hz / 1000)
    } else {
        let khz = format!("{:.3}", f64::from(hz) / 1000.0);
        format!("{} kHz", khz.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Seconds with millisecond precision (`12.000 s`), or milliseconds below 10 ms (`0.146 ms`).
pub fn seconds(value: f64) -> String {
    if value == 0.0 {
        "0 s".to_owned()
    } else if value.abs() < 0.01 {
        format!("{:.3} ms", value * 1000.0)
    } else {
        format!("{value:.3} s")
    }
}

pub use crate::model::diagnostic::clock;

/// A plural noun: `1 sample`, `3 samples`.
pub fn count(value: u64, noun: &str) -> String {
    if value == 1 {
        format!("{value} {noun}")
    } else {
        format!("{value} {noun}s")
    }
}

/// A span over characters of a file's name (`start..start+length` in the name), shown
/// against the file's relative path.
pub fn name_span(file: &FileRecord, start: usize, length: usize, label: impl Into<String>) -> Span {
    rel_span(&file.rel, start, length, label)
}

/// Like `name_span` for a path that is not an audio record (a stray file).
pub fn rel_span(rel: &str, start: usize, length: usize, label: impl Into<String>) -> Span {
    let name_offset = rel.rfind('/').map_or(0, |slash| slash + 1);
    Span::new(
        SpanSource::FileName,
        rel,
        Arc::from(rel),
        name_offset + start,
        length,
        label,
    )
}

/// The value most files share (ties broken toward the larger value), and how many share it.
pub fn majority<T: Ord + Copy>(values: impl IntoIterator<Item = T>) -> Option<(T, usize)> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|(value_a, count_a), (value_b, count_b)| {
            count_a.cmp(count_b).then(value_a.cmp(value_b))
        })
}

/// The leading track number of a file name (`03_Bass.wav` → (3, 0..2)).
pub fn number_prefix(name: &str) -> Option<(u32, usize)> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 4 {
        return None;
    }
    name[..digits].parse().ok().map(|number| (number, digits))
}

/// The words of a name: split at separators and at lower→upper case changes
/// (`GtrAmp_DI` → `Gtr`, `Amp`, `DI`). The leading number is dropped.
pub fn tokens(stem: &str) -> Vec<String> {
    let without_number = match number_prefix(stem) {
        Some((_, digits)) => &stem[digits..],
        None => stem,
    };
    let mut words = Vec::new();
    for part in without_number.split(['_', ' ', '-', '.', '+']) {
        let mut word = String::new();
        let mut previous_lower = false;
        for c in part.chars() {
            if c.is_uppercase() && previous_lower && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
            word.push(c);
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// Name words that mark an amp-simulated or re-amped part, and a DI (direct input)
/// companion: the parameters both companion rules share.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompanionWords {
    pub amp_tokens: Vec<String>,
    pub di_tokens: Vec<String>,
}

impl Default for CompanionWords {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|word| (*word).to_owned()).collect();
        CompanionWords {
            amp_tokens: words(&[
                "Amp",
                "AmpSim",
                "Sim",
                "Amped",
                "Reamp",
                "ReAmp",
                "Cab",
                "Kemper",
                "Helix",
                "AxeFx",
                "Amplitube",
            ]),
            di_tokens: words(&["DI", "Direct", "DirectIn"]),
        }
    }
}

/// What a file's name says about it as a companion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The words naming the part itself (`gtr` of `04_GtrAmp_DI`), lower-cased.
    pub base: Vec<String>,
    /// The amp word the name carries, if any (`Amp`).
    pub amp: Option<String>,
    pub di: bool,
}

impl Part {
    /// Do an amp track and a DI name the same part? The number prefix is ignored, and one
    /// name may be more specific than the other (`Gtr` pairs with `GtrLead`).
    pub fn pairs_with(&self, other: &Part) -> bool {
        !self.base.is_empty()
            && !other.base.is_empty()
            && (self.base.starts_with(&other.base) || other.base.starts_with(&self.base))
    }
}

impl CompanionWords {
    pub fn part(&self, file: &FileRecord) -> Part {
        let is_in =
            |list: &[String], word: &str| list.iter().any(|item| item.eq_ignore_ascii_case(word));
        let words = tokens(file.stem());
        Part {
            amp: words
                .iter()
                .find(|word| is_in(&self.amp_tokens, word))
                .cloned(),
            di: words.iter().any(|word| is_in(&self.di_tokens, word)),
            base: words
                .iter()
                .filter(|word| !is_in(&self.amp_tokens, word) && !is_in(&self.di_tokens, word))
                .filter(|word| !matches!(word.as_str(), "L" | "R"))
                .map(|word| word.to_lowercase())
                .collect(),
        }
    }
}

/// What `notes/tempo` and `notes/meter` look for in the notes.
pub struct NotesValue {
    /// `tempo`, `meter`.
    pub what: &'static str,
    /// True when the parsed notes give a readable value.
    pub found: fn(&crate::model::notes::NotesFacts) -> bool,
    /// Lines that mention the value without a readable one (`Tempo: TBD`).
    pub unreadable: fn(&crate::model::notes::NotesFacts) -> &[std::ops::Range<usize>],
    pub help: &'static str,
}

/// Report notes that give no readable value: at a line that mentions it without one, or at
/// the first notes file. Silent without notes (`notes/missing` says it once) and when every
/// notes file is inherited from the root (the root's delivery reports it).
pub fn report_missing_notes_value(
    value: &NotesValue,
    delivery: &crate::model::record::Delivery,
    out: &mut super::Findings,
) {
    if delivery.notes.is_empty() || delivery.notes.iter().all(|notes| notes.inherited) {
        return;
    }
    let parsed: Vec<_> = delivery
        .notes
        .iter()
        .map(|file| (file, &file.facts))
        .collect();
    if parsed.iter().any(|(_, facts)| (value.found)(facts)) {
        return;
    }
    let what = value.what;
    for (file, facts) in &parsed {
        if let Some(line) = (value.unreadable)(facts).first() {
            out.report_span(
                Some(&file.rel),
                format!("the notes mention the {what} but give no value stemlint can read"),
                value.help,
                Span::new(
                    SpanSource::Notes,
                    &file.rel,
                    file.text.clone(),
                    line.start,
                    line.len(),
                    format!("no readable {what} here"),
                ),
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
        format!("no {what} in the notes")
    } else {
        format!("no {what} in any of the notes files ({})", names.join(", "))
    };
    out.report(Some(names[0]), message, value.help);
}

/// Report each of the files' own issues of one kind (`file/corrupt`, `file/not-audio`…).
pub fn report_file_issues(
    delivery: &crate::model::record::Delivery,
    kind: crate::model::record::FileIssueKind,
    help: &str,
    out: &mut super::Findings,
) {
    for file in &delivery.files {
        for issue in file.issues.iter().filter(|issue| issue.kind == kind) {
            out.report(Some(&file.rel), &issue.message, help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rates_and_clock() {
        assert_eq!(rate(48000), "48 kHz");
        assert_eq!(rate(44100), "44.1 kHz");
        assert_eq!(rate(88200), "88.2 kHz");
        assert_eq!(clock(83.5), "01:23.500");
        assert_eq!(clock(3723.004), "1:02:03.004");
    }

    #[test]
    fn splits_names_into_tokens() {
        assert_eq!(tokens("04_GtrAmp"), ["Gtr", "Amp"]);
        assert_eq!(tokens("05_GtrAmp_DI"), ["Gtr", "Amp", "DI"]);
        assert_eq!(tokens("14 Bs DI"), ["Bs", "DI"]);
        assert_eq!(tokens("Keys.L"), ["Keys", "L"]);
    }

    #[test]
    fn majority_prefers_the_most_common_then_the_larger() {
        assert_eq!(majority([3, 3, 5]), Some((3, 2)));
        assert_eq!(majority([3, 5]), Some((5, 1)));
        assert_eq!(majority(Vec::<u32>::new()), None);
    }
}
