use serde::Deserialize;

use super::util::{name_span, number_prefix};
use crate::model::pattern::Pattern;
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds file names that do not follow the profile's naming pattern. For tracks the default is
    /// a two- or three-digit number in session order, a separator and a short clear name:
    /// `03_VocalLead.wav`, `14 Bs DI.wav`, `05_Keys.L.wav`.
    ///
    /// Why it matters: the number is how an engineer sees the session order and spots a missing
    /// track at a glance; names like `Audio 1_07.wav` or `bounce final FINAL.wav` say nothing
    /// about what is inside.
    ///
    /// Fix: rename the files to the pattern. Change the pattern for your studio's convention under
    /// `naming/pattern.pattern` in stemlint.yaml.
    ///
    /// Parameters: `pattern` (regex over the file name), `example`.
    pub struct NamingPattern {
        id: "naming/pattern",
        summary: "name does not match the profile's pattern (default `NN_Name.wav`)",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Regular expression every file name (not its folder) must match.
    pub pattern: Pattern,
    /// Shown in the message: what a good name looks like.
    pub example: String,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            pattern: Pattern::new(
                r"^\d{2,3}[ _][A-Za-z0-9][A-Za-z0-9 _+(),-]*(\.[LRlr])?\.(wav|WAV)$",
            ),
            example: "03_VocalLead.wav".to_owned(),
        }
    }
}

impl Rule for NamingPattern {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for file in &delivery.files {
            let name = file.name();
            if params.pattern.0.is_match(name) {
                continue;
            }
            // Point at the most likely culprit: a missing number, then the extension, then
            // the first character the pattern's usual alphabet does not allow.
            let (start, length, label) = if number_prefix(name).is_none() {
                let word = name.find(['_', ' ', '.']).unwrap_or(name.len()).max(1);
                (0, word.min(name.len()), "no track number here")
            } else if let Some(bad) =
                name.find(|c: char| !(c.is_ascii_alphanumeric() || " _+-.(),".contains(c)))
            {
                let length = name[bad..].chars().next().map_or(1, char::len_utf8);
                (bad, length, "unexpected character")
            } else {
                (0, name.len(), "does not match the pattern")
            };
            out.report_span(
                Some(&file.rel),
                format!("`{name}` does not follow the naming pattern (like `{}`)", params.example),
                format!(
                    "rename it like `{}`: number in session order, separator, short clear name (pattern `{}`)",
                    params.example,
                    params.pattern.0.as_str()
                ),
                name_span(file, start, length, label),
            );
        }
    }
}
