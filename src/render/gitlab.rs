//! The GitLab Code Quality report (`artifacts: reports: codequality:`): a JSON array with
//! one issue per diagnostic, which GitLab shows in the merge request widget and diff.
//!
//! Each issue's `fingerprint` identifies the finding across pipelines, so that GitLab can
//! tell a finding that was fixed from one that is new. It is the 128-bit FNV-1a hash, in
//! hex, of the rule id, the location's path and the message with every number replaced by
//! `#` (a clip at 1.2 s that moves to 1.3 s is the same finding; `7 samples shorter` and
//! `9 samples shorter` too), followed by the rank of the finding among those with the same
//! rule, path and masked message in the report (which is sorted, so the rank is stable).
//! The same delivery checked twice gives the same fingerprints.
//!
//! Severities: `error` → `major`, `warning` → `minor`, `info` → `info` (GitLab's scale is
//! info, minor, major, critical, blocker; stemlint's errors block a delivery, not a merge).

use std::collections::HashMap;

use serde::Serialize;

use crate::model::diagnostic::Severity;
use crate::model::report::Report;
use crate::render::location;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: &'a str,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
    content: Content<'a>,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// Code Climate's optional longer text: the finding's `help:`.
#[derive(Serialize)]
struct Content<'a> {
    body: &'a str,
}

/// The Code Quality report: a pretty-printed JSON array, ending in a newline.
pub fn render(report: &Report) -> String {
    let mut seen: HashMap<(&str, String, String), usize> = HashMap::new();
    let mut issues = Vec::new();
    for entry in &report.deliveries {
        for diagnostic in &entry.diagnostics {
            let location = location(&entry.delivery.display_root, diagnostic);
            let masked = mask_numbers(&diagnostic.message);
            let rank = seen
                .entry((diagnostic.rule, location.path.clone(), masked.clone()))
                .and_modify(|count| *count += 1)
                .or_insert(0);
            let fingerprint = fingerprint(diagnostic.rule, &location.path, &masked, *rank);
            issues.push(Issue {
                kind: "issue",
                description: &diagnostic.message,
                check_name: diagnostic.rule,
                fingerprint,
                severity: severity(diagnostic.severity),
                location: Location {
                    path: location.path,
                    lines: Lines {
                        begin: location.text_span.map_or(1, |span| span.line),
                    },
                },
                content: Content {
                    body: &diagnostic.help,
                },
            });
        }
    }
    let mut text = serde_json::to_string_pretty(&issues)
        .expect("the issues serialise: plain strings and numbers");
    text.push('\n');
    text
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// The message with each number (digits, with a sign and decimal places) replaced by `#`.
fn mask_numbers(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let digit_at = |index: usize| chars.get(index).is_some_and(char::is_ascii_digit);
    let mut out = String::with_capacity(message.len());
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let starts_number = c.is_ascii_digit() || (matches!(c, '-' | '+') && digit_at(index + 1));
        if !starts_number {
            out.push(c);
            index += 1;
            continue;
        }
        index += 1;
        while digit_at(index) || (chars.get(index) == Some(&'.') && digit_at(index + 1)) {
            index += 1;
        }
        out.push('#');
    }
    out
}

/// FNV-1a, 128 bits: stable across platforms, Rust versions and runs, unlike `std`'s
/// hasher. The fields are separated by a byte that no field contains.
fn fingerprint(rule: &str, path: &str, masked: &str, rank: usize) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let rank = rank.to_string();
    let mut hash = OFFSET;
    for field in [rule, path, masked, rank.as_str()] {
        for byte in field.bytes().chain([0u8]) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

#[cfg(test)]
mod tests {
    use super::{fingerprint, mask_numbers};

    #[test]
    fn numbers_are_masked() {
        assert_eq!(
            mask_numbers("7 samples shorter: 23993 frames (0.500 s) against -1.5 dB"),
            "# samples shorter: # frames (# s) against # dB"
        );
        assert_eq!(
            mask_numbers("sample rate is 44.1 kHz, the profile wants 48 kHz"),
            "sample rate is # kHz, the profile wants # kHz"
        );
        assert_eq!(
            mask_numbers("02_Snare.wav, -0.1 dB, 1.5."),
            "#_Snare.wav, # dB, #."
        );
    }

    #[test]
    fn fingerprint_ignores_numbers_but_not_rule_path_or_rank() {
        let base = fingerprint(
            "signal/clipping",
            "d/01.wav",
            &mask_numbers("clipped at 1.2 s"),
            0,
        );
        assert_eq!(base.len(), 32);
        assert_eq!(
            base,
            fingerprint(
                "signal/clipping",
                "d/01.wav",
                &mask_numbers("clipped at 3.4 s"),
                0
            )
        );
        for other in [
            fingerprint("signal/silent", "d/01.wav", "clipped at # s", 0),
            fingerprint("signal/clipping", "d/02.wav", "clipped at # s", 0),
            fingerprint("signal/clipping", "d/01.wav", "clipped at # s", 1),
            fingerprint("signal/clipping", "d/01.wav", "clipped near # s", 0),
        ] {
            assert_ne!(base, other);
        }
        // Pinned: a change of the hash would make every finding look new to GitLab.
        assert_eq!(
            fingerprint(
                "format/sample-rate",
                "d/02_Snare.wav",
                "sample rate is # kHz",
                0
            ),
            "d33d1565a1a8786e0d3bc71c3a658399"
        );
    }
}
