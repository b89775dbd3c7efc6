//! The null test: stems summed, minus the delivered mix, streamed in lockstep.
//!
//! Stems are printed from the same mix pass as the mix, so played together they rebuild it.
//! Summing them and subtracting the mix leaves a residual; its level against the mix's level
//! (the "null depth") says how well they rebuild it: a bit-exact null for a dry film delivery,
//! -30 dB or so for music stems printed through master-bus processing, and near 0 dB when a
//! stem was changed, shifted or left out after the mix was printed.
//!
//! This is a pipeline stage, not a rule: it opens files (rules never do). It runs after the
//! scan, only when the profile enables `stems/sum-mismatch`, and never with `--fast`; the rule
//! only reads the result from `Delivery::null_test`. Memory stays bounded: every source is
//! read block by block into a small carry buffer, whatever the files' lengths.

use serde::{Deserialize, Serialize};

use crate::media::{self, Block, SampleSource};
use crate::record::{Delivery, FileIssue, FileRecord};
use crate::rules::util::Pattern;

/// The rule id whose level and parameters control the null test.
pub const RULE_ID: &str = "stems/sum-mismatch";

/// What marks a reference mix, matched against the file name without its extension: a word
/// `Mix`, `Master`, `PrintMaster`, `PM`, `FullMix` between separators (`AB_Song_Mix_48k24`).
pub const DEFAULT_MIX_PATTERN: &str =
    r"(?i)(^|[_ .-])(mix|master|printmaster|print_master|pm|fullmix|full_mix)([_ .-]|$)";

/// Frames read per step of the lockstep loop.
const STEP_FRAMES: usize = 4096;

/// Length of the windows the worst part of the residual is located with.
const WINDOW_SECONDS: f64 = 0.1;

/// A residual that follows one stem at least this closely (normalised correlation) is blamed
/// on that stem; below it, the finding stays on the mix.
const BLAME_CORRELATION: f64 = 0.3;

/// Parameters of `stems/sum-mismatch` (the null test reads them too).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// A null depth (residual RMS against the mix RMS, dB) above this is a finding.
    pub threshold_db: f64,
    /// Regular expression over the file stem that marks the reference mix.
    pub(crate) mix_pattern: Pattern,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            threshold_db: -40.0,
            mix_pattern: Pattern::new(DEFAULT_MIX_PATTERN),
        }
    }
}

/// True when `file` is a reference mix, not a stem.
pub(crate) fn is_mix(file: &FileRecord, pattern: &Pattern) -> bool {
    pattern.0.is_match(file.stem())
}

/// The outcome of the null test of one delivery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NullTest {
    /// The mix the stems were compared with (relative path).
    pub mix: String,
    /// The stems summed (relative paths, sorted).
    pub stems: Vec<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Measured(Measurement),
    /// The files cannot be summed sample by sample; `reason` says why.
    Skipped {
        reason: String,
    },
}

/// Levels of the residual `sum(stems) - mix`, in f64 full-scale units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub frames: u64,
    pub sample_rate: u32,
    /// Every residual sample is exactly zero.
    pub bit_exact: bool,
    /// RMS of the mix over all channels, dBFS; None when the mix is digital silence.
    pub mix_rms_dbfs: Option<f64>,
    /// Residual RMS against the mix RMS (against full scale when the mix is silent), dB;
    /// None when bit-exact. This is the null depth the threshold applies to.
    pub null_depth_db: Option<f64>,
    /// Residual sample peak against the mix RMS, dB; None when bit-exact.
    pub residual_peak_db: Option<f64>,
    /// Start of the 100 ms window with the loudest residual, seconds; None when bit-exact.
    pub worst_window_s: Option<f64>,
    /// That window's residual RMS against the mix RMS, dB.
    pub worst_window_db: Option<f64>,
    /// The stem the residual resembles most, when it clearly resembles one.
    pub suspect: Option<Suspect>,
}

/// A stem the residual follows: likely the one changed after the mix was printed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspect {
    pub stem: String,
    /// Normalised correlation of the residual with the stem, -1..1.
    pub correlation: f64,
    /// When the residual is (nearly) a scaled copy of the stem: how much louder (+) or
    /// quieter (-) the delivered stem is than the one in the mix, dB.
    pub gain_db: Option<f64>,
}

/// Run the null test when the delivery holds exactly one mix and at least one stem. None
/// when there is nothing to test. Never panics: a decoder panic skips the test.
pub fn null_test(delivery: &Delivery, params: &Params) -> Option<NullTest> {
    let mixes: Vec<&FileRecord> = delivery
        .files
        .iter()
        .filter(|file| is_mix(file, &params.mix_pattern))
        .collect();
    let stems: Vec<&FileRecord> = delivery
        .files
        .iter()
        .filter(|file| !is_mix(file, &params.mix_pattern))
        .collect();
    let mix = *mixes.first()?;
    if stems.is_empty() {
        return None;
    }
    let skipped = |reason: String| {
        Some(NullTest {
            mix: mix.rel.clone(),
            stems: stems.iter().map(|stem| stem.rel.clone()).collect(),
            outcome: Outcome::Skipped { reason },
        })
    };
    if mixes.len() > 1 {
        let names: Vec<String> = mixes.iter().map(|file| format!("`{}`", file.rel)).collect();
        return skipped(format!(
            "{} files look like mixes ({}): the null test needs exactly one; narrow `mix_pattern`",
            mixes.len(),
            names.join(", ")
        ));
    }
    if let Some(reason) = incompatibility(mix, &stems) {
        return skipped(reason);
    }
    let outcome = media::guarded(|| measure(mix, &stems))
        .unwrap_or_else(|_| Err("a decoder failed while streaming the files".to_owned()));
    match outcome {
        Ok(measurement) => Some(NullTest {
            mix: mix.rel.clone(),
            stems: stems.iter().map(|stem| stem.rel.clone()).collect(),
            outcome: Outcome::Measured(measurement),
        }),
        Err(reason) => skipped(reason),
    }
}

/// Why the files cannot be summed sample by sample, if they cannot. The causes themselves are
/// the findings of the file, format and length rules.
fn incompatibility(mix: &FileRecord, stems: &[&FileRecord]) -> Option<String> {
    let all = std::iter::once(mix).chain(stems.iter().copied());
    for file in all.clone() {
        if !file.is_sound() {
            return Some(format!("`{}` did not decode cleanly", file.rel));
        }
    }
    let facts = mix.facts.as_ref()?;
    for file in all {
        let other = file.facts.as_ref()?;
        if other.sample_rate != facts.sample_rate {
            return Some(format!(
                "`{}` is at {} Hz and the mix at {} Hz",
                file.rel, other.sample_rate, facts.sample_rate
            ));
        }
        if other.channels != facts.channels {
            return Some(format!(
                "`{}` has {} channels and the mix {}",
                file.rel, other.channels, facts.channels
            ));
        }
        if other.frames != facts.frames {
            return Some(format!(
                "`{}` is {} frames long and the mix {}",
                file.rel, other.frames, facts.frames
            ));
        }
    }
    if facts.frames == 0 || facts.channels == 0 {
        return Some("the mix holds no audio".to_owned());
    }
    None
}

/// One source read in steps of whole frames, whatever its decoder's block size: the part of a
/// block a step does not take waits in `pending` for the next step.
struct Lane {
    rel: String,
    source: Box<dyn SampleSource>,
    pending: Vec<f64>,
    start: usize,
    ended: bool,
}

impl Lane {
    fn open(file: &FileRecord) -> Result<Lane, String> {
        let opened = media::open(&file.path)
            .map_err(|issue| format!("`{}` cannot be reopened: {}", file.rel, issue.message))?;
        Ok(Lane {
            rel: file.rel.clone(),
            source: opened.source,
            pending: Vec::new(),
            start: 0,
            ended: false,
        })
    }

    /// Fill `out` with the next samples; fewer only at the end of the stream.
    fn read(&mut self, out: &mut [f64]) -> Result<usize, FileIssue> {
        let mut written = 0;
        while written < out.len() {
            if self.start < self.pending.len() {
                let take = (out.len() - written).min(self.pending.len() - self.start);
                out[written..written + take]
                    .copy_from_slice(&self.pending[self.start..self.start + take]);
                written += take;
                self.start += take;
                continue;
            }
            if self.ended {
                break;
            }
            self.pending.clear();
            self.start = 0;
            match self.source.next_block()? {
                None => self.ended = true,
                Some(block) => append_normalised(&block, &mut self.pending),
            }
        }
        Ok(written)
    }
}

/// Samples as f64 full-scale units: integers divided by 2^(bits-1).
fn append_normalised(block: &Block<'_>, out: &mut Vec<f64>) {
    match *block {
        Block::Int { samples, bits } => {
            let scale = 1.0 / (1u64 << bits.clamp(1, 63).saturating_sub(1)) as f64;
            out.extend(samples.iter().map(|&sample| f64::from(sample) * scale));
        }
        Block::Float(samples) => out.extend(samples.iter().map(|&sample| f64::from(sample))),
        Block::Double(samples) => out.extend_from_slice(samples),
    }
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

fn measure(mix: &FileRecord, stems: &[&FileRecord]) -> Result<Measurement, String> {
    let facts = mix
        .facts
        .as_ref()
        .ok_or_else(|| format!("`{}` has no format facts", mix.rel))?;
    let channels = usize::from(facts.channels);
    let rate = facts.sample_rate;
    let window_frames = ((f64::from(rate) * WINDOW_SECONDS).round() as u64).max(1);

    let mut mix_lane = Lane::open(mix)?;
    let mut stem_lanes = stems
        .iter()
        .map(|stem| Lane::open(stem))
        .collect::<Result<Vec<_>, _>>()?;

    let step = STEP_FRAMES * channels;
    let mut mix_buffer = vec![0.0; step];
    let mut stem_buffers = vec![vec![0.0; step]; stem_lanes.len()];
    let mut residual = vec![0.0; step];

    let mut frames = 0u64;
    let mut mix_energy = 0.0;
    let mut residual_energy = 0.0;
    let mut residual_peak = 0.0f64;
    // Per stem: residual·stem and stem·stem, to find the stem the residual follows.
    let mut cross = vec![0.0; stem_lanes.len()];
    let mut stem_energy = vec![0.0; stem_lanes.len()];
    let (mut window_energy, mut window_filled, mut window_index) = (0.0, 0u64, 0u64);
    let mut worst: Option<(f64, u64)> = None;

    let failed = |lane: &Lane, issue: FileIssue| {
        format!("`{}` failed while streaming: {}", lane.rel, issue.message)
    };
    loop {
        let got = mix_lane
            .read(&mut mix_buffer)
            .map_err(|issue| failed(&mix_lane, issue))?;
        for (lane, buffer) in stem_lanes.iter_mut().zip(&mut stem_buffers) {
            let stem_got = lane.read(buffer).map_err(|issue| failed(lane, issue))?;
            if stem_got != got {
                return Err(format!(
                    "`{}` ended at another point than the mix while streaming",
                    lane.rel
                ));
            }
        }
        if got == 0 {
            break;
        }
        residual[..got].iter_mut().enumerate().for_each(|(i, r)| {
            *r = -mix_buffer[i];
        });
        for buffer in &stem_buffers {
            for (r, s) in residual[..got].iter_mut().zip(&buffer[..got]) {
                *r += s;
            }
        }
        for (index, buffer) in stem_buffers.iter().enumerate() {
            for (r, s) in residual[..got].iter().zip(&buffer[..got]) {
                cross[index] += r * s;
                stem_energy[index] += s * s;
            }
        }
        for (frame_samples, mix_frame) in residual[..got]
            .chunks_exact(channels)
            .zip(mix_buffer[..got].chunks_exact(channels))
        {
            for (&r, &m) in frame_samples.iter().zip(mix_frame) {
                mix_energy += m * m;
                residual_energy += r * r;
                residual_peak = residual_peak.max(r.abs());
                window_energy += r * r;
            }
            window_filled += 1;
            if window_filled == window_frames {
                close_window(&mut worst, window_energy, window_filled, window_index);
                window_energy = 0.0;
                window_filled = 0;
                window_index += 1;
            }
        }
        frames += (got / channels) as u64;
    }
    if window_filled > 0 {
        close_window(&mut worst, window_energy, window_filled, window_index);
    }

    let samples = (frames * channels as u64).max(1) as f64;
    let mix_rms = (mix_energy / samples).sqrt();
    // Against the mix's level; a silent mix has none, so full scale stands in.
    let reference = if mix_rms > 0.0 { mix_rms } else { 1.0 };
    let bit_exact = residual_energy == 0.0;
    let residual_rms = (residual_energy / samples).sqrt();
    let worst = worst.filter(|_| !bit_exact);
    let suspect = if bit_exact {
        None
    } else {
        suspect(stems, &cross, &stem_energy, residual_energy)
    };
    Ok(Measurement {
        frames,
        sample_rate: rate,
        bit_exact,
        mix_rms_dbfs: (mix_rms > 0.0).then(|| db(mix_rms)),
        null_depth_db: (!bit_exact).then(|| db(residual_rms / reference)),
        residual_peak_db: (!bit_exact).then(|| db(residual_peak / reference)),
        worst_window_s: worst
            .map(|(_, index)| (index * window_frames) as f64 / f64::from(rate.max(1))),
        worst_window_db: worst.map(|(rms, _)| db(rms / reference)),
        suspect,
    })
}

/// Keep the window with the highest residual RMS (the first of equals).
fn close_window(worst: &mut Option<(f64, u64)>, energy: f64, frames: u64, index: u64) {
    let rms = (energy / frames as f64).sqrt();
    if worst.is_none_or(|(best, _)| rms > best) {
        *worst = Some((rms, index));
    }
}

/// The stem whose signal the residual follows most closely, when the correlation is clear.
fn suspect(
    stems: &[&FileRecord],
    cross: &[f64],
    stem_energy: &[f64],
    residual_energy: f64,
) -> Option<Suspect> {
    let (index, correlation) = cross
        .iter()
        .zip(stem_energy)
        .map(|(&dot, &energy)| {
            if energy > 0.0 && residual_energy > 0.0 {
                dot / (energy * residual_energy).sqrt()
            } else {
                0.0
            }
        })
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    if correlation.abs() < BLAME_CORRELATION {
        return None;
    }
    // residual ≈ c·stem means the mix holds (1 - c)·stem: the delivered stem is 1/(1 - c)
    // times the one in the mix. Only meaningful when the residual is nearly all that.
    let coefficient = cross[index] / stem_energy[index];
    let gain_db = (correlation.abs() > 0.99 && coefficient < 1.0).then(|| -db(1.0 - coefficient));
    Some(Suspect {
        stem: stems[index].rel.clone(),
        correlation,
        gain_db,
    })
}
