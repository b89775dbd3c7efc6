//! A fixed number of bins over a stream whose length is not known in advance: bin `i` covers
//! frames `[i * width, (i + 1) * width)`; when a frame falls past the last bin, neighbouring
//! bins merge in pairs and the width doubles. Memory stays at `capacity` bins for any length,
//! and a file ends with between `capacity / 2` and `capacity` bins (fewer only when shorter
//! than `capacity` frames).

/// Bins a waveform overview and its markers use: every series of a file has the same width
/// because the width depends only on how far the stream has reached.
pub const CAPACITY: usize = 2048;

#[derive(Debug, Clone)]
pub struct Bins<T> {
    width: u64,
    bins: Vec<T>,
    empty: T,
    merge: fn(&T, &T) -> T,
}

impl<T: Clone> Bins<T> {
    /// Bins one frame wide to start with; `empty` is a bin no frame has reached, `merge`
    /// joins two neighbouring bins.
    pub fn new(empty: T, merge: fn(&T, &T) -> T) -> Self {
        Bins {
            width: 1,
            bins: Vec::with_capacity(CAPACITY),
            empty,
            merge,
        }
    }

    /// Makes room for `frame`, merging bins in pairs as often as needed.
    pub fn reach(&mut self, frame: u64) {
        while frame / self.width >= CAPACITY as u64 {
            let merged: Vec<T> = self
                .bins
                .chunks(2)
                .map(|pair| match pair {
                    [first, second] => (self.merge)(first, second),
                    [single] => single.clone(),
                    _ => unreachable!("chunks(2) yields one or two bins"),
                })
                .collect();
            self.bins = merged;
            self.width *= 2;
        }
        let index = (frame / self.width) as usize;
        if index >= self.bins.len() {
            self.bins.resize(index + 1, self.empty.clone());
        }
    }

    /// The bin holding `frame` (made room for).
    pub fn at(&mut self, frame: u64) -> &mut T {
        self.reach(frame);
        let index = (frame / self.width) as usize;
        &mut self.bins[index]
    }

    /// The first frame after the bin that holds `frame`.
    pub fn bin_end(&self, frame: u64) -> u64 {
        (frame / self.width + 1) * self.width
    }

    /// Frames per bin.
    pub fn width(&self) -> u64 {
        self.width
    }

    pub fn into_bins(self) -> Vec<T> {
        self.bins
    }
}

#[cfg(test)]
mod tests {
    use super::{Bins, CAPACITY};

    #[test]
    fn merges_in_pairs_and_keeps_a_fixed_size() {
        let mut bins = Bins::new(0u64, |a, b| a + b);
        let frames = 10 * CAPACITY as u64 + 3;
        for frame in 0..frames {
            *bins.at(frame) += 1;
        }
        assert_eq!(bins.width(), 16);
        let bins = bins.into_bins();
        assert!(bins.len() <= CAPACITY && bins.len() > CAPACITY / 2);
        assert_eq!(bins.iter().sum::<u64>(), frames);
        assert!(bins[..bins.len() - 1].iter().all(|&count| count == 16));
    }

    #[test]
    fn reaching_widens_like_filling() {
        let mut marks = Bins::new(false, |a, b| *a || *b);
        marks.reach(5 * CAPACITY as u64);
        *marks.at(9) = true;
        assert_eq!(marks.width(), 8);
        assert!(marks.into_bins()[1]);
    }
}
