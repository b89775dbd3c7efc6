//! GitHub Actions workflow commands: one `::error file=…,title=RULE::message` line per
//! diagnostic, which the runner turns into annotations on the run and, for files in the
//! repository, on the changed lines.

use crate::model::diagnostic::Severity;
use crate::model::report::Report;
use crate::render::location;

/// A workflow command for every finding of the report, one per line.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for entry in &report.deliveries {
        for diagnostic in &entry.diagnostics {
            let command = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let location = location(&entry.delivery.display_root, diagnostic);
            let mut properties = format!("file={}", escape_property(&location.path));
            if let Some(span) = location.text_span {
                properties.push_str(&format!(",line={},col={}", span.line, span.column));
            }
            properties.push_str(&format!(",title={}", escape_property(diagnostic.rule)));
            let text = format!(
                "{}\nhelp: {}",
                super::placed_message(diagnostic),
                diagnostic.help
            );
            out.push_str(&format!(
                "::{command} {properties}::{}\n",
                escape_data(&text)
            ));
        }
    }
    out
}

/// The runner reads a command up to the end of the line and decodes these three escapes in
/// the message; anything else passes through as written.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values also end at `,` (next property) and `::` (start of the message).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::{escape_data, escape_property};

    #[test]
    fn escapes_what_the_runner_decodes() {
        assert_eq!(escape_data("50% of\r\nit: a,b"), "50%25 of%0D%0Ait: a,b");
        assert_eq!(escape_property("C:/a,b%\n.wav"), "C%3A/a%2Cb%25%0A.wav");
    }
}
