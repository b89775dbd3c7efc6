//! The rules' documentation as users read it: the text `stemlint explain` prints and the
//! README's rule table, from the registry (each rule's doc comment) and the built-in
//! profiles.

use crate::profile;
use crate::rules::{self, Meta};

/// The text `stemlint explain` prints: the rule's explanation, its level in each built-in
/// profile and the parameters each sets.
pub fn explain_text(meta: Meta) -> String {
    let mut out = format!("{} — {}\n\n{}\n\n", meta.id, meta.summary, meta.explain());
    out.push_str("Level and parameters in the built-in profiles:\n");
    for name in profile::builtin_names() {
        let Ok(profile) = profile::load(name, None) else {
            continue;
        };
        out.push_str(&format!("  {name}: {}", profile.level(meta.id).as_str()));
        if let Some(setting) = profile.rules.get(meta.id) {
            if !setting.params.is_empty() {
                let yaml = serde_yaml::to_string(&setting.params).unwrap_or_default();
                let flat: Vec<&str> = yaml.lines().collect();
                out.push_str(&format!(" ({})", flat.join("; ")));
            }
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "\nChange it in stemlint.yaml:\n  rules:\n    {}:\n      severity: warning   # error | warning | info | off\n",
        meta.id
    ));
    out
}

/// The README's rule table (Markdown), generated from the registry and the built-in profiles;
/// a test keeps the README in step with it.
pub fn markdown_table() -> String {
    let names = profile::builtin_names();
    let profiles: Vec<_> = names
        .iter()
        .filter_map(|name| profile::load(name, None).ok())
        .collect();
    let mut out = format!("| rule | {} | finds |\n", names.join(" | "));
    out.push_str(&format!("|---|{}---|\n", "---|".repeat(names.len())));
    for id in rules::ids() {
        let Some(rule) = rules::find(id) else {
            continue;
        };
        let levels: Vec<&str> = profiles
            .iter()
            .map(|profile| profile.level(id).as_str())
            .collect();
        out.push_str(&format!(
            "| `{id}` | {} | {} |\n",
            levels.join(" | "),
            rule.meta().summary.replace('|', "\\|")
        ));
    }
    out
}
