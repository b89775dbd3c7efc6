use serde::Deserialize;

use super::util::{clock, count};
use super::{Findings, Rule};
use crate::model::analysis::MeasureSettings;
use crate::model::record::{Delivery, SampleFormat};

declare_rule! {
    /// Finds runs of consecutive samples at or within a hair of full scale (by default 3 or more
    /// samples at −0.01 dBFS or above, in one channel); flat tops below full scale, where a
    /// clipped file was turned down afterwards (by default 8 or more runs of 3 or more
    /// identical samples at the channel's own peak, each reached and left over two samples on
    /// its own side of zero, on at most a quarter of the channel's samples); and integer files
    /// whose true peak (BS.1770, 4× oversampled) is over 0 dBTP. A single sample touching full
    /// scale is not clipping; a flat top of several samples is. A square wave is not clipping
    /// (its tops are reached from the other side within a sample or two), nor is a smooth
    /// crest rounded to the format's steps (it creeps onto its top one step at a time), nor a
    /// waveform flat by design, a trapezoid or a fuzz, that spends much of its time on its
    /// tops. Dither at the format's last bit, added after the level was lowered, leaves most
    /// samples of a top alike (found); louder dither would hide it. A float file's samples over
    /// full scale are not clipped (the file keeps them), but every integer copy and player
    /// clips them: they are reported as over full scale, with the gain that brings them under
    /// it; a flat top over full scale is clipping (clipped, then turned up).
    ///
    /// Why it matters: clipping is distortion printed into the file; no mix can take it out. A
    /// true peak over 0 dBTP clips in every converter and lossy encoder downstream.
    ///
    /// Fix: lower the level before the export (the track's fader or the clip gain, never a limiter
    /// on a track for mixing) and export again; if the recording itself clipped, say so in the
    /// notes. (Netflix's clipping inspection uses −0.45 dBFS as its level: set `level_dbfs` for a
    /// stricter check.)
    ///
    /// Parameters: `level_dbfs`, `min_run`, `flat_top_min_runs`, `flat_top_max_share`,
    /// `true_peak_over_zero`.
    pub struct SignalClipping {
        id: "signal/clipping",
        summary: "runs of consecutive samples at full scale",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// A sample at or above this level (dBFS) counts as at full scale.
    pub level_dbfs: f64,
    /// Consecutive full-scale samples in one channel that make a clipped run.
    pub min_run: u32,
    /// Flat tops below full scale: at least this many runs at the channel's peak…
    pub flat_top_min_runs: u64,
    /// …on at most this share of its samples (a waveform flat by design spends more).
    pub flat_top_max_share: f64,
    /// Also report an integer file whose true peak is over 0 dBTP (inter-sample clipping).
    pub true_peak_over_zero: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            level_dbfs: -0.01,
            min_run: 3,
            flat_top_min_runs: 8,
            flat_top_max_share: 0.25,
            true_peak_over_zero: true,
        }
    }
}

impl Rule for SignalClipping {
    type Params = Params;

    // Measured whether or not the rule is on: the figures are in every file's analysis.
    fn configure(&self, params: &Params, _enabled: bool, settings: &mut MeasureSettings) {
        settings.analysis.clip_level_dbfs = params.level_dbfs;
        settings.analysis.clip_min_run = params.min_run;
    }

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts, analysis) in delivery.analysed() {
            if analysis.clipped_samples > 0 {
                let first = first_at(analysis.first_clip_s);
                out.report_at(
                    Some(&file.rel),
                    analysis.first_clip_s,
                    analysis.last_clip_s,
                    format!(
                        "clipped: {} in runs of {} or more at full scale (longest run {}){first}",
                        count(analysis.clipped_samples, "sample"),
                        params.min_run,
                        count(analysis.longest_clip_run, "sample"),
                    ),
                    "lower the track's level (fader or clip gain, not a limiter) and export it again; if the recording itself clipped, say so in the notes",
                );
            } else if let Some(flat) = analysis.flat_top.as_ref().filter(|flat| {
                flat.runs >= params.flat_top_min_runs && flat.share <= params.flat_top_max_share
            }) {
                let first = first_at(flat.first_s);
                // A float file can hold a clipped top over full scale (clipped, then turned up).
                let (where_, how) = if flat.level_dbfs > 0.0 {
                    ("above", "clipped and then turned up, or clipped at a higher ceiling")
                } else {
                    ("below", "clipped and then turned down, or clipped at a lower ceiling")
                };
                out.report_at(
                    Some(&file.rel),
                    flat.first_s,
                    flat.last_s,
                    format!(
                        "clipped {where_} full scale: {} flat at {:+.2} dBFS, the file's peak, in {} of {} or more identical samples ({how}){first}",
                        count(flat.samples, "sample"),
                        flat.level_dbfs,
                        count(flat.runs, "run"),
                        params.min_run,
                    ),
                    "the audio was clipped before it reached this level: export it again from before the clipper or with the level into it lowered (not a lowered copy of the clipped file)",
                );
            } else if params.true_peak_over_zero && facts.sample_format == SampleFormat::Int {
                if let Some(true_peak) = analysis.true_peak_dbtp.filter(|peak| *peak > 0.0) {
                    out.report_at(
                        Some(&file.rel),
                        analysis.true_peak_s,
                        analysis.true_peak_s.map(|at| at + 0.1),
                        format!("true peak is {true_peak:+.2} dBTP: the waveform between the samples goes over full scale and clips on playback and conversion"),
                        "lower the level by at least the overshoot and export it again",
                    );
                }
            }
            if analysis.over_samples > 0 {
                // Only a float file holds samples over full scale: nothing is lost yet, but
                // every integer copy and every player clips them. Reported beside any clipping
                // (a float file can hold both).
                let peak = analysis.sample_peak_dbfs.unwrap_or(0.0).max(0.0);
                out.report_at(
                    Some(&file.rel),
                    analysis.first_over_s,
                    analysis.last_over_s,
                    format!(
                        "over full scale: {} above 0 dBFS, the peak at {peak:+.2} dBFS{}: the float file keeps them, but they clip wherever it is converted to integer or played at this level",
                        count(analysis.over_samples, "sample"),
                        first_at(analysis.first_over_s),
                    ),
                    format!(
                        "turn it down by at least {:.2} dB (lossless in float: a gain change, not a limiter) and export it again",
                        (peak * 100.0).ceil() / 100.0
                    ),
                );
            }
        }
    }
}

/// ", the first at MM:SS.mmm" for a finding's first run, or nothing.
fn first_at(at: Option<f64>) -> String {
    at.map_or(String::new(), |at| format!(", the first at {}", clock(at)))
}
