//! ITU-R BS.1770-4 loudness: K-weighting, the gated integrated loudness of EBU Tech 3341 and
//! the loudness range of EBU Tech 3342, figure for figure as the `ebur128` crate (libebur128)
//! computes them, at a fraction of its cost.
//!
//! The K-weighting filter runs in f64 over every channel of a frame at once (channels are the
//! vector lanes; no per-sample branch), and only the sum of squares of each channel over each
//! 100 ms partial block is kept. A 400 ms gating block is then the sum of four partials and a
//! 3 s short-term block the sum of thirty, instead of re-summing the filtered samples of every
//! window as the crate does. Gating is exact (every block energy is kept, 8 bytes per 100 ms,
//! about 0.3 MB an hour whatever the channel count), not quantised to a histogram.
//!
//! Pure arithmetic: nothing here reads files or knows the rest of stemlint.

/// BS.1770 weight of a left, right or centre channel.
pub const FRONT_WEIGHT: f64 = 1.0;
/// BS.1770 weight of a surround channel (Ls, Rs, and the ±60°..±90° positions of
/// ITU-R BS.2051, as libebur128 counts them).
pub const SURROUND_WEIGHT: f64 = 1.41;
/// Weight of a mono channel counted as dual-mono (the same signal on both stereo speakers).
pub const DUAL_MONO_WEIGHT: f64 = 2.0;
/// Weight of a channel left out of the measurement (the LFE).
pub const UNUSED_WEIGHT: f64 = 0.0;

/// Partial blocks a gating block spans (400 ms).
const PARTIALS_PER_GATING_BLOCK: usize = 4;
/// Partial blocks a short-term block spans (3 s).
const PARTIALS_PER_SHORT_TERM_BLOCK: usize = 30;
/// libebur128 takes a short-term block for the loudness range every 10 partials (1 s).
const PARTIALS_PER_RANGE_STEP: usize = 10;
/// Channels filtered together as the lanes of one frame; wider files are split into groups.
const MAX_LANES: usize = 8;
/// Sample rates the meter accepts (those libebur128 accepts).
const RATES: std::ops::RangeInclusive<u32> = 16..=2_822_400;

/// Gated loudness of a whole stream, fed in blocks of interleaved frames.
#[derive(Debug, Clone)]
pub struct LoudnessMeter {
    weights: Vec<f64>,
    filter: KWeighting,
    /// Filter state of every channel, `[w1, w2, w3, w4]` (direct form II, newest first).
    state: Vec<[f64; 4]>,
    /// Sum of squares of each channel's K-weighted samples in the current partial block.
    squares: Vec<f64>,
    /// Frames in a 100 ms partial block (the rate / 10, rounded as libebur128 does).
    partial_frames: usize,
    /// Frames already in the current partial block.
    partial_filled: usize,
    /// Channel-weighted energy sums of the last `PARTIALS_PER_SHORT_TERM_BLOCK` partials, a
    /// ring indexed by partial number.
    recent_partials: [f64; PARTIALS_PER_SHORT_TERM_BLOCK],
    /// Short-term energies of the first 2.9 s, over a 3 s window that the stream does not
    /// fill yet (the silence before the start counts as zero, as libebur128 reads it): for a
    /// curve that starts with the file. Not used by the loudness range.
    early_short_term: Vec<f64>,
    /// Partial blocks completed since the start.
    partials: u64,
    /// Mean-square energy of every 400 ms gating block at or above the absolute gate.
    gating_blocks: Vec<f64>,
    /// Mean-square energy of every 3 s short-term block, one every 100 ms.
    short_term: Vec<f64>,
}

impl LoudnessMeter {
    /// A meter for `channel_weights.len()` interleaved channels at `sample_rate`, each
    /// channel counted with its BS.1770 weight (`FRONT_WEIGHT`, `SURROUND_WEIGHT`,
    /// `DUAL_MONO_WEIGHT`, `UNUSED_WEIGHT`, or any other finite non-negative factor).
    ///
    /// None without channels, with a weight that is negative or not finite, or with a rate
    /// outside 16 Hz..=2.8224 MHz (the rates libebur128 accepts).
    pub fn new(sample_rate: u32, channel_weights: &[f64]) -> Option<LoudnessMeter> {
        let valid_weight = |weight: &f64| weight.is_finite() && *weight >= 0.0;
        if channel_weights.is_empty()
            || !channel_weights.iter().all(valid_weight)
            || !RATES.contains(&sample_rate)
        {
            return None;
        }
        let channels = channel_weights.len();
        Some(LoudnessMeter {
            weights: channel_weights.to_vec(),
            filter: KWeighting::new(f64::from(sample_rate)),
            state: vec![[0.0; 4]; channels],
            squares: vec![0.0; channels],
            partial_frames: (sample_rate as usize + 5) / 10,
            partial_filled: 0,
            recent_partials: [0.0; PARTIALS_PER_SHORT_TERM_BLOCK],
            early_short_term: Vec::new(),
            partials: 0,
            gating_blocks: Vec::new(),
            short_term: Vec::new(),
        })
    }

    pub fn channels(&self) -> usize {
        self.weights.len()
    }

    /// Adds interleaved frames of 32-bit float samples (1.0 = full scale). Samples after
    /// the last whole frame are ignored.
    pub fn push_f32(&mut self, samples: &[f32]) {
        self.push(samples);
    }

    /// Adds interleaved frames of 64-bit float samples (1.0 = full scale).
    pub fn push_f64(&mut self, samples: &[f64]) {
        self.push(samples);
    }

    /// Adds interleaved frames of integer samples scaled to 32 bits: 2^31 is full scale (a
    /// 24-bit sample shifted left by 8), as the `ebur128` crate's `add_frames_i32`.
    pub fn push_i32(&mut self, samples: &[i32]) {
        self.push(samples);
    }

    /// Integrated loudness, LUFS: the mean energy of the 400 ms blocks (75 % overlap) at or
    /// above the absolute gate (-70 LUFS) and at or above the relative gate (10 LU under the
    /// mean of those). None when no block passes the gates (silence, a stream shorter than
    /// 400 ms) or the signal held non-finite samples.
    pub fn integrated_lufs(&self) -> Option<f64> {
        let blocks = &self.gating_blocks;
        if blocks.is_empty() {
            return None;
        }
        let relative_gate = mean(blocks) * RELATIVE_GATE_FACTOR;
        let (count, sum) = blocks
            .iter()
            .filter(|&&energy| energy >= relative_gate)
            .fold((0usize, 0.0), |(count, sum), &energy| {
                (count + 1, sum + energy)
            });
        (count > 0)
            .then(|| energy_to_lufs(sum / count as f64))
            .filter(|lufs| lufs.is_finite())
    }

    /// Loudness range, LU (EBU Tech 3342): the spread between the 10th and the 95th
    /// percentile of the 3 s short-term loudness, over the short-term blocks at or above the
    /// absolute gate (-70 LUFS) and at or above the relative gate (20 LU under their mean).
    ///
    /// The short-term blocks are taken one a second, the first ending at 3 s, as libebur128
    /// and the `ebur128` crate take them (Tech 3342 allows any step up to 1 s); see
    /// `loudness_range_10hz_lu` for the same figure from a block every 100 ms. None when no
    /// short-term block passes the absolute gate (silence, a stream shorter than 3 s; the
    /// crate reads 0.0 there) or the signal held non-finite samples.
    pub fn loudness_range_lu(&self) -> Option<f64> {
        let step = PARTIALS_PER_RANGE_STEP;
        loudness_range(self.short_term.iter().step_by(step).copied())
    }

    /// The loudness range as `loudness_range_lu`, from a short-term block every 100 ms
    /// (the 10 Hz rate Tech 3342 recommends; the figure moves by a few hundredths of an LU
    /// on programme, and not at all on steady signals).
    pub fn loudness_range_10hz_lu(&self) -> Option<f64> {
        loudness_range(self.short_term.iter().copied())
    }

    /// Short-term loudness (3 s window), LUFS, one value every 100 ms: value `i` covers the
    /// 3 s ending at `(i + 30) × 100 ms` of the stream (none for a stream under 3 s). Digital
    /// silence reads `f64::NEG_INFINITY`. For a loudness curve; costs nothing to keep.
    pub fn short_term_lufs(&self) -> impl ExactSizeIterator<Item = f64> + '_ {
        self.short_term.iter().map(|&energy| energy_to_lufs(energy))
    }

    /// Short-term loudness every 100 ms from the start of the stream: value `i` covers the
    /// 3 s ending at (i + 1) × 100 ms, the time before the start counting as silence (the
    /// first 29 values) — the curve a plot wants. LUFS; silence reads −∞.
    pub fn short_term_from_start_lufs(&self) -> impl Iterator<Item = f64> + '_ {
        self.early_short_term
            .iter()
            .chain(&self.short_term)
            .map(|&energy| energy_to_lufs(energy))
    }

    /// Feeds whole frames through the filter, closing a partial block at each 100 ms edge.
    fn push<S: Sample>(&mut self, samples: &[S]) {
        let channels = self.channels();
        let mut rest = &samples[..samples.len() - samples.len() % channels];
        while !rest.is_empty() {
            let room = self.partial_frames - self.partial_filled;
            let frames = room.min(rest.len() / channels);
            let (now, later) = rest.split_at(frames * channels);
            self.filter_frames(now);
            self.partial_filled += frames;
            if self.partial_filled == self.partial_frames {
                self.close_partial();
            }
            rest = later;
        }
    }

    /// Runs the filter over `samples` (whole frames, all within one partial block), channels
    /// taken in groups of up to `MAX_LANES`, adding the squares to the partial's sums.
    fn filter_frames<S: Sample>(&mut self, samples: &[S]) {
        let channels = self.channels();
        let mut first = 0;
        while first < channels {
            let lanes = (channels - first).min(MAX_LANES);
            let group = Group {
                samples,
                stride: channels,
                first,
                state: &mut self.state[first..first + lanes],
                squares: &mut self.squares[first..first + lanes],
            };
            match lanes {
                1 => group.run::<1>(&self.filter),
                2 => group.run::<2>(&self.filter),
                3 => group.run::<3>(&self.filter),
                4 => group.run::<4>(&self.filter),
                5 => group.run::<5>(&self.filter),
                6 => group.run::<6>(&self.filter),
                7 => group.run::<7>(&self.filter),
                _ => group.run::<8>(&self.filter),
            }
            first += lanes;
        }
    }

    /// Closes a 100 ms partial block: weights its channels' sums into one energy sum, then
    /// forms the gating block and the short-term block that end with it.
    fn close_partial(&mut self) {
        let sum: f64 = self
            .squares
            .iter()
            .zip(&self.weights)
            .filter(|&(_, &weight)| weight != 0.0)
            .map(|(&squares, &weight)| squares * weight)
            .sum();
        self.squares.fill(0.0);
        self.partial_filled = 0;
        // The state decays towards zero in silence; subnormal numbers would slow every
        // later sample down many times over, and are below anything a meter can show.
        for value in self.state.iter_mut().flatten() {
            if value.abs() < f64::MIN_POSITIVE {
                *value = 0.0;
            }
        }
        let ring = PARTIALS_PER_SHORT_TERM_BLOCK;
        self.recent_partials[(self.partials % ring as u64) as usize] = sum;
        self.partials += 1;
        if self.partials >= PARTIALS_PER_GATING_BLOCK as u64 {
            let energy = self.window_energy(PARTIALS_PER_GATING_BLOCK);
            // A NaN block is kept so that it shows in the result, as libebur128 keeps it.
            if energy >= ABSOLUTE_GATE_ENERGY || energy.is_nan() {
                self.gating_blocks.push(energy);
            }
        }
        if self.partials < ring as u64 {
            let total: f64 = (1..=self.partials)
                .map(|back| self.recent_partials[((self.partials - back) % ring as u64) as usize])
                .sum();
            self.early_short_term
                .push(total / (ring * self.partial_frames) as f64);
        }
        if self.partials >= ring as u64 {
            let energy = self.window_energy(ring);
            self.short_term.push(energy);
        }
    }

    /// Mean-square energy of the last `partials` partial blocks.
    fn window_energy(&self, partials: usize) -> f64 {
        let ring = PARTIALS_PER_SHORT_TERM_BLOCK as u64;
        let total: f64 = (1..=partials as u64)
            .map(|back| self.recent_partials[((self.partials - back) % ring) as usize])
            .sum();
        total / (partials * self.partial_frames) as f64
    }
}

/// Energy of a block at the absolute gate, -70 LUFS: `10^((-70 + 0.691) / 10)`, the lowest
/// energy libebur128 keeps in its gating history.
const ABSOLUTE_GATE_ENERGY: f64 = 1.172_465_304_582_298_1e-7;
/// The relative gate of integrated loudness, -10 LU, as an energy factor.
const RELATIVE_GATE_FACTOR: f64 = 0.1;
/// The relative gate of the loudness range, -20 LU, as an energy factor.
const RANGE_RELATIVE_GATE_FACTOR: f64 = 0.01;

/// Loudness, LUFS, of a mean-square K-weighted energy (BS.1770's -0.691 dB offset).
pub fn energy_to_lufs(energy: f64) -> f64 {
    10.0 * energy.log10() - 0.691
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// EBU Tech 3342 over short-term block energies, with libebur128's percentile rounding
/// (the nearest rank, `(n - 1) × p + 0.5` truncated).
fn loudness_range(short_term: impl Iterator<Item = f64>) -> Option<f64> {
    let mut gated: Vec<f64> = short_term
        .filter(|&energy| energy >= ABSOLUTE_GATE_ENERGY || energy.is_nan())
        .collect();
    if gated.is_empty() || gated.iter().any(|energy| !energy.is_finite()) {
        return None;
    }
    let relative_gate = mean(&gated) * RANGE_RELATIVE_GATE_FACTOR;
    gated.retain(|&energy| energy >= relative_gate);
    gated.sort_unstable_by(f64::total_cmp);
    let last = (gated.len() - 1) as f64;
    let percentile = |share: f64| gated[(last * share + 0.5) as usize];
    Some(energy_to_lufs(percentile(0.95)) - energy_to_lufs(percentile(0.10)))
}

/// The K-weighting of BS.1770 (the high shelf, then the high pass, as one fourth-order
/// filter), designed for any sample rate with the formulas of libebur128.
#[derive(Debug, Clone)]
struct KWeighting {
    /// Numerator.
    b: [f64; 5],
    /// Denominator; `a[0]` is 1.
    a: [f64; 5],
}

impl KWeighting {
    fn new(rate: f64) -> KWeighting {
        use std::f64::consts::PI;
        // The shelf: +4 dB above about 1.7 kHz.
        let f0 = 1681.974450955533;
        let gain_db = 3.999843853973347;
        let q = 0.7071752369554196;
        let k = (PI * f0 / rate).tan();
        let vh = 10.0_f64.powf(gain_db / 20.0);
        let vb = vh.powf(0.4996667741545416);
        let a0 = 1.0 + k / q + k * k;
        let shelf_b = [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ];
        let shelf_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
        // The high pass at about 38 Hz.
        let f0 = 38.13547087602444;
        let q = 0.5003270373238773;
        let k = (PI * f0 / rate).tan();
        let a0 = 1.0 + k / q + k * k;
        let pass_b = [1.0, -2.0, 1.0];
        let pass_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
        KWeighting {
            b: convolve(shelf_b, pass_b),
            a: convolve(shelf_a, pass_a),
        }
    }
}

/// The product of two second-order polynomials.
fn convolve(p: [f64; 3], r: [f64; 3]) -> [f64; 5] {
    [
        p[0] * r[0],
        p[0] * r[1] + p[1] * r[0],
        p[0] * r[2] + p[1] * r[1] + p[2] * r[0],
        p[1] * r[2] + p[2] * r[1],
        p[2] * r[2],
    ]
}

/// A group of adjacent channels filtered together, their state held in registers.
struct Group<'a, S> {
    samples: &'a [S],
    stride: usize,
    first: usize,
    state: &'a mut [[f64; 4]],
    squares: &'a mut [f64],
}

impl<S: Sample> Group<'_, S> {
    /// `LANES` must be the group's channel count.
    #[inline(always)]
    fn run<const LANES: usize>(self, filter: &KWeighting) {
        let [b0, b1, b2, b3, b4] = filter.b;
        let [_, a1, a2, a3, a4] = filter.a;
        let mut w1 = [0.0; LANES];
        let mut w2 = [0.0; LANES];
        let mut w3 = [0.0; LANES];
        let mut w4 = [0.0; LANES];
        let mut squares = [0.0; LANES];
        for lane in 0..LANES {
            [w1[lane], w2[lane], w3[lane], w4[lane]] = self.state[lane];
            squares[lane] = self.squares[lane];
        }
        for frame in self.samples.chunks_exact(self.stride) {
            let lanes: &[S; LANES] = frame[self.first..self.first + LANES]
                .try_into()
                .expect("a group lies within its frame");
            for lane in 0..LANES {
                let input = lanes[lane].to_f64();
                // The oldest terms first: only the last product waits for the previous
                // sample's result, which keeps the dependency chain short.
                let w0 = input - a4 * w4[lane] - a3 * w3[lane] - a2 * w2[lane] - a1 * w1[lane];
                let output =
                    b0 * w0 + b1 * w1[lane] + b2 * w2[lane] + b3 * w3[lane] + b4 * w4[lane];
                squares[lane] += output * output;
                w4[lane] = w3[lane];
                w3[lane] = w2[lane];
                w2[lane] = w1[lane];
                w1[lane] = w0;
            }
        }
        for lane in 0..LANES {
            self.state[lane] = [w1[lane], w2[lane], w3[lane], w4[lane]];
            self.squares[lane] = squares[lane];
        }
    }
}

/// A sample type the meter reads, as full-scale units (1.0 = full scale).
trait Sample: Copy {
    fn to_f64(self) -> f64;
}

impl Sample for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Sample for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Sample for i32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self) * (1.0 / 2_147_483_648.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_gate_energy_is_minus_70_lufs() {
        assert!((energy_to_lufs(ABSOLUTE_GATE_ENERGY) + 70.0).abs() < 1e-12);
        let exact = 10.0_f64.powf((-70.0 + 0.691) / 10.0);
        assert!((ABSOLUTE_GATE_ENERGY / exact - 1.0).abs() < 1e-15);
    }

    #[test]
    fn k_weighting_is_unity_at_1khz_plus_the_shelf_above() {
        // BS.1770's K-weighting: about +0.7 dB at 1 kHz (which the -0.691 offset cancels),
        // +4 dB towards the top, a steep cut below 40 Hz; at every rate, warped a little by
        // the bilinear design near Nyquist (+0.73 dB at 1 kHz at 22.05 kHz).
        for rate in [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0] {
            let filter = KWeighting::new(rate);
            let gain_db = |frequency: f64| {
                let omega = 2.0 * std::f64::consts::PI * frequency / rate;
                let response = |coefficients: &[f64; 5]| {
                    let (mut re, mut im) = (0.0, 0.0);
                    for (index, c) in coefficients.iter().enumerate() {
                        re += c * (omega * index as f64).cos();
                        im -= c * (omega * index as f64).sin();
                    }
                    re.hypot(im)
                };
                20.0 * (response(&filter.b) / response(&filter.a)).log10()
            };
            assert!((gain_db(1000.0) - 0.691).abs() < 0.05, "{rate}");
            assert!((gain_db(10_000.0) - 4.0).abs() < 0.1, "{rate}");
            assert!(gain_db(10.0) < -10.0, "{rate}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_measure() {
        assert!(LoudnessMeter::new(48_000, &[]).is_none());
        assert!(LoudnessMeter::new(8, &[1.0]).is_none());
        assert!(LoudnessMeter::new(48_000, &[1.0, -1.0]).is_none());
        assert!(LoudnessMeter::new(48_000, &[f64::NAN]).is_none());
        assert!(LoudnessMeter::new(48_000, &[1.0; 24]).is_some());
    }

    #[test]
    fn a_trailing_partial_frame_is_ignored() {
        let mut meter = LoudnessMeter::new(48_000, &[1.0, 1.0]).expect("a valid meter");
        meter.push_f32(&[0.5; 3]);
        assert_eq!(meter.partial_filled, 1);
    }

    #[test]
    fn non_finite_samples_give_no_figures() {
        let mut meter = LoudnessMeter::new(48_000, &[1.0]).expect("a valid meter");
        let mut samples = vec![0.25_f32; 48_000 * 4];
        samples[100] = f32::NAN;
        meter.push_f32(&samples);
        assert_eq!(meter.integrated_lufs(), None);
        assert_eq!(meter.loudness_range_lu(), None);
    }
}
