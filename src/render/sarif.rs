//! SARIF 2.1.0 for code-scanning UIs (GitHub code scanning and any SARIF viewer): one run,
//! the rules that fired as `tool.driver.rules`, one result per diagnostic.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::diagnostic::{Level, Severity, Span};
use crate::model::report::Report;
use crate::render::{is_absolute, location};
use crate::rules;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    /// Span columns count characters, not UTF-16 units (SARIF's default).
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    /// Lets code scanning follow a finding across runs without hashing the (audio) file's
    /// lines itself.
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    /// For a relative path: relative to the checkout (the convention GitHub resolves).
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    char_offset: usize,
    char_length: usize,
}

fn severity_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_out(meta: rules::Meta) -> Rule {
    let (enabled, level) = match meta.default_level {
        Level::Off => (false, "none"),
        Level::Info => (true, "note"),
        Level::Warning => (true, "warning"),
        Level::Error => (true, "error"),
    };
    let explain = meta.explain();
    Rule {
        id: meta.id,
        short_description: Text {
            text: meta.summary.to_owned(),
        },
        full_description: Text {
            text: explain.clone(),
        },
        // The explanations use Markdown code spans; viewers that render Markdown show them.
        help: Help {
            text: explain.clone(),
            markdown: explain,
        },
        default_configuration: Configuration { enabled, level },
    }
}

/// The SARIF 2.1.0 log of the report, pretty-printed, ending in a newline.
pub fn render(report: &Report) -> String {
    let diagnostics = || {
        report.deliveries.iter().flat_map(|entry| {
            entry
                .diagnostics
                .iter()
                .map(move |diagnostic| (&entry.delivery.display_root, diagnostic))
        })
    };
    // The rules that fired, sorted by id so that `ruleIndex` does not depend on the order
    // of the findings.
    let mut fired: Vec<&'static str> = diagnostics()
        .map(|(_, diagnostic)| diagnostic.rule)
        .collect();
    fired.sort_unstable();
    fired.dedup();
    let metas: Vec<rules::Meta> = fired
        .iter()
        .filter_map(|id| rules::find(id).map(|rule| rule.meta()))
        .collect();

    let results = diagnostics()
        .map(|(root, diagnostic)| {
            let location = location(root, diagnostic);
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert(
                "stemlintFinding/v1",
                fingerprint(&[
                    diagnostic.rule,
                    diagnostic.path.as_deref().unwrap_or(""),
                    &diagnostic.message,
                ]),
            );
            SarifResult {
                rule_id: diagnostic.rule,
                rule_index: metas.iter().position(|meta| meta.id == diagnostic.rule),
                level: severity_level(diagnostic.severity),
                message: Text {
                    text: format!(
                        "{}\nhelp: {}",
                        super::placed_message(diagnostic),
                        diagnostic.help
                    ),
                },
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact(&location.path, location.is_folder),
                        region: location.text_span.map(region),
                    },
                }],
                partial_fingerprints: fingerprints,
            }
        })
        .collect();

    let information_uri = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty());
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "stemlint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri,
                    rules: metas.into_iter().map(rule_out).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)
        .expect("the SARIF log serialises: only strings, integers and string-keyed maps");
    text.push('\n');
    text
}

/// A path as a URI reference: absolute paths as `file:` URIs, relative ones relative to the
/// checkout; a folder ends with '/' as RFC 3986 resolution expects.
fn artifact(path: &str, is_folder: bool) -> ArtifactLocation {
    let mut path = path.to_owned();
    if is_folder && !path.ends_with('/') {
        path.push('/');
    }
    if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", percent_encode(&path)),
            uri_base_id: None,
        }
    } else if is_absolute(&path) {
        // `C:/…`: the drive's colon is part of the path, not a scheme.
        let (drive, rest) = path.split_at(2);
        ArtifactLocation {
            uri: format!("file:///{drive}{}", percent_encode(rest)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(&path),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

/// Percent-encode everything but the characters RFC 3986 allows in a path segment, '/' kept.
/// ':' is encoded too, so that a relative path never reads as a scheme.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The span as SARIF counts: lines and columns from 1, offsets in characters (see
/// `columnKind`), the end column just past the last character.
fn region(span: &Span) -> Region {
    let chars_before = |byte: usize| {
        span.text
            .char_indices()
            .take_while(|(index, _)| *index < byte)
            .count()
    };
    let start = chars_before(span.offset);
    let end = chars_before(span.offset + span.length);
    let (mut end_line, mut end_column) = (span.line, span.column);
    for character in span.text.chars().skip(start).take(end - start) {
        if character == '\n' {
            end_line += 1;
            end_column = 1;
        } else {
            end_column += 1;
        }
    }
    Region {
        start_line: span.line,
        start_column: span.column,
        end_line,
        end_column,
        char_offset: start,
        char_length: end - start,
    }
}

/// FNV-1a (64-bit) over the parts, separated by NUL: stable across Rust versions and
/// platforms, unlike `DefaultHasher`.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (index, part) in parts.iter().enumerate() {
        let separator: &[u8] = if index == 0 { b"" } else { b"\0" };
        for byte in separator.iter().chain(part.as_bytes()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{artifact, region};
    use crate::model::diagnostic::{Span, SpanSource};

    #[test]
    fn uris_are_encoded_and_folders_end_with_a_slash() {
        assert_eq!(
            artifact("mix/03_A B#1.wav", false).uri,
            "mix/03_A%20B%231.wav"
        );
        assert_eq!(artifact("/tmp/d", true).uri, "file:///tmp/d/");
        assert_eq!(artifact("C:/d/é.wav", false).uri, "file:///C:/d/%C3%A9.wav");
        assert_eq!(artifact("a:b.wav", false).uri, "a%3Ab.wav");
    }

    #[test]
    fn regions_count_characters() {
        let text: Arc<str> = Arc::from("Tempö: ?\nMeter: ??\n");
        let span = Span::new(SpanSource::Notes, "notes.txt", text, 10, 10, "here");
        let region = region(&span);
        assert_eq!((region.start_line, region.start_column), (2, 1));
        assert_eq!((region.char_offset, region.char_length), (9, 10));
        assert_eq!((region.end_line, region.end_column), (3, 1));
    }
}
