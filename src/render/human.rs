//! Human output: the findings grouped under each file (its name once, then each finding
//! rendered by miette: severity, rule id, where in the file, message, help, and a labelled
//! span where the finding is about text), then a summary line.

use std::collections::BTreeMap;
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use crate::model::diagnostic::{Diagnostic, Severity};
use crate::model::report::Report;

/// How to draw: colours (for a terminal) and width.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to use ANSI colours.
    pub color: bool,
    /// Columns to wrap at.
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<NamedSource<String>>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The file is the group's heading; the rule id leads, as a compiler's error code does.
        f.write_str(self.diagnostic.rule)?;
        if let Some(place) = self.diagnostic.place() {
            write!(f, " {place}")?;
        }
        write!(f, ": {}", self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.diagnostic.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diagnostic.span.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(span.label.clone()),
            span.offset,
            span.length,
        ))))
    }
}

/// One diagnostic as miette draws it.
pub fn render_diagnostic(diagnostic: &Diagnostic, style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let rendered = Rendered {
        diagnostic,
        source: diagnostic
            .span
            .as_ref()
            .map(|span| NamedSource::new(span.name.clone(), span.text.to_string())),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &rendered).is_err() {
        out = format!("{rendered}\n  help: {}\n", diagnostic.help);
    }
    out
}

/// Every diagnostic of the report, grouped under the file it is about (the name once, its
/// findings below in the report's order: by rule); findings about the delivery as a whole
/// come first, under the delivery's root. With several deliveries (or sections), each one's
/// findings come under a heading that names its root and profile, since paths are relative
/// to it.
pub fn render_diagnostics(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let headed = report.deliveries.len() > 1;
    for entry in &report.deliveries {
        if headed && !entry.diagnostics.is_empty() {
            let summary = entry.summary();
            out.push_str(&format!(
                "── {} (profile {}): {}, {}, {}, {}\n\n",
                entry.delivery.display_root,
                entry.delivery.profile,
                plural(summary.files, "file"),
                plural(summary.errors, "error"),
                plural(summary.warnings, "warning"),
                plural(summary.infos, "info")
            ));
        }
        let mut group: Option<Option<&str>> = None;
        for diagnostic in &entry.diagnostics {
            let path = diagnostic.path.as_deref();
            if group != Some(path) {
                if group.is_some() {
                    out.push('\n');
                }
                group = Some(path);
                match path {
                    Some(path) => out.push_str(path),
                    None => {
                        out.push_str(&format!("{} (the delivery)", entry.delivery.display_root))
                    }
                }
                out.push('\n');
            }
            out.push_str(&render_diagnostic(diagnostic, style));
        }
        if group.is_some() {
            out.push('\n');
        }
    }
    out
}

/// A line per delivery whose stems were summed against the mix: the null depth is worth
/// seeing when it passes too (a skipped test is a finding of its own).
pub fn null_test_lines(report: &Report) -> String {
    let mut out = String::new();
    for entry in &report.deliveries {
        let Some(null_test) = &entry.delivery.null_test else {
            continue;
        };
        let crate::model::null_test::Outcome::Measured(measurement) = &null_test.outcome else {
            continue;
        };
        let depth = match measurement.null_depth_db {
            None => "bit-exact".to_owned(),
            Some(depth) => format!("null depth {depth:.1} dB"),
        };
        let place = if report.deliveries.len() > 1 {
            format!("{}: ", entry.delivery.display_root)
        } else {
            String::new()
        };
        let dual_mono = match measurement.dual_mono.len() {
            0 => String::new(),
            count => format!(
                " ({} summed as centred dual-mono)",
                plural(count, "mono stem")
            ),
        };
        let over = if measurement.lengths_differ {
            format!(
                " over the first {:.3} s, which every file holds",
                measurement.seconds()
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{place}null test: {} against `{}`: {depth}{over}{dual_mono}\n",
            plural(null_test.stems.len(), "stem"),
            null_test.mix
        ));
    }
    out
}

/// The whole report: every diagnostic, the null tests, then the summary line.
pub fn render(report: &Report, style: Style) -> String {
    render_with(
        report,
        &Options {
            style,
            ..Options::default()
        },
    )
}

/// What the human report shows besides the findings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Colour and width.
    pub style: Style,
    /// Findings per rule after the findings (`--statistics`).
    pub statistics: bool,
    /// Findings only: no null-test lines, no summary (`--quiet`).
    pub quiet: bool,
}

/// The report as `stemlint check` prints it.
pub fn render_with(report: &Report, options: &Options) -> String {
    let mut out = render_diagnostics(report, options.style);
    if options.statistics {
        out.push_str(&statistics(report));
    }
    if !options.quiet {
        out.push_str(&null_test_lines(report));
        out.push_str(&summary_line(report));
        out.push('\n');
    }
    out
}

/// Findings per rule, most frequent first (like ruff's `--statistics`).
pub fn statistics(report: &Report) -> String {
    let mut counts: BTreeMap<&str, (usize, Severity)> = BTreeMap::new();
    for diagnostic in report
        .deliveries
        .iter()
        .flat_map(|entry| &entry.diagnostics)
    {
        let entry = counts
            .entry(diagnostic.rule)
            .or_insert((0, diagnostic.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(diagnostic.severity);
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let mut out = String::new();
    for (rule, (count, severity)) in rows {
        out.push_str(&format!("{count:>5}  {rule:<28} {severity}\n"));
    }
    out
}

/// `1 file`, `2 files`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `2 deliveries, 17 files: 9 errors, 3 warnings, 0 infos (profile tracks)`.
pub fn summary_line(report: &Report) -> String {
    let summary = report.summary();
    let mut profiles: Vec<&str> = report
        .deliveries
        .iter()
        .map(|entry| entry.delivery.profile.as_str())
        .collect();
    profiles.dedup();
    let mut line = String::new();
    // Files given one by one are not deliveries of their own: count them as files only.
    if report.deliveries.len() > 1
        && report
            .deliveries
            .iter()
            .any(|entry| !entry.delivery.single_file)
    {
        line.push_str(
            &plural(report.deliveries.len(), "delivery").replace("deliverys", "deliveries"),
        );
        line.push_str(", ");
    }
    line.push_str(&format!("{} checked", plural(summary.files, "file")));
    if summary.errors + summary.warnings + summary.infos == 0 {
        line.push_str(": no problems found");
    } else {
        line.push_str(&format!(
            ": {}, {}, {}",
            plural(summary.errors, "error"),
            plural(summary.warnings, "warning"),
            plural(summary.infos, "info")
        ));
    }
    line.push_str(&format!(" (profile {})", profiles.join(", ")));
    if report.deliveries.iter().any(|entry| entry.delivery.fast) {
        line.push_str("; --fast: headers only, signal checks skipped");
    }
    line
}
