//! `stemlint diff` for people: one line per file with what changed, in the engineer's terms,
//! the stems' balance in both versions, and a summary line.

use crate::model::diff::{Change, DiffReport, End, FileDiff, StemBalance, Verdict};

pub fn render(report: &DiffReport) -> String {
    let mut out = format!("stemlint diff {} → {}\n\n", report.old, report.new);
    let names: Vec<String> = report.files.iter().map(file_name).collect();
    let width = names
        .iter()
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(0);
    for (file, name) in report.files.iter().zip(&names) {
        let mark = match file.verdict {
            Verdict::Identical if file.changes.is_empty() => '=',
            Verdict::Added => '+',
            Verdict::Removed => '-',
            _ => '~',
        };
        let mut line = format!("  {mark} {name:<width$}  {}", describe_file(file));
        if file.changed() && file.expected {
            line.push_str("  (expected)");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if let Some(stems) = &report.stems {
        out.push('\n');
        out.push_str(&balance(stems));
    }
    let summary = report.summary();
    out.push_str(&format!(
        "\n{} identical, {} changed ({} renamed), {} added, {} removed",
        summary.identical, summary.changed, summary.renamed, summary.added, summary.removed
    ));
    match summary.unexpected {
        0 => out.push_str("; every change expected\n"),
        count => out.push_str(&format!(
            "; {count} {} not covered by --expect-changed\n",
            if count == 1 { "change" } else { "changes" }
        )),
    }
    out
}

fn file_name(file: &FileDiff) -> String {
    match (&file.old, &file.new) {
        (Some(old), Some(new)) if old != new => format!("{old} → {new}"),
        _ => file.name().to_owned(),
    }
}

fn describe_file(file: &FileDiff) -> String {
    let mut parts: Vec<String> = file
        .changes
        .iter()
        .filter(|change| !matches!(change, Change::Renamed { .. }))
        .map(describe)
        .collect();
    let renamed = file
        .changes
        .iter()
        .any(|change| matches!(change, Change::Renamed { .. }));
    match file.verdict {
        Verdict::Identical => parts.insert(0, "identical".to_owned()),
        Verdict::SameAudio => parts.insert(0, "same audio".to_owned()),
        Verdict::Changed | Verdict::Added | Verdict::Removed => {}
    }
    if renamed {
        parts.insert(0, "renamed".to_owned());
    }
    parts.join("; ")
}

fn samples(frames: u64, seconds: f64) -> String {
    format!(
        "{frames} {} ({seconds:.3} s)",
        if frames == 1 { "sample" } else { "samples" }
    )
}

fn end(end: End) -> &'static str {
    match end {
        End::Head => "head",
        End::Tail => "tail",
    }
}

/// One change in words.
pub fn describe(change: &Change) -> String {
    match change {
        Change::Renamed { from, to } => format!("renamed from {from} to {to}"),
        Change::Header { fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|field| format!("{} {} → {}", field.field, field.old, field.new))
                .collect();
            format!("header: {}", fields.join(", "))
        }
        Change::Format { fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|field| format!("{} {} → {}", field.field, field.old, field.new))
                .collect();
            format!("format: {}", fields.join(", "))
        }
        Change::Gain {
            db,
            polarity_inverted,
        } => {
            let mut text = format!("gain {db:+.2} dB");
            if *polarity_inverted {
                text.push_str(", polarity inverted");
            }
            text
        }
        Change::Offset { frames, seconds } => format!(
            "offset: the audio starts {} {}",
            samples(frames.unsigned_abs(), seconds.abs()),
            if *frames > 0 { "later" } else { "earlier" }
        ),
        Change::Trimmed {
            end: at,
            frames,
            seconds,
        } => format!(
            "trimmed at the {} by {}",
            end(*at),
            samples(*frames, *seconds)
        ),
        Change::Extended {
            end: at,
            frames,
            seconds,
            silent,
        } => format!(
            "extended at the {} by {}{}",
            end(*at),
            samples(*frames, *seconds),
            if *silent { " of silence" } else { "" }
        ),
        Change::Content {
            ranges,
            residual_db,
        } => {
            if ranges.is_empty() {
                return format!(
                    "samples differ below -90 dBFS (difference {residual_db:.1} dB against the old level)"
                );
            }
            let shown: Vec<String> = ranges
                .iter()
                .map(|range| format!("{:.1}–{:.1} s", range.start_s, range.end_s))
                .collect();
            format!(
                "content changed at {} (difference {residual_db:.1} dB against the old level)",
                shown.join(", ")
            )
        }
        Change::Different { correlation } => match correlation {
            Some(correlation) => {
                format!("different audio altogether (correlation {correlation:.2})")
            }
            None => "different audio altogether".to_owned(),
        },
        Change::NotCompared { reason } => format!("not compared: {reason}"),
        Change::Unreadable { side, message } => format!(
            "the {} file does not decode: {message}",
            match side {
                crate::model::diff::Side::Old => "old",
                crate::model::diff::Side::New => "new",
            }
        ),
        Change::Added => "added".to_owned(),
        Change::Removed => "removed".to_owned(),
    }
}

/// A change that rounds to zero shows as +0.0, not -0.0.
fn no_negative_zero(value: f64) -> f64 {
    if (value * 10.0).round() == 0.0 {
        0.0
    } else {
        value
    }
}

fn lufs(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |value| format!("{value:.1}"))
}

fn share(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |value| format!("{:.1} %", value * 100.0))
}

fn balance(stems: &StemBalance) -> String {
    let width = stems
        .stems
        .iter()
        .map(|stem| stem.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out =
        String::from("Stem balance (integrated loudness; share of the stems' summed loudness):\n");
    out.push_str(&format!(
        "  {:<width$}  {:>8}  {:>8}  {:>8}  {:>9}  {:>9}\n",
        "stem", "old LUFS", "new LUFS", "change", "old share", "new share"
    ));
    for stem in &stems.stems {
        let change = stem.change_lu.map_or("-".to_owned(), |change| {
            format!("{:+.1} LU", no_negative_zero(change))
        });
        out.push_str(&format!(
            "  {:<width$}  {:>8}  {:>8}  {:>8}  {:>9}  {:>9}\n",
            stem.name,
            lufs(stem.old_lufs),
            lufs(stem.new_lufs),
            change,
            share(stem.old_share),
            share(stem.new_share)
        ));
    }
    let mix = stems
        .mix_new
        .as_deref()
        .or(stems.mix_old.as_deref())
        .unwrap_or("mix");
    out.push_str(&format!(
        "  mix {mix}: {} → {} LUFS\n",
        lufs(stems.mix_old_lufs),
        lufs(stems.mix_new_lufs)
    ));
    out
}
