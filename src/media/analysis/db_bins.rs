//! Histograms of levels over fixed bins of dB: memory bounded whatever the file's length, and
//! a level read back at any rank from the top or the bottom.

/// Bins of `width` dB from `low` dB, `count` of them.
#[derive(Debug, Clone, Copy)]
pub struct DbBins {
    pub low: f64,
    pub width: f64,
    pub count: usize,
}

impl DbBins {
    pub const fn new(low: f64, width: f64, count: usize) -> Self {
        DbBins { low, width, count }
    }

    /// The bin of `level`: under the lowest (or NaN) in the first, over the top in the last.
    pub fn bin(&self, level: f64) -> usize {
        let bin = ((level - self.low) / self.width).floor();
        if bin.is_nan() || bin < 0.0 {
            0
        } else {
            (bin as usize).min(self.count - 1)
        }
    }

    /// The middle of a bin, dB.
    pub fn level(&self, bin: usize) -> f64 {
        self.low + (bin as f64 + 0.5) * self.width
    }

    /// The level of the entry at `rank` (1 = the loudest) in `hist`.
    pub fn ranked_from_top<T: Copy + Into<u64>>(&self, hist: &[T], rank: u64) -> f64 {
        self.at_rank(hist.iter().enumerate().rev(), rank)
            .unwrap_or_else(|| self.level(0))
    }

    /// The level of the entry at `rank` (1 = the quietest) in `hist`.
    pub fn ranked_from_bottom<T: Copy + Into<u64>>(&self, hist: &[T], rank: u64) -> f64 {
        self.at_rank(hist.iter().enumerate(), rank)
            .unwrap_or_else(|| self.level(self.count - 1))
    }

    fn at_rank<'a, T: Copy + Into<u64> + 'a>(
        &self,
        bins: impl Iterator<Item = (usize, &'a T)>,
        rank: u64,
    ) -> Option<f64> {
        let mut seen = 0u64;
        for (bin, &count) in bins {
            seen += count.into();
            if seen >= rank {
                return Some(self.level(bin));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::DbBins;

    #[test]
    fn levels_are_binned_and_read_back_by_rank_from_either_end() {
        let bins = DbBins::new(-10.0, 0.5, 20);
        assert_eq!(bins.bin(-10.0), 0);
        assert_eq!(bins.bin(-9.6), 0);
        assert_eq!(bins.bin(-9.5), 1);
        assert_eq!(
            (bins.bin(-50.0), bins.bin(f64::NAN), bins.bin(5.0)),
            (0, 0, 19)
        );
        assert_eq!(bins.level(1), -9.25);
        let mut hist = [0u32; 20];
        for level in [-9.9, -5.1, -5.2, -0.1] {
            hist[bins.bin(level)] += 1;
        }
        assert_eq!(bins.ranked_from_top(&hist, 1), -0.25);
        assert_eq!(bins.ranked_from_top(&hist, 2), bins.level(bins.bin(-5.1)));
        assert_eq!(bins.ranked_from_bottom(&hist, 1), -9.75);
        assert_eq!(bins.ranked_from_top(&hist, 9), -9.75);
    }
}
