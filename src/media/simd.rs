//! Hot loops compiled twice: for the baseline of the target (SSE2 on x86-64) and for AVX2 with
//! FMA, the copy chosen at run time when the CPU has them. The loops are written in
//! fixed-width lanes (see `analysis::lanes`); AVX2 makes each lane group one instruction
//! instead of two. Without `mul_add` in the body FMA changes nothing, and the lanes fix the
//! order of every addition: both copies give the same bits.

/// Whether this CPU runs the AVX2 + FMA copies (checked once, then a cached load).
pub fn wide() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Declares a function whose body is compiled for the baseline and, on x86-64, for AVX2 + FMA;
/// a call runs the copy the CPU can.
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn wide($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                if $crate::media::simd::wide() {
                    // SAFETY: the CPU was found to have AVX2 and FMA.
                    return unsafe { wide($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use multiversion;

multiversion! {
    /// Σ a·b over the shorter of two slices, in 16 lanes so that it vectorises and no sum waits
    /// on the one before it (one order of additions, whatever the CPU).
    pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
        const WIDTH: usize = 16;
        let length = a.len().min(b.len());
        let (a, b) = (&a[..length], &b[..length]);
        let mut lanes = [0.0; WIDTH];
        let (a_chunks, b_chunks) = (a.chunks_exact(WIDTH), b.chunks_exact(WIDTH));
        let tail: f64 = a_chunks
            .remainder()
            .iter()
            .zip(b_chunks.remainder())
            .map(|(x, y)| x * y)
            .sum();
        for (x, y) in a_chunks.zip(b_chunks) {
            for lane in 0..WIDTH {
                lanes[lane] += x[lane] * y[lane];
            }
        }
        lanes.iter().sum::<f64>() + tail
    }
}

#[cfg(test)]
mod tests {
    use super::dot;

    #[test]
    fn dot_reads_the_shorter_slice_whole_whatever_the_lengths() {
        for (short, long) in [(20, 40), (16, 17), (3, 50), (0, 5)] {
            let a: Vec<f64> = (0..short).map(|i| f64::from(i) + 1.0).collect();
            let b: Vec<f64> = (0..long).map(|i| f64::from(i % 7) - 2.0).collect();
            let expected: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert_eq!(dot(&a, &b), expected, "{short} against {long}");
            assert_eq!(dot(&b, &a), expected, "{long} against {short}");
        }
    }
}
