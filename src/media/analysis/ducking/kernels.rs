//! The two passes over a window of one or two channels (and the detail of four), in lanes of
//! samples: a portable copy the compiler vectorises as it can, and an AVX2 copy written with
//! intrinsics, chosen at run time. Both add the same values in the same lanes in the same
//! order, so they give the same bits (`tests` below hold them to it).
//!
//! Stereo lanes pair each sample with its frame's other channel (`lane ^ 1`): lanes 0 and 1
//! both hold the first frame's mid and side, lanes 2 and 3 the second's. Every frame is
//! counted twice, so the sums are halved at the end, and the mid and side are kept as L + R
//! and L − R, halved there too (exact: powers of two).

use super::{larger, Sums};

/// What the first pass reads of a window: each channel's peak, the sum of squares and, for
/// two channels, the mid's peak and energy and the side's energy.
pub(super) struct FirstPass {
    pub peaks: [f64; 2],
    pub squares: f64,
    pub mid_peak: f64,
    pub mid_energy: f64,
    pub side_energy: f64,
}

/// Lanes of the first pass: two groups of four, so that no maximum or sum waits on the one
/// before it.
const FIRST_LANES: usize = 8;

/// The first pass's lanes; the mid's as |L + R| and (L + R)².
#[derive(Default)]
struct FirstLanes {
    peaks: [f64; FIRST_LANES],
    squares: [f64; FIRST_LANES],
    mid_peaks: [f64; FIRST_LANES],
    mid_energies: [f64; FIRST_LANES],
}

/// `Sums` in four lanes, the counts as integers.
#[derive(Default)]
struct SumLanes {
    top: [f64; 4],
    top_count: [u64; 4],
    low: [f64; 4],
    low_count: [u64; 4],
}

impl SumLanes {
    #[inline(always)]
    fn add(&mut self, lane: usize, magnitude: f64, value: f64, top: f64, low: f64) {
        self.top[lane] += if magnitude >= top { value } else { 0.0 };
        self.top_count[lane] += u64::from(magnitude >= top);
        self.low[lane] += if magnitude <= low { value } else { 0.0 };
        self.low_count[lane] += u64::from(magnitude <= low);
    }

    /// The lanes summed, each sum times `scale`.
    fn total(&self, scale: f64) -> Sums {
        let sum = |lanes: &[f64; 4]| lanes.iter().sum::<f64>() * scale;
        let count = |lanes: &[u64; 4]| lanes.iter().sum::<u64>() as f64 * scale;
        Sums {
            top: sum(&self.top),
            top_count: count(&self.top_count),
            low: sum(&self.low),
            low_count: count(&self.low_count),
        }
    }
}

/// The first pass over a window of one channel or, `stereo`, two.
///
/// The side's energy is the rest of the energy: mid² + side² = (L² + R²) / 2 for every frame
/// (the side is read only when its energy is more than 1/1000 of the mid's, far above the
/// subtraction's rounding).
pub(super) fn first_pass(samples: &[f64], stereo: bool) -> FirstPass {
    let whole = samples.len() / FIRST_LANES * FIRST_LANES;
    let lanes = first_lanes(&samples[..whole], stereo);
    let channels = if stereo { 2 } else { 1 };
    let mut pass = FirstPass {
        peaks: [0.0; 2],
        squares: lanes.squares.iter().sum(),
        mid_peak: lanes.mid_peaks.iter().copied().fold(0.0, larger) * 0.5,
        // Each frame twice, as (L + R)².
        mid_energy: lanes.mid_energies.iter().sum::<f64>() * 0.125,
        side_energy: 0.0,
    };
    for (lane, &peak) in lanes.peaks.iter().enumerate() {
        pass.peaks[lane % channels] = larger(pass.peaks[lane % channels], peak);
    }
    let rest = &samples[whole..];
    for (index, &value) in rest.iter().enumerate() {
        pass.peaks[index % channels] = larger(pass.peaks[index % channels], value.abs());
        pass.squares += value * value;
    }
    if stereo {
        for frame in rest.chunks_exact(2) {
            let (mid, _) = super::mid_side(frame);
            pass.mid_peak = larger(pass.mid_peak, mid.abs());
            pass.mid_energy += mid * mid;
        }
        pass.side_energy = (pass.squares * 0.5 - pass.mid_energy).max(0.0);
    }
    pass
}

fn first_lanes(samples: &[f64], stereo: bool) -> FirstLanes {
    #[cfg(target_arch = "x86_64")]
    if crate::media::simd::wide() {
        // SAFETY: the CPU was found to have AVX2 and FMA; `samples` holds whole groups of 8.
        return unsafe {
            if stereo {
                wide::first_lanes::<true>(samples)
            } else {
                wide::first_lanes::<false>(samples)
            }
        };
    }
    if stereo {
        first_lanes_portable::<true>(samples)
    } else {
        first_lanes_portable::<false>(samples)
    }
}

/// `samples`: whole groups of `FIRST_LANES`.
fn first_lanes_portable<const STEREO: bool>(samples: &[f64]) -> FirstLanes {
    let mut lanes = FirstLanes::default();
    for chunk in samples.chunks_exact(FIRST_LANES) {
        for lane in 0..FIRST_LANES {
            let value = chunk[lane];
            lanes.peaks[lane] = larger(lanes.peaks[lane], value.abs());
            lanes.squares[lane] += value * value;
            if STEREO {
                let mid = value + chunk[lane ^ 1];
                lanes.mid_peaks[lane] = larger(lanes.mid_peaks[lane], mid.abs());
                lanes.mid_energies[lane] += mid * mid;
            }
        }
    }
    lanes
}

/// The second pass's sums: the detail (the step from the frame before, on each channel's
/// peaks and near zero) and, when asked, the side (on the mid's peaks and near zero).
pub(super) struct SecondPass {
    pub detail: Sums,
    pub side: Sums,
}

/// The second pass over `samples` from their second frame on (the first frame's step is the
/// caller's, as it needs the frame before the window): `channels` 1, 2 or 4, `tops` and `lows`
/// each channel's thresholds repeated over four lanes; `side` (two channels only) the mid's
/// thresholds for the side.
pub(super) fn second_pass(
    samples: &[f64],
    channels: usize,
    tops: [f64; 4],
    lows: [f64; 4],
    side: Option<(f64, f64)>,
) -> SecondPass {
    debug_assert!(matches!(channels, 1 | 2 | 4) && (side.is_none() || channels == 2));
    let mut pass = SecondPass {
        detail: Sums::default(),
        side: Sums::default(),
    };
    if samples.len() <= channels {
        return pass;
    }
    let body = &samples[channels..];
    let previous = &samples[..samples.len() - channels];
    let whole = body.len() / 4 * 4;
    let (side_top, side_low) = side.unwrap_or((f64::INFINITY, f64::NEG_INFINITY));
    let limits = Limits {
        tops,
        lows,
        side_top: 2.0 * side_top,
        side_low: 2.0 * side_low,
    };
    let (detail, sides) = second_lanes(&body[..whole], &previous[..whole], limits, side.is_some());
    pass.detail = detail.total(1.0);
    // Each frame twice, its side as L − R.
    let sides = sides.total(0.5);
    pass.side = Sums {
        top: sides.top * 0.5,
        low: sides.low * 0.5,
        ..sides
    };
    // The rest: fewer than four samples, whole frames (four is a multiple of `channels`).
    for (index, (value, before)) in body[whole..].iter().zip(&previous[whole..]).enumerate() {
        pass.detail.add(
            value.abs(),
            (value - before).abs(),
            tops[index],
            lows[index],
        );
    }
    if side.is_some() {
        // The first frame, which the lanes start after, and the rest.
        for frame in samples[..2]
            .chunks_exact(2)
            .chain(body[whole..].chunks_exact(2))
        {
            let (mid, side) = super::mid_side(frame);
            pass.side.add(mid.abs(), side.abs(), side_top, side_low);
        }
    }
    pass
}

/// The second pass's thresholds in lanes: each channel's for the detail, and the mid's (as
/// |L + R|, twice the mid's) for the side.
#[derive(Clone, Copy)]
struct Limits {
    tops: [f64; 4],
    lows: [f64; 4],
    side_top: f64,
    side_low: f64,
}

fn second_lanes(
    samples: &[f64],
    previous: &[f64],
    limits: Limits,
    with_side: bool,
) -> (SumLanes, SumLanes) {
    #[cfg(target_arch = "x86_64")]
    if crate::media::simd::wide() {
        // SAFETY: the CPU was found to have AVX2 and FMA; both slices hold the same whole
        // groups of 4.
        return unsafe {
            if with_side {
                wide::second_lanes::<true>(samples, previous, limits)
            } else {
                wide::second_lanes::<false>(samples, previous, limits)
            }
        };
    }
    if with_side {
        second_lanes_portable::<true>(samples, previous, limits)
    } else {
        second_lanes_portable::<false>(samples, previous, limits)
    }
}

/// `samples` and `previous`: the same number of whole groups of 4.
fn second_lanes_portable<const SIDE: bool>(
    samples: &[f64],
    previous: &[f64],
    limits: Limits,
) -> (SumLanes, SumLanes) {
    let Limits {
        tops,
        lows,
        side_top,
        side_low,
    } = limits;
    let (mut detail, mut sides) = (SumLanes::default(), SumLanes::default());
    for (chunk, before) in samples.chunks_exact(4).zip(previous.chunks_exact(4)) {
        for lane in 0..4 {
            let value = chunk[lane];
            let step = (value - before[lane]).abs();
            detail.add(lane, value.abs(), step, tops[lane], lows[lane]);
            if SIDE {
                // L + R against twice the mid's thresholds; |L − R|, halved at the end.
                let other = chunk[lane ^ 1];
                sides.add(
                    lane,
                    (value + other).abs(),
                    (value - other).abs(),
                    side_top,
                    side_low,
                );
            }
        }
    }
    (detail, sides)
}

#[cfg(target_arch = "x86_64")]
mod wide {
    //! The AVX2 copies: one register per array of lanes.

    use std::arch::x86_64::*;

    use super::{FirstLanes, Limits, SumLanes};

    /// |x|: the sign bit cleared.
    #[inline(always)]
    unsafe fn abs(x: __m256d) -> __m256d {
        _mm256_andnot_pd(_mm256_set1_pd(-0.0), x)
    }

    /// Each lane's frame's other channel (lanes 0 ↔ 1, 2 ↔ 3).
    #[inline(always)]
    unsafe fn other(x: __m256d) -> __m256d {
        _mm256_permute_pd::<0b0101>(x)
    }

    #[inline(always)]
    unsafe fn store(x: __m256d) -> [f64; 4] {
        let mut lanes = [0.0; 4];
        _mm256_storeu_pd(lanes.as_mut_ptr(), x);
        lanes
    }

    #[inline(always)]
    unsafe fn store_counts(x: __m256i) -> [u64; 4] {
        let mut lanes = [0; 4];
        _mm256_storeu_si256(lanes.as_mut_ptr().cast(), x);
        lanes
    }

    #[inline(always)]
    unsafe fn store_pair(low: __m256d, high: __m256d) -> [f64; 8] {
        let mut lanes = [0.0; 8];
        _mm256_storeu_pd(lanes.as_mut_ptr(), low);
        _mm256_storeu_pd(lanes.as_mut_ptr().add(4), high);
        lanes
    }

    /// `SumLanes` in registers.
    struct Sums {
        top: __m256d,
        top_count: __m256i,
        low: __m256d,
        low_count: __m256i,
    }

    impl Sums {
        #[inline(always)]
        unsafe fn new() -> Self {
            Sums {
                top: _mm256_setzero_pd(),
                top_count: _mm256_setzero_si256(),
                low: _mm256_setzero_pd(),
                low_count: _mm256_setzero_si256(),
            }
        }

        /// Adds `value` where `magnitude >= top` and where `magnitude <= low`, and counts
        /// them (a true compare is all ones: minus one).
        #[inline(always)]
        unsafe fn add(&mut self, magnitude: __m256d, value: __m256d, top: __m256d, low: __m256d) {
            let on_top = _mm256_cmp_pd::<_CMP_GE_OQ>(magnitude, top);
            let near_zero = _mm256_cmp_pd::<_CMP_LE_OQ>(magnitude, low);
            self.top = _mm256_add_pd(self.top, _mm256_and_pd(on_top, value));
            self.top_count = _mm256_sub_epi64(self.top_count, _mm256_castpd_si256(on_top));
            self.low = _mm256_add_pd(self.low, _mm256_and_pd(near_zero, value));
            self.low_count = _mm256_sub_epi64(self.low_count, _mm256_castpd_si256(near_zero));
        }

        #[inline(always)]
        unsafe fn lanes(&self) -> SumLanes {
            SumLanes {
                top: store(self.top),
                top_count: store_counts(self.top_count),
                low: store(self.low),
                low_count: store_counts(self.low_count),
            }
        }
    }

    /// See `first_lanes_portable`. `samples.len()` is a multiple of 8.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn first_lanes<const STEREO: bool>(samples: &[f64]) -> FirstLanes {
        let zero = _mm256_setzero_pd();
        let ([mut peaks, mut peaks_high], [mut squares, mut squares_high]) = ([zero; 2], [zero; 2]);
        let ([mut mid_peaks, mut mid_peaks_high], [mut mids, mut mids_high]) =
            ([zero; 2], [zero; 2]);
        for start in (0..samples.len() / 8 * 8).step_by(8) {
            let value = _mm256_loadu_pd(samples.as_ptr().add(start));
            let high = _mm256_loadu_pd(samples.as_ptr().add(start + 4));
            peaks = _mm256_max_pd(peaks, abs(value));
            peaks_high = _mm256_max_pd(peaks_high, abs(high));
            squares = _mm256_add_pd(squares, _mm256_mul_pd(value, value));
            squares_high = _mm256_add_pd(squares_high, _mm256_mul_pd(high, high));
            if STEREO {
                let mid = _mm256_add_pd(value, other(value));
                let mid_high = _mm256_add_pd(high, other(high));
                mid_peaks = _mm256_max_pd(mid_peaks, abs(mid));
                mid_peaks_high = _mm256_max_pd(mid_peaks_high, abs(mid_high));
                mids = _mm256_add_pd(mids, _mm256_mul_pd(mid, mid));
                mids_high = _mm256_add_pd(mids_high, _mm256_mul_pd(mid_high, mid_high));
            }
        }
        FirstLanes {
            peaks: store_pair(peaks, peaks_high),
            squares: store_pair(squares, squares_high),
            mid_peaks: store_pair(mid_peaks, mid_peaks_high),
            mid_energies: store_pair(mids, mids_high),
        }
    }

    /// See `second_lanes_portable`. Both slices hold the same whole groups of 4.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn second_lanes<const SIDE: bool>(
        samples: &[f64],
        previous: &[f64],
        limits: Limits,
    ) -> (SumLanes, SumLanes) {
        let (top, low) = (
            _mm256_loadu_pd(limits.tops.as_ptr()),
            _mm256_loadu_pd(limits.lows.as_ptr()),
        );
        let (side_top, side_low) = (
            _mm256_set1_pd(limits.side_top),
            _mm256_set1_pd(limits.side_low),
        );
        let (mut detail, mut sides) = (Sums::new(), Sums::new());
        let groups = samples.len().min(previous.len()) / 4 * 4;
        for start in (0..groups).step_by(4) {
            let value = _mm256_loadu_pd(samples.as_ptr().add(start));
            let before = _mm256_loadu_pd(previous.as_ptr().add(start));
            detail.add(abs(value), abs(_mm256_sub_pd(value, before)), top, low);
            if SIDE {
                let other = other(value);
                let (mid, side) = (_mm256_add_pd(value, other), _mm256_sub_pd(value, other));
                sides.add(abs(mid), abs(side), side_top, side_low);
            }
        }
        (detail.lanes(), sides.lanes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic test signal: a 55 Hz tone and a little white noise.
    fn signal(length: usize) -> Vec<f64> {
        let noise = crate::media::analysis::lanes::test_noise(length);
        noise
            .iter()
            .enumerate()
            .map(|(index, noise)| {
                let t = index as f64 / 48_000.0;
                0.6 * (t * 2.0 * std::f64::consts::PI * 55.0).sin() + 0.05 * noise
            })
            .collect()
    }

    fn bits(lanes: &SumLanes) -> Vec<u64> {
        let sums = [lanes.top, lanes.low];
        let sums = sums.iter().flatten().map(|value| value.to_bits());
        sums.chain(lanes.top_count).chain(lanes.low_count).collect()
    }

    #[test]
    fn the_avx2_and_portable_passes_give_the_same_bits() {
        #[cfg(target_arch = "x86_64")]
        if crate::media::simd::wide() {
            let samples = signal(4800);
            for stereo in [false, true] {
                let portable = if stereo {
                    first_lanes_portable::<true>(&samples)
                } else {
                    first_lanes_portable::<false>(&samples)
                };
                // SAFETY: checked above.
                let wide = unsafe {
                    if stereo {
                        wide::first_lanes::<true>(&samples)
                    } else {
                        wide::first_lanes::<false>(&samples)
                    }
                };
                let fields = |lanes: &FirstLanes| {
                    [
                        lanes.peaks,
                        lanes.squares,
                        lanes.mid_peaks,
                        lanes.mid_energies,
                    ]
                    .iter()
                    .flatten()
                    .map(|value| value.to_bits())
                    .collect::<Vec<_>>()
                };
                assert_eq!(fields(&portable), fields(&wide));
                assert!(portable.squares.iter().all(|&sum| sum > 0.0));
            }
            let (body, previous) = (&samples[2..4798], &samples[..4796]);
            let limits = Limits {
                tops: [0.4, 0.5, 0.4, 0.5],
                lows: [0.2, 0.25, 0.2, 0.25],
                side_top: 0.45,
                side_low: 0.2,
            };
            let portable = second_lanes_portable::<true>(body, previous, limits);
            // SAFETY: checked above.
            let wide = unsafe { wide::second_lanes::<true>(body, previous, limits) };
            assert_eq!(bits(&portable.0), bits(&wide.0));
            assert_eq!(bits(&portable.1), bits(&wide.1));
            assert!(portable.0.top_count.iter().all(|&count| count > 0));
            assert!(portable.1.low_count.iter().all(|&count| count > 0));
        }
        // Without AVX2 only the portable copy runs: there is nothing to compare it with.
    }

    #[test]
    fn the_lanes_count_each_stereo_frame_once_and_read_every_frame() {
        // Frames of (left, right): the passes must see the first and the last frame too,
        // whether or not the frames fill the lanes.
        for frames in [11_u32, 12, 13] {
            let samples: Vec<f64> = (0..frames)
                .flat_map(|frame| [f64::from(frame) * 0.1, -f64::from(frame) * 0.05])
                .collect();
            let sum = |of: &dyn Fn(f64) -> f64| (0..frames).map(|f| of(f64::from(f))).sum::<f64>();
            let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
            let pass = second_pass(&samples, 2, [0.0; 4], [-1.0; 4], Some((0.0, -1.0)));
            assert_eq!(pass.side.top_count, f64::from(frames));
            assert!(
                close(pass.side.top, sum(&|f| f * 0.075)),
                "{}",
                pass.side.top
            );
            // The detail: every sample after the first frame.
            assert_eq!(pass.detail.top_count, f64::from(2 * (frames - 1)));
            let first = first_pass(&samples, true);
            let last = f64::from(frames - 1);
            assert!(close(first.peaks[0], last * 0.1) && close(first.peaks[1], last * 0.05));
            assert!(close(first.mid_energy, sum(&|f| (f * 0.025).powi(2))));
            assert!(close(first.side_energy, sum(&|f| (f * 0.075).powi(2))));
            assert!(close(first.mid_peak, last * 0.025));
        }
    }
}
