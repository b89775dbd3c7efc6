//! The null test: stems summed, minus the delivered mix, streamed in lockstep.
//!
//! Stems are printed from the same mix pass as the mix, so played together they rebuild it.
//! Summing them and subtracting the mix leaves a residual; its level against the mix's level
//! (the "null depth") says how well they rebuild it: a bit-exact null for a dry film delivery,
//! -30 dB or so for music stems printed through master-bus processing, and near 0 dB when a
//! stem was changed, shifted or left out after the mix was printed.
//!
//! This is a pipeline stage, not a rule: it reads files (rules never do). It runs inside the
//! scan, only when the profile enables `stems/sum-mismatch`, and never with `--fast`: each
//! stem and the mix are scanned on a thread of their own, and every block their analysis reads
//! is also sent, through a small bounded channel, to the lockstep sum here. So each file is
//! still read once, the analyses run in parallel, and memory stays bounded whatever the files'
//! lengths. The rule only reads the result from `Delivery::null_test`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use crate::media::{self, Block, SampleSource};
use crate::model::analysis::AnalysisSettings;
use crate::model::options::ScanMode;
use crate::model::record::{Delivery, FileIssue, FileIssueKind, FileRecord};

pub use crate::model::null_test::{Measurement, NullTest, NullTestSettings, Outcome, Suspect};

/// Frames read per step of the lockstep loop.
const STEP_FRAMES: usize = 4096;

/// Length of the windows the worst part of the residual is located with.
const WINDOW_SECONDS: f64 = 0.1;

/// A residual that follows one stem at least this closely (normalised correlation) is blamed
/// on that stem; below it, the finding stays on the mix.
const BLAME_CORRELATION: f64 = 0.3;

/// Blocks in flight per file between its scan and the lockstep sum: enough to keep both
/// busy, few enough that memory stays a few blocks per file.
pub(crate) const CHANNEL_BLOCKS: usize = 2;

/// The most files summed at once: each streams on a thread of its own with a few blocks in
/// flight, so memory grows with their number (a DME or music stem set is a handful).
pub const MAX_GROUP: usize = 64;

/// The files of one delivery that are scanned together for the null test: indexes into the
/// discovered audio list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub mix: usize,
    pub stems: Vec<usize>,
}

impl Group {
    /// Every member, the mix first.
    pub fn members(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.mix).chain(self.stems.iter().copied())
    }
}

/// The files to scan together, when the names give exactly one mix and at least one stem and
/// the headers agree on rate and channels (otherwise the files are scanned alone, and
/// `null_test` says after the scan why the test was skipped).
pub fn plan_group(audio: &[(PathBuf, String)], settings: &NullTestSettings) -> Option<Group> {
    let mut mixes = audio
        .iter()
        .enumerate()
        .filter(|(_, (_, rel))| settings.mix_pattern.matches_stem_of(rel))
        .map(|(index, _)| index);
    let mix = mixes.next()?;
    if mixes.next().is_some() {
        return None;
    }
    let stems: Vec<usize> = (0..audio.len()).filter(|&index| index != mix).collect();
    if stems.is_empty() || stems.len() + 1 > MAX_GROUP {
        return None;
    }
    let layout = |path: &Path| {
        media::guarded(|| media::open(path))
            .ok()?
            .ok()
            .map(|opened| (opened.facts.sample_rate, opened.facts.channels))
    };
    let (rate, channels) = layout(&audio[mix].0)?;
    if rate == 0 || channels == 0 {
        return None;
    }
    let agree = stems
        .iter()
        .all(|&index| layout(&audio[index].0) == Some((rate, channels)));
    agree.then_some(Group { mix, stems })
}

/// The lockstep sum's view of one file: the normalised blocks its scan sends (also the
/// diff's view of each file of a pair).
pub(crate) struct ChannelSource {
    blocks: Receiver<Vec<f64>>,
    current: Vec<f64>,
}

impl ChannelSource {
    pub(crate) fn new(blocks: Receiver<Vec<f64>>) -> Self {
        ChannelSource {
            blocks,
            current: Vec::new(),
        }
    }
}

impl SampleSource for ChannelSource {
    fn next_block(&mut self) -> Result<Option<Block<'_>>, FileIssue> {
        // A closed channel is the end of the file's stream (or its scan stopped early; the
        // records say which after the scan).
        match self.blocks.recv() {
            Ok(block) => {
                self.current = block;
                Ok(Some(Block::Double(&self.current)))
            }
            Err(_) => Ok(None),
        }
    }
}

/// A file's stream as its analysis reads it, with a normalised copy of every block sent on to
/// the lockstep sum. When the sum stops listening, the analysis goes on alone.
pub(crate) struct Tee {
    inner: Box<dyn SampleSource>,
    sender: Option<SyncSender<Vec<f64>>>,
}

impl Tee {
    pub(crate) fn new(inner: Box<dyn SampleSource>, sender: SyncSender<Vec<f64>>) -> Self {
        Tee {
            inner,
            sender: Some(sender),
        }
    }
}

impl SampleSource for Tee {
    fn next_block(&mut self) -> Result<Option<Block<'_>>, FileIssue> {
        let block = self.inner.next_block()?;
        if let (Some(block), Some(sender)) = (&block, &self.sender) {
            let mut copy = Vec::with_capacity(block.len());
            append_normalised(block, &mut copy);
            if sender.send(copy).is_err() {
                self.sender = None;
            }
        }
        Ok(block)
    }

    fn header_issue(&self) -> Option<FileIssue> {
        self.inner.header_issue()
    }
}

/// Scan the files of `group` at once, each on its own thread, and sum them in lockstep as
/// they stream: the records (in the order of `group.members()`) and the measurement, or why
/// it could not be made.
pub fn scan_group(
    audio: &[(PathBuf, String)],
    group: &Group,
    settings: &AnalysisSettings,
    done: &(dyn Fn(&str) + Sync),
) -> (Vec<FileRecord>, Result<Measurement, String>) {
    let (rate, channels) = match media::guarded(|| media::open(&audio[group.mix].0)) {
        Ok(Ok(opened)) => (opened.facts.sample_rate, opened.facts.channels),
        _ => (0, 0),
    };
    std::thread::scope(|scope| {
        let mut lanes = Vec::new();
        let mut scans = Vec::new();
        for index in group.members() {
            let (path, rel) = &audio[index];
            let (sender, blocks) = sync_channel(CHANNEL_BLOCKS);
            lanes.push(Lane::new(
                rel.clone(),
                Box::new(ChannelSource {
                    blocks,
                    current: Vec::new(),
                }),
            ));
            scans.push(scope.spawn(move || {
                let record =
                    media::scan_with(path, rel.clone(), ScanMode::Full, settings, |inner| {
                        Box::new(Tee {
                            inner,
                            sender: Some(sender),
                        })
                    });
                done(rel);
                record
            }));
        }
        let mut lanes = lanes.into_iter();
        let measured = match lanes.next() {
            Some(mix_lane) => {
                let stem_lanes: Vec<Lane> = lanes.collect();
                // The lanes (the receiving ends) are dropped when `measure` returns, panics or
                // stops early, so no scan waits on a channel nobody reads.
                media::guarded(|| measure(mix_lane, stem_lanes, usize::from(channels), rate))
                    .unwrap_or_else(|_| {
                        Err("the null test failed while summing the files".to_owned())
                    })
            }
            None => Err("no files to sum".to_owned()),
        };
        let records = scans
            .into_iter()
            .zip(group.members())
            .map(|(scan, index)| {
                scan.join().unwrap_or_else(|_| {
                    let (path, rel) = &audio[index];
                    let mut record = FileRecord::new(path.clone(), rel.clone());
                    record.issues.push(FileIssue::new(
                        FileIssueKind::Corrupt,
                        "internal error while decoding this file",
                    ));
                    record
                })
            })
            .collect();
        (records, measured)
    })
}

/// The null test's outcome for a scanned delivery: `measured` is what `scan_group` measured
/// while the files streamed (None when they were not scanned together). None when there is
/// nothing to test: no mix, or no stem.
pub fn null_test(
    delivery: &Delivery,
    settings: &NullTestSettings,
    measured: Option<Result<Measurement, String>>,
) -> Option<NullTest> {
    let mixes: Vec<&FileRecord> = delivery
        .files
        .iter()
        .filter(|file| settings.mix_pattern.matches_stem_of(&file.rel))
        .collect();
    let stems: Vec<&FileRecord> = delivery
        .files
        .iter()
        .filter(|file| !settings.mix_pattern.matches_stem_of(&file.rel))
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
    let outcome = measured.unwrap_or_else(|| {
        Err(format!(
            "the files were not streamed together: their headers disagree on rate or channels, or there are more than {MAX_GROUP}"
        ))
    });
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
    fn new(rel: String, source: Box<dyn SampleSource>) -> Lane {
        Lane {
            rel,
            source,
            pending: Vec::new(),
            start: 0,
            ended: false,
        }
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
pub(crate) fn append_normalised(block: &Block<'_>, out: &mut Vec<f64>) {
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

fn measure(
    mut mix_lane: Lane,
    mut stem_lanes: Vec<Lane>,
    channels: usize,
    rate: u32,
) -> Result<Measurement, String> {
    if channels == 0 || rate == 0 {
        return Err(format!("`{}` has no readable format", mix_lane.rel));
    }
    let window_frames = ((f64::from(rate) * WINDOW_SECONDS).round() as u64).max(1);
    let stems: Vec<String> = stem_lanes.iter().map(|lane| lane.rel.clone()).collect();

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
        suspect(&stems, &cross, &stem_energy, residual_energy)
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
    stems: &[String],
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
        stem: stems[index].clone(),
        correlation,
        gain_db,
    })
}
