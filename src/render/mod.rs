//! Renderers: a `Report` in, text out. They format; they never compute or print.

pub mod human;
pub mod json;

use clap::ValueEnum;

/// Output formats of `stemlint check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Diagnostics with miette: rule, file, message, help, spans; a summary line.
    Human,
    /// The schema-1 JSON document (see the README).
    Json,
}
