use serde::Deserialize;

use super::util::{is_mix, DEFAULT_MIX_PATTERN};
use crate::model::pattern::Pattern;
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Checks that each required stem group (drums, bass, music, vocals for music; dialogue,
    /// music, effects for film) is delivered: at least one file whose name, without its extension,
    /// matches one of the group's patterns. The reference mix (`mix_pattern`) is not a stem and
    /// counts for no group. With `report_unassigned`, a stem that matches no group is reported
    /// too.
    ///
    /// Why it matters: a stem set is only useful complete. A missing vocal stem means no a
    /// cappella and no instrumental; a missing effects stem means no M&E for foreign-language
    /// versions. It is also the quickest sign that an export batch stopped early.
    ///
    /// Fix: print the missing group, or name it so its group is clear
    /// (`AB_Song_Vocals_48k24.wav`); when a group genuinely does not exist in this song, say so in
    /// the notes and change `groups` in stemlint.yaml.
    ///
    /// Parameters: `groups` (a list of `{name, patterns}`, patterns are regular expressions),
    /// `report_unassigned` (report stems that belong to no group), `mix_pattern` (marks the mix).
    pub struct StemsMissingGroup {
        id: "stems/missing-group",
        summary: "a stem group the profile/config requires is missing",
        level: Off,
        scope: Delivery,
    }
}

/// A stem group the delivery must contain: a file whose name matches one of `patterns`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Required groups; each must be matched by at least one stem's name.
    pub groups: Vec<Group>,
    /// Also report a stem that belongs to no group.
    pub report_unassigned: bool,
    /// The reference mix is not a stem (the same pattern as `stems/sum-mismatch`).
    pub mix_pattern: Pattern,
}

/// The music default: drums, bass, music, vocals. Patterns run over the name without its
/// extension; `[^a-z]` stands for a separator because `\b` counts `_` as part of a word.
fn music_groups() -> Vec<Group> {
    let group = |name: &str, patterns: &[&str]| Group {
        name: name.to_owned(),
        patterns: patterns
            .iter()
            .map(|pattern| Pattern::new(pattern))
            .collect(),
    };
    vec![
        group(
            "drums",
            &["(?i)drum|kit|perc|kick|snare|cymbal|overhead|(^|[^a-z])(dr|drm)([^a-z]|$)"],
        ),
        group("bass", &["(?i)bass|(^|[^a-z])(bs|sub)([^a-z]|$)"]),
        group(
            "music",
            &["(?i)music|instr|keys|gtr|guitar|synth|piano|pad|string|horn|brass|(^|[^a-z])(mus|mx)([^a-z]|$)"],
        ),
        group(
            "vocals",
            &["(?i)vocal|vox|choir|(^|[^a-z])(vo|voc|bv|bvs|bgv|bgvs)([^a-z]|$)"],
        ),
    ]
}

impl Default for Params {
    fn default() -> Self {
        Params {
            groups: music_groups(),
            report_unassigned: false,
            mix_pattern: Pattern::new(DEFAULT_MIX_PATTERN),
        }
    }
}

impl Rule for StemsMissingGroup {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let stems: Vec<_> = delivery
            .files
            .iter()
            .filter(|file| !is_mix(file, &params.mix_pattern))
            .collect();
        // An empty delivery is `delivery/empty`'s finding, not four missing groups.
        if stems.is_empty() {
            return;
        }
        let in_group = |group: &Group, stem: &str| {
            group
                .patterns
                .iter()
                .any(|pattern| pattern.0.is_match(stem))
        };
        for group in &params.groups {
            if stems.iter().any(|file| in_group(group, file.stem())) {
                continue;
            }
            let patterns: Vec<String> = group
                .patterns
                .iter()
                .map(|pattern| format!("`{}`", pattern.0.as_str()))
                .collect();
            out.report(
                None,
                format!(
                    "no `{}` stem: no file name matches {}",
                    group.name,
                    patterns.join(" or ")
                ),
                format!(
                    "print the {} stem and add it, named so it is clear (e.g. `AB_Song_{}_48k24.wav`); if the song has none, say so in the notes and change `groups`",
                    group.name,
                    capitalised(&group.name)
                ),
            );
        }
        if params.report_unassigned {
            for file in &stems {
                if params
                    .groups
                    .iter()
                    .any(|group| in_group(group, file.stem()))
                {
                    continue;
                }
                let names: Vec<&str> = params
                    .groups
                    .iter()
                    .map(|group| group.name.as_str())
                    .collect();
                out.report(
                    Some(&file.rel),
                    format!("`{}` belongs to no stem group ({})", file.name(), names.join(", ")),
                    "name the stem after its group (`…_Drums_…`, `…_Vocals_…`), or add a pattern for it to `groups`",
                );
            }
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
