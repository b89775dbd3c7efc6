//! The lockstep comparison of one pair of files, streaming both with bounded memory.
//!
//! The first seconds of each file are held in memory (a probe of `3 × MAX_LAG` plus an
//! anchor): on them the comparator finds how far NEW is shifted against OLD (the lag), first
//! trying none, then searching an energetic anchor of OLD in NEW, coarsely on a 4× decimated
//! downmix and then to the sample. Then both files stream from their start, OLD skipping
//! `lag` frames (or NEW `-lag`), and every aligned sample pair is compared: exact equality,
//! the least-squares gain of NEW over OLD, and, per 100 ms window of NEW, the residual after
//! the probe's gain, which marks the ranges where the audio differs. Memory: the probes and
//! one step per file, whatever the files' lengths.

use crate::media::SampleSource;
use crate::stems::append_normalised;

/// The largest shift between the two files that is searched, seconds.
pub(crate) const MAX_LAG_SECONDS: f64 = 2.0;

/// Frames compared per step of the lockstep loop.
const STEP_FRAMES: usize = 4096;

/// Windows the differing ranges are located with, seconds.
const WINDOW_SECONDS: f64 = 0.1;

/// Frames of OLD searched for in NEW when the files do not line up as they are.
const ANCHOR_FRAMES: usize = 4096;

/// The coarse lag search runs on a downmix averaged over this many frames.
const DECIMATION: usize = 4;

/// A window differs when its residual is above both this fraction of its level (-50 dB)…
const RELATIVE_FLOOR: f64 = 0.003_162_277_660_168_379_5;
/// …and this absolute level (-90 dBFS, under which 16-bit requantisation lies).
const ABSOLUTE_FLOOR: f64 = 3.162_277_660_168_379_5e-5;

/// At most this many differing ranges are kept (the first ones).
const MAX_RANGES: usize = 32;

/// What the lockstep comparison found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Compared {
    pub old_frames: u64,
    pub new_frames: u64,
    /// NEW's frame `t` holds OLD's frame `t + lag`.
    pub lag: i64,
    /// Same length, no lag, every sample equal.
    pub bit_identical: bool,
    /// Every compared sample equal (the overlap only).
    pub overlap_identical: bool,
    /// Least-squares gain of NEW over OLD on the overlap (1 when OLD is silent).
    pub gain: f64,
    /// Residual after the gain against OLD's level over the overlap, dB (None when exact).
    pub residual_db: Option<f64>,
    /// Correlation of the two over the overlap (None when either is silent).
    pub correlation: Option<f64>,
    /// Frame ranges of NEW where the audio differs beyond the gain.
    pub ranges: Vec<(u64, u64)>,
    /// The frames NEW has beyond OLD at its head and at its tail are digital silence.
    pub new_head_silent: bool,
    pub new_tail_silent: bool,
}

/// One file read in steps of whole frames: first what the probe holds, then the stream.
struct Stream {
    source: Box<dyn SampleSource>,
    channels: usize,
    pending: Vec<f64>,
    start: usize,
    ended: bool,
    probe: Vec<f64>,
    probe_start: usize,
    frames: u64,
}

impl Stream {
    fn new(source: Box<dyn SampleSource>, channels: usize) -> Self {
        Stream {
            source,
            channels,
            pending: Vec::new(),
            start: 0,
            ended: false,
            probe: Vec::new(),
            probe_start: 0,
            frames: 0,
        }
    }

    /// Samples from the source itself.
    fn pull(&mut self, out: &mut [f64]) -> Result<usize, String> {
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
            match self.source.next_block().map_err(|issue| issue.message)? {
                None => self.ended = true,
                Some(block) => append_normalised(&block, &mut self.pending),
            }
        }
        Ok(written - written % self.channels)
    }

    /// Hold the first `frames` frames in memory.
    fn fill_probe(&mut self, frames: usize) -> Result<(), String> {
        let mut probe = vec![0.0; frames * self.channels];
        let got = self.pull(&mut probe)?;
        probe.truncate(got);
        self.probe = probe;
        Ok(())
    }

    /// The next samples (whole frames), from the probe first; fewer only at the end.
    fn read(&mut self, out: &mut [f64]) -> Result<usize, String> {
        let from_probe = (self.probe.len() - self.probe_start).min(out.len());
        out[..from_probe]
            .copy_from_slice(&self.probe[self.probe_start..self.probe_start + from_probe]);
        self.probe_start += from_probe;
        let got = from_probe + self.pull(&mut out[from_probe..])?;
        self.frames += (got / self.channels) as u64;
        Ok(got)
    }
}

/// Compare OLD and NEW, which have the same channel count and rate.
pub(crate) fn compare(
    old: Box<dyn SampleSource>,
    new: Box<dyn SampleSource>,
    channels: usize,
    rate: u32,
) -> Result<Compared, String> {
    if channels == 0 || rate == 0 {
        return Err("no readable format".to_owned());
    }
    let mut old = Stream::new(old, channels);
    let mut new = Stream::new(new, channels);
    let max_lag = (MAX_LAG_SECONDS * f64::from(rate)) as usize;
    let probe_frames = 3 * max_lag + ANCHOR_FRAMES;
    old.fill_probe(probe_frames)?;
    new.fill_probe(probe_frames)?;
    let old_mono = downmix(&old.probe, channels);
    let new_mono = downmix(&new.probe, channels);
    let lag = find_lag(&old_mono, &new_mono, max_lag);
    let window = ((f64::from(rate) * WINDOW_SECONDS).round() as usize).max(1);
    let probe_gain = median_gain(&old_mono, &new_mono, lag, window);

    // Skip the frames of one file that precede the other's start.
    let (old_skip, new_skip) = (lag.max(0) as u64, (-lag).max(0) as u64);
    skip(&mut old, old_skip)?;
    let new_head_silent = skip(&mut new, new_skip)?;

    let step = STEP_FRAMES * channels;
    let (mut old_buffer, mut new_buffer) = (vec![0.0; step], vec![0.0; step]);
    let mut sums = Sums::default();
    let mut windows = Windows::new(window as u64, new_skip);
    let mut overlap_identical = true;
    let mut new_tail_silent = true;
    loop {
        let old_got = old.read(&mut old_buffer)?;
        let new_got = new.read(&mut new_buffer)?;
        let both = old_got.min(new_got);
        for (old_frame, new_frame) in old_buffer[..both]
            .chunks_exact(channels)
            .zip(new_buffer[..both].chunks_exact(channels))
        {
            let mut frame_residual = 0.0;
            let mut frame_old = 0.0;
            let mut frame_new = 0.0;
            for (&o, &n) in old_frame.iter().zip(new_frame) {
                overlap_identical &= o == n;
                sums.old_old += o * o;
                sums.new_new += n * n;
                sums.old_new += o * n;
                let residual = n - probe_gain * o;
                frame_residual += residual * residual;
                frame_old += probe_gain * probe_gain * o * o;
                frame_new += n * n;
            }
            sums.residual += frame_residual;
            windows.push(frame_residual, frame_old.max(frame_new), channels);
        }
        // Beyond the overlap, only one file goes on: its extra frames are counted (and, for
        // NEW, whether they are silent) while draining it.
        if old_got != new_got {
            if new_got > both {
                new_tail_silent &= new_buffer[both..new_got].iter().all(|&v| v == 0.0);
                new_tail_silent &= drain(&mut new, &mut new_buffer)?;
            } else {
                drain(&mut old, &mut old_buffer)?;
            }
            break;
        }
        if old_got == 0 {
            break;
        }
    }
    windows.close();

    let exact = sums.residual == 0.0 && overlap_identical;
    let gain = if sums.old_old > 0.0 {
        sums.old_new / sums.old_old
    } else {
        1.0
    };
    let bit_identical = overlap_identical && lag == 0 && old.frames == new.frames;
    Ok(Compared {
        old_frames: old.frames,
        new_frames: new.frames,
        lag,
        bit_identical,
        overlap_identical,
        gain,
        residual_db: (!exact && sums.old_old > 0.0)
            .then(|| 10.0 * (sums.residual.max(1e-300) / sums.old_old).log10()),
        correlation: (sums.old_old > 0.0 && sums.new_new > 0.0)
            .then(|| sums.old_new / (sums.old_old * sums.new_new).sqrt()),
        ranges: windows.ranges,
        new_head_silent,
        new_tail_silent,
    })
}

#[derive(Default)]
struct Sums {
    old_old: f64,
    new_new: f64,
    old_new: f64,
    residual: f64,
}

/// Per window of NEW: does the residual stand above the signal's level? Consecutive
/// differing windows merge into one range.
struct Windows {
    length: u64,
    /// NEW's frame of the current window's start.
    start: u64,
    filled: u64,
    residual: f64,
    level: f64,
    ranges: Vec<(u64, u64)>,
}

impl Windows {
    fn new(length: u64, start: u64) -> Self {
        Windows {
            length,
            start,
            filled: 0,
            residual: 0.0,
            level: 0.0,
            ranges: Vec::new(),
        }
    }

    fn push(&mut self, residual: f64, level: f64, channels: usize) {
        self.residual += residual / channels as f64;
        self.level += level / channels as f64;
        self.filled += 1;
        if self.filled == self.length {
            self.close();
        }
    }

    fn close(&mut self) {
        if self.filled == 0 {
            return;
        }
        let residual_rms = (self.residual / self.filled as f64).sqrt();
        let level_rms = (self.level / self.filled as f64).sqrt();
        if residual_rms > ABSOLUTE_FLOOR && residual_rms > RELATIVE_FLOOR * level_rms {
            let end = self.start + self.filled;
            let room = self.ranges.len() < MAX_RANGES;
            match self.ranges.last_mut() {
                Some(last) if last.1 == self.start => last.1 = end,
                _ if room => self.ranges.push((self.start, end)),
                _ => {}
            }
        }
        self.start += self.filled;
        self.filled = 0;
        self.residual = 0.0;
        self.level = 0.0;
    }
}

/// Read and drop `frames` frames; true when they were all digital silence.
fn skip(stream: &mut Stream, frames: u64) -> Result<bool, String> {
    let mut left = frames as usize * stream.channels;
    let mut buffer = vec![0.0; (STEP_FRAMES * stream.channels).min(left.max(1))];
    let mut silent = true;
    while left > 0 {
        let want = left.min(buffer.len());
        let got = stream.read(&mut buffer[..want])?;
        silent &= buffer[..got].iter().all(|&v| v == 0.0);
        if got == 0 {
            break;
        }
        left -= got;
    }
    Ok(silent)
}

/// Read a stream to its end; true when what it read was digital silence.
fn drain(stream: &mut Stream, buffer: &mut [f64]) -> Result<bool, String> {
    let mut silent = true;
    loop {
        let got = stream.read(buffer)?;
        if got == 0 {
            return Ok(silent);
        }
        silent &= buffer[..got].iter().all(|&v| v == 0.0);
    }
}

fn downmix(samples: &[f64], channels: usize) -> Vec<f64> {
    samples
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f64>() / channels as f64)
        .collect()
}

/// The least-squares fit `new[t] ≈ gain · old[t + lag]` over the overlap.
struct Fit {
    /// Residual energy against NEW's energy (0 for a perfect fit or two silences).
    residual_ratio: f64,
}

fn fit(old: &[f64], new: &[f64], lag: i64) -> Fit {
    let (old_start, new_start) = (lag.max(0) as usize, (-lag).max(0) as usize);
    let (mut old_old, mut new_new, mut old_new) = (0.0, 0.0, 0.0);
    if old_start < old.len() && new_start < new.len() {
        for (&o, &n) in old[old_start..].iter().zip(&new[new_start..]) {
            old_old += o * o;
            new_new += n * n;
            old_new += o * n;
        }
    }
    let gain = if old_old > 0.0 {
        old_new / old_old
    } else {
        1.0
    };
    let residual = (new_new - gain * old_new).max(0.0);
    Fit {
        residual_ratio: if new_new > 0.0 {
            residual / new_new
        } else if old_old > 0.0 {
            1.0
        } else {
            0.0
        },
    }
}

/// The gain of NEW over OLD that most windows of the probe agree on (the median of their
/// least-squares gains): a local edit does not pull it, as it pulls the overall fit.
fn median_gain(old: &[f64], new: &[f64], lag: i64, window: usize) -> f64 {
    let (old_start, new_start) = (lag.max(0) as usize, (-lag).max(0) as usize);
    if old_start >= old.len() || new_start >= new.len() {
        return 1.0;
    }
    let mut gains: Vec<f64> = old[old_start..]
        .chunks(window)
        .zip(new[new_start..].chunks(window))
        .filter_map(|(o, n)| {
            let old_old: f64 = o.iter().map(|v| v * v).sum();
            let old_new: f64 = o.iter().zip(n).map(|(a, b)| a * b).sum();
            (old_old > 0.0).then(|| old_new / old_old)
        })
        .collect();
    if gains.is_empty() {
        return 1.0;
    }
    gains.sort_by(f64::total_cmp);
    gains[gains.len() / 2]
}

/// How far NEW is shifted against OLD, from the probes' downmixes: 0 when they line up as
/// they are (or no shift fits clearly better).
fn find_lag(old: &[f64], new: &[f64], max_lag: usize) -> i64 {
    let aligned = fit(old, new, 0).residual_ratio;
    // Lined up already, to within -40 dB: the common case costs one pass over the probe.
    if aligned < 1e-4 {
        return 0;
    }
    let Some(coarse) = search(
        &decimate(old),
        &decimate(new),
        ANCHOR_FRAMES / DECIMATION,
        (max_lag / DECIMATION) as i64,
        None,
    ) else {
        return 0;
    };
    let centre = coarse.1 * DECIMATION as i64;
    let anchor = coarse.0 * DECIMATION;
    let fine = search(
        old,
        new,
        ANCHOR_FRAMES,
        2 * DECIMATION as i64,
        Some((anchor, centre)),
    )
    .map_or(centre, |(_, lag)| lag);
    let shifted = fit(old, new, fine).residual_ratio;
    // The shift must explain the files far better than no shift, and explain them well.
    if shifted < 0.1 * aligned && shifted < 0.1 {
        fine
    } else {
        0
    }
}

fn decimate(samples: &[f64]) -> Vec<f64> {
    samples
        .chunks_exact(DECIMATION)
        .map(|chunk| chunk.iter().sum::<f64>() / DECIMATION as f64)
        .collect()
}

/// The lag (within `±reach` of `around`'s centre, or of 0) at which an anchor of OLD best
/// matches NEW by normalised correlation, with the anchor's start. The anchor is OLD's most
/// energetic window, or `around`'s. Ties go to the smaller shift.
fn search(
    old: &[f64],
    new: &[f64],
    anchor_length: usize,
    reach: i64,
    around: Option<(usize, i64)>,
) -> Option<(usize, i64)> {
    if old.len() < anchor_length || new.len() < anchor_length || anchor_length == 0 {
        return None;
    }
    let (anchor, centre) = match around {
        Some((anchor, centre)) => (anchor.min(old.len() - anchor_length), centre),
        None => {
            let energy = |start: usize| {
                old[start..start + anchor_length]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>()
            };
            let best = (0..=old.len() - anchor_length)
                .step_by((anchor_length / 2).max(1))
                .max_by(|&a, &b| energy(a).total_cmp(&energy(b)))?;
            (best, 0)
        }
    };
    let pattern = &old[anchor..anchor + anchor_length];
    let pattern_energy: f64 = pattern.iter().map(|v| v * v).sum();
    if pattern_energy == 0.0 {
        return None;
    }
    // Prefix sums of NEW's energy give each candidate window's energy at once.
    let mut prefix = Vec::with_capacity(new.len() + 1);
    prefix.push(0.0);
    let mut total = 0.0;
    for value in new {
        total += value * value;
        prefix.push(total);
    }
    let mut best: Option<(f64, i64)> = None;
    for lag in centre - reach..=centre + reach {
        // NEW's window starts at anchor - lag.
        let start = anchor as i64 - lag;
        if start < 0 || start as usize + anchor_length > new.len() {
            continue;
        }
        let start = start as usize;
        let window_energy = prefix[start + anchor_length] - prefix[start];
        if window_energy <= 0.0 {
            continue;
        }
        let dot: f64 = pattern
            .iter()
            .zip(&new[start..start + anchor_length])
            .map(|(a, b)| a * b)
            .sum();
        let score = dot.abs() / (pattern_energy * window_energy).sqrt();
        let better = match best {
            None => true,
            Some((best_score, best_lag)) => {
                score > best_score + 1e-9
                    || ((score - best_score).abs() <= 1e-9 && lag.abs() < best_lag.abs())
            }
        };
        if better {
            best = Some((score, lag));
        }
    }
    best.map(|(_, lag)| (anchor, lag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::Block;
    use crate::model::record::FileIssue;

    /// A source over a vector of mono samples, in blocks of 1000.
    struct Samples {
        samples: Vec<f64>,
        at: usize,
    }

    impl SampleSource for Samples {
        fn next_block(&mut self) -> Result<Option<Block<'_>>, FileIssue> {
            if self.at >= self.samples.len() {
                return Ok(None);
            }
            let end = (self.at + 1000).min(self.samples.len());
            let block = &self.samples[self.at..end];
            self.at = end;
            Ok(Some(Block::Double(block)))
        }
    }

    fn source(samples: Vec<f64>) -> Box<dyn SampleSource> {
        Box::new(Samples { samples, at: 0 })
    }

    fn noise(frames: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..frames)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.5
            })
            .collect()
    }

    const RATE: u32 = 8000;

    #[test]
    fn finds_a_shift_to_the_sample() {
        let old = noise(40_000, 1);
        let mut new = vec![0.0; 123];
        new.extend_from_slice(&old[..old.len() - 123]);
        let compared = compare(source(old), source(new), 1, RATE).expect("compares");
        assert_eq!(compared.lag, -123);
        assert!(compared.overlap_identical);
        assert!(compared.new_head_silent);
    }

    #[test]
    fn a_gain_is_uniform_and_marks_no_range() {
        let old = noise(20_000, 2);
        let new: Vec<f64> = old.iter().map(|v| v * 0.5).collect();
        let compared = compare(source(old), source(new), 1, RATE).expect("compares");
        assert_eq!(compared.lag, 0);
        assert!((compared.gain - 0.5).abs() < 1e-12);
        assert!(compared.ranges.is_empty());
    }

    #[test]
    fn a_local_edit_is_located() {
        let old = noise(24_000, 3);
        let mut new = old.clone();
        for value in &mut new[8_000..12_000] {
            *value = -*value;
        }
        let compared = compare(source(old), source(new), 1, RATE).expect("compares");
        assert_eq!(compared.lag, 0);
        assert_eq!(compared.ranges, vec![(8_000, 12_000)]);
    }

    #[test]
    fn a_trimmed_tail_shortens_new() {
        let old = noise(24_000, 4);
        let new = old[..23_200].to_vec();
        let compared = compare(source(old), source(new), 1, RATE).expect("compares");
        assert_eq!(
            (compared.lag, compared.old_frames, compared.new_frames),
            (0, 24_000, 23_200)
        );
        assert!(compared.overlap_identical && !compared.bit_identical);
    }
}
