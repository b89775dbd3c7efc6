//! What the notes (and file names) of a delivery state: tempo, meter, rate, depth, files.
//! Parsed once at discovery by `crate::notes`; the rules read these facts.

use std::ops::Range;

/// A value found in the text, with where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<T> {
    /// The value read.
    pub value: T,
    /// Byte range of the text it was read from.
    pub range: Range<usize>,
}

/// A bit depth declared in the notes (`24-bit`, `32-bit float`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredDepth {
    /// Bits per sample.
    pub bits: u16,
    /// Whether the notes say float.
    pub float: bool,
}

/// Everything the notes declare that the rules compare with the audio.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct NotesFacts {
    /// Tempos in BPM.
    pub tempos: Vec<Found<f64>>,
    /// Meters as (beats, unit): `6/8` is (6, 8).
    pub meters: Vec<Found<(u32, u32)>>,
    /// Sample rates in Hz.
    pub sample_rates: Vec<Found<u32>>,
    /// Bit depths.
    pub bit_depths: Vec<Found<DeclaredDepth>>,
    /// Audio file names the notes mention.
    pub files: Vec<Found<String>>,
    /// Lines that talk about tempo but give no readable value (`Tempo: TBD`).
    pub tempo_lines: Vec<Range<usize>>,
    /// Lines that talk about meter but give no readable value.
    pub meter_lines: Vec<Range<usize>>,
    /// Statements that the music keeps no tempo or meter (`free time`, `rubato`, `no click`):
    /// they answer both questions.
    pub free_time: Vec<Range<usize>>,
}
