//! The per-file measurements table: its columns (shared with the HTML page) and the terminal
//! table (`--table`), drawn with comfy-table to the terminal's width.

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

use crate::model::analysis::Analysis;
use crate::model::record::{AudioFacts, FileRecord, SampleFormat};
use crate::model::report::Report;

/// A column of the table: a key (for the findings that mark its cells), a header, and how a
/// file's value reads.
pub struct Column {
    pub key: &'static str,
    pub header: &'static str,
    /// The header in the terminal; None: the column is left out there, to fit 100 columns.
    pub short: Option<&'static str>,
    /// Right-aligned figures.
    pub numeric: bool,
    value: fn(&AudioFacts, Option<&Analysis>) -> Option<String>,
}

fn db(value: Option<f64>) -> Option<String> {
    Some(value.map_or("−∞".to_owned(), |value| format!("{value:.1}")))
}

fn measured<T>(analysis: Option<&Analysis>, read: impl Fn(&Analysis) -> T) -> Option<T> {
    analysis.map(read)
}

/// Every column after the file name, in order.
pub const COLUMNS: &[Column] = &[
    Column {
        key: "container",
        short: None,
        header: "container",
        numeric: false,
        value: |facts, _| Some(facts.container.as_str().to_owned()),
    },
    Column {
        key: "format",
        short: Some("format"),
        header: "format",
        numeric: false,
        value: |facts, _| {
            let kind = match facts.sample_format {
                SampleFormat::Int => "int",
                SampleFormat::Float => "float",
            };
            Some(match facts.bit_depth {
                Some(bits) => format!("{bits}-bit {kind}"),
                None => facts.codec.as_str().to_owned(),
            })
        },
    },
    Column {
        key: "rate",
        short: Some("rate"),
        header: "rate",
        numeric: true,
        value: |facts, _| Some(format!("{}", facts.sample_rate)),
    },
    Column {
        key: "channels",
        short: Some("ch"),
        header: "ch",
        numeric: true,
        value: |facts, _| Some(facts.channels.to_string()),
    },
    Column {
        key: "duration",
        short: Some("dur s"),
        header: "duration s",
        numeric: true,
        value: |facts, _| Some(format!("{:.3}", facts.duration_s())),
    },
    Column {
        key: "frames",
        short: None,
        header: "frames",
        numeric: true,
        value: |facts, _| Some(facts.frames.to_string()),
    },
    Column {
        key: "peak",
        short: Some("peak"),
        header: "peak dBFS",
        numeric: true,
        value: |_, analysis| measured(analysis, |a| db(a.sample_peak_dbfs)).flatten(),
    },
    Column {
        key: "true_peak",
        short: Some("TP"),
        header: "true peak dBTP",
        numeric: true,
        value: |_, analysis| measured(analysis, |a| db(a.true_peak_dbtp)).flatten(),
    },
    Column {
        key: "loudness",
        short: Some("LUFS"),
        header: "LUFS",
        numeric: true,
        // None also for a file shorter than the meter's 400 ms block: not "silence".
        value: |_, analysis| {
            analysis.map(|a| {
                a.integrated_lufs
                    .map_or("–".to_owned(), |lufs| format!("{lufs:.1}"))
            })
        },
    },
    Column {
        key: "lra",
        short: None,
        header: "LRA LU",
        numeric: true,
        value: |_, analysis| {
            analysis.map(|a| {
                a.loudness_range_lu
                    .map_or("–".to_owned(), |lra| format!("{lra:.1}"))
            })
        },
    },
    Column {
        key: "rms",
        short: Some("RMS"),
        header: "RMS dBFS",
        numeric: true,
        value: |_, analysis| measured(analysis, |a| db(a.rms_dbfs)).flatten(),
    },
    Column {
        key: "dc",
        short: None,
        header: "DC %",
        numeric: true,
        value: |_, analysis| analysis.map(|a| format!("{:.3}", a.dc_offset * 100.0)),
    },
    Column {
        key: "clipped",
        short: Some("clip"),
        header: "clipped",
        numeric: true,
        value: |_, analysis| analysis.map(|a| a.clipped_samples.to_string()),
    },
    Column {
        key: "bits",
        short: Some("bits"),
        header: "eff. bits",
        numeric: true,
        value: |_, analysis| {
            analysis.map(|a| {
                a.effective_bit_depth
                    .map_or("–".to_owned(), |bits| bits.to_string())
            })
        },
    },
];

/// The column a rule's finding on a file is about, if one shows it.
pub fn column_of(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "format/container" => "container",
        "format/bit-depth" => "format",
        "format/sample-rate" | "naming/declared-format" => "rate",
        "format/channels" | "signal/fake-stereo" | "signal/phase" => "channels",
        "length/mismatch" | "companion/mismatch" => "duration",
        "file/corrupt" => "frames",
        "signal/silent" => "peak",
        "signal/true-peak" | "signal/limited" => "true_peak",
        "signal/loudness" => "loudness",
        "signal/dc-offset" => "dc",
        "signal/clipping" => "clipped",
        "signal/padded-bit-depth" => "bits",
        _ => return None,
    })
}

/// The text of a cell a finding is about: where `signal/clipping` reports a file clipped and
/// turned down (no sample at full scale), its flat tops' samples instead of the 0 at full
/// scale.
pub fn marked_text(column: &Column, text: String, file: &FileRecord) -> String {
    match file.analysis.as_ref() {
        Some(analysis) if column.key == "clipped" && analysis.clipped_samples == 0 => analysis
            .flat_top
            .as_ref()
            .map_or(text, |flat| format!("{} flat", flat.samples)),
        _ => text,
    }
}

/// A file's cells, one per column ("" where the file has no such figure).
pub fn cells(file: &FileRecord) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|column| {
            file.facts
                .as_ref()
                .and_then(|facts| (column.value)(facts, file.analysis.as_ref()))
                .unwrap_or_default()
        })
        .collect()
}

/// The terminal table of every delivery: one row per file, the columns with a short header,
/// marked `!` where a finding is about the cell; `width` is the terminal's.
pub fn render(report: &Report, width: usize) -> String {
    let mut out = String::new();
    for entry in &report.deliveries {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(width).unwrap_or(u16::MAX));
        let shown: Vec<bool> = COLUMNS
            .iter()
            .map(|column| column.short.is_some())
            .collect();
        let mut flat = false;
        let mut header = vec![Cell::new("file")];
        header.extend(
            COLUMNS
                .iter()
                .filter_map(|column| column.short.map(Cell::new)),
        );
        table.set_header(header);
        for file in &entry.delivery.files {
            let marked: Vec<&str> = entry
                .diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.path.as_deref() == Some(file.rel.as_str()))
                .filter_map(|diagnostic| column_of(diagnostic.rule))
                .collect();
            let mut row = vec![Cell::new(&file.rel)];
            for ((column, text), _) in COLUMNS
                .iter()
                .zip(cells(file))
                .zip(&shown)
                .filter(|(_, shown)| **shown)
            {
                let text = if marked.contains(&column.key) {
                    let text = marked_text(column, text, file);
                    flat |= text.ends_with(" flat");
                    format!("{text} !")
                } else {
                    text
                };
                let cell = Cell::new(text);
                row.push(if column.numeric {
                    cell.set_alignment(CellAlignment::Right)
                } else {
                    cell
                });
            }
            table.add_row(row);
        }
        if report.deliveries.len() > 1 {
            out.push_str(&format!(
                "{} (profile {})\n",
                entry.delivery.display_root, entry.delivery.profile
            ));
        }
        for column in table.column_iter_mut() {
            column.set_padding((1, 0));
        }
        out.push_str(&table.to_string());
        out.push_str(
            "\npeak, RMS dBFS; TP dBTP; LUFS integrated; clip: clipped samples; ! a finding is about it\n",
        );
        if flat {
            out.push_str(
                "clip … flat: samples of flat tops under full scale (clipped, then turned down)\n",
            );
        }
        out.push('\n');
    }
    out
}
