use serde::Deserialize;

use super::util::{name_span, tokens};
use super::{Findings, Meta, Rule};
use crate::diagnostic::Level;
use crate::record::{Delivery, FileRecord};

#[derive(Clone)]
pub struct CompanionDiMissing;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Name words that mark an amp-simulated or re-amped part (compared ignoring case).
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

struct Parsed<'a> {
    file: &'a FileRecord,
    /// Words that are neither amp nor DI markers, lower-cased: what the part is (`gtr`).
    base: Vec<String>,
    amp: Option<String>,
    di: bool,
}

impl Rule for CompanionDiMissing {
    type Params = Params;
    const META: Meta = Meta {
        id: "companion/di-missing",
        summary: "an amp-simulated track (`Amp`, `AmpSim`, `Sim`…) has no DI companion (`…_DI`)",
        explain: "Finds tracks whose names mark them as amp-simulated or re-amped (a word like \
`Amp`, `AmpSim`, `Sim`, `Reamp`) that come without their clean DI recording. The track \
number is ignored when pairing: `04_GtrAmp.wav` pairs with `05_GtrAmp_DI.wav` or \
`05_Gtr_DI.wav`.\n\n\
Why it matters: an amp sound printed by a plug-in is fixed for good; with the DI the mixing \
engineer can re-amp, fix tuning or timing, or blend a cleaner tone. Sending the DI alongside \
is the standard courtesy.\n\n\
Fix: export the DI (the unprocessed input) of that part and add it, named like the amp \
track with `_DI`.\n\n\
Parameters: `amp_tokens`, `di_tokens` (words compared ignoring case).",
        default_level: Level::Warning,
    };

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let is_in =
            |list: &[String], word: &str| list.iter().any(|item| item.eq_ignore_ascii_case(word));
        let parsed: Vec<Parsed> = delivery
            .files
            .iter()
            .map(|file| {
                let words = tokens(file.stem());
                let amp = words
                    .iter()
                    .find(|word| is_in(&params.amp_tokens, word))
                    .cloned();
                let di = words.iter().any(|word| is_in(&params.di_tokens, word));
                let base = words
                    .iter()
                    .filter(|word| {
                        !is_in(&params.amp_tokens, word) && !is_in(&params.di_tokens, word)
                    })
                    .filter(|word| !matches!(word.as_str(), "L" | "R"))
                    .map(|word| word.to_lowercase())
                    .collect();
                Parsed {
                    file,
                    base,
                    amp,
                    di,
                }
            })
            .collect();
        for part in parsed.iter().filter(|part| part.amp.is_some() && !part.di) {
            let has_di = parsed.iter().any(|other| {
                other.di
                    && !other.base.is_empty()
                    && (other.base == part.base
                        || other.base.starts_with(&part.base)
                        || part.base.starts_with(&other.base))
            });
            if has_di {
                continue;
            }
            let amp = part.amp.as_deref().unwrap_or("Amp");
            let name = part.file.name();
            let span = name
                .find(amp)
                .map(|start| name_span(part.file, start, amp.len(), "amp-simulated"));
            let wanted = format!(
                "{}_DI.{}",
                part.file.stem(),
                name.rsplit('.').next().unwrap_or("wav")
            );
            let message =
                format!("`{name}` is amp-simulated (`{amp}`) but no DI track comes with it");
            let help = format!("export the clean DI of this part and add it, e.g. `{wanted}`");
            match span {
                Some(span) => out.report_span(Some(&part.file.rel), message, help, span),
                None => {
                    out.report(Some(&part.file.rel), message, help);
                }
            }
        }
    }
}
