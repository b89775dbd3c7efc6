//! Block reader for PCM WAV/RF64 data: a reused buffer, samples converted in place.
//!
//! This is the fast path that most deliveries take: large sequential reads into one byte
//! buffer, converted with `chunks_exact` (no per-sample bounds checks) into one reused sample
//! buffer, whole frames only. Memory is the buffer size whatever the file length.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::riff::{Encoding, WaveHeader};
use super::{shortfall_message, Block, SampleSource};
use crate::model::record::{FileIssue, FileIssueKind};

/// Bytes read per block: large enough that syscalls vanish in the profile, small enough to stay
/// in L2 cache while converting.
const BLOCK_BYTES: usize = 256 * 1024;

/// Streams the `data` chunk of a WAVE file read by `riff`.
pub struct PcmSource {
    file: File,
    encoding: Encoding,
    frame_bytes: usize,
    sample_rate: u32,
    declared_frames: u64,
    /// Bytes of whole-or-partial frames still to read from the file.
    remaining: u64,
    /// Set when the file holds less than the header declares, or a partial frame.
    short: bool,
    frames_read: u64,
    finished: bool,
    /// The placeholder data size of a header that was never finalised (reported at the end).
    unfinalised_size: Option<u32>,
    bytes: Vec<u8>,
    ints: Vec<i32>,
    floats: Vec<f32>,
    doubles: Vec<f64>,
}

impl PcmSource {
    /// Position `file` at the data of `header` and stream it as `encoding`.
    pub fn new(mut file: File, header: &WaveHeader, encoding: Encoding) -> io::Result<Self> {
        file.seek(SeekFrom::Start(header.data_offset))?;
        let frame_bytes = usize::from(header.fmt.block_align);
        let declared_frames = header.declared_frames();
        // A data size that is not a whole number of frames is a partial frame at the end.
        let short =
            header.data_available < header.data_size || header.data_size % frame_bytes as u64 != 0;
        Ok(PcmSource {
            file,
            encoding,
            frame_bytes,
            sample_rate: header.fmt.sample_rate,
            declared_frames,
            unfinalised_size: header.unfinalised_size,
            remaining: header.data_available,
            short,
            frames_read: 0,
            finished: false,
            bytes: Vec::new(),
            ints: Vec::new(),
            floats: Vec::new(),
            doubles: Vec::new(),
        })
    }

    /// The issue for a header whose data size was never written: every frame was read, but
    /// most tools will not.
    fn unfinalised(&self, placeholder: u32, frames: u64) -> FileIssue {
        let declared = if placeholder == 0 {
            "0 bytes".to_owned()
        } else {
            "an unknown size (0xFFFFFFFF)".to_owned()
        };
        let seconds = if self.sample_rate > 0 {
            frames as f64 / f64::from(self.sample_rate)
        } else {
            0.0
        };
        FileIssue::new(
            FileIssueKind::Corrupt,
            format!(
                "the header was never finalised: its data chunk declares {declared}, but {} frames ({seconds:.3} s) of audio follow; \
                 a recording that stopped abruptly or a file written to a pipe, which many DAWs import as empty or refuse",
                frames
            ),
        )
    }

    /// The issue for data that stops before the header says it does.
    fn shortfall(&self, partial_bytes: usize) -> FileIssue {
        let mut message = if self.frames_read < self.declared_frames {
            shortfall_message(self.declared_frames, self.frames_read, self.sample_rate)
        } else {
            format!(
                "the data chunk is not a whole number of {}-byte frames",
                self.frame_bytes
            )
        };
        if partial_bytes > 0 {
            message.push_str(&format!(
                "; the data ends with a partial frame ({partial_bytes} of {} bytes)",
                self.frame_bytes
            ));
        }
        FileIssue::new(FileIssueKind::Corrupt, message)
    }

    /// Fill the byte buffer with up to `wanted` bytes; fewer only if the file ends early.
    fn fill(&mut self, wanted: usize) -> Result<usize, FileIssue> {
        self.bytes.resize(wanted, 0);
        let mut filled = 0;
        while filled < wanted {
            match self.file.read(&mut self.bytes[filled..]) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    return Err(FileIssue::new(
                        FileIssueKind::Unreadable,
                        format!("read error after {} frames: {error}", self.frames_read),
                    ))
                }
            }
        }
        self.bytes.truncate(filled);
        Ok(filled)
    }
}

impl SampleSource for PcmSource {
    fn header_issue(&self) -> Option<FileIssue> {
        let present = self.remaining / self.frame_bytes.max(1) as u64;
        if let Some(placeholder) = self.unfinalised_size {
            return Some(self.unfinalised(placeholder, present));
        }
        self.short.then(|| {
            let message = if present < self.declared_frames {
                shortfall_message(self.declared_frames, present, self.sample_rate)
            } else {
                format!(
                    "the data chunk is not a whole number of {}-byte frames",
                    self.frame_bytes
                )
            };
            FileIssue::new(FileIssueKind::Corrupt, message)
        })
    }

    fn next_block(&mut self) -> Result<Option<Block<'_>>, FileIssue> {
        if self.finished {
            return Ok(None);
        }
        let block_frames = (BLOCK_BYTES / self.frame_bytes).max(1);
        let wanted_frames = (self.remaining / self.frame_bytes as u64).min(block_frames as u64);
        let wanted = wanted_frames as usize * self.frame_bytes;
        let filled = if wanted == 0 { 0 } else { self.fill(wanted)? };
        let whole = filled - filled % self.frame_bytes;
        if whole == 0 {
            self.finished = true;
            // Whatever is left is less than one frame: the file may have been cut mid-frame.
            let partial = (self.remaining.min(self.frame_bytes as u64)) as usize;
            let partial = if filled > 0 { filled } else { partial };
            return if self.short || partial > 0 {
                Err(self.shortfall(partial))
            } else if let Some(placeholder) = self.unfinalised_size {
                Err(self.unfinalised(placeholder, self.frames_read))
            } else {
                Ok(None)
            };
        }
        if filled < wanted {
            // The file ended before the data chunk did (it changed under us, or `remaining`
            // was generous): stream what we got, then report on the next call.
            self.short = true;
            self.remaining = (filled - whole) as u64;
        } else {
            self.remaining -= whole as u64;
        }
        self.frames_read += (whole / self.frame_bytes) as u64;
        let bytes = &self.bytes[..whole];
        Ok(Some(match self.encoding {
            Encoding::Int {
                bytes: 1,
                valid_bits,
            } => {
                let shift = 32 - u32::from(valid_bits);
                convert(
                    &mut self.ints,
                    bytes.iter().map(|&byte| {
                        // 8-bit WAV is unsigned with 128 as silence.
                        (i32::from(byte ^ 0x80) << 24) >> shift
                    }),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: u32::from(valid_bits),
                }
            }
            Encoding::Int {
                bytes: 2,
                valid_bits,
            } => {
                let shift = 32 - u32::from(valid_bits);
                convert(
                    &mut self.ints,
                    bytes
                        .chunks_exact(2)
                        .map(|b| (i32::from(i16::from_le_bytes([b[0], b[1]])) << 16) >> shift),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: u32::from(valid_bits),
                }
            }
            Encoding::Int {
                bytes: 3,
                valid_bits,
            } => {
                let shift = 32 - u32::from(valid_bits);
                convert(
                    &mut self.ints,
                    bytes
                        .chunks_exact(3)
                        .map(|b| i32::from_le_bytes([0, b[0], b[1], b[2]]) >> shift),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: u32::from(valid_bits),
                }
            }
            Encoding::Int { valid_bits, .. } => {
                let shift = 32 - u32::from(valid_bits);
                convert(
                    &mut self.ints,
                    bytes
                        .chunks_exact(4)
                        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) >> shift),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: u32::from(valid_bits),
                }
            }
            Encoding::Float32 => {
                convert(
                    &mut self.floats,
                    bytes
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                );
                Block::Float(&self.floats)
            }
            Encoding::Float64 => {
                convert(
                    &mut self.doubles,
                    bytes.chunks_exact(8).map(|b| {
                        f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                    }),
                );
                Block::Double(&self.doubles)
            }
        }))
    }
}

/// Refill a reused sample buffer: `extend` from an exact-size iterator writes without
/// reallocating once the buffer has reached block size.
fn convert<T>(buffer: &mut Vec<T>, samples: impl Iterator<Item = T>) {
    buffer.clear();
    buffer.extend(samples);
}
