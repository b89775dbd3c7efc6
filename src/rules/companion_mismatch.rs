use serde::Deserialize;

use super::util::{number_prefix, tokens};
use super::{Findings, Meta, Rule};
use crate::diagnostic::Level;
use crate::record::{AudioFacts, Delivery, FileRecord};

#[derive(Clone)]
pub struct CompanionMismatch;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Name words that mark an amp-simulated or re-amped part (as `companion/di-missing`).
    pub amp_tokens: Vec<String>,
    /// Name words that mark a DI (direct input) companion.
    pub di_tokens: Vec<String>,
}

impl Default for Params {
    fn default() -> Self {
        let words = |list: &[&str]| list.iter().map(|word| (*word).to_owned()).collect();
        Params {
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

/// A dual-mono side: the file's folder and name without number and side (lower-cased), and
/// whether it is the left side. `Keys.L`, `Keys_L`, `Keys L` (either case) are sides.
pub(crate) fn dual_mono_side(file: &FileRecord) -> Option<(String, bool)> {
    let stem = file.stem();
    let at = stem.len().checked_sub(2)?;
    if !stem.is_char_boundary(at) {
        return None;
    }
    let (base, side) = stem.split_at(at);
    let mut chars = side.chars();
    let separator = chars.next()?;
    let letter = chars.next()?;
    if !matches!(separator, '.' | '_' | ' ') {
        return None;
    }
    let left = match letter {
        'L' | 'l' => true,
        'R' | 'r' => false,
        _ => return None,
    };
    let base = match number_prefix(base) {
        Some((_, digits)) => &base[digits..],
        None => base,
    };
    let base = base.trim_start_matches(['_', ' ', '-', '.']);
    if base.is_empty() {
        return None;
    }
    let folder = file.rel.rfind('/').map_or("", |slash| &file.rel[..slash]);
    Some((format!("{folder}/{}", base.to_lowercase()), left))
}

/// The words naming the part itself (`gtr` of `04_GtrAmp_DI`), lower-cased, with whether the
/// name marks an amp track and a DI: the pairing of `companion/di-missing`.
pub(crate) fn part_words(file: &FileRecord, params: &Params) -> (Vec<String>, bool, bool) {
    let is_in =
        |list: &[String], word: &str| list.iter().any(|item| item.eq_ignore_ascii_case(word));
    let words = tokens(file.stem());
    let amp = words.iter().any(|word| is_in(&params.amp_tokens, word));
    let di = words.iter().any(|word| is_in(&params.di_tokens, word));
    let base = words
        .iter()
        .filter(|word| !is_in(&params.amp_tokens, word) && !is_in(&params.di_tokens, word))
        .filter(|word| !matches!(word.as_str(), "L" | "R"))
        .map(|word| word.to_lowercase())
        .collect();
    (base, amp, di)
}

/// How `other` differs from `reference` in length and format, as message parts.
fn differences(reference: &AudioFacts, other: &AudioFacts, channels: bool) -> Vec<String> {
    let mut found = Vec::new();
    if other.frames != reference.frames {
        found.push(format!(
            "{} frames against {} ({} {})",
            other.frames,
            reference.frames,
            other.frames.abs_diff(reference.frames),
            if other.frames < reference.frames {
                "short"
            } else {
                "long"
            }
        ));
    }
    if other.sample_rate != reference.sample_rate {
        found.push(format!(
            "{} Hz against {} Hz",
            other.sample_rate, reference.sample_rate
        ));
    }
    if other.bit_depth != reference.bit_depth || other.sample_format != reference.sample_format {
        let depth = |facts: &AudioFacts| {
            format!(
                "{}-bit {:?}",
                facts
                    .bit_depth
                    .map_or_else(|| "?".to_owned(), |bits| bits.to_string()),
                facts.sample_format
            )
            .to_lowercase()
        };
        found.push(format!("{} against {}", depth(other), depth(reference)));
    }
    if channels && other.channels != reference.channels {
        found.push(format!(
            "{} channels against {}",
            other.channels, reference.channels
        ));
    }
    found
}

impl Rule for CompanionMismatch {
    type Params = Params;
    const META: Meta = Meta {
        id: "companion/mismatch",
        summary: "a DI companion or a dual-mono `.L`/`.R` partner differs in length or format, or the partner is missing",
        explain: "Checks files that belong together. Dual-mono pairs (`Keys.L.wav` + \
`Keys.R.wav`, also `_L`/`_R` and ` L`/` R`, the track number ignored): the partner must be \
there, each side must be mono, and both must have the same length (frames), sample rate and \
bit depth. DI companions (`05_Gtr_DI.wav` next to `04_GtrAmp.wav`, paired as \
`companion/di-missing` pairs them): the DI must have the amp track's length, sample rate and \
bit depth (not its channel count: a mono DI beside a stereo amp print is normal).\n\n\
Why it matters: a dual-mono pair is one stereo source split in two; a missing or shorter side \
loses half the image or drifts against the other. A DI is only useful for re-amping when it \
lines up with the amp track sample for sample.\n\n\
Fix: export the pair (or the DI and its amp track) again together, from the same selection, \
in the same format; or deliver the stereo source as one interleaved stereo file.\n\n\
Parameters: `amp_tokens`, `di_tokens` (words compared ignoring case, as in \
`companion/di-missing`).",
        default_level: Level::Warning,
    };

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        check_dual_mono(delivery, out);
        check_di(params, delivery, out);
    }
}

fn check_dual_mono(delivery: &Delivery, out: &mut Findings) {
    let sides: Vec<(&FileRecord, String, bool)> = delivery
        .files
        .iter()
        .filter_map(|file| dual_mono_side(file).map(|(key, left)| (file, key, left)))
        .collect();
    for (file, key, left) in &sides {
        let partner = sides
            .iter()
            .find(|(_, other_key, other_left)| other_key == key && other_left != left);
        let Some((partner, _, _)) = partner else {
            let (missing, wanted) = if *left { ("right", 'R') } else { ("left", 'L') };
            let stem = file.stem();
            let name = format!(
                "{}{wanted}.{}",
                &stem[..stem.len() - 1],
                file.name().rsplit('.').next().unwrap_or("wav")
            );
            out.report(
                Some(&file.rel),
                format!(
                    "`{}` is one side of a dual-mono pair but its {missing} partner is missing",
                    file.name()
                ),
                format!(
                    "add the {missing} side (`{name}`), or deliver the source as one stereo file"
                ),
            );
            continue;
        };
        let Some(facts) = &file.facts else { continue };
        if facts.channels != 1 {
            out.report(
                Some(&file.rel),
                format!(
                    "`{}` is one side of a dual-mono pair but has {} channels",
                    file.name(),
                    facts.channels
                ),
                "export each side of a dual-mono pair as a mono file",
            );
        }
        // Each pair's differences are reported once, on the right side.
        if *left {
            continue;
        }
        let Some(partner_facts) = &partner.facts else {
            continue;
        };
        let found = differences(partner_facts, facts, true);
        if !found.is_empty() {
            out.report(
                Some(&file.rel),
                format!(
                    "`{}` differs from its partner `{}`: {}",
                    file.name(),
                    partner.name(),
                    found.join(", ")
                ),
                "export both sides again together, from the same selection and in the same format",
            );
        }
    }
}

fn check_di(params: &Params, delivery: &Delivery, out: &mut Findings) {
    let parts: Vec<(&FileRecord, Vec<String>, bool, bool)> = delivery
        .files
        .iter()
        .map(|file| {
            let (base, amp, di) = part_words(file, params);
            (file, base, amp, di)
        })
        .collect();
    for (di_file, di_base, _, _) in parts.iter().filter(|part| part.3 && !part.1.is_empty()) {
        let Some(di_facts) = &di_file.facts else {
            continue;
        };
        for (amp_file, amp_base, _, _) in parts.iter().filter(|part| part.2 && !part.3) {
            let pairs = amp_base == di_base
                || amp_base.starts_with(di_base.as_slice())
                || di_base.starts_with(amp_base.as_slice());
            if !pairs || amp_base.is_empty() {
                continue;
            }
            let Some(amp_facts) = &amp_file.facts else {
                continue;
            };
            let found = differences(amp_facts, di_facts, false);
            if !found.is_empty() {
                out.report(
                    Some(&di_file.rel),
                    format!(
                        "DI `{}` does not match its amp track `{}`: {}",
                        di_file.name(),
                        amp_file.name(),
                        found.join(", ")
                    ),
                    "export the DI and its amp track again together, from the same selection and in the same format, so they line up for re-amping",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(rel: &str) -> FileRecord {
        FileRecord {
            path: rel.into(),
            rel: rel.to_owned(),
            facts: None,
            analysis: None,
            issues: Vec::new(),
        }
    }

    #[test]
    fn finds_dual_mono_sides() {
        assert_eq!(
            dual_mono_side(&record("05_Keys.L.wav")),
            Some(("/keys".to_owned(), true))
        );
        assert_eq!(
            dual_mono_side(&record("A/06 Keys R.wav")),
            Some(("A/keys".to_owned(), false))
        );
        assert_eq!(
            dual_mono_side(&record("Keys_r.wav")).map(|side| side.1),
            Some(false)
        );
        assert_eq!(dual_mono_side(&record("03_Vocal.wav")), None);
        assert_eq!(dual_mono_side(&record("_L.wav")), None);
    }
}
