//! The schema-1 JSON document (SPEC.md): deliveries, files with their facts and analysis,
//! diagnostics, summaries.

use serde::Serialize;

use crate::model::analysis::Analysis;
use crate::model::diagnostic::Diagnostic;
use crate::model::record::{Bext, FileRecord};
use crate::model::report::{Report, Summary};

/// The version of the document's shape; bumped only for incompatible changes.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    deliveries: Vec<DeliveryOut<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct DeliveryOut<'a> {
    root: &'a str,
    profile: &'a str,
    /// `full`, or `fast` when samples were not decoded (no analysis, no signal rules).
    mode: &'static str,
    files: Vec<FileOut<'a>>,
    /// The stems-against-mix null test, where the delivery has a mix and the profile runs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    null_test: Option<&'a crate::model::null_test::NullTest>,
    diagnostics: &'a [Diagnostic],
    summary: Summary,
}

#[derive(Serialize)]
struct FileOut<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codec: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_rate: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bit_depth: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_mask: Option<u32>,
    /// Only where samples are big-endian (RIFX, AIFF).
    #[serde(skip_serializing_if = "Option::is_none")]
    endianness: Option<&'static str>,
    /// `mu-law` or `a-law` for G.711 audio.
    #[serde(skip_serializing_if = "Option::is_none")]
    companding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frames: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    declared_frames: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bext: Option<&'a Bext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<&'a Analysis>,
}

fn file_out(file: &FileRecord) -> FileOut<'_> {
    let facts = file.facts.as_ref();
    FileOut {
        path: &file.rel,
        container: facts.map(|facts| facts.container.as_str()),
        codec: facts.map(|facts| facts.codec.as_str()),
        sample_format: facts.map(|facts| match facts.sample_format {
            crate::model::record::SampleFormat::Int => "int",
            crate::model::record::SampleFormat::Float => "float",
        }),
        sample_rate: facts.map(|facts| facts.sample_rate),
        bit_depth: facts.and_then(|facts| facts.bit_depth),
        channels: facts.map(|facts| facts.channels),
        channel_mask: facts.and_then(|facts| facts.channel_mask),
        endianness: facts
            .filter(|facts| !facts.endianness.is_little())
            .map(|facts| facts.endianness.as_str()),
        companding: facts
            .and_then(|facts| facts.companding)
            .map(|companding| companding.as_str()),
        frames: facts.map(|facts| facts.frames),
        declared_frames: facts.and_then(|facts| facts.declared_frames),
        duration_s: facts.map(|facts| (facts.duration_s() * 1e6).round() / 1e6),
        bext: facts.and_then(|facts| facts.bext.as_ref()),
        analysis: file.analysis.as_ref(),
    }
}

/// The schema-1 JSON document of the report, pretty-printed, ending in a newline.
pub fn render(report: &Report) -> String {
    let document = Document {
        schema: SCHEMA,
        deliveries: report
            .deliveries
            .iter()
            .map(|entry| DeliveryOut {
                root: &entry.delivery.display_root,
                profile: &entry.delivery.profile,
                mode: if entry.delivery.fast { "fast" } else { "full" },
                files: entry.delivery.files.iter().map(file_out).collect(),
                null_test: entry.delivery.null_test.as_ref(),
                diagnostics: &entry.diagnostics,
                summary: entry.summary(),
            })
            .collect(),
        summary: report.summary(),
    };
    let mut text = serde_json::to_string_pretty(&document)
        .expect("the report serialises: no map keys that are not strings, no non-finite floats");
    text.push('\n');
    text
}
