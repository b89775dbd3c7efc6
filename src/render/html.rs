//! The HTML report: one self-contained page (inline CSS and SVG, no script, no network) from
//! `templates/report.html` with minijinja, which escapes everything it inserts (file names,
//! notes, messages come from the delivery).
//!
//! The plots are small SVG paths drawn here rather than with a plotting crate: a waveform
//! overview is one polygon, a loudness curve one path and a timeline a few rectangles, and
//! inline SVG with `preserveAspectRatio="none"` scales to the page's width without fonts,
//! raster images or scripts that a plotting backend would bring.

use minijinja::Environment;
use serde::Serialize;

use super::table::{self, COLUMNS};
use super::Run;
use crate::model::diagnostic::{clock, Diagnostic, Severity};
use crate::model::null_test::Outcome;
use crate::model::record::FileRecord;
use crate::model::report::{DeliveryReport, Report};
use crate::rules;

const TEMPLATE: &str = include_str!("../../templates/report.html");
const FINDING: &str = include_str!("../../templates/finding.html");

/// Width of every plot's coordinate system (the SVGs scale to the page).
const PLOT_WIDTH: f64 = 1000.0;
const WAVE_HEIGHT: f64 = 100.0;
/// Points per edge of a waveform overview at most.
const WAVE_COLUMNS: usize = 1000;
const CURVE_HEIGHT: f64 = 48.0;
/// The loudness curve's range, LUFS.
const CURVE_FLOOR: f64 = -60.0;

#[derive(Serialize)]
struct Page {
    version: &'static str,
    command_line: String,
    date: String,
    verdict: &'static str,
    verdict_text: String,
    deliveries: Vec<DeliveryView>,
    rules: Vec<RuleDoc>,
}

#[derive(Serialize)]
struct DeliveryView {
    index: usize,
    root: String,
    profile: String,
    fast: bool,
    summary: String,
    headers: Vec<Header>,
    rows: Vec<Row>,
    timeline: Timeline,
    files: Vec<FileView>,
    general: Vec<FindingView>,
    null_test: Option<NullTestView>,
}

#[derive(Serialize)]
struct Header {
    text: &'static str,
    numeric: bool,
}

#[derive(Serialize)]
struct Row {
    anchor: String,
    file: String,
    severity: Option<&'static str>,
    cells: Vec<CellView>,
}

#[derive(Serialize)]
struct CellView {
    text: String,
    numeric: bool,
    /// The finding this cell is about: its anchor and severity.
    finding: Option<String>,
    severity: Option<&'static str>,
}

#[derive(Serialize)]
struct Timeline {
    /// Where 0 on the axis is, when files carry BWF time stamps.
    origin: Option<String>,
    bars: Vec<Bar>,
    ticks: Vec<Tick>,
}

#[derive(Serialize)]
struct Bar {
    file: String,
    anchor: String,
    severity: Option<&'static str>,
    start_s: f64,
    end_s: f64,
    /// Position on the shared axis, in plot units (0..1000).
    x: String,
    width: String,
    stamped: bool,
    markers: Vec<Marker>,
}

#[derive(Serialize)]
struct Tick {
    /// Percent of the axis.
    left: String,
    label: String,
}

#[derive(Serialize)]
struct Marker {
    x: String,
    width: String,
    severity: &'static str,
    title: String,
    anchor: String,
}

#[derive(Serialize)]
struct FileView {
    anchor: String,
    file: String,
    facts: String,
    severity: Option<&'static str>,
    findings: Vec<FindingView>,
    wave: Option<Wave>,
    clipped: Vec<Marker>,
    silence: Vec<Marker>,
    markers: Vec<Marker>,
    curve: Option<String>,
    duration: String,
}

#[derive(Serialize)]
struct FindingView {
    anchor: String,
    rule: &'static str,
    severity: &'static str,
    message: String,
    help: String,
    place: Option<String>,
}

#[derive(Serialize)]
struct NullTestView {
    mix: String,
    stems: usize,
    depth: String,
    peak: Option<String>,
    worst: Option<String>,
    suspect: Option<String>,
    /// The residual follows the stems' sum rather than one stem (mix-bus processing).
    follows_sum: Option<String>,
    /// The files differ in length: the stretch they were summed over.
    over: Option<String>,
    skipped: Option<String>,
}

#[derive(Serialize)]
struct RuleDoc {
    id: &'static str,
    summary: &'static str,
    paragraphs: Vec<String>,
}

fn severity_class(severity: Severity) -> &'static str {
    severity.as_str()
}

fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn anchor(delivery: usize, kind: &str, index: usize) -> String {
    format!("d{delivery}-{kind}{index}")
}

/// The page for `report`.
pub fn render(report: &Report, run: &Run) -> String {
    let summary = report.summary();
    let verdict = if summary.errors > 0 {
        "error"
    } else if summary.warnings > 0 {
        "warning"
    } else {
        "pass"
    };
    let verdict_text = format!(
        "{} · {} errors, {} warnings, {} infos · {} files",
        match verdict {
            "error" => "Errors",
            "warning" => "Warnings",
            _ => "Pass",
        },
        summary.errors,
        summary.warnings,
        summary.infos,
        summary.files
    );
    let mut used: Vec<&'static str> = report
        .deliveries
        .iter()
        .flat_map(|entry| entry.diagnostics.iter().map(|diagnostic| diagnostic.rule))
        .collect();
    used.sort_unstable();
    used.dedup();
    let page = Page {
        version: env!("CARGO_PKG_VERSION"),
        command_line: run.command_line.clone(),
        date: run.date.clone(),
        verdict,
        verdict_text,
        deliveries: report
            .deliveries
            .iter()
            .enumerate()
            .map(|(index, entry)| delivery_view(index, entry))
            .collect(),
        rules: used
            .into_iter()
            .filter_map(rules::find)
            .map(|rule| {
                let meta = rule.meta();
                RuleDoc {
                    id: meta.id,
                    summary: meta.summary,
                    paragraphs: meta.explain().split("\n\n").map(str::to_owned).collect(),
                }
            })
            .collect(),
    };
    let mut environment = Environment::new();
    // Both names end in `.html`: minijinja escapes everything they insert.
    environment
        .add_template("report.html", TEMPLATE)
        .expect("the report template parses");
    environment
        .add_template("finding.html", FINDING)
        .expect("the finding template parses");
    environment
        .get_template("report.html")
        .and_then(|template| template.render(&page))
        .expect("the report template renders any page: it reads only fields the page has")
}

fn finding_view(index: usize, position: usize, diagnostic: &Diagnostic) -> FindingView {
    FindingView {
        anchor: anchor(index, "f", position),
        rule: diagnostic.rule,
        severity: severity_class(diagnostic.severity),
        message: diagnostic.message.clone(),
        help: diagnostic.help.clone(),
        place: diagnostic.place(),
    }
}

/// The findings about `file`, with their index in the delivery's findings.
fn findings_of<'a>(
    entry: &'a DeliveryReport,
    file: &'a FileRecord,
) -> impl Iterator<Item = (usize, &'a Diagnostic)> + 'a {
    entry
        .diagnostics
        .iter()
        .enumerate()
        .filter(move |(_, diagnostic)| diagnostic.path.as_deref() == Some(file.rel.as_str()))
}

fn delivery_view(index: usize, entry: &DeliveryReport) -> DeliveryView {
    let delivery = &entry.delivery;
    let summary = entry.summary();
    let worst = |file: &FileRecord| {
        findings_of(entry, file)
            .map(|(_, diagnostic)| diagnostic.severity)
            .max()
            .map(severity_class)
    };
    let rows = delivery
        .files
        .iter()
        .enumerate()
        .map(|(position, file)| Row {
            anchor: anchor(index, "file", position),
            file: file.rel.clone(),
            severity: worst(file),
            cells: COLUMNS
                .iter()
                .zip(table::cells(file))
                .map(|(column, text)| {
                    let finding = findings_of(entry, file)
                        .filter(|(_, diagnostic)| {
                            table::column_of(diagnostic.rule) == Some(column.key)
                        })
                        .max_by_key(|(_, diagnostic)| diagnostic.severity);
                    CellView {
                        text: if finding.is_some() {
                            table::marked_text(column, text, file)
                        } else {
                            text
                        },
                        numeric: column.numeric,
                        finding: finding.map(|(at, _)| anchor(index, "f", at)),
                        severity: finding
                            .map(|(_, diagnostic)| severity_class(diagnostic.severity)),
                    }
                })
                .collect(),
        })
        .collect();
    let files = delivery
        .files
        .iter()
        .enumerate()
        .map(|(position, file)| file_view(index, position, file, entry))
        .collect();
    let null_test = delivery.null_test.as_ref().map(|test| match &test.outcome {
        Outcome::Skipped { reason } => NullTestView {
            mix: test.mix.clone(),
            stems: test.stems.len(),
            depth: "skipped".to_owned(),
            peak: None,
            worst: None,
            suspect: None,
            follows_sum: None,
            over: None,
            skipped: Some(reason.clone()),
        },
        Outcome::Measured(measured) => NullTestView {
            mix: test.mix.clone(),
            stems: test.stems.len(),
            depth: measured
                .null_depth_db
                .map_or("bit-exact".to_owned(), |depth| format!("{depth:+.1} dB")),
            peak: measured
                .residual_peak_db
                .map(|peak| format!("{peak:+.1} dB")),
            worst: measured
                .worst_window_s
                .zip(measured.worst_window_db)
                .map(|(at, db)| format!("{} ({db:+.1} dB)", clock(at))),
            suspect: measured.suspect.as_ref().map(|suspect| {
                let gain = suspect
                    .gain_db
                    .map_or(String::new(), |gain| format!(", {gain:+.2} dB"));
                format!(
                    "{} (correlation {:.2}{gain})",
                    suspect.stem, suspect.correlation
                )
            }),
            follows_sum: measured
                .follows_sum()
                .map(|whole| format!("correlation {whole:.2}")),
            over: measured.lengths_differ.then(|| {
                format!(
                    "the first {:.3} s, which every file holds",
                    measured.seconds()
                )
            }),
            skipped: None,
        },
    });
    DeliveryView {
        index,
        root: delivery.display_root.clone(),
        profile: delivery.profile.clone(),
        fast: delivery.fast,
        summary: format!(
            "{} files: {} errors, {} warnings, {} infos",
            summary.files, summary.errors, summary.warnings, summary.infos
        ),
        headers: COLUMNS
            .iter()
            .map(|column| Header {
                text: column.header,
                numeric: column.numeric,
            })
            .collect(),
        rows,
        timeline: timeline(index, entry),
        files,
        general: entry
            .diagnostics
            .iter()
            .enumerate()
            .filter(|(_, diagnostic)| {
                diagnostic
                    .path
                    .as_deref()
                    .is_none_or(|path| !delivery.files.iter().any(|file| file.rel == path))
            })
            .map(|(position, diagnostic)| finding_view(index, position, diagnostic))
            .collect(),
        null_test,
    }
}

/// Each file as a session would place it: from its BWF time reference (when it has one) to
/// its end, on one axis for the delivery.
fn timeline(index: usize, entry: &DeliveryReport) -> Timeline {
    let delivery = &entry.delivery;
    let stamp = |file: &FileRecord| {
        let facts = file.facts.as_ref()?;
        let bext = facts.bext.as_ref()?;
        (facts.sample_rate > 0).then(|| bext.time_reference as f64 / f64::from(facts.sample_rate))
    };
    let origin = delivery
        .files
        .iter()
        .filter_map(stamp)
        .fold(None, |low: Option<f64>, at| {
            Some(low.map_or(at, |low| low.min(at)))
        });
    let placed: Vec<(f64, f64)> = delivery
        .files
        .iter()
        .map(|file| {
            let start = match (stamp(file), origin) {
                (Some(at), Some(origin)) => at - origin,
                _ => 0.0,
            };
            let duration = file.facts.as_ref().map_or(0.0, |facts| facts.duration_s());
            (start, start + duration)
        })
        .collect();
    let span = placed
        .iter()
        .map(|&(_, end)| end)
        .fold(0.0_f64, f64::max)
        .max(1e-3);
    let scale = |seconds: f64| seconds / span * PLOT_WIDTH;
    let bars = delivery
        .files
        .iter()
        .zip(&placed)
        .enumerate()
        .map(|(position, (file, &(start, end)))| {
            let markers = entry
                .diagnostics
                .iter()
                .enumerate()
                .filter(|(_, diagnostic)| diagnostic.path.as_deref() == Some(file.rel.as_str()))
                .filter_map(|(at, diagnostic)| {
                    let from = start + diagnostic.start_s?;
                    let to = start + diagnostic.end_s.unwrap_or(diagnostic.start_s?);
                    Some(marker(
                        scale(from),
                        scale(to),
                        diagnostic,
                        anchor(index, "f", at),
                    ))
                })
                .collect();
            Bar {
                file: file.rel.clone(),
                anchor: anchor(index, "file", position),
                severity: entry
                    .diagnostics
                    .iter()
                    .filter(|diagnostic| diagnostic.path.as_deref() == Some(file.rel.as_str()))
                    .map(|diagnostic| diagnostic.severity)
                    .max()
                    .map(severity_class),
                start_s: start,
                end_s: end,
                x: number(scale(start)),
                width: number((scale(end) - scale(start)).max(0.5)),
                stamped: stamp(file).is_some(),
                markers,
            }
        })
        .collect();
    Timeline {
        origin: origin.map(|at| format!("BWF time reference {}", clock(at))),
        bars,
        ticks: ticks(span),
    }
}

/// About six round ticks over `span` seconds.
fn ticks(span: f64) -> Vec<Tick> {
    let raw = span / 6.0;
    let step = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0,
        60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
    ]
    .into_iter()
    .find(|step| *step >= raw)
    .unwrap_or(3600.0);
    (0..)
        .map(|tick| f64::from(tick) * step)
        .take_while(|at| *at <= span + 1e-9)
        .map(|at| Tick {
            left: number(at / span * 100.0),
            label: clock(at),
        })
        .collect()
}

/// A finding's stretch on a plot, kept inside it (at least 3 units wide to be seen).
fn marker(from: f64, to: f64, diagnostic: &Diagnostic, anchor: String) -> Marker {
    let to = to.clamp(0.0, PLOT_WIDTH);
    let from = from.clamp(0.0, to);
    let width = (to - from).max(3.0);
    let from = from.min(PLOT_WIDTH - width);
    Marker {
        x: number(from),
        width: number(width),
        severity: severity_class(diagnostic.severity),
        title: format!(
            "{} {}: {}",
            diagnostic.rule,
            diagnostic.place().unwrap_or_default(),
            diagnostic.message
        ),
        anchor,
    }
}

fn file_view(index: usize, position: usize, file: &FileRecord, entry: &DeliveryReport) -> FileView {
    let findings: Vec<(usize, &Diagnostic)> = entry
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, diagnostic)| diagnostic.path.as_deref() == Some(file.rel.as_str()))
        .collect();
    let duration = file.facts.as_ref().map_or(0.0, |facts| facts.duration_s());
    let series = file
        .analysis
        .as_ref()
        .and_then(|analysis| analysis.series.as_ref());
    let to_x = |seconds: f64| {
        if duration > 0.0 {
            (seconds / duration * PLOT_WIDTH).clamp(0.0, PLOT_WIDTH)
        } else {
            0.0
        }
    };
    let wave = series
        .filter(|series| !series.envelope.max.is_empty())
        .map(|series| {
            wave_path(
                &series.envelope.min,
                &series.envelope.max,
                duration,
                series.envelope.column_s,
            )
        });
    // Neighbouring clipped columns drawn as one stretch: runs at full scale, and flat tops at
    // the file's own peak where `signal/clipping` reports them (a waveform flat by design has
    // them too, and no finding).
    let reported_flat = findings
        .iter()
        .any(|(_, diagnostic)| diagnostic.rule == "signal/clipping");
    let clipped = series
        .map(|series| {
            let column = series.envelope.column_s;
            let mut columns = series.clipped.clone();
            if reported_flat {
                columns.resize(columns.len().max(series.flat_tops.len()), false);
                for (column, flat) in columns.iter_mut().zip(&series.flat_tops) {
                    *column |= *flat;
                }
            }
            let mut stretches: Vec<(usize, usize)> = Vec::new();
            for (index, _) in columns.iter().enumerate().filter(|(_, clipped)| **clipped) {
                match stretches.last_mut() {
                    Some((_, end)) if *end == index => *end = index + 1,
                    _ => stretches.push((index, index + 1)),
                }
            }
            stretches
                .into_iter()
                .map(|(first, end)| {
                    let (from, to) = (first as f64 * column, end as f64 * column);
                    Marker {
                        x: number(to_x(from)),
                        width: number((to_x(to) - to_x(from)).max(1.5)),
                        severity: "error",
                        title: format!("clipped {}–{}", clock(from), clock(to)),
                        anchor: String::new(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut silence = Vec::new();
    if let Some(analysis) = &file.analysis {
        if duration > 0.0 {
            match (analysis.first_sound_s, analysis.last_sound_s) {
                (Some(first), Some(last)) => {
                    if first > 0.0 {
                        silence.push(silence_marker(
                            0.0,
                            to_x(first),
                            format!("silence until {}", clock(first)),
                        ));
                    }
                    if last < duration {
                        silence.push(silence_marker(
                            to_x(last),
                            PLOT_WIDTH,
                            format!("silence from {}", clock(last)),
                        ));
                    }
                }
                _ => silence.push(silence_marker(
                    0.0,
                    PLOT_WIDTH,
                    "silent throughout".to_owned(),
                )),
            }
        }
    }
    let markers = findings
        .iter()
        .filter_map(|&(at, diagnostic)| {
            let start = diagnostic.start_s?;
            let end = diagnostic.end_s.unwrap_or(start);
            Some(marker(
                to_x(start),
                to_x(end),
                diagnostic,
                anchor(index, "f", at),
            ))
        })
        .collect();
    let curve = series
        .filter(|series| series.loudness_lufs.iter().any(Option::is_some))
        .map(|series| {
            let mut path = String::new();
            let mut drawing = false;
            for (point, lufs) in series.loudness_lufs.iter().enumerate() {
                match lufs {
                    Some(lufs) => {
                        let x = number(to_x((point as f64 + 1.0) * series.loudness_interval_s));
                        let level = (f64::from(*lufs) - CURVE_FLOOR) / -CURVE_FLOOR;
                        let y = number(CURVE_HEIGHT * (1.0 - level.clamp(0.0, 1.0)));
                        path.push_str(if drawing { "L" } else { "M" });
                        path.push_str(&format!("{x} {y} "));
                        drawing = true;
                    }
                    None => drawing = false,
                }
            }
            path
        });
    let facts = file.facts.as_ref().map_or_else(
        || "not decoded".to_owned(),
        |facts| {
            format!(
                "{} · {} Hz · {} ch · {} frames",
                facts.container.as_str(),
                facts.sample_rate,
                facts.channels,
                facts.frames
            )
        },
    );
    FileView {
        anchor: anchor(index, "file", position),
        file: file.rel.clone(),
        facts,
        severity: findings
            .iter()
            .map(|(_, diagnostic)| diagnostic.severity)
            .max()
            .map(severity_class),
        findings: findings
            .iter()
            .map(|&(at, diagnostic)| finding_view(index, at, diagnostic))
            .collect(),
        wave,
        clipped,
        silence,
        markers,
        curve,
        duration: clock(duration),
    }
}

/// A waveform overview as one closed path, the max edge left to right and the min edge back:
/// at most `WAVE_COLUMNS` points per edge (neighbouring columns joined), x in plot units.
fn wave_path(min: &[f32], max: &[f32], duration: f64, column_s: f64) -> Wave {
    let group = max.len().div_ceil(WAVE_COLUMNS).max(1);
    let highs: Vec<f32> = max
        .chunks(group)
        .map(|chunk| chunk.iter().copied().fold(f32::NEG_INFINITY, f32::max))
        .collect();
    let lows: Vec<f32> = min
        .chunks(group)
        .map(|chunk| chunk.iter().copied().fold(f32::INFINITY, f32::min))
        .collect();
    let y = |value: f32| (WAVE_HEIGHT / 2.0 * (1.0 - f64::from(value).clamp(-1.0, 1.0))).round();
    let mut path = String::with_capacity(highs.len() * 16);
    for (column, high) in highs.iter().enumerate() {
        path.push_str(&format!(
            "{}{column} {}",
            if column == 0 { "M" } else { "L" },
            y(*high)
        ));
    }
    for (column, low) in lows.iter().enumerate().rev() {
        path.push_str(&format!("L{column} {}", y(*low)));
    }
    path.push('Z');
    // Columns cover `group * column_s` seconds each; the last may reach past the end.
    let scale = if duration > 0.0 {
        group as f64 * column_s / duration * PLOT_WIDTH
    } else {
        1.0
    };
    Wave {
        path,
        scale: format!("{scale:.5}"),
    }
}

#[derive(Serialize)]
struct Wave {
    /// The path, x in columns.
    path: String,
    /// Plot units per column.
    scale: String,
}

fn silence_marker(from: f64, to: f64, title: String) -> Marker {
    Marker {
        x: number(from),
        width: number((to - from).max(0.0)),
        severity: "silence",
        title,
        anchor: String::new(),
    }
}
