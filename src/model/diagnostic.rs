//! A finding: which rule, how severe, which file, what is wrong and how to fix it.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How severe a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; fails a run only with `--fail-on info`.
    Info,
    /// Probably a problem for the engineer.
    Warning,
    /// The delivery cannot be used as it is.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`, as in the config and the outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's level in a profile: a severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rule does not run.
    Off,
    /// The rule reports infos.
    Info,
    /// The rule reports warnings.
    Warning,
    /// The rule reports errors.
    Error,
}

impl Level {
    /// The severity of the findings at this level; None for `off`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }

    /// `off`, `info`, `warning` or `error`, as written in profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// Which text a span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpanSource {
    /// The file's relative path (a naming finding).
    FileName,
    /// A notes file of the delivery.
    Notes,
    /// The delivery's `stemlint.yaml`.
    Config,
}

/// A labelled range of text a finding is about: characters of a file name, a line of the
/// notes, a key of the config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    /// Which text the span is in.
    pub source: SpanSource,
    /// Name shown for the text (the notes file's relative path, the file name itself).
    pub name: String,
    /// The whole text the span points into.
    #[serde(skip)]
    pub text: Arc<str>,
    /// Byte offset and length in `text`.
    pub offset: usize,
    /// Byte length of the span in `text`.
    pub length: usize,
    /// 1-based line and column (in characters) of `offset`.
    pub line: usize,
    /// 1-based column, in characters, of `offset`.
    pub column: usize,
    /// What the span shows, printed under it.
    pub label: String,
}

impl Span {
    /// A span of `length` bytes at `offset` in `text`, clamped to the text; its line and
    /// column are counted.
    pub fn new(
        source: SpanSource,
        name: impl Into<String>,
        text: Arc<str>,
        offset: usize,
        length: usize,
        label: impl Into<String>,
    ) -> Self {
        let offset = offset.min(text.len());
        let length = length.min(text.len() - offset);
        let before = &text[..floor_char_boundary(&text, offset)];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        Span {
            source,
            name: name.into(),
            text,
            offset,
            length,
            line,
            column,
            label: label.into(),
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// The rule's id, e.g. `format/sample-rate`.
    pub rule: &'static str,
    /// How severe the finding is, from the profile.
    pub severity: Severity,
    /// The file the finding is about, relative to the delivery root; None for the delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What is wrong, in one sentence that names the value found.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// The text the finding is about: part of a file name, a line of the notes or the config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Where in the file the finding happens, seconds from the start of the file `path`
    /// names (a clipped run, the true peak, the worst null-test window, where a short file
    /// ends); None for a finding about the file as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_s: Option<f64>,
    /// The end of that stretch; None for a moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_s: Option<f64>,
}

impl Diagnostic {
    /// The same finding, pointing at `span`.
    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// `at 01:14.220`, or `at 01:14.220–01:16.000` for a stretch; None when the finding has
    /// no place in time.
    pub fn place(&self) -> Option<String> {
        let start = self.start_s?;
        Some(match self.end_s {
            Some(end) if clock(end) != clock(start) => {
                format!("at {}–{}", clock(start), clock(end))
            }
            _ => format!("at {}", clock(start)),
        })
    }
}

/// `01:02:03.456` (hours only when needed), for positions in a file.
pub fn clock(seconds: f64) -> String {
    let seconds = if seconds.is_finite() {
        seconds.max(0.0)
    } else {
        0.0
    };
    let millis = (seconds * 1000.0).round() as u64;
    let (hours, rest) = (millis / 3_600_000, millis % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (secs, millis) = (rest / 1000, rest % 1000);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}.{millis:03}")
    } else {
        format!("{minutes:02}:{secs:02}.{millis:03}")
    }
}
