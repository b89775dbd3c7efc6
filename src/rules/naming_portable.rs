use std::collections::BTreeMap;

use serde::Deserialize;

use super::util::name_span;
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds file names that will break on another operating system, file system or transfer
    /// service: characters Windows forbids (`< > : " \ | ? *`), control characters, accents and
    /// other non-ASCII letters (macOS and Windows store them differently, so the same name can
    /// turn into two), leading or trailing spaces and trailing dots, reserved Windows names
    /// (`CON`, `AUX`, `COM1`…), two names that differ only in case (one overwrites the other on
    /// macOS and Windows), and names or paths too long for older tools.
    ///
    /// Why it matters: the delivery arrives with files missing, renamed or refusing to copy, and
    /// nobody knows which.
    ///
    /// Fix: rename with letters, digits, `_`, `-` and `.` (spaces too if the profile allows them).
    ///
    /// Parameters: `ascii_only`, `allow_spaces`, `max_name_length`, `max_path_length`.
    pub struct NamingPortable {
        id: "naming/portable",
        summary: "names unsafe on another OS: bad characters, case collisions, edge spaces, overlong",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Report letters outside ASCII (accents, other scripts).
    pub ascii_only: bool,
    /// Accept spaces inside names.
    pub allow_spaces: bool,
    /// Longest file name, in characters.
    pub max_name_length: usize,
    /// Longest path below the delivery root, in characters.
    pub max_path_length: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ascii_only: true,
            allow_spaces: true,
            max_name_length: 100,
            max_path_length: 200,
        }
    }
}

const WINDOWS_RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

impl Rule for NamingPortable {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let help = if params.allow_spaces {
            "rename it using only letters, digits, spaces, `_`, `-` and `.`"
        } else {
            "rename it using only letters, digits, `_`, `-` and `.`"
        };
        let mut by_folded: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for file in &delivery.files {
            let name = file.name();
            by_folded
                .entry(file.rel.to_lowercase())
                .or_default()
                .push(&file.rel);
            if let Some((index, c)) = name.char_indices().find(|(_, c)| {
                c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '\\' | '|' | '?' | '*')
            }) {
                out.report_span(
                    Some(&file.rel),
                    format!(
                        "the name contains {}, which Windows does not allow",
                        describe(c)
                    ),
                    help,
                    name_span(file, index, c.len_utf8(), "not allowed on Windows"),
                );
            } else if c_replacement(name).is_some() {
                let index = c_replacement(name).unwrap_or(0);
                out.report_span(
                    Some(&file.rel),
                    "the name is not valid UTF-8 (shown with a replacement character): it was written by a system with another encoding",
                    help,
                    name_span(file, index, '\u{FFFD}'.len_utf8(), "undecodable bytes"),
                );
            } else if let Some((index, c)) = name
                .char_indices()
                .find(|(_, c)| params.ascii_only && !c.is_ascii())
            {
                out.report_span(
                    Some(&file.rel),
                    format!("the name contains `{c}`, which is not ASCII: other systems may store or show it differently"),
                    help,
                    name_span(file, index, c.len_utf8(), "not ASCII"),
                );
            } else if !params.allow_spaces && name.contains(' ') {
                let index = name.find(' ').unwrap_or(0);
                out.report_span(
                    Some(&file.rel),
                    "the name contains spaces, which this profile does not allow",
                    "replace spaces with `_` or `-`",
                    name_span(file, index, 1, "space"),
                );
            }
            let stem = file.stem();
            if name.starts_with(' ') || stem.ends_with(' ') || stem.ends_with('.') {
                let (index, label) = if name.starts_with(' ') {
                    (0, "leading space")
                } else {
                    (stem.len() - 1, "trailing space or dot")
                };
                out.report_span(
                    Some(&file.rel),
                    "the name starts or ends with a space or a dot, which Windows and many transfer tools strip",
                    "remove the leading or trailing space or dot",
                    name_span(file, index, 1, label),
                );
            }
            let base = name.split('.').next().unwrap_or(name).to_lowercase();
            if WINDOWS_RESERVED.contains(&base.as_str()) {
                out.report_span(
                    Some(&file.rel),
                    format!("`{base}` is a reserved device name on Windows: the file cannot be created there"),
                    "rename it",
                    name_span(file, 0, base.len(), "reserved on Windows"),
                );
            }
            let name_chars = name.chars().count();
            if name_chars > params.max_name_length {
                out.report(
                    Some(&file.rel),
                    format!(
                        "the name is {name_chars} characters long (limit {})",
                        params.max_name_length
                    ),
                    "shorten the name; keep it clear and short",
                );
            } else if file.rel.chars().count() > params.max_path_length {
                out.report(
                    Some(&file.rel),
                    format!(
                        "the path is {} characters long (limit {}): older tools and Windows may fail to copy it",
                        file.rel.chars().count(),
                        params.max_path_length
                    ),
                    "shorten the folder or file names",
                );
            }
        }
        for paths in by_folded.values().filter(|paths| paths.len() > 1) {
            for path in paths {
                out.report(
                    Some(path),
                    format!("names differ only in upper/lower case: {}", paths.join(", ")),
                    "on macOS and Windows one of these overwrites the other: give them distinct names",
                );
            }
        }
    }
}

fn c_replacement(name: &str) -> Option<usize> {
    name.find('\u{FFFD}')
}

fn describe(c: char) -> String {
    if c.is_control() {
        format!("a control character (U+{:04X})", u32::from(c))
    } else {
        format!("`{c}`")
    }
}
