use super::util::{number_prefix, CompanionWords, Part};
use super::{Findings, Rule};
use crate::model::record::{AudioFacts, Delivery, FileRecord};

declare_rule! {
    /// Checks files that belong together. Dual-mono pairs (`Keys.L.wav` + `Keys.R.wav`, also
    /// `_L`/`_R` and ` L`/` R`, the track number ignored): the partner must be there, each side
    /// must be mono, and both must have the same length (frames), sample rate and bit depth. DI
    /// companions (`05_Gtr_DI.wav` next to `04_GtrAmp.wav`, paired as `companion/di-missing` pairs
    /// them): the DI must have the amp track's length, sample rate and bit depth (not its channel
    /// count: a mono DI beside a stereo amp print is normal).
    ///
    /// Why it matters: a dual-mono pair is one stereo source split in two; a missing or shorter
    /// side loses half the image or drifts against the other. A DI is only useful for re-amping
    /// when it lines up with the amp track sample for sample.
    ///
    /// Fix: export the pair (or the DI and its amp track) again together, from the same selection,
    /// in the same format; or deliver the stereo source as one interleaved stereo file.
    ///
    /// Parameters: `amp_tokens`, `di_tokens` (words compared ignoring case, as in
    /// `companion/di-missing`).
    pub struct CompanionMismatch {
        id: "companion/mismatch",
        summary: "a DI companion or a dual-mono `.L`/`.R` partner differs in length or format, or the partner is missing",
        level: Warning,
        scope: Delivery,
    }
}

/// Parameters: the words that mark amp and DI parts (as `companion/di-missing`).
pub type Params = CompanionWords;

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
    let parts: Vec<(&FileRecord, Part)> = delivery
        .files
        .iter()
        .map(|file| (file, params.part(file)))
        .collect();
    for (di_file, di_part) in parts.iter().filter(|(_, part)| part.di) {
        let Some(di_facts) = &di_file.facts else {
            continue;
        };
        for (amp_file, _) in parts
            .iter()
            .filter(|(_, part)| part.amp.is_some() && !part.di && part.pairs_with(di_part))
        {
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
        FileRecord::new(rel.into(), rel.to_owned())
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
