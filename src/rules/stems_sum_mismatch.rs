use serde::Deserialize;

use super::util::{clock, DEFAULT_MIX_PATTERN};
use super::{Findings, Rule};
use crate::model::analysis::MeasureSettings;
use crate::model::diagnostic::Level;
use crate::model::null_test::{
    Explanation, Measurement, NullTestSettings, Outcome,
};
use crate::model::pattern::Pattern;
use crate::model::record::Delivery;

declare_rule! {
    /// The null test. When the delivery holds a reference mix (a file whose name matches
    /// `mix_pattern`: `AB_Song_Mix_48k24.wav`, `PrintMaster.wav`), every other file is taken as a
    /// stem; the stems are summed sample by sample, the mix is subtracted, and the level of what
    /// is left (the residual, RMS over the whole length) is measured against the mix's RMS: the
    /// null depth. A bit-exact null leaves nothing; 24-bit rounding leaves about -130 dB.
    ///
    /// The residual is then judged by what it is, not only by how deep it is. When it is one
    /// stem's change — the stem shifted by up to 64 samples either way, re-levelled, or
    /// polarity-inverted (found by correlating the residual with each stem at every lag, in the
    /// same streaming pass; undoing the change must leave at least `explained_db` less
    /// residual), the stem replaced by another print (part of the residual is in that stem, none
    /// in the others), or part of the mix that no stem holds (a stem left out, an effect printed
    /// into the mix only; the residual is in no stem and is not white rounding noise) — it is a
    /// finding at any depth, at `explained_severity`, naming the stem and the change:
    /// "`04_Vocals.wav` is 1 sample late", "`03_Music.wav` is 1.00 dB quieter than in the mix",
    /// "`02_Bass.wav` is polarity-inverted". So is the mix changed as a whole after the stems
    /// were printed (with two stems or more, their sum is searched as one more lane, shifted
    /// by up to 8 samples either way): "`Mix.wav`
    /// is the stems' sum 1.00 dB quieter" (a master fader), "polarity-inverted", "2 samples
    /// late". A residual that follows no single stem (mix-bus compression or saturation acting
    /// on the sum) is a finding only above `threshold_db`; it names the stem it resembles most,
    /// unless it follows the stems' sum as closely, when it says so and names no stem.
    /// Residuals under -90 dB are rounding or dither and are judged by depth alone. Every finding gives the residual's peak and the 100 ms window where
    /// it is loudest.
    ///
    /// A mono stem in a stereo set is summed as centred dual-mono: each sample to both channels,
    /// at unity gain (a mix that panned it centre with a -3 dB pan law shows it as 3.01 dB
    /// louder than in the mix); the finding says so. Files of different lengths are summed over
    /// the length they all hold, from their common start, and the finding says so too
    /// (`length/mismatch` reports the lengths): one run reports both. When the files cannot be
    /// summed (rates or channel counts that differ, a file that does not decode, several
    /// mixes), the test is skipped with an info finding that says why; the format and file
    /// rules report the cause. Not run with `--fast`.
    ///
    /// Why it matters: stems are printed from the same mix pass as the mix so that together they
    /// rebuild it. A stem edited, re-bounced, nudged or re-levelled after the mix was printed no
    /// longer does, and the remix, the re-master or the M&E built from the stems will not match
    /// the approved mix. A one-sample nudge of a vocal or a 1 dB change on a quiet pad can null
    /// deeper than bus processing does, which is why the depth alone cannot tell them apart.
    /// Dry film stems must null to the print master; music stems printed through master-bus
    /// processing null less deep (-20 to -40 dB is typical), which is why the music profile's
    /// threshold is looser.
    ///
    /// Fix: print the stems again from the same session state, same start, with the master bus as
    /// it was for the mix (or bypassed for both), and check the stem the finding names first.
    ///
    /// Parameters: `threshold_db` (a null depth above it is a finding when no single change
    /// explains the residual), `explained_db` (how many dB less residual undoing one stem's
    /// change must leave to explain it), `explained_severity` (the level of an explained
    /// residual; `off` judges it by depth like any other), `mix_pattern` (regular expression over
    /// the file name without extension that marks the mix).
    pub struct StemsSumMismatch {
        id: "stems/sum-mismatch",
        summary: "the stems, summed, do not null against the delivered mix",
        level: Off,
        scope: Delivery,
    }
}

/// What a null depth means to an engineer, for the help line.
fn meaning(depth_db: f64) -> &'static str {
    if depth_db <= -90.0 {
        "at this depth only rounding or dither differs"
    } else if depth_db <= -60.0 {
        "a depth like this is a tiny level or rounding difference (a float print, a fader off by hundredths of a dB)"
    } else if depth_db <= -40.0 {
        "a depth like this is a small level difference (about 0.1 dB on one stem) or light bus processing"
    } else if depth_db <= -20.0 {
        "-20 to -40 dB is typical of master-bus processing (bus compressor, limiter) acting on the mix but not on each stem alone, or of one stem about 1 dB off"
    } else {
        "above -20 dB a stem is missing, muted, shifted in time, processed differently or printed from another version of the mix"
    }
}

fn signed_db(value: f64) -> String {
    format!("{value:+.1} dB")
}

/// Parameters of `stems/sum-mismatch`; the null test stage gets `mix_pattern` through
/// `configure`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// A null depth (residual RMS against the mix RMS, dB) above this is a finding.
    pub threshold_db: f64,
    /// Regular expression over the file stem that marks the reference mix.
    pub mix_pattern: Pattern,
    /// A change to one stem explains the residual when undoing it leaves at least this many
    /// dB less residual.
    pub explained_db: f64,
    /// The level of a residual that one change explains (a stem shifted, re-levelled,
    /// inverted or replaced; part of the mix not delivered), whatever its depth; `off` judges
    /// it by its depth like any other residual.
    pub explained_severity: Level,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold_db: -40.0,
            mix_pattern: Pattern::new(DEFAULT_MIX_PATTERN),
            explained_db: 20.0,
            explained_severity: Level::Error,
        }
    }
}

impl Rule for StemsSumMismatch {
    type Params = Params;

    fn configure(&self, params: &Params, enabled: bool, settings: &mut MeasureSettings) {
        if enabled {
            settings.null_test = Some(NullTestSettings {
                mix_pattern: params.mix_pattern.clone(),
                explained_db: params.explained_db,
            });
        }
    }

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let Some(test) = &delivery.null_test else {
            return;
        };
        match &test.outcome {
            Outcome::Skipped { reason } => {
                // Not a failure of the delivery by itself: the cause is some other rule's.
                out.notice(
                    Some(&test.mix),
                    format!("null test against `{}` skipped: {reason}", test.mix),
                    "fix the length, format or decode findings first; then the stems can be summed against the mix",
                );
            }
            Outcome::Measured(measured) => check_measured(params, &test.mix, measured, out),
        }
    }
}

fn check_measured(params: &Params, mix: &str, measured: &Measurement, out: &mut Findings) {
    let Some(depth) = measured.null_depth_db else {
        return;
    };
    let figures = figures(params, measured, depth);
    let dual_mono = format!("{}{}", lengths_note(measured), dual_mono_note(measured));
    if let (Some(explanation), Some(severity)) = (
        &measured.explanation,
        params.explained_severity.severity(),
    ) {
        let (path, message, help) = explained(explanation, mix, &figures);
        out.report_as(severity, path, format!("{message}{dual_mono}"), help);
        return;
    }
    if depth <= params.threshold_db {
        return;
    }
    let mut message = format!("the stems do not null against `{mix}`: {figures}");
    let path = match &measured.suspect {
        Some(suspect) => {
            message.push_str(&format!(
                "; the residual follows `{}` (correlation {:.2})",
                suspect.stem, suspect.correlation
            ));
            if let Some(gain) = suspect.gain_db {
                message.push_str(&format!(": it is {} than in the mix", gain_text(gain)));
            }
            suspect.stem.as_str()
        }
        None => {
            if let Some(whole) = measured.follows_sum() {
                message.push_str(&format!(
                    "; the residual follows the stems' sum (correlation {whole:.2}), no single stem: processing on the mix bus (a compressor, a limiter, saturation, a reverb) that the stems were not printed through"
                ));
            }
            mix
        }
    };
    message.push_str(&dual_mono);
    let help = if measured.follows_sum().is_some() {
        "the residual is the mix's processing, not a stem's: print the stems through the same master bus as the mix (or the mix without it), and say which in the notes".to_owned()
    } else {
        format!(
            "{}; print the stems again from the same session state as the mix{}",
            meaning(depth),
            match &measured.suspect {
                Some(suspect) => format!(", starting with `{}`", suspect.stem),
                None => String::new(),
            }
        )
    };
    // Placed at the worst 100 ms window of the residual (the same time in every file).
    out.report_at(
        Some(path),
        measured.worst_window_s,
        measured.worst_window_s.map(|at| at + 0.1),
        message,
        help,
    );
}

/// The depth, the residual's peak and where it is loudest.
fn figures(params: &Params, measured: &Measurement, depth: f64) -> String {
    let mut figures = format!(
        "null depth {} against the mix (threshold {}), residual peak {}",
        signed_db(depth),
        signed_db(params.threshold_db),
        signed_db(measured.residual_peak_db.unwrap_or(depth)),
    );
    if let (Some(at), Some(window_db)) = (measured.worst_window_s, measured.worst_window_db) {
        figures.push_str(&format!(
            ", loudest at {} ({})",
            clock(at),
            signed_db(window_db)
        ));
    }
    figures
}

/// Files of different lengths were summed over the length they all hold: say so.
fn lengths_note(measured: &Measurement) -> String {
    if measured.lengths_differ {
        format!(
            "; the files differ in length (`length/mismatch`): summed over the first {:.3} s, which every file holds",
            measured.seconds()
        )
    } else {
        String::new()
    }
}

fn dual_mono_note(measured: &Measurement) -> String {
    match measured.dual_mono.as_slice() {
        [] => String::new(),
        [stem] => format!(
            "; `{stem}` is mono and was summed as centred dual-mono (each sample to both channels, at unity)"
        ),
        stems => format!(
            "; {} are mono and were summed as centred dual-mono (each sample to both channels, at unity)",
            stems
                .iter()
                .map(|stem| format!("`{stem}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn gain_text(gain_db: f64) -> String {
    let direction = if gain_db < 0.0 { "quieter" } else { "louder" };
    format!("{:.2} dB {direction}", gain_db.abs())
}

/// "1 sample late, polarity-inverted and 1.00 dB quieter `than`…": what changed (`than` may
/// be empty).
fn change_text(delay_samples: i64, inverted: bool, gain_db: f64, than: &str) -> String {
    let mut changes = Vec::new();
    if delay_samples != 0 {
        let count = delay_samples.unsigned_abs();
        changes.push(format!(
            "{count} sample{} {}",
            if count == 1 { "" } else { "s" },
            if delay_samples > 0 { "late" } else { "early" }
        ));
    }
    if inverted {
        changes.push("polarity-inverted".to_owned());
    }
    // Shown to hundredths of a dB: a gain that rounds to 0.00 is no change.
    if gain_db.abs() >= 0.005 {
        changes.push(format!("{} {than}", gain_text(gain_db)).trim_end().to_owned());
    }
    match changes.as_slice() {
        [] => "changed".to_owned(),
        [only] => only.clone(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

/// How far the residual falls with the change undone.
fn undone_text(remaining_db: f64) -> String {
    // Past 60 dB the figure is the files' rounding, not the change: not worth a digit that
    // moves with the order of the sums.
    if remaining_db <= -60.0 {
        "with that undone the residual falls more than 60 dB".to_owned()
    } else {
        format!("with that undone the residual falls {:.0} dB", -remaining_db)
    }
}

/// The finding for a residual one change explains: the file, the message, the help.
fn explained<'a>(
    explanation: &'a Explanation,
    mix: &'a str,
    figures: &str,
) -> (Option<&'a str>, String, String) {
    match explanation {
        Explanation::Altered {
            stem,
            delay_samples,
            gain_db,
            inverted,
            remaining_db,
        } => {
            let change = change_text(*delay_samples, *inverted, *gain_db, "than in the mix");
            let undone = undone_text(*remaining_db);
            (
                Some(stem.as_str()),
                format!("`{stem}` is {change}: the stems do not null against `{mix}` ({figures}); {undone}"),
                format!(
                    "the residual is this stem's change alone; print `{stem}` again from the session state the mix was printed from (or undo the change: {change})"
                ),
            )
        }
        Explanation::Mix {
            delay_samples,
            gain_db,
            inverted,
            remaining_db,
        } => {
            let change = change_text(*delay_samples, *inverted, *gain_db, "");
            (
                Some(mix),
                format!(
                    "`{mix}` is the stems' sum {change}: the stems do not null against it ({figures}); {}",
                    undone_text(*remaining_db)
                ),
                format!(
                    "the mix as a whole was changed after the stems were printed (a master fader or trim, a polarity switch, an offset on the export): print the mix and the stems from the same master-bus state (or undo it on the mix, which is {change})"
                ),
            )
        }
        Explanation::Replaced { stem, share } => (
            Some(stem.as_str()),
            format!(
                "`{stem}` is not the print that is in `{mix}`: the difference is in this stem alone, which holds {:.0} % of the residual, the other stems none ({figures})",
                100.0 * share
            ),
            format!(
                "the stem was edited, processed or re-bounced after the mix was printed; print `{stem}` again from the session state of the mix"
            ),
        ),
        Explanation::Missing => (
            Some(mix),
            format!(
                "the stems do not contain part of `{mix}`: the residual follows none of them ({figures})"
            ),
            "a stem is missing from the delivery, or something was printed into the mix only (an effect return, a bus); deliver it as a stem or print the mix without it".to_owned(),
        ),
    }
}
