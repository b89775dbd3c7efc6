//! Block reader for PCM WAV/RF64 data: a reused buffer, samples converted in place.
//!
//! This is the fast path that most deliveries take: large sequential reads into one byte
//! buffer, converted with `chunks_exact` (no per-sample bounds checks) into one reused sample
//! buffer, whole frames only. Memory is the buffer size whatever the file length.
//!
//! Besides little-endian integer and float PCM it reads big-endian (RIFX) samples, G.711
//! µ-law and A-law (decoded to 16-bit linear through a table), and integers deeper than 32
//! bits in 5- to 8-byte slots (handed on as doubles in full-scale units, which hold 53 bits
//! exactly). When the header carries an `MD5 ` chunk, the bytes read are hashed on the way:
//! the checksum costs no second read.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use symphonia::core::checksum::Md5;
use symphonia::core::io::Monitor;

use super::riff::{Encoding, WaveHeader};
use super::{shortfall_message, Block, SampleSource};
use crate::media::simd::multiversion;
use crate::model::record::{Endianness, FileIssue, FileIssueKind};

/// Bytes read per block: large enough that syscalls vanish in the profile, small enough to stay
/// in L2 cache while converting.
const BLOCK_BYTES: usize = 128 * 1024;

/// Streams the `data` chunk of a WAVE file read by `riff`.
pub struct PcmSource {
    file: File,
    encoding: Encoding,
    big_endian: bool,
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
    /// The data chunk's size as declared, for messages.
    data_size: u64,
    /// Header fields that contradict each other, reported once the audio is read.
    contradictions: Vec<String>,
    /// The digest the `MD5 ` chunk promises, and the running hash of the bytes read.
    md5: Option<([u8; 16], Md5)>,
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
            big_endian: header.endianness() == Endianness::Big,
            frame_bytes,
            sample_rate: header.fmt.sample_rate,
            declared_frames,
            unfinalised_size: header.unfinalised_size,
            data_size: header.data_size,
            contradictions: header.contradictions.clone(),
            md5: header
                .md5_digest()
                .map(|expected| (expected, Md5::default())),
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
            self.partial_frame_message()
        };
        if partial_bytes > 0 {
            message.push_str(&format!(
                "; the data ends with a partial frame ({partial_bytes} of {} bytes)",
                self.frame_bytes
            ));
        }
        FileIssue::new(FileIssueKind::Corrupt, message)
    }

    /// The data size that is not a whole number of frames, with its figures.
    fn partial_frame_message(&self) -> String {
        let frame = self.frame_bytes as u64;
        format!(
            "the data chunk's size ({} bytes) is not a whole number of {frame}-byte frames \
             (block align {frame}): {} frames and {} bytes",
            self.data_size,
            self.data_size / frame.max(1),
            self.data_size % frame.max(1)
        )
    }

    /// What is wrong that only the end of the stream can say: the `MD5 ` chunk's digest that
    /// the audio does not match, and header fields that contradict each other. Reported as one
    /// issue, after the last block.
    fn end_issue(&mut self) -> Option<FileIssue> {
        let mut problems = self.contradictions.clone();
        if let Some((expected, hash)) = &self.md5 {
            let actual = hash.md5();
            if actual != *expected && self.remaining == 0 && !self.short {
                problems.push(format!(
                    "the audio is damaged: the MD5 chunk says the data chunk hashes to {}, but \
                     it hashes to {}",
                    hex(expected),
                    hex(&actual)
                ));
            }
        }
        (!problems.is_empty()).then(|| FileIssue::new(FileIssueKind::Corrupt, problems.join("; ")))
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
        let mut problems = self.contradictions.clone();
        if self.short {
            problems.insert(
                0,
                if present < self.declared_frames {
                    shortfall_message(self.declared_frames, present, self.sample_rate)
                } else {
                    self.partial_frame_message()
                },
            );
        }
        (!problems.is_empty()).then(|| FileIssue::new(FileIssueKind::Corrupt, problems.join("; ")))
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
            let first = if self.short || partial > 0 {
                Some(self.shortfall(partial))
            } else {
                self.unfinalised_size
                    .map(|placeholder| self.unfinalised(placeholder, self.frames_read))
            };
            return match (first, self.end_issue()) {
                (Some(mut issue), Some(more)) => {
                    issue.message.push_str("; ");
                    issue.message.push_str(&more.message);
                    Err(issue)
                }
                (Some(issue), None) | (None, Some(issue)) => Err(issue),
                (None, None) => Ok(None),
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
        if let Some((_, hash)) = &mut self.md5 {
            hash.process_buf_bytes(bytes);
        }
        if self.big_endian {
            return Ok(Some(self.convert_big_endian(whole)));
        }
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
                self.ints.resize(bytes.len() / 3, 0);
                unpack_24(bytes, shift, &mut self.ints);
                Block::Int {
                    samples: &self.ints,
                    bits: u32::from(valid_bits),
                }
            }
            Encoding::Int {
                bytes: 4,
                valid_bits,
            } => {
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
            Encoding::Int {
                bytes: slot,
                valid_bits,
            } => wide(
                bytes,
                usize::from(slot),
                valid_bits,
                false,
                &mut self.ints,
                &mut self.doubles,
            ),
            Encoding::MuLaw => {
                convert(
                    &mut self.ints,
                    bytes
                        .iter()
                        .map(|&code| i32::from(MULAW[usize::from(code)])),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: 16,
                }
            }
            Encoding::ALaw => {
                convert(
                    &mut self.ints,
                    bytes.iter().map(|&code| i32::from(ALAW[usize::from(code)])),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: 16,
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

impl PcmSource {
    /// Convert the first `whole` bytes of the buffer from big-endian (RIFX) samples.
    fn convert_big_endian(&mut self, whole: usize) -> Block<'_> {
        let bytes = &self.bytes[..whole];
        match self.encoding {
            Encoding::Int {
                bytes: slot @ 1..=4,
                valid_bits,
            } => {
                let slot = usize::from(slot);
                let shift = 32 - u32::from(valid_bits);
                convert(
                    &mut self.ints,
                    bytes.chunks_exact(slot).map(|b| {
                        let mut word = [0u8; 4];
                        word[..slot].copy_from_slice(b);
                        if slot == 1 {
                            // 8-bit WAVE is unsigned in either byte order.
                            word[0] ^= 0x80;
                        }
                        i32::from_be_bytes(word) >> shift
                    }),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: u32::from(valid_bits),
                }
            }
            Encoding::Int {
                bytes: slot,
                valid_bits,
            } => wide(
                bytes,
                usize::from(slot),
                valid_bits,
                true,
                &mut self.ints,
                &mut self.doubles,
            ),
            Encoding::Float32 => {
                convert(
                    &mut self.floats,
                    bytes
                        .chunks_exact(4)
                        .map(|b| f32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                );
                Block::Float(&self.floats)
            }
            Encoding::Float64 => {
                convert(
                    &mut self.doubles,
                    bytes.chunks_exact(8).map(|b| {
                        f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                    }),
                );
                Block::Double(&self.doubles)
            }
            // One byte per sample: no byte order.
            Encoding::MuLaw | Encoding::ALaw => {
                let table = if self.encoding == Encoding::MuLaw {
                    &MULAW
                } else {
                    &ALAW
                };
                convert(
                    &mut self.ints,
                    bytes
                        .iter()
                        .map(|&code| i32::from(table[usize::from(code)])),
                );
                Block::Int {
                    samples: &self.ints,
                    bits: 16,
                }
            }
        }
    }
}

/// Integer samples in `slot`-byte slots (5 to 8; 1 to 4 are read by the fast paths), of which
/// the top `valid_bits` carry audio. Up to 32 valid bits they fit `Block::Int`; deeper ones are
/// handed on as doubles in full-scale units, exact up to 53 bits (64-bit audio loses its lowest
/// 11 bits, far below any converter's noise).
fn wide<'a>(
    bytes: &[u8],
    slot: usize,
    valid_bits: u16,
    big_endian: bool,
    ints: &'a mut Vec<i32>,
    doubles: &'a mut Vec<f64>,
) -> Block<'a> {
    let slot = slot.clamp(1, 8);
    let valid = u32::from(valid_bits).clamp(1, 64);
    // Each sample left-aligned in an i64, its unused low bits cleared.
    let samples = bytes.chunks_exact(slot).map(move |b| {
        let mut word = [0u8; 8];
        if big_endian {
            word[..slot].copy_from_slice(b);
            i64::from_be_bytes(word)
        } else {
            word[8 - slot..].copy_from_slice(b);
            i64::from_le_bytes(word)
        }
    });
    if valid <= 32 {
        let shift = 64 - valid;
        convert(ints, samples.map(|sample| (sample >> shift) as i32));
        Block::Int {
            samples: ints,
            bits: valid,
        }
    } else {
        let keep = (!0u64 << (64 - valid)) as i64;
        let scale = 1.0 / 9_223_372_036_854_775_808.0; // 2^-63
        convert(
            doubles,
            samples.map(|sample| (sample & keep) as f64 * scale),
        );
        Block::Double(doubles)
    }
}

/// G.711 µ-law codes decoded to 16-bit linear (±32124), as the ITU reference and ffmpeg do.
static MULAW: [i16; 256] = g711_table(false);
/// G.711 A-law codes decoded to 16-bit linear (±32256).
static ALAW: [i16; 256] = g711_table(true);

const fn g711_table(alaw: bool) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = if alaw {
            alaw_to_linear(code as u8)
        } else {
            mulaw_to_linear(code as u8)
        };
        code += 1;
    }
    table
}

const fn mulaw_to_linear(code: u8) -> i16 {
    let code = !code;
    let magnitude = ((((code & 0x0F) as i32) << 3) + 0x84) << ((code & 0x70) >> 4);
    (if code & 0x80 != 0 {
        0x84 - magnitude
    } else {
        magnitude - 0x84
    }) as i16
}

const fn alaw_to_linear(code: u8) -> i16 {
    let code = code ^ 0x55;
    let mantissa = (code & 0x0F) as i32;
    let segment = ((code & 0x70) >> 4) as i32;
    let magnitude = if segment > 0 {
        (mantissa * 2 + 1 + 32) << (segment + 2)
    } else {
        (mantissa * 2 + 1) << 3
    };
    (if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }) as i16
}

fn hex(digest: &[u8; 16]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

multiversion! {
    /// Little-endian 24-bit samples into the top of an i32, shifted down to `32 - shift` bits.
    fn unpack_24(bytes: &[u8], shift: u32, out: &mut [i32]) {
        for (out, b) in out.iter_mut().zip(bytes.chunks_exact(3)) {
            *out = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> shift;
        }
    }
}

/// Refill a reused sample buffer: `extend` from an exact-size iterator writes without
/// reallocating once the buffer has reached block size.
fn convert<T>(buffer: &mut Vec<T>, samples: impl Iterator<Item = T>) {
    buffer.clear();
    buffer.extend(samples);
}
