//! Bits actually used: a 24-bit file whose low 8 bits are always zero holds 16-bit audio.

use super::{Accumulator, Analysis, Frames, StreamSpec};
use crate::media::Block;
use crate::model::record::SampleFormat;

/// Float samples are placed on a 2^-24 grid (one bit finer than 24-bit audio), so
/// `FLOAT_GRID_BITS - trailing_zeros` is 25 for a float that is finer than 24-bit audio.
const FLOAT_GRID_BITS: u32 = 25;

pub struct BitDepth {
    container_depth: u16,
    /// Every sample ORed on its grid: the lowest set bit gives the depth.
    grid: u64,
    grid_bits: u32,
    /// Float grids have one bit finer than 24-bit audio, standing for "not integer audio".
    grid_is_float: bool,
}

impl BitDepth {
    pub fn new(spec: &StreamSpec) -> Self {
        BitDepth {
            container_depth: spec.bit_depth.unwrap_or(match spec.sample_format {
                SampleFormat::Int => 24,
                SampleFormat::Float => 32,
            }),
            grid: 0,
            grid_bits: 0,
            grid_is_float: false,
        }
    }
}

/// A float sample on the 2^-24 grid: a sample that is not on it, or too large to place, sets
/// bit 0, which reads as "finer than 24 bits".
fn float_grid(unit: f64) -> u64 {
    let scaled = unit * 16_777_216.0;
    let whole = scaled as i64;
    if whole as f64 == scaled {
        whole as u64
    } else {
        1
    }
}

impl Accumulator for BitDepth {
    fn push(&mut self, frames: &Frames<'_>) {
        match frames.raw {
            Block::Int { bits, .. } => {
                // Sign extension keeps the low bits of a negative sample: its trailing zeros
                // are its magnitude's. The low 32 bits are all the grid needs (an i32 widened
                // to u64 only repeats its sign above them).
                self.grid |= u64::from(frames.bits_used);
                self.grid_bits = bits;
                self.grid_is_float = false;
            }
            Block::Float(_) | Block::Double(_) => {
                for &unit in frames.samples {
                    self.grid |= float_grid(unit);
                }
                self.grid_bits = FLOAT_GRID_BITS;
                self.grid_is_float = true;
            }
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        analysis.effective_bit_depth = (self.grid != 0).then(|| {
            let used = self.grid_bits.saturating_sub(self.grid.trailing_zeros());
            if self.grid_is_float && used > 24 {
                self.container_depth
            } else {
                used as u16
            }
        });
    }
}
