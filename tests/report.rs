//! The report: the HTML page (parsed with an HTML parser: the measurements table, the
//! timeline placed by BWF time reference, the escaping of names from the delivery), the
//! findings placed in time in every format, the terminal table, and the page loaded in a real
//! browser (headless Chromium, skipped with a message when it is absent).

// A test that needs Chromium says so when it skips.
#![allow(clippy::disallowed_macros)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};
use serde_json::Value;
use stemlint::render::{self, json, Format};
use stemlint::{check, Options, Report};
use support::Wav;

const HOSTILE: &str = "<img src=x onerror=alert(1)>.wav";

fn select<'a>(page: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(selector).expect("a valid selector");
    page.select(&selector).collect()
}

fn checked(dir: &Path) -> Report {
    let options = Options {
        series: true,
        ..Options::default()
    };
    check(&[dir.to_path_buf()], &options).expect("the delivery can be checked")
}

/// Three files stamped with BWF time references (the third starts a second late and is
/// clipped from 0.5 s), and a hostile file name.
fn stamped_delivery() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a tempdir");
    let start = 48000 * 3600; // 01:00:00 at 48 kHz
    Wav::new(48000, 24, 1)
        .sine(220.0, -12.0)
        .seconds(3.0)
        .bext(start)
        .write(dir.path(), "01_Kick.wav");
    Wav::new(48000, 24, 1)
        .sine(330.0, -12.0)
        .seconds(3.0)
        .bext(start)
        .write(dir.path(), HOSTILE);
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            if (24000..26400).contains(&frame) {
                1.0
            } else {
                0.25 * (frame as f64 * 0.05).sin()
            }
        })
        .seconds(2.0)
        .bext(start + 48000)
        .write(dir.path(), "03_Late.wav");
    dir
}

fn attribute(element: &scraper::ElementRef<'_>, name: &str) -> f64 {
    element
        .value()
        .attr(name)
        .unwrap_or_else(|| panic!("attribute {name}"))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is a number"))
}

#[test]
fn the_page_holds_the_table_the_timeline_and_escaped_names() {
    let dir = stamped_delivery();
    let report = checked(dir.path());
    let text = Format::Html.render(&report, &render::Options::default());
    let page = Html::parse_document(&text);

    // One table row per file, in order, with the hostile name as text.
    let rows = select(&page, "table.measurements tbody tr");
    let files: Vec<&str> = rows
        .iter()
        .map(|row| row.value().attr("data-file").expect("data-file"))
        .collect();
    assert_eq!(files, ["01_Kick.wav", "03_Late.wav", HOSTILE]);
    let td = Selector::parse("td").expect("a valid selector");
    let cells: Vec<String> = rows[1]
        .select(&td)
        .map(|cell| cell.text().collect::<String>())
        .collect();
    assert_eq!(cells[0], "03_Late.wav");
    assert!(cells.contains(&"2.000".to_owned()), "{cells:?}");

    // The escaping: the name is text everywhere, never an element.
    assert!(
        select(&page, "img").is_empty(),
        "a file name became an element"
    );
    assert!(
        !text.contains(HOSTILE),
        "the name went into the page unescaped"
    );
    assert!(page
        .root_element()
        .text()
        .any(|text| text.contains(HOSTILE)));
    assert!(select(&page, "script").is_empty());

    // The timeline: one bar per file, placed by its time reference on one axis (3 s long).
    let bars = select(&page, "rect.bar");
    assert_eq!(bars.len(), 3);
    let placed: Vec<(f64, f64, f64, f64)> = bars
        .iter()
        .map(|bar| {
            (
                attribute(bar, "data-start-s"),
                attribute(bar, "data-end-s"),
                attribute(bar, "x"),
                attribute(bar, "width"),
            )
        })
        .collect();
    assert_eq!(placed[0], (0.0, 3.0, 0.0, 1000.0));
    let (start, end, x, width) = placed[1];
    assert_eq!((start, end), (1.0, 3.0));
    assert!(
        (x - 333.33).abs() < 0.01 && (width - 666.67).abs() < 0.01,
        "{x} {width}"
    );
    assert!(text.contains("BWF time reference 1:00:00.000"));

    // The clipped file's clipped cell is marked and links to its finding, which is placed
    // in time, on the timeline (at 1 s + 0.5 s) and on its waveform.
    // (its length is a finding too: the duration cell is marked as well).
    let flagged = select(&page, "tr[data-file=\"03_Late.wav\"] td.flag a");
    let findings: Vec<_> = flagged
        .iter()
        .map(|link| {
            let target = link.value().attr("href").expect("a link");
            let found = select(&page, &format!("li{target}"));
            assert_eq!(found.len(), 1, "the cell links to a finding");
            found[0]
        })
        .filter(|li| li.text().collect::<String>().contains("signal/clipping"))
        .collect();
    assert_eq!(
        findings.len(),
        1,
        "the clipped cell links to the clipping finding"
    );
    let finding = findings;
    let finding_text: String = finding[0].text().collect();
    assert!(finding_text.contains("signal/clipping"), "{finding_text}");
    assert!(
        finding_text.contains("at 00:00.500–00:00.550"),
        "{finding_text}"
    );
    let marks = select(&page, ".tl-track rect.mark.error");
    assert!(
        marks
            .iter()
            .any(|mark| (attribute(mark, "x") - 500.0).abs() < 0.01),
        "the clipping is marked at 1.5 s of 3"
    );
    assert!(marks
        .iter()
        .all(|mark| attribute(mark, "x") + attribute(mark, "width") <= 1000.0));

    // Every file has a waveform and a loudness curve; the clipped one shows where.
    assert_eq!(select(&page, "svg.wave path.wave").len(), 3);
    assert_eq!(select(&page, "svg.curve path.curve").len(), 3);
    assert!(!select(&page, "svg.wave rect.clip").is_empty());
    // The rule's explanation is in the page.
    assert_eq!(select(&page, "details#rule-signal-clipping").len(), 1);
}

#[test]
fn findings_carry_their_place_in_time_in_every_format() {
    let dir = stamped_delivery();
    let report = checked(dir.path());

    let document: Value = serde_json::from_str(&json::render(&report)).expect("the JSON parses");
    assert_eq!(document["schema"], 2);
    let diagnostics = document["deliveries"][0]["diagnostics"]
        .as_array()
        .expect("diagnostics");
    let clipping = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["rule"] == "signal/clipping")
        .expect("the clipped file is found");
    assert_eq!(clipping["start_s"], 0.5);
    assert_eq!(clipping["end_s"], 0.55);
    let file = &document["deliveries"][0]["files"][1];
    assert_eq!(file["analysis"]["first_clip_s"], 0.5);
    assert_eq!(file["analysis"]["last_clip_s"], 0.55);
    assert!(file.get("series").is_none(), "series only with --series");
    let unplaced = diagnostics
        .iter()
        .find(|diagnostic| diagnostic["rule"] != "signal/clipping")
        .expect("another finding");
    assert!(unplaced.get("start_s").is_none());

    let with_series: Value =
        serde_json::from_str(&json::render_with(&report, true)).expect("the JSON parses");
    let series = &with_series["deliveries"][0]["files"][0]["series"];
    let columns = series["envelope"]["max"].as_array().expect("an envelope");
    assert!((1024..=2048).contains(&columns.len()), "{}", columns.len());
    assert!(series["loudness_lufs"]
        .as_array()
        .is_some_and(|points| !points.is_empty()));

    let options = render::Options::default();
    let human = Format::Human.render(&report, &options);
    assert!(
        human.contains("× signal/clipping at 00:00.500–00:00.550: clipped"),
        "{human}"
    );
    for format in [Format::Sarif, Format::Github] {
        let text = format.render(&report, &options);
        assert!(
            text.contains("(at 00:00.500–00:00.550)"),
            "{format:?}: {text}"
        );
    }
}

#[test]
fn the_envelope_has_a_fixed_size_and_follows_the_signal() {
    let dir = tempfile::tempdir().expect("a tempdir");
    // Silence, then a full-scale half-second burst at 6 s of 10 s.
    Wav::new(48000, 24, 1)
        .with(|frame, _| {
            if (288_000..312_000).contains(&frame) {
                0.9 * (frame as f64 * 0.1).sin()
            } else {
                0.0
            }
        })
        .seconds(10.0)
        .write(dir.path(), "01_Burst.wav");
    let report = checked(dir.path());
    let analysis = report.deliveries[0].delivery.files[0]
        .analysis
        .as_ref()
        .expect("analysed");
    let series = analysis.series.as_ref().expect("series measured");
    let envelope = &series.envelope;
    assert!((1024..=2048).contains(&envelope.max.len()));
    let loud: Vec<usize> = (0..envelope.max.len())
        .filter(|&column| envelope.max[column] > 0.5)
        .collect();
    let first = *loud.first().expect("the burst shows") as f64 * envelope.column_s;
    let last = (*loud.last().expect("the burst shows") + 1) as f64 * envelope.column_s;
    assert!(
        (first - 6.0).abs() < 0.01 && (last - 6.5).abs() < 0.01,
        "{first} {last}"
    );
    assert!(envelope.min.iter().copied().fold(0.0_f32, f32::min) < -0.85);
    // The short-term loudness rises with the burst and is silent before it.
    let at =
        |seconds: f64| series.loudness_lufs[(seconds / series.loudness_interval_s) as usize - 1];
    assert_eq!(at(5.0), None);
    assert!(at(6.6).is_some_and(|lufs| lufs > -20.0), "{:?}", at(6.6));
    // Without `series` nothing of it is measured.
    let plain = check(&[dir.path().to_path_buf()], &Options::default()).expect("checked");
    let analysis = plain.deliveries[0].delivery.files[0].analysis.as_ref();
    assert!(analysis.is_some_and(|analysis| analysis.series.is_none()));
}

fn stemlint(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .args(args)
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn report_writes_the_page_and_stdout_stays_the_same() {
    let dir = stamped_delivery();
    let out = tempfile::tempdir().expect("a tempdir");
    let page = out.path().join("report.html");
    let root = dir.path().to_str().expect("a UTF-8 path");
    let plain = stemlint(&["check", root]);
    let with_report = stemlint(&["check", root, "--report", page.to_str().expect("UTF-8")]);
    assert_eq!(plain.stdout, with_report.stdout);
    assert_eq!(plain.status.code(), with_report.status.code());
    let text = std::fs::read_to_string(&page).expect("the page is written");
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert!(text.contains("--report"), "the command line is in the page");
    // Nothing else is written: not into the delivery, not beside the page.
    assert_eq!(std::fs::read_dir(out.path()).expect("listed").count(), 1);
    assert_eq!(std::fs::read_dir(dir.path()).expect("listed").count(), 3);

    let html = stemlint(&["check", root, "--format", "html"]);
    assert!(String::from_utf8_lossy(&html.stdout).starts_with("<!DOCTYPE html>"));

    let table = stemlint(&["check", root, "--table"]);
    let table = String::from_utf8_lossy(&table.stdout);
    let lines: Vec<&str> = table.lines().take_while(|line| !line.is_empty()).collect();
    assert!(
        lines.iter().all(|line| line.chars().count() <= 100),
        "{table}"
    );
    assert!(
        lines.iter().any(|line| line.contains("03_Late.wav")),
        "{table}"
    );
    assert!(
        lines.iter().any(|line| line.contains("!")),
        "a marked cell: {table}"
    );
}

/// Headless Chromium, when installed.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find_map(|name| {
            let found = Command::new("which").arg(name).output().ok()?;
            let path = String::from_utf8_lossy(&found.stdout).trim().to_owned();
            (found.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
        })
}

/// Loads `page` in headless Chromium at `width`×`height`, saves a screenshot, and returns
/// the console messages and the screenshot's pixels.
fn screenshot(
    browser: &Path,
    page: &Path,
    png: &Path,
    (width, height): (u32, u32),
    dark: bool,
) -> (Vec<String>, png::OutputInfo, Vec<u8>) {
    let profile = tempfile::tempdir().expect("a tempdir");
    let mut command = Command::new(browser);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
        &format!("--user-data-dir={}", profile.path().display()),
        &format!("--window-size={width},{height}"),
        &format!("--screenshot={}", png.display()),
    ]);
    if dark {
        command
            .arg("--force-dark-mode")
            .arg("--blink-settings=preferredColorScheme=0");
    }
    let output = command
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Chromium logs every console message as `INFO:CONSOLE…` whatever its level; the page
    // has no script, so any message (a failed load, a CSP report) is an error of the page.
    let console: Vec<String> = stderr
        .lines()
        .filter(|line| line.contains(":CONSOLE") || line.contains("Uncaught"))
        .map(str::to_owned)
        .collect();
    let file = std::fs::File::open(png).unwrap_or_else(|_| panic!("no screenshot: {stderr}"));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a buffer size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    pixels.truncate(info.buffer_size());
    (console, info, pixels)
}

/// True when the pixels are not all one colour.
fn varied(info: &png::OutputInfo, pixels: &[u8]) -> bool {
    let step = info.color_type.samples() * usize::from(info.bit_depth as u8 / 8).max(1);
    let first = &pixels[..step];
    let differing = pixels.chunks(step).filter(|pixel| *pixel != first).count();
    differing > pixels.len() / step / 50
}

/// The 40-file delivery of the browser test: programme-like tracks, a few defects.
fn forty_files(dir: &Path) {
    for number in 1..=40_u64 {
        let mut wav = Wav::new(48000, 24, if number % 5 == 0 { 2 } else { 1 })
            .hits(80.0 + 17.0 * number as f64, -10.0, number)
            .seconds(if number == 23 { 3.5 } else { 4.0 });
        if number == 31 {
            wav = wav.clipped(110.0, 3.0);
        }
        if number % 4 == 0 {
            wav = wav.bext(48000 * 3600 + if number == 12 { 24000 } else { 0 });
        }
        wav.write(dir, &format!("{number:02}_Track {number}.wav"));
    }
    std::fs::write(dir.join("notes.txt"), "Tempo: 120 BPM\nMeter: 4/4\n").expect("notes");
}

#[test]
fn the_page_renders_in_chromium_without_errors() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: Chromium is not installed (apt-get install -y chromium)");
        return;
    };
    let shots = repo().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).expect("the screenshot folder");

    // The console check sees errors: a page that logs one is caught.
    let control = shots.join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('stemlint-control')</script></body></html>",
    )
    .expect("the control page");
    let (console, _, _) = screenshot(
        &browser,
        &control,
        &shots.join("control.png"),
        (400, 300),
        false,
    );
    assert!(
        console.iter().any(|line| line.contains("stemlint-control")),
        "Chromium's console is not captured: {console:?}"
    );

    let forty = tempfile::tempdir().expect("a tempdir");
    forty_files(forty.path());
    let demo = repo().join("examples/demo-tracks");
    let pages = [
        ("demo", demo.as_path(), (1280, 2600), false),
        ("demo-narrow", demo.as_path(), (760, 2000), false),
        ("demo-dark", demo.as_path(), (1280, 1400), true),
        ("forty", forty.path(), (1280, 3200), false),
    ];
    for (name, delivery, size, dark) in pages {
        let page = shots.join(format!("{name}.html"));
        let run = stemlint(&[
            "check",
            delivery.to_str().expect("a UTF-8 path"),
            "--report",
            page.to_str().expect("a UTF-8 path"),
        ]);
        assert!(run.status.code().is_some_and(|code| code <= 1), "{run:?}");
        let png = shots.join(format!("{name}.png"));
        let (console, info, pixels) = screenshot(&browser, &page, &png, size, dark);
        assert!(console.is_empty(), "{name}: console errors: {console:?}");
        assert_eq!((info.width, info.height), size, "{name}");
        assert!(varied(&info, &pixels), "{name}: the page is blank");
    }
}

/// A file clipped and turned down afterwards has its flat tops below full scale: the waveform
/// marks them where `signal/clipping` reports them (1–2 s of 3), and not on a file whose few
/// flat tops the rule does not report.
#[test]
fn flat_tops_below_full_scale_are_marked_where_the_rule_reports_them() {
    let dir = tempfile::tempdir().expect("a tempdir");
    // A 110 Hz sine at 0.3, and at 0.5 clipped at 0.35 from 1 to 2 s: every half-cycle there
    // a flat top at -9.1 dBFS, the file's peak.
    let clipped_between = |from: u64, to: u64| {
        move |frame: u64, _| {
            let sine = (std::f64::consts::TAU * 110.0 * frame as f64 / 48000.0).sin();
            if (from..to).contains(&frame) {
                (0.5 * sine).clamp(-0.35, 0.35)
            } else {
                0.3 * sine
            }
        }
    };
    Wav::new(48000, 24, 1)
        .with(clipped_between(48000, 96000))
        .seconds(3.0)
        .write(dir.path(), "01_Clipped_Down.wav");
    // A few half-cycles clipped: flat tops the analysis counts, too few for a finding.
    Wav::new(48000, 24, 1)
        .with(clipped_between(48000, 48000 + 650))
        .seconds(3.0)
        .write(dir.path(), "02_Three_Tops.wav");
    // Flat tops at 0.25 from 0.2 to 0.8 s, then higher ones at 0.35 from 2 to 2.5 s: the lower
    // ones were no ceiling, and only the higher are marked.
    Wav::new(48000, 24, 1)
        .with(move |frame, channel| {
            let sine = (std::f64::consts::TAU * 110.0 * frame as f64 / 48000.0).sin();
            if (9600..38400).contains(&frame) {
                (0.5 * sine).clamp(-0.25, 0.25)
            } else {
                clipped_between(96000, 120000)(frame, channel)
            }
        })
        .seconds(3.0)
        .write(dir.path(), "03_Two_Ceilings.wav");
    let report = checked(dir.path());
    let file = |name: &str| {
        report.deliveries[0]
            .delivery
            .files
            .iter()
            .find(|file| file.rel == name)
            .and_then(|file| file.analysis.as_ref())
            .unwrap_or_else(|| panic!("{name} is analysed"))
    };
    let down = file("01_Clipped_Down.wav");
    let flat = down.flat_top.as_ref().expect("flat tops");
    assert!(flat.runs >= 100, "{flat:?}");
    let series = down.series.as_ref().expect("series");
    assert_eq!(series.flat_tops.len(), series.clipped.len());
    assert!(
        series.clipped.iter().all(|clipped| !clipped),
        "no sample at full scale"
    );
    // The first and last marked columns, in seconds, lie within `first` and `last`.
    let marks_span = |name: &str, first: std::ops::Range<f64>, last: std::ops::Range<f64>| {
        let series = file(name).series.as_ref().expect("series");
        let marked: Vec<f64> = series
            .flat_tops
            .iter()
            .enumerate()
            .filter(|(_, flat)| **flat)
            .map(|(column, _)| column as f64 * series.envelope.column_s)
            .collect();
        assert!(
            marked.first().is_some_and(|s| first.contains(s))
                && marked.last().is_some_and(|s| last.contains(s)),
            "{name}: {marked:?}"
        );
    };
    marks_span("01_Clipped_Down.wav", 0.99..1.01, 1.98..2.0);
    // The lower tops were no ceiling once the higher came: only the higher are marked.
    marks_span("03_Two_Ceilings.wav", 1.99..2.01, 2.48..2.5);
    let few = file("02_Three_Tops.wav");
    assert!(
        few.flat_top
            .as_ref()
            .is_some_and(|flat| (1..8).contains(&flat.runs)),
        "{:?}",
        few.flat_top
    );

    let text = Format::Html.render(&report, &render::Options::default());
    let page = Html::parse_document(&text);
    let marks = select(
        &page,
        r#"svg[aria-label="waveform of 01_Clipped_Down.wav"] rect.clip"#,
    );
    assert!(!marks.is_empty(), "the flat tops are marked");
    for mark in &marks {
        let (x, width) = (attribute(mark, "x"), attribute(mark, "width"));
        assert!(
            x >= 332.0 && x + width <= 668.0,
            "from 1 to 2 s of 3: {x} {width}"
        );
    }
    assert!(
        select(
            &page,
            r#"svg[aria-label="waveform of 02_Three_Tops.wav"] rect.clip"#
        )
        .is_empty(),
        "no finding, no mark"
    );
    // The clipped cell counts the flat tops' samples where the rule reports them (no sample
    // is at full scale), and full-scale samples elsewhere.
    let flagged: Vec<String> = select(&page, r#"tr[data-file="01_Clipped_Down.wav"] td.flag"#)
        .iter()
        .map(|cell| cell.text().collect::<String>())
        .collect();
    assert_eq!(flagged, [format!("{} flat", flat.samples)]);
    assert!(
        select(&page, r#"tr[data-file="02_Three_Tops.wav"] td.flag"#).is_empty(),
        "no finding, no flag"
    );
    let terminal = stemlint::render::table::render(&report, 200);
    let row = terminal
        .lines()
        .find(|line| line.contains("01_Clipped_Down.wav"))
        .expect("a row");
    assert!(row.contains(&format!("{} flat !", flat.samples)), "{row}");
    assert!(
        terminal.contains("clip … flat: samples of flat tops"),
        "{terminal}"
    );
    // The JSON carries the columns with `--series`.
    let json: Value = serde_json::from_str(&json::render_with(&report, true)).expect("JSON");
    let columns = json["deliveries"][0]["files"][0]["series"]["flat_tops"]
        .as_array()
        .expect("flat_tops");
    assert!(columns.iter().any(|column| column == true));
}
