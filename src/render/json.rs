//! The schema-2 JSON document (SPEC.md, README): deliveries, files with their facts and
//! analysis (and, with `--series`, their curves over time), diagnostics placed in time,
//! summaries.

use serde::Serialize;

use crate::model::analysis::{Analysis, Series};
use crate::model::diagnostic::Diagnostic;
use crate::model::record::{Bext, FileRecord};
use crate::model::report::{Report, Summary};

/// The version of the document's shape; bumped only for incompatible changes. 2: findings
/// carry `start_s`/`end_s`, the analysis `last_clip_s`, `true_peak_s`, `first_non_finite_s`,
/// files `series` with `--series`.
pub const SCHEMA: u32 = 2;

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
    /// The waveform overview and short-term loudness curve (`--series`).
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<&'a Series>,
}

fn file_out(file: &FileRecord, series: bool) -> FileOut<'_> {
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
        series: file
            .analysis
            .as_ref()
            .and_then(|analysis| analysis.series.as_ref())
            .filter(|_| series),
    }
}

/// The document without the curves over time.
pub fn render(report: &Report) -> String {
    render_with(report, false)
}

/// The document; with `series`, each file's curves over time (when they were measured).
pub fn render_with(report: &Report, series: bool) -> String {
    let document = Document {
        schema: SCHEMA,
        deliveries: report
            .deliveries
            .iter()
            .map(|entry| DeliveryOut {
                root: &entry.delivery.display_root,
                profile: &entry.delivery.profile,
                mode: if entry.delivery.fast { "fast" } else { "full" },
                files: entry
                    .delivery
                    .files
                    .iter()
                    .map(|file| file_out(file, series))
                    .collect(),
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
