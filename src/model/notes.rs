//! What the notes (and file names) of a delivery state: tempo, meter, rate, depth, files.
//! Parsed once at discovery by `crate::notes`; the rules read these facts.

use std::ops::Range;

/// A value found in the text, with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<T> {
    pub value: T,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredDepth {
    pub bits: u16,
    pub float: bool,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct NotesFacts {
    pub tempos: Vec<Found<f64>>,
    pub meters: Vec<Found<(u32, u32)>>,
    pub sample_rates: Vec<Found<u32>>,
    pub bit_depths: Vec<Found<DeclaredDepth>>,
    /// Audio file names the notes mention.
    pub files: Vec<Found<String>>,
    /// Lines that talk about tempo but give no readable value (`Tempo: TBD`).
    pub tempo_lines: Vec<Range<usize>>,
    /// Lines that talk about meter but give no readable value.
    pub meter_lines: Vec<Range<usize>>,
}
