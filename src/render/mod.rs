//! Renderers: a `Report` in, text out. They format; they never compute or print.

pub mod diff_human;
pub mod diff_json;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod table;

use crate::model::diagnostic::{Diagnostic, Span, SpanSource};
use crate::model::report::Report;

/// Output formats of `stemlint check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Diagnostics with miette: rule, file, message, help, spans; a summary line.
    Human,
    /// The schema-2 JSON document (see the README).
    Json,
    /// SARIF 2.1.0, for code-scanning UIs (GitHub code scanning).
    Sarif,
    /// JUnit XML: one testcase per audio file, for CI dashboards.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…::…`), shown as annotations.
    Github,
    /// GitLab Code Quality report (`artifacts: reports: codequality:`), shown in merge requests.
    Gitlab,
    /// One self-contained HTML page: verdict, timeline, measurements, waveforms, findings.
    Html,
}

/// What the renderers need besides the report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How the human format looks.
    pub human: human::Options,
    /// JSON: each file's curves over time (`Analysis::series`, `--series`).
    pub series: bool,
    /// The run as the HTML page states it.
    pub run: Run,
}

/// The run a report comes from, as a page given to someone else states it.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The command line, as typed (arguments joined by spaces).
    pub command_line: String,
    /// When it ran, e.g. `2026-11-27 04:46 UTC`.
    pub date: String,
}

impl Format {
    /// The report in this format.
    pub fn render(self, report: &Report, options: &Options) -> String {
        match self {
            Format::Human => human::render_with(report, &options.human),
            Format::Json => json::render_with(report, options.series),
            Format::Sarif => sarif::render(report),
            Format::Junit => junit::render(report),
            Format::Github => github::render(report),
            Format::Gitlab => gitlab::render(report),
            Format::Html => html::render(report, &options.run),
        }
    }
}

/// A finding's message with where in the file it happens, for formats with no field of
/// their own for it (SARIF, GitHub): `clipped: … (at 00:01.250–00:02.000)`.
pub(crate) fn placed_message(diagnostic: &Diagnostic) -> String {
    match diagnostic.place() {
        Some(place) => format!("{} ({place})", diagnostic.message),
        None => diagnostic.message.clone(),
    }
}

/// Where a finding points, for the formats that name files outside the delivery's context
/// (SARIF, GitHub): the path as the user can open it, and the span when it is a place in a
/// text file (notes, config) that a viewer can jump to.
pub(crate) struct Location<'a> {
    /// The delivery root joined with the finding's path, '/'-separated; the root itself for
    /// a delivery-wide finding.
    pub path: String,
    /// Whether `path` is the delivery folder rather than a file.
    pub is_folder: bool,
    pub text_span: Option<&'a Span>,
}

pub(crate) fn location<'a>(root: &str, diagnostic: &'a Diagnostic) -> Location<'a> {
    // A span in the notes or the config names the text file it is in; a file-name span is
    // about the audio file's name, which has no lines to point at.
    let text_span = diagnostic
        .span
        .as_ref()
        .filter(|span| matches!(span.source, SpanSource::Notes | SpanSource::Config));
    match (text_span, &diagnostic.path) {
        (Some(span), _) => Location {
            path: join(root, &span.name),
            is_folder: false,
            text_span,
        },
        (None, Some(path)) => Location {
            path: join(root, path),
            is_folder: false,
            text_span: None,
        },
        (None, None) => Location {
            path: join(root, ""),
            is_folder: true,
            text_span: None,
        },
    }
}

/// `root` joined with `rel` ('/'-separated, relative to it), without a redundant `./`; an
/// absolute `rel` (a config given with `--config`) stands alone.
pub(crate) fn join(root: &str, rel: &str) -> String {
    let slashed = |text: &str| {
        if cfg!(windows) {
            text.replace('\\', "/")
        } else {
            text.to_owned()
        }
    };
    let rel = slashed(rel);
    if is_absolute(&rel) {
        return rel;
    }
    let mut root = slashed(root);
    while let Some(rest) = root.strip_prefix("./") {
        root = rest.to_owned();
    }
    let root = match root.trim_end_matches('/') {
        "" if root.starts_with('/') => "/".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    match (root.as_str(), rel.as_str()) {
        ("" | ".", "") => ".".to_owned(),
        ("" | ".", rel) => rel.to_owned(),
        (root, "") => root.to_owned(),
        ("/", rel) => format!("/{rel}"),
        (root, rel) => format!("{root}/{rel}"),
    }
}

/// A Unix absolute path or a Windows drive path (`C:/…`, after '/' conversion).
pub(crate) fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && bytes[2] == b'/')
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn joins_without_redundant_dots() {
        assert_eq!(join(".", "02_Snare.wav"), "02_Snare.wav");
        assert_eq!(join("./mix/", "02_Snare.wav"), "mix/02_Snare.wav");
        assert_eq!(join("/tmp/d", "a/b.wav"), "/tmp/d/a/b.wav");
        assert_eq!(join("/", "b.wav"), "/b.wav");
        assert_eq!(join("mix", ""), "mix");
        assert_eq!(join(".", ""), ".");
        assert_eq!(join("mix", "/etc/stemlint.yaml"), "/etc/stemlint.yaml");
    }
}
