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

use crate::media::simd::dot;
use crate::media::{self, Block, SampleSource};
use crate::model::analysis::AnalysisSettings;
use crate::model::options::ScanMode;
use crate::model::record::{Delivery, FileIssue, FileIssueKind, FileRecord};

pub use crate::model::null_test::{
    Explanation, Measurement, NullTest, NullTestSettings, Outcome, Suspect, FOLLOWS_CORRELATION,
};

/// Frames read per step of the lockstep loop.
const STEP_FRAMES: usize = 4096;

/// Length of the windows the worst part of the residual is located with.
const WINDOW_SECONDS: f64 = 0.1;

/// Lags searched either side of alignment, samples: a stem nudged by up to this much (1.3 ms
/// at 48 kHz) is found and named with its shift. Each lag costs one multiply-add per sample of
/// each stem.
const MAX_LAG: usize = 64;

/// Lags searched for the mix shifted as a whole against the stems' sum (an export a few
/// samples off): fewer than a stem's, since the sum is one more lane to correlate and a lane
/// costs one multiply-add per lag and sample (±8: an eighth of a stem's lane).
const SUM_LAG: usize = 8;

/// Frames of one stem correlated at every lag at once (8 KiB of samples per operand).
const LAG_PIECE: usize = 1024;

/// A residual this much under the mix or deeper is rounding or dither: it is judged by its
/// depth alone, never explained as a change.
const NOISE_FLOOR_DB: f64 = -90.0;

/// A residual whose neighbouring samples correlate less than this is white noise (rounding,
/// dither), not programme left out of the stems.
const MISSING_SMOOTHNESS: f64 = 0.5;

/// Blocks in flight per file between its scan and the lockstep sum: enough to keep both
/// busy, few enough that memory stays a few blocks per file.
pub(crate) const CHANNEL_BLOCKS: usize = 2;

/// The most files summed at once: each streams on a thread of its own with a few blocks in
/// flight, so memory grows with their number (a DME or music stem set is a handful).
pub const MAX_GROUP: usize = 64;

/// The files of one delivery that are scanned together for the null test: indexes into the
/// discovered audio list.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Position of the mix in the audio list.
    pub mix: usize,
    /// Positions of the stems summed against it.
    pub stems: Vec<usize>,
    /// How far under the residual undoing one stem's change must leave it to explain it, dB
    /// (`NullTestSettings::explained_db`).
    pub explained_db: f64,
}

impl Group {
    /// Every member, the mix first.
    pub fn members(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(self.mix).chain(self.stems.iter().copied())
    }
}

/// The files to scan together, when the names give exactly one mix and at least one stem and
/// the headers agree on rate and channels (a mono stem joins a stereo mix: it is summed as
/// centred dual-mono); otherwise the files are scanned alone, and `null_test` says after the
/// scan why the test was skipped.
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
    let agree = stems.iter().all(|&index| {
        layout(&audio[index].0).is_some_and(|(stem_rate, stem_channels)| {
            stem_rate == rate && summable(stem_channels, channels)
        })
    });
    agree.then_some(Group {
        mix,
        stems,
        explained_db: settings.explained_db,
    })
}

/// A stem of `stem` channels can be summed into a mix of `mix` channels: the same count, or a
/// mono stem in a stereo set (centred dual-mono: each sample to both channels, at unity).
fn summable(stem: u16, mix: u16) -> bool {
    stem == mix || dual_mono(stem, mix)
}

fn dual_mono(stem: u16, mix: u16) -> bool {
    stem == 1 && mix == 2
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
    let layout = |index: usize| match media::guarded(|| media::open(&audio[index].0)) {
        Ok(Ok(opened)) => (opened.facts.sample_rate, opened.facts.channels),
        _ => (0, 0),
    };
    let (rate, channels) = layout(group.mix);
    let explained_db = group.explained_db;
    std::thread::scope(|scope| {
        let mut lanes = Vec::new();
        let mut scans = Vec::new();
        for index in group.members() {
            let (path, rel) = &audio[index];
            let (sender, blocks) = sync_channel(CHANNEL_BLOCKS);
            let mut lane = Lane::new(
                rel.clone(),
                Box::new(ChannelSource {
                    blocks,
                    current: Vec::new(),
                }),
            );
            lane.dual_mono = index != group.mix && dual_mono(layout(index).1, channels);
            lanes.push(lane);
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
                media::guarded(|| {
                    measure(
                        mix_lane,
                        stem_lanes,
                        usize::from(channels),
                        rate,
                        explained_db,
                    )
                })
                .unwrap_or_else(|_| Err("the null test failed while summing the files".to_owned()))
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
/// the findings of the file and format rules. Files of different lengths are summed over the
/// length they all hold.
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
        if !summable(other.channels, facts.channels) {
            return Some(format!(
                "`{}` has {} channels and the mix {}",
                file.rel, other.channels, facts.channels
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
    /// A mono stem in a stereo set: each sample goes to both channels, at unity.
    dual_mono: bool,
    mono: Vec<f64>,
}

impl Lane {
    fn new(rel: String, source: Box<dyn SampleSource>) -> Lane {
        Lane {
            rel,
            source,
            pending: Vec::new(),
            start: 0,
            ended: false,
            dual_mono: false,
            mono: Vec::new(),
        }
    }

    /// Fill `out` with the next samples in the mix's layout (a dual-mono lane's samples
    /// doubled); fewer only at the end of the stream.
    fn read(&mut self, out: &mut [f64]) -> Result<usize, FileIssue> {
        if !self.dual_mono {
            return self.read_samples(out);
        }
        let mut mono = std::mem::take(&mut self.mono);
        mono.resize(out.len() / 2, 0.0);
        let got = self.read_samples(&mut mono);
        if let Ok(got) = got {
            for (pair, &sample) in out.chunks_exact_mut(2).zip(&mono[..got]) {
                pair[0] = sample;
                pair[1] = sample;
            }
        }
        self.mono = mono;
        got.map(|got| got * 2)
    }

    /// Fill `out` with the next samples of the file; fewer only at the end of the stream.
    fn read_samples(&mut self, out: &mut [f64]) -> Result<usize, FileIssue> {
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
    explained_db: f64,
) -> Result<Measurement, String> {
    if channels == 0 || rate == 0 {
        return Err(format!("`{}` has no readable format", mix_lane.rel));
    }
    let window_frames = ((f64::from(rate) * WINDOW_SECONDS).round() as u64).max(1);
    let stems: Vec<String> = stem_lanes.iter().map(|lane| lane.rel.clone()).collect();
    let dual_mono: Vec<String> = stem_lanes
        .iter()
        .filter(|lane| lane.dual_mono)
        .map(|lane| lane.rel.clone())
        .collect();

    let step = STEP_FRAMES * channels;
    let mut mix_buffer = vec![0.0; step];
    let mut stem_buffers = vec![vec![0.0; step]; stem_lanes.len()];
    let mut residual = vec![0.0; step];
    // The stems' sum, searched at every lag as one more lane where there are two stems or
    // more: a mix shifted, re-levelled or inverted as a whole is its change, not one stem's.
    let whole = stem_lanes.len() >= 2;
    let mut sum_buffer = vec![0.0; if whole { step } else { 0 }];

    let mut frames = 0u64;
    let mut sums = Sums::new(stem_lanes.len(), channels);
    let mut lags = LagSearch::new(
        stem_lanes.len() + usize::from(whole),
        usize::from(whole),
        channels,
    );
    let (mut window_energy, mut window_filled, mut window_index) = (0.0, 0u64, 0u64);
    let mut worst: Option<(f64, u64, u64)> = None;

    let failed = |lane: &Lane, issue: FileIssue| {
        format!("`{}` failed while streaming: {}", lane.rel, issue.message)
    };
    // Files of different lengths (the length rule's finding) are summed over the length they
    // all hold, from their common start: one run then reports both.
    let mut lengths_differ = false;
    loop {
        let mix_got = mix_lane
            .read(&mut mix_buffer)
            .map_err(|issue| failed(&mix_lane, issue))?;
        let mut got = mix_got;
        for (lane, buffer) in stem_lanes.iter_mut().zip(&mut stem_buffers) {
            let stem_got = lane.read(buffer).map_err(|issue| failed(lane, issue))?;
            lengths_differ |= stem_got != mix_got;
            got = got.min(stem_got);
        }
        // Whole frames of the mix's layout only.
        got -= got % channels;
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
        sums.push(&residual[..got], &mix_buffer[..got], &stem_buffers, got);
        let mut lanes: Vec<&[f64]> = stem_buffers.iter().map(|buffer| &buffer[..got]).collect();
        if whole {
            for ((sum, r), m) in sum_buffer[..got]
                .iter_mut()
                .zip(&residual[..got])
                .zip(&mix_buffer[..got])
            {
                *sum = r + m;
            }
            lanes.push(&sum_buffer[..got]);
        }
        lags.push(&residual[..got], &lanes, got);
        for frame_samples in residual[..got].chunks_exact(channels) {
            window_energy += frame_samples.iter().map(|r| r * r).sum::<f64>();
            window_filled += 1;
            if window_filled == window_frames {
                close_window(&mut worst, window_energy, window_filled, window_index);
                window_energy = 0.0;
                window_filled = 0;
                window_index += 1;
            }
        }
        frames += (got / channels) as u64;
        if lengths_differ {
            // The shortest file has ended: what the others hold beyond it is not summed.
            break;
        }
    }
    if window_filled > 0 {
        close_window(&mut worst, window_energy, window_filled, window_index);
    }
    lags.finish();

    let samples = (frames * channels as u64).max(1) as f64;
    let mix_rms = (sums.mix_energy / samples).sqrt();
    // Against the mix's level; a silent mix has none, so full scale stands in.
    let reference = if mix_rms > 0.0 { mix_rms } else { 1.0 };
    let bit_exact = sums.residual_energy == 0.0;
    let residual_rms = (sums.residual_energy / samples).sqrt();
    let null_depth_db = (!bit_exact).then(|| db(residual_rms / reference));
    let worst = worst.filter(|_| !bit_exact);
    let seconds = |frame: u64| frame as f64 / f64::from(rate.max(1));
    // With one stem the sum is that stem: only two or more have a sum of their own.
    let sum_correlation = (whole && !bit_exact)
        .then(|| correlation(sums.residual_sum, sums.sum_energy, sums.residual_energy));
    let (suspect, explanation) = match null_depth_db {
        None => (None, None),
        Some(depth) => (
            suspect(&stems, &sums, sum_correlation),
            explain(&stems, &sums, &lags, explained_db, depth),
        ),
    };
    Ok(Measurement {
        frames,
        sample_rate: rate,
        bit_exact,
        mix_rms_dbfs: (mix_rms > 0.0).then(|| db(mix_rms)),
        null_depth_db,
        residual_peak_db: (!bit_exact).then(|| db(sums.residual_peak / reference)),
        worst_window_s: worst.map(|(_, index, _)| seconds(index * window_frames)),
        worst_window_end_s: worst.map(|(_, index, filled)| seconds(index * window_frames + filled)),
        worst_window_db: worst.map(|(rms, _, _)| db(rms / reference)),
        suspect,
        sum_correlation,
        explanation,
        dual_mono,
        lengths_differ,
    })
}

/// Keep the window with the highest residual RMS (the first of equals): its RMS, index and
/// length in frames.
fn close_window(worst: &mut Option<(f64, u64, u64)>, energy: f64, frames: u64, index: u64) {
    let rms = (energy / frames as f64).sqrt();
    if worst.is_none_or(|(best, _, _)| rms > best) {
        *worst = Some((rms, index, frames));
    }
}

/// Sums over the whole length, aligned: energies and dot products of the residual `r`, the
/// mix `m`, each stem `s_k` and their sum `S = r + m`.
struct Sums {
    channels: usize,
    mix_energy: f64,
    residual_energy: f64,
    residual_peak: f64,
    /// Σ r(t)·r(t-1), per channel: how smooth the residual is (white noise: about 0).
    residual_neighbours: f64,
    previous: Vec<f64>,
    /// Σ S², Σ r·S.
    sum_energy: f64,
    residual_sum: f64,
    /// Per stem: Σ s², Σ r·s, Σ s·S.
    stem_energy: Vec<f64>,
    residual_stem: Vec<f64>,
    stem_sum: Vec<f64>,
}

impl Sums {
    fn new(stems: usize, channels: usize) -> Sums {
        Sums {
            channels,
            mix_energy: 0.0,
            residual_energy: 0.0,
            residual_peak: 0.0,
            residual_neighbours: 0.0,
            previous: vec![0.0; channels],
            sum_energy: 0.0,
            residual_sum: 0.0,
            stem_energy: vec![0.0; stems],
            residual_stem: vec![0.0; stems],
            stem_sum: vec![0.0; stems],
        }
    }

    fn push(&mut self, residual: &[f64], mix: &[f64], stems: &[Vec<f64>], got: usize) {
        for (index, stem) in stems.iter().enumerate() {
            let (mut energy, mut with_residual, mut with_sum) = (0.0, 0.0, 0.0);
            for ((&s, &r), &m) in stem[..got].iter().zip(residual).zip(mix) {
                energy += s * s;
                with_residual += r * s;
                with_sum += s * (r + m);
            }
            self.stem_energy[index] += energy;
            self.residual_stem[index] += with_residual;
            self.stem_sum[index] += with_sum;
        }
        for (frame, mix_frame) in residual
            .chunks_exact(self.channels)
            .zip(mix.chunks_exact(self.channels))
        {
            for ((&r, &m), previous) in frame.iter().zip(mix_frame).zip(&mut self.previous) {
                let sum = r + m;
                self.mix_energy += m * m;
                self.residual_energy += r * r;
                self.residual_peak = self.residual_peak.max(r.abs());
                self.residual_neighbours += r * *previous;
                *previous = r;
                self.sum_energy += sum * sum;
                self.residual_sum += r * sum;
            }
        }
    }
}

/// For each stem `s` and lag `d` in -MAX_LAG..=MAX_LAG, the sums that give in closed form how
/// much of the residual is left when the stem in the mix is taken as `a·s(t - d)` with the
/// best `a`. With `q = r - s` (the residual without the stem: the mix's version of it,
/// negated), undoing the change leaves `q + a·s(t - d)`, whose energy
/// `Σq² + 2a·Σq·s(t-d) + a²·Σs²` is least at `a = -Σq·s(t-d) / Σs²`.
///
/// Accumulated per step with bounded memory: per channel, the residual runs MAX_LAG samples
/// behind the stems, whose last 2·MAX_LAG samples are kept, so every lag of every residual
/// sample is one dot product over contiguous samples.
struct LagSearch {
    channels: usize,
    /// Per channel: the residual's last MAX_LAG samples, then the step's.
    residual: Vec<Vec<f64>>,
    /// Per stem and channel: the stem's last 2·MAX_LAG samples, then the step's.
    stems: Vec<Vec<Vec<f64>>>,
    scratch: Vec<f64>,
    /// Per stem: Σq² and Σq·s(t - d) at index d + MAX_LAG.
    others_energy: Vec<f64>,
    lagged: Vec<[f64; 2 * MAX_LAG + 1]>,
    /// Lanes from this index on (the stems' sum) are read at ±SUM_LAG only.
    narrow_from: usize,
}

impl LagSearch {
    /// `stems` lanes, the last `narrow` of them read at ±SUM_LAG only.
    fn new(stems: usize, narrow: usize, channels: usize) -> LagSearch {
        LagSearch {
            channels,
            residual: vec![vec![0.0; MAX_LAG]; channels],
            stems: vec![vec![vec![0.0; 2 * MAX_LAG]; channels]; stems],
            scratch: Vec::new(),
            others_energy: vec![0.0; stems],
            lagged: vec![[0.0; 2 * MAX_LAG + 1]; stems],
            narrow_from: stems.saturating_sub(narrow),
        }
    }

    /// Take in a step of interleaved samples (`got` of each).
    fn push(&mut self, residual: &[f64], stems: &[&[f64]], got: usize) {
        let channels = self.channels;
        for channel in 0..channels {
            let history = &mut self.residual[channel];
            history.extend(residual[..got].iter().skip(channel).step_by(channels));
            for (index, stem) in stems.iter().enumerate() {
                self.stems[index][channel]
                    .extend(stem[..got].iter().skip(channel).step_by(channels));
            }
        }
        self.correlate(got / channels);
    }

    /// The lags either side that lane `index` is read at.
    fn reach(&self, index: usize) -> usize {
        if index >= self.narrow_from {
            SUM_LAG
        } else {
            MAX_LAG
        }
    }

    /// Run the residual's last MAX_LAG samples through, against silence after the stems' end.
    fn finish(&mut self) {
        for history in &mut self.residual {
            history.extend(std::iter::repeat_n(0.0, MAX_LAG));
        }
        for stem in &mut self.stems {
            for history in stem {
                history.extend(std::iter::repeat_n(0.0, MAX_LAG));
            }
        }
        self.correlate(MAX_LAG);
    }

    fn correlate(&mut self, frames: usize) {
        for channel in 0..self.channels {
            let residual = &self.residual[channel];
            for (index, stem) in self.stems.iter().enumerate() {
                let stem = &stem[channel];
                // In pieces that stay in the L1 cache while every lag reads them.
                for piece in (0..frames).step_by(LAG_PIECE) {
                    let len = LAG_PIECE.min(frames - piece);
                    // q(τ) = r(τ) - s(τ); the residual's sample i is the stem's MAX_LAG + i.
                    self.scratch.clear();
                    self.scratch.extend(
                        residual[piece..piece + len]
                            .iter()
                            .zip(&stem[MAX_LAG + piece..MAX_LAG + piece + len])
                            .map(|(r, s)| r - s),
                    );
                    self.others_energy[index] += dot(&self.scratch, &self.scratch);
                    let reach = self.reach(index);
                    for (slot, lagged) in self.lagged[index]
                        .iter_mut()
                        .enumerate()
                        .skip(MAX_LAG - reach)
                        .take(2 * reach + 1)
                    {
                        // Lag d = slot - MAX_LAG: s(τ - d) is the stem's sample
                        // MAX_LAG + i - d.
                        let start = 2 * MAX_LAG - slot + piece;
                        *lagged += dot(&self.scratch, &stem[start..start + len]);
                    }
                }
            }
        }
        for history in &mut self.residual {
            history.drain(..history.len() - MAX_LAG);
        }
        for stem in &mut self.stems {
            for history in stem {
                history.drain(..history.len() - 2 * MAX_LAG);
            }
        }
    }
}

/// Normalised correlation of two signals from their dot product and energies; 0 when either
/// is silent.
fn correlation(dot: f64, energy_a: f64, energy_b: f64) -> f64 {
    if energy_a > 0.0 && energy_b > 0.0 {
        (dot / (energy_a * energy_b).sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// The stem whose signal the residual follows most closely, when the correlation is clear
/// and closer than the residual's with the stems' sum (`whole`).
fn suspect(stems: &[String], sums: &Sums, whole: Option<f64>) -> Option<Suspect> {
    let (index, correlation) = sums
        .residual_stem
        .iter()
        .zip(&sums.stem_energy)
        .map(|(&dot, &energy)| correlation(dot, energy, sums.residual_energy))
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    // Below it, the finding stays on the mix.
    if correlation.abs() < FOLLOWS_CORRELATION {
        return None;
    }
    // A residual that follows the stems' sum as closely is the mix's change (a gain, bus
    // processing), not this stem's.
    if whole.is_some_and(|whole| whole.abs() >= correlation.abs()) {
        return None;
    }
    // residual ≈ c·stem means the mix holds (1 - c)·stem: the delivered stem is 1/(1 - c)
    // times the one in the mix. Only meaningful when the residual is nearly all that.
    let coefficient = sums.residual_stem[index] / sums.stem_energy[index];
    let gain_db = (correlation.abs() > 0.99 && coefficient < 1.0).then(|| -db(1.0 - coefficient));
    Some(Suspect {
        stem: stems[index].clone(),
        correlation,
        gain_db,
    })
}

/// What the residual is, tried in order: one stem, or the mix as a whole, shifted, re-levelled
/// or inverted (undoing it leaves `explained_db` or less of the residual); one stem replaced (part of the residual is
/// in that stem, none in the others); part of the mix in no stem (no part of the residual is
/// in any stem, and it is not white noise). Nothing under the noise floor.
fn explain(
    stems: &[String],
    sums: &Sums,
    lags: &LagSearch,
    explained_db: f64,
    depth_db: f64,
) -> Option<Explanation> {
    if depth_db <= NOISE_FLOOR_DB {
        return None;
    }
    let residual = sums.residual_energy;
    // The share of the residual's energy that may be left once it is explained.
    let left = 10f64.powf(-explained_db.abs() / 10.0);

    // Each stem, then (with two stems or more) the stems' sum: the lane that leaves least.
    let mut best: Option<(f64, usize, usize, f64)> = None;
    for (index, lagged) in lags.lagged.iter().enumerate() {
        let energy = sums
            .stem_energy
            .get(index)
            .copied()
            .unwrap_or(sums.sum_energy);
        if energy <= 0.0 {
            continue;
        }
        let reach = lags.reach(index);
        for (slot, &dot) in lagged
            .iter()
            .enumerate()
            .skip(MAX_LAG - reach)
            .take(2 * reach + 1)
        {
            let remaining = (lags.others_energy[index] - dot * dot / energy).max(0.0);
            if best.is_none_or(|(least, ..)| remaining < least) {
                best = Some((remaining, index, slot, -dot / energy));
            }
        }
    }
    if let Some((remaining, index, slot, scale)) = best {
        // A change too small to name (no shift, under 0.005 dB) explains nothing.
        let lag = slot as i64 - MAX_LAG as i64;
        let gain_db = -db(scale.abs());
        let named = lag != 0 || scale < 0.0 || gain_db.abs() >= 0.005;
        if remaining <= left * residual && scale != 0.0 && named {
            let remaining_db = 10.0 * (remaining.max(f64::MIN_POSITIVE) / residual).log10();
            if index == stems.len() {
                // The mix is scale·S(t - d): d samples late, |scale| times as loud.
                return Some(Explanation::Mix {
                    delay_samples: lag,
                    gain_db: -gain_db,
                    inverted: scale < 0.0,
                    remaining_db,
                });
            }
            // The mix holds scale·s(t - d): the delivered stem is d samples early, and
            // 1/|scale| times as loud.
            return Some(Explanation::Altered {
                stem: stems[index].clone(),
                delay_samples: -lag,
                gain_db,
                inverted: scale < 0.0,
                remaining_db,
            });
        }
    }

    // Where the residual's energy lies: ρ_k = Σr·s_k / Σr² is the share of it the delivered
    // stem k holds (a replaced stem: the new print's part; a stem with an effect added: all of
    // it), ρ = Σr·S / Σr² the share the stems hold together. A part of the mix no stem holds
    // has ρ near 0; bus processing of the sum has ρ spread over the stems (and far above 1:
    // the sum is much louder than what the processing changed).
    let tolerance = left.sqrt();
    let share = |dot: f64| dot / residual;
    let (index, stem_share) = sums
        .residual_stem
        .iter()
        .map(|&dot| share(dot))
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    let stems_share = share(sums.residual_sum);
    if stem_share >= tolerance {
        return ((stems_share - stem_share).abs() <= tolerance).then(|| Explanation::Replaced {
            stem: stems[index].clone(),
            share: stem_share,
        });
    }
    let smoothness = sums.residual_neighbours / residual;
    (stems_share.abs() <= tolerance
        && stem_share.abs() <= tolerance
        && smoothness >= MISSING_SMOOTHNESS)
        .then_some(Explanation::Missing)
}
