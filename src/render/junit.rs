//! JUnit XML for CI dashboards: one `<testsuite>` per delivery, one `<testcase>` per audio
//! file and one, `(delivery)`, for what is about the delivery as a whole or about files that
//! are not audio (notes, strays). Errors and warnings fail a testcase; infos are its output.

use std::collections::HashMap;
use std::fmt::Write;

use crate::model::diagnostic::{Diagnostic, Severity, SpanSource};
use crate::model::report::{DeliveryReport, Report};

/// The testcase that holds delivery-wide findings and those on non-audio paths.
const DELIVERY_CASE: &str = "(delivery)";

struct Case<'a> {
    name: &'a str,
    diagnostics: Vec<&'a Diagnostic>,
}

impl Case<'_> {
    fn failed(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity >= Severity::Warning)
    }
}

/// The delivery's testcases: `(delivery)` first (the diagnostics come delivery-wide first
/// too), then each audio file in the report's order.
fn cases(entry: &DeliveryReport) -> Vec<Case<'_>> {
    let mut cases = vec![Case {
        name: DELIVERY_CASE,
        diagnostics: Vec::new(),
    }];
    let mut by_path = HashMap::new();
    for file in &entry.delivery.files {
        by_path.insert(file.rel.as_str(), cases.len());
        cases.push(Case {
            name: &file.rel,
            diagnostics: Vec::new(),
        });
    }
    for diagnostic in &entry.diagnostics {
        let index = diagnostic
            .path
            .as_deref()
            .and_then(|path| by_path.get(path).copied())
            .unwrap_or(0);
        cases[index].diagnostics.push(diagnostic);
    }
    cases
}

/// The JUnit XML document of the report.
pub fn render(report: &Report) -> String {
    let suites: Vec<(&DeliveryReport, Vec<Case>)> = report
        .deliveries
        .iter()
        .map(|entry| (entry, cases(entry)))
        .collect();
    let count_failed = |cases: &[Case]| cases.iter().filter(|case| case.failed()).count();
    let total_tests: usize = suites.iter().map(|(_, cases)| cases.len()).sum();
    let total_failures: usize = suites.iter().map(|(_, cases)| count_failed(cases)).sum();

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // Writing to a String cannot fail; the results of `write!` are ignored for that reason.
    let _ = writeln!(
        out,
        "<testsuites name=\"stemlint\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">"
    );
    for (entry, cases) in &suites {
        let root = escape(&entry.delivery.display_root);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{root}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            cases.len(),
            count_failed(cases)
        );
        let _ = writeln!(out, "    <properties>");
        let _ = writeln!(
            out,
            "      <property name=\"profile\" value=\"{}\"/>",
            escape(&entry.delivery.profile)
        );
        let _ = writeln!(out, "    </properties>");
        for case in cases {
            let opening = format!(
                "    <testcase classname=\"{root}\" name=\"{}\"",
                escape(case.name)
            );
            if case.diagnostics.is_empty() {
                let _ = writeln!(out, "{opening}/>");
                continue;
            }
            let _ = writeln!(out, "{opening}>");
            let mut infos = String::new();
            for diagnostic in &case.diagnostics {
                let body = describe(diagnostic);
                if diagnostic.severity == Severity::Info {
                    infos.push_str(&body);
                    infos.push('\n');
                    continue;
                }
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    escape(&diagnostic.message),
                    escape(diagnostic.rule),
                    escape_text(&body)
                );
            }
            if !infos.is_empty() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    escape_text(&infos)
                );
            }
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

/// What a failure's or the output's text says: like the human format without the drawing.
fn describe(diagnostic: &Diagnostic) -> String {
    let mut text = format!("{} [{}]", diagnostic.severity, diagnostic.rule);
    if let Some(path) = &diagnostic.path {
        text.push_str(&format!(" {path}"));
    }
    // A place in a text file (notes, config) is worth the line; a file name is its own place.
    if let Some(span) = diagnostic
        .span
        .as_ref()
        .filter(|span| matches!(span.source, SpanSource::Notes | SpanSource::Config))
    {
        text.push_str(&format!(" ({}:{}:{})", span.name, span.line, span.column));
    }
    text.push_str(&format!(
        ": {}\nhelp: {}",
        diagnostic.message, diagnostic.help
    ));
    text
}

/// Escape an attribute value. Whitespace controls become character references so that
/// attribute-value normalisation keeps them.
fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// Escape element text: line breaks and tabs stay as they are, readable.
fn escape_text(text: &str) -> String {
    escape_with(text, false)
}

/// The controls XML 1.0 forbids even as references (and U+FFFE/U+FFFF) become U+FFFD, so a
/// stray byte in a file name cannot make the document unreadable. A carriage return is
/// always a reference: parsers turn a literal one into a line feed.
fn escape_with(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' | '\n' => out.push(character),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_text};

    #[test]
    fn escapes_markup_and_forbidden_controls() {
        assert_eq!(
            escape("03_A&B <\"x\"> 'y'\u{1}\n"),
            "03_A&amp;B &lt;&quot;x&quot;&gt; &apos;y&apos;\u{fffd}&#10;"
        );
        assert_eq!(escape_text("a\r\n\tb\u{1b}"), "a&#13;\n\tb\u{fffd}");
    }
}
