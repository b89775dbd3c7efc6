//! `stemlint diff --format json`: the diff as one JSON document.

use serde::Serialize;

use crate::model::diff::{DiffReport, DiffSummary};

/// The version of the diff document's shape; bumped only for incompatible changes.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    kind: &'static str,
    #[serde(flatten)]
    report: &'a DiffReport,
    summary: DiffSummary,
}

pub fn render(report: &DiffReport) -> String {
    let document = Document {
        schema: SCHEMA,
        kind: "diff",
        report,
        summary: report.summary(),
    };
    let mut text = serde_json::to_string_pretty(&document)
        .expect("the diff document serialises: plain data, string keys");
    text.push('\n');
    text
}
