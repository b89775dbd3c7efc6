//! A finding: which rule, how severe, which file, what is wrong and how to fix it.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How severe a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
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
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }

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
    pub source: SpanSource,
    /// Name shown for the text (the notes file's relative path, the file name itself).
    pub name: String,
    #[serde(skip)]
    pub text: Arc<str>,
    /// Byte offset and length in `text`.
    pub offset: usize,
    pub length: usize,
    /// 1-based line and column (in characters) of `offset`.
    pub line: usize,
    pub column: usize,
    pub label: String,
}

impl Span {
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    /// The file the finding is about, relative to the delivery root; None for the delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
    pub help: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}

impl Diagnostic {
    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }
}
