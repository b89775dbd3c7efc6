//! RIFF / RF64 / BW64 / RIFX / Wave64 chunk reader: `fmt ` (incl. WAVE_FORMAT_EXTENSIBLE),
//! `ds64`, `data`, `fact`, `bext`, `iXML` and `MD5 `.
//!
//! The flavours differ only in how a chunk header is written: RIFF and its 64-bit cousins use a
//! four-character id and a little-endian 32-bit size, RIFX the same in big-endian (every
//! number in the file is big-endian, samples too), Sony Wave64 a 16-byte GUID and a 64-bit size
//! that counts its own 24-byte header, chunks aligned to 8 bytes (`wave64.rs`).
//!
//! Symphonia's WAV reader neither reads RF64/BW64 nor exposes `bext`/`iXML`, so WAVE headers are
//! read here. The walk trusts no size field: every read is bounded by what we need and by the
//! file's real length, and chunks we do not need are skipped by seeking, never read.

use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

use super::wave64;
use crate::model::record::{Bext, Container, Endianness, FileIssue, FileIssueKind};

/// `WAVE_FORMAT_PCM`.
const FORMAT_PCM: u16 = 0x0001;
/// `WAVE_FORMAT_IEEE_FLOAT`.
const FORMAT_IEEE_FLOAT: u16 = 0x0003;
/// `WAVE_FORMAT_ALAW` (G.711 A-law).
const FORMAT_ALAW: u16 = 0x0006;
/// `WAVE_FORMAT_MULAW` (G.711 µ-law).
const FORMAT_MULAW: u16 = 0x0007;
/// `WAVE_FORMAT_EXTENSIBLE`: the real format is the first two bytes of the sub-format GUID.
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// The tail shared by every `KSDATAFORMAT_SUBTYPE_*` GUID derived from a format tag.
const SUBTYPE_GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];
/// In RF64/BW64 a 32-bit size of all ones means "see the 64-bit size in `ds64`".
const SIZE_IN_DS64: u32 = 0xFFFF_FFFF;
/// The bytes of `bext` we read: the fixed fields up to and including the time reference.
const BEXT_FIELDS_LEN: usize = 346;
/// iXML is metadata text, a few KB in practice; anything beyond this is not worth keeping.
const IXML_MAX_LEN: u64 = 1 << 20;
/// `fmt ` is 16, 18 or 40 bytes; we read at most this much of it whatever it claims.
const FMT_MAX_LEN: u64 = 40;

/// The WAVE file flavours: classic RIFF (4 GiB limit), the two 64-bit ones, big-endian RIFX
/// and Sony Wave64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiffKind {
    /// `RIFF`: classic WAVE, sizes in 32 bits (files up to 4 GiB).
    Riff,
    /// `RF64`: 64-bit sizes in the `ds64` chunk (EBU Tech 3306).
    Rf64,
    /// `BW64`: ITU-R BS.2088, RF64's successor.
    Bw64,
    Rifx,
    W64,
}

/// Bytes of a file's head `RiffKind::sniff` needs (Wave64's two GUIDs and its size).
pub const SNIFF_LEN: usize = 40;

impl RiffKind {
    /// Recognise a WAVE file from its first bytes (12, or 40 for Wave64).
    pub fn sniff(head: &[u8]) -> Option<RiffKind> {
        if wave64::is_wave64(head) {
            return Some(RiffKind::W64);
        }
        if head.len() < 12 || &head[8..12] != b"WAVE" {
            return None;
        }
        match &head[0..4] {
            b"RIFF" => Some(RiffKind::Riff),
            b"RF64" => Some(RiffKind::Rf64),
            b"BW64" => Some(RiffKind::Bw64),
            b"RIFX" => Some(RiffKind::Rifx),
            _ => None,
        }
    }

    /// The container this kind is reported as.
    pub fn container(self) -> Container {
        match self {
            RiffKind::Riff => Container::Wav,
            RiffKind::Rf64 => Container::Rf64,
            RiffKind::Bw64 => Container::Bw64,
            RiffKind::Rifx => Container::Rifx,
            RiffKind::W64 => Container::W64,
        }
    }

    /// The byte order of every number in the file, samples included.
    pub fn endianness(self) -> Endianness {
        if self == RiffKind::Rifx {
            Endianness::Big
        } else {
            Endianness::Little
        }
    }

    /// Bytes before the first chunk: the file header.
    fn header_len(self) -> u64 {
        if self == RiffKind::W64 {
            wave64::HEADER_LEN
        } else {
            12
        }
    }

    /// Bytes of a chunk header.
    fn chunk_header_len(self) -> u64 {
        if self == RiffKind::W64 {
            wave64::CHUNK_HEADER_LEN
        } else {
            8
        }
    }
}

/// Reads the numbers of a file in its byte order.
#[derive(Debug, Clone, Copy)]
struct Order(Endianness);

impl Order {
    fn u16(self, bytes: &[u8]) -> u16 {
        let array = [bytes[0], bytes[1]];
        match self.0 {
            Endianness::Little => u16::from_le_bytes(array),
            Endianness::Big => u16::from_be_bytes(array),
        }
    }

    fn u32(self, bytes: &[u8]) -> u32 {
        let array = [bytes[0], bytes[1], bytes[2], bytes[3]];
        match self.0 {
            Endianness::Little => u32::from_le_bytes(array),
            Endianness::Big => u32::from_be_bytes(array),
        }
    }
}

/// How the samples of the `data` chunk are stored, where it is a layout we stream ourselves
/// (in the file's byte order, `WaveHeader::endianness`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Integer PCM in `bytes`-byte slots (1 to 8; 8-bit is unsigned), of which the top
    /// `valid_bits` carry audio.
    Int {
        /// Bytes per sample in the file.
        bytes: u16,
        /// Bits of each sample that carry audio.
        valid_bits: u16,
    },
    /// IEEE 754 single precision.
    Float32,
    /// IEEE 754 double precision.
    Float64,
    /// G.711 µ-law: one 8-bit code per sample.
    MuLaw,
    /// G.711 A-law: one 8-bit code per sample.
    ALaw,
}

/// The `fmt ` chunk as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FmtChunk {
    /// `wFormatTag`: 1 PCM, 3 IEEE float, 0xFFFE extensible.
    pub format_tag: u16,
    /// `nChannels`.
    pub channels: u16,
    /// `nSamplesPerSec`.
    pub sample_rate: u32,
    /// `nAvgBytesPerSec`.
    pub byte_rate: u32,
    /// `nBlockAlign`: bytes per frame.
    pub block_align: u16,
    /// `wBitsPerSample`: the container's bits per sample.
    pub bits_per_sample: u16,
    /// WAVE_FORMAT_EXTENSIBLE only: `wValidBitsPerSample` (0 means "all of them").
    pub valid_bits: Option<u16>,
    /// WAVE_FORMAT_EXTENSIBLE only: `dwChannelMask`, the speaker positions.
    pub channel_mask: Option<u32>,
    /// WAVE_FORMAT_EXTENSIBLE only: the format tag inside the sub-format GUID, when the GUID
    /// is one of the standard `KSDATAFORMAT_SUBTYPE_*` ones.
    pub sub_format: Option<u16>,
}

impl FmtChunk {
    /// The format tag that says what the samples are (resolving EXTENSIBLE).
    pub fn effective_format(&self) -> Option<u16> {
        if self.format_tag == FORMAT_EXTENSIBLE {
            self.sub_format
        } else {
            Some(self.format_tag)
        }
    }

    /// Bits of audio per sample: the valid bits of EXTENSIBLE, otherwise `wBitsPerSample`.
    pub fn bit_depth(&self) -> u16 {
        match self.valid_bits {
            Some(valid) if valid > 0 => valid,
            _ => self.bits_per_sample,
        }
    }

    /// The layout to stream with our PCM reader, or None for anything else (ADPCM, unusual
    /// slot sizes), which symphonia gets to try.
    pub fn encoding(&self) -> Option<Encoding> {
        let slot_bytes = self.block_align / self.channels;
        if slot_bytes * self.channels != self.block_align {
            return None;
        }
        let bit_depth = self.bit_depth();
        match (self.effective_format()?, slot_bytes) {
            (FORMAT_PCM, 1..=8) if bit_depth >= 1 && bit_depth <= slot_bytes * 8 => {
                Some(Encoding::Int {
                    bytes: slot_bytes,
                    valid_bits: bit_depth,
                })
            }
            (FORMAT_IEEE_FLOAT, 4) => Some(Encoding::Float32),
            (FORMAT_IEEE_FLOAT, 8) => Some(Encoding::Float64),
            (FORMAT_MULAW, 1) => Some(Encoding::MuLaw),
            (FORMAT_ALAW, 1) => Some(Encoding::ALaw),
            _ => None,
        }
    }

    /// For the uncompressed formats (integer, float, µ-law, A-law), where the frame size
    /// follows from the channels and the sample size: the field that contradicts the others,
    /// named with its value, or None. A block align that fits no whole number of samples makes
    /// the audio unreadable; a wrong byte rate does not, but says the writer was broken.
    fn contradictions(&self) -> (Option<String>, Option<String>) {
        let Some(format) = self.effective_format() else {
            return (None, None);
        };
        if ![FORMAT_PCM, FORMAT_IEEE_FLOAT, FORMAT_MULAW, FORMAT_ALAW].contains(&format) {
            return (None, None);
        }
        let channels = u32::from(self.channels);
        let align = u32::from(self.block_align);
        let bits = u32::from(self.bits_per_sample);
        let sample_bytes = bits.div_ceil(8);
        let slot = align / channels;
        let frame = |what: String| {
            format!(
                "the header contradicts itself: block align (bytes per frame) is {align}, but \
                 {channels} channel{} of {what} take {} bytes per frame",
                if channels == 1 { "" } else { "s" },
                channels * sample_bytes
            )
        };
        let layout = match format {
            FORMAT_IEEE_FLOAT if bits != 32 && bits != 64 => Some(format!(
                "the header contradicts itself: it declares {bits}-bit floating-point samples, \
                 but IEEE float samples are 32 or 64 bits"
            )),
            FORMAT_MULAW | FORMAT_ALAW if bits != 8 => Some(format!(
                "the header contradicts itself: it declares {bits}-bit µ-law/A-law samples, but \
                 G.711 codes are 8 bits"
            )),
            FORMAT_IEEE_FLOAT | FORMAT_MULAW | FORMAT_ALAW
                if align % channels != 0 || slot != sample_bytes =>
            {
                Some(frame(format!("{bits} bits")))
            }
            // Audio in a wider slot (20-bit in 4 bytes) is allowed; a slot too narrow is not.
            _ if align % channels != 0 || slot < sample_bytes.max(1) || slot > 8 => {
                Some(frame(format!("{bits} bits")))
            }
            _ => match self.valid_bits {
                Some(valid) if u32::from(valid) > bits => Some(format!(
                    "the header contradicts itself: {valid} valid bits per sample \
                     (wValidBitsPerSample) in a {bits}-bit container (wBitsPerSample)"
                )),
                _ => None,
            },
        };
        let expected_rate = u64::from(self.sample_rate) * u64::from(align);
        let byte_rate = (u64::from(self.byte_rate) != expected_rate).then(|| {
            format!(
                "the header contradicts itself: byte rate is {} bytes per second, but {} Hz × \
                 block align {align} makes {expected_rate}",
                self.byte_rate, self.sample_rate
            )
        });
        (layout, byte_rate)
    }

    /// Whether the samples are IEEE floats (by the format tag or the extensible subformat).
    pub fn is_float(&self) -> bool {
        self.effective_format() == Some(FORMAT_IEEE_FLOAT)
    }

    pub fn companding(&self) -> Option<crate::model::record::Companding> {
        use crate::model::record::Companding;
        match self.effective_format()? {
            FORMAT_MULAW => Some(Companding::MuLaw),
            FORMAT_ALAW => Some(Companding::ALaw),
            _ => None,
        }
    }
}

/// Everything a WAVE header told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveHeader {
    /// RIFF, RF64 or BW64.
    pub kind: RiffKind,
    /// The `fmt ` chunk.
    pub fmt: FmtChunk,
    /// Byte offset of the first sample.
    pub data_offset: u64,
    /// Bytes of sample data the header declares (from `ds64` in RF64/BW64).
    pub data_size: u64,
    /// Bytes of sample data actually in the file (less than `data_size` when truncated).
    pub data_available: u64,
    /// `ds64` sample count (RF64/BW64), often 0 because writers leave it out.
    pub ds64_sample_count: Option<u64>,
    /// `fact` sample count (per channel), as written.
    pub fact_frames: Option<u32>,
    /// The Broadcast WAV `bext` chunk, when there is one.
    pub bext: Option<Bext>,
    /// The `iXML` chunk's text, when there is one.
    pub ixml: Option<String>,
    /// The data size a never-finalised header wrote (0, or 0xFFFFFFFF for "unknown") while
    /// audio follows it to the end of the file: a recording that stopped abruptly, or a file
    /// written to a pipe. `data_size` then holds what the file really has.
    pub unfinalised_size: Option<u32>,
    /// The `MD5 ` chunk (BWF MetaEdit): the digest of the data chunk's bytes as written,
    /// i.e. byte-reversed (see `md5_digest`).
    pub md5_chunk: Option<[u8; 16]>,
    /// Header fields that contradict each other without making the audio unreadable (a
    /// byte rate that is not rate × block align): `file/corrupt`, after the audio is read.
    pub contradictions: Vec<String>,
    /// Size fields that disagree with the chunks present (RIFF size, `ds64` sample count):
    /// reported at info, the audio reads fine.
    pub size_notes: Vec<String>,
}

impl WaveHeader {
    /// Frames the header declares: the data size over the frame size.
    pub fn declared_frames(&self) -> u64 {
        self.data_size / u64::from(self.fmt.block_align)
    }

    pub fn endianness(&self) -> Endianness {
        self.kind.endianness()
    }

    /// The MD5 digest the `MD5 ` chunk holds, in the usual order (as `md5sum` prints it). BWF
    /// MetaEdit reads and writes the 16 bytes as one little-endian 128-bit number, so the chunk
    /// holds the digest byte-reversed.
    pub fn md5_digest(&self) -> Option<[u8; 16]> {
        self.md5_chunk.map(|mut stored| {
            stored.reverse();
            stored
        })
    }
}

/// Why a WAVE header could not be read.
#[derive(Debug)]
pub enum RiffError {
    /// Not a RIFF/RF64/BW64 WAVE file at all.
    NotWave,
    /// A WAVE file whose header is broken; the text says how, for an engineer.
    Corrupt(String),
    /// Reading the file failed.
    Io(io::Error),
}

impl fmt::Display for RiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RiffError::NotWave => f.write_str("not a RIFF/RF64/BW64/RIFX/Wave64 WAVE file"),
            RiffError::Corrupt(message) => f.write_str(message),
            RiffError::Io(error) => write!(f, "read error: {error}"),
        }
    }
}

impl std::error::Error for RiffError {}

impl From<RiffError> for FileIssue {
    fn from(error: RiffError) -> FileIssue {
        let kind = match error {
            RiffError::NotWave => FileIssueKind::NotAudio,
            RiffError::Corrupt(_) => FileIssueKind::Corrupt,
            RiffError::Io(_) => FileIssueKind::Unreadable,
        };
        FileIssue::new(kind, error.to_string())
    }
}

/// Read a WAVE header from the start of `reader`, whose total length is `file_len`.
pub fn read_header<R: Read + Seek>(reader: &mut R, file_len: u64) -> Result<WaveHeader, RiffError> {
    reader.seek(SeekFrom::Start(0)).map_err(RiffError::Io)?;
    let mut head = [0u8; SNIFF_LEN];
    let head_len = read_up_to(reader, &mut head)?;
    let kind = RiffKind::sniff(&head[..head_len]).ok_or(RiffError::NotWave)?;
    let order = Order(kind.endianness());
    // The size the file header declares for everything after it.
    let riff_size = if kind == RiffKind::W64 {
        wave64::file_size(&head)
    } else {
        u64::from(order.u32(&head[4..8]))
    };

    let mut walk = Walk {
        kind,
        order,
        fmt: None,
        ds64: None,
        data: None,
        unfinalised_size: None,
        fact_frames: None,
        bext: None,
        ixml: None,
        md5: None,
        data_size32: None,
        end: kind.header_len(),
    };
    let chunk_header = kind.chunk_header_len();
    let mut position = kind.header_len();
    while position + chunk_header <= file_len {
        reader
            .seek(SeekFrom::Start(position))
            .map_err(RiffError::Io)?;
        let mut raw = [0u8; wave64::CHUNK_HEADER_LEN as usize];
        let raw = &mut raw[..chunk_header as usize];
        if (read_up_to(reader, raw)? as u64) < chunk_header {
            break;
        }
        let (id, size32, size) = if kind == RiffKind::W64 {
            let (id, size) = wave64::chunk_head(raw);
            (id, u32::try_from(size).unwrap_or(u32::MAX), size)
        } else {
            let id = [raw[0], raw[1], raw[2], raw[3]];
            let size32 = order.u32(&raw[4..8]);
            (id, size32, walk.chunk_size(&id, size32))
        };
        let body = position + chunk_header;
        let remaining = file_len - body;

        if &id == b"data"
            && kind == RiffKind::Riff
            && remaining > 0
            && (size32 == u32::MAX || (size32 == 0 && !chunk_follows(reader, body, remaining)?))
        {
            // A writer that could not seek back left its placeholder size: the audio runs to
            // the end of the file (trailing metadata cannot be told from it, so none is read).
            walk.data = Some((body, remaining, remaining));
            walk.unfinalised_size = Some(size32);
            break;
        }
        if &id == b"data" {
            walk.data = Some((body, size, size.min(remaining)));
            walk.data_size32 = Some(size32);
            walk.end = body.saturating_add(size);
            if size >= remaining {
                // A truncated data chunk runs to the end of the file: nothing follows it.
                break;
            }
        } else if size > remaining {
            if walk.fmt.is_some() && walk.data.is_some() {
                // Broken metadata after the audio: the audio itself is intact, stop here.
                break;
            }
            return Err(RiffError::Corrupt(format!(
                "the header is damaged: chunk '{}' at byte {position} claims {size} bytes but \
                 only {remaining} follow it",
                printable(&id)
            )));
        } else {
            walk.read_chunk(reader, &id, size)?;
            walk.end = body + size;
        }
        position = if kind == RiffKind::W64 {
            wave64::next_chunk(body, size)
        } else {
            next_chunk(reader, body, size, file_len)?
        };
        if position <= file_len {
            walk.end = walk.end.max(position);
        }
    }
    walk.finish(file_len, riff_size)
}

/// Does a plausible chunk header (four printable characters and a size that fits) start at
/// `position`? Tells an empty `data` chunk followed by metadata from a size never written.
fn chunk_follows<R: Read + Seek>(
    reader: &mut R,
    position: u64,
    remaining: u64,
) -> Result<bool, RiffError> {
    if remaining < 8 {
        return Ok(false);
    }
    reader
        .seek(SeekFrom::Start(position))
        .map_err(RiffError::Io)?;
    let mut head = [0u8; 8];
    if read_up_to(reader, &mut head)? < 8 {
        return Ok(false);
    }
    let printable = head[..4].iter().all(|byte| (0x20..0x7f).contains(byte));
    let size = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
    Ok(printable && size <= remaining - 8)
}

/// State of the chunk walk.
struct Walk {
    kind: RiffKind,
    order: Order,
    fmt: Option<FmtChunk>,
    /// (RIFF size, data size, sample count) from `ds64`.
    ds64: Option<(u64, u64, u64)>,
    /// (offset, declared size, available size) of `data`.
    data: Option<(u64, u64, u64)>,
    /// The placeholder size of a `data` chunk whose header was never finalised.
    unfinalised_size: Option<u32>,
    fact_frames: Option<u32>,
    bext: Option<Bext>,
    ixml: Option<String>,
    md5: Option<[u8; 16]>,
    /// The `data` chunk's own 32-bit size field, as written.
    data_size32: Option<u32>,
    /// Where the last chunk read ends (with its pad byte): the end of the RIFF's content.
    end: u64,
}

impl Walk {
    /// The real size of a chunk, resolving RF64's "see ds64" marker for `data`. A writer
    /// that put a smaller 32-bit size in the data chunk than in ds64 is overruled by ds64,
    /// the authority in a 64-bit file (`finish` does the same).
    fn chunk_size(&self, id: &[u8; 4], size32: u32) -> u64 {
        match (self.kind, self.ds64) {
            (RiffKind::Rf64 | RiffKind::Bw64, Some((_, data_size, _))) if id == b"data" => {
                if size32 == SIZE_IN_DS64 {
                    data_size
                } else {
                    data_size.max(u64::from(size32))
                }
            }
            _ => u64::from(size32),
        }
    }

    fn read_chunk<R: Read + Seek>(
        &mut self,
        reader: &mut R,
        id: &[u8; 4],
        size: u64,
    ) -> Result<(), RiffError> {
        match id {
            b"fmt " => {
                self.fmt = Some(parse_fmt(
                    &read_bounded(reader, size, FMT_MAX_LEN)?,
                    self.order,
                )?)
            }
            b"ds64" => {
                let body = read_bounded(reader, size, 24)?;
                if body.len() < 24 {
                    return Err(RiffError::Corrupt(format!(
                        "the ds64 chunk is {} bytes, too short for the 64-bit sizes",
                        body.len()
                    )));
                }
                self.ds64 = Some((
                    le_u64(&body[0..8]),
                    le_u64(&body[8..16]),
                    le_u64(&body[16..24]),
                ));
            }
            b"fact" => {
                let body = read_bounded(reader, size, 4)?;
                if body.len() == 4 {
                    self.fact_frames = Some(self.order.u32(&body));
                }
            }
            b"bext" => {
                self.bext = Some(parse_bext(
                    &read_bounded(reader, size, BEXT_FIELDS_LEN as u64)?,
                    self.order,
                ))
            }
            b"iXML" => {
                let body = read_bounded(reader, size, IXML_MAX_LEN)?;
                let text = String::from_utf8_lossy(&body);
                self.ixml = Some(text.trim_end_matches('\0').to_owned());
            }
            b"MD5 " => {
                let body = read_bounded(reader, size, 16)?;
                if let Ok(digest) = <[u8; 16]>::try_from(body.as_slice()) {
                    self.md5 = Some(digest);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self, file_len: u64, riff_size: u64) -> Result<WaveHeader, RiffError> {
        let fmt = self.fmt.take().ok_or_else(|| {
            RiffError::Corrupt("the WAVE header has no 'fmt ' chunk: the format is unknown".into())
        })?;
        let (data_offset, mut data_size, mut data_available) = self.data.ok_or_else(|| {
            RiffError::Corrupt("the WAVE file has no 'data' chunk: it holds no audio".into())
        })?;
        let (layout, byte_rate) = fmt.contradictions();
        if let Some(layout) = layout {
            return Err(RiffError::Corrupt(format!(
                "{layout}: the samples cannot be told apart"
            )));
        }
        if self.unfinalised_size.is_some() && fmt.block_align > 0 {
            // Whole frames only: a partial frame at the end of an unfinished file is not data.
            data_size -= data_size % u64::from(fmt.block_align);
            data_available = data_size;
        }
        if matches!(self.kind, RiffKind::Rf64 | RiffKind::Bw64) {
            let (_, ds64_size, _) = self.ds64.ok_or_else(|| {
                RiffError::Corrupt(
                    "the RF64/BW64 file has no ds64 chunk: its data size is unknown".into(),
                )
            })?;
            // Some writers put the real size in ds64 but a small value (not all ones) in the
            // data chunk; ds64 is the authority in a 64-bit file.
            if ds64_size > data_size {
                data_size = ds64_size;
                data_available = data_size.min(file_len.saturating_sub(data_offset));
            }
        }
        let mut size_notes = Vec::new();
        // Sizes are only worth comparing in a file that is whole and was finalised: a cut or
        // unfinished one is reported as corrupt already.
        if data_available == data_size && self.unfinalised_size.is_none() {
            size_notes = self.size_notes(riff_size, data_size / u64::from(fmt.block_align));
        }
        Ok(WaveHeader {
            kind: self.kind,
            fmt,
            data_offset,
            data_size,
            data_available,
            ds64_sample_count: self.ds64.map(|(_, _, samples)| samples),
            fact_frames: self.fact_frames,
            bext: self.bext.take(),
            ixml: self.ixml.take(),
            unfinalised_size: self.unfinalised_size,
            md5_chunk: self.md5,
            contradictions: byte_rate.into_iter().collect(),
            size_notes,
        })
    }

    /// The size fields that disagree with the chunks the walk found: the RIFF size (or the
    /// `ds64` one, or Wave64's) and the `ds64` sample count.
    fn size_notes(&self, riff_size: u64, frames: u64) -> Vec<String> {
        let mut notes = Vec::new();
        let (name, declared, present) = match (self.kind, self.ds64) {
            (RiffKind::W64, _) => ("the Wave64 header declares a file of", riff_size, self.end),
            (RiffKind::Rf64 | RiffKind::Bw64, Some((ds64_riff, _, _))) => (
                "the ds64 chunk declares a RIFF size of",
                ds64_riff,
                self.end.saturating_sub(8),
            ),
            _ => (
                "the RIFF header declares a size of",
                riff_size,
                self.end.saturating_sub(8),
            ),
        };
        if declared != present {
            notes.push(format!(
                "{name} {declared} bytes, but the chunks present take {present}"
            ));
        }
        if let (Some((_, ds64_size, _)), Some(size32)) = (self.ds64, self.data_size32) {
            // In RF64/BW64 the data chunk's own size should be 0xFFFFFFFF ("see ds64").
            if size32 != SIZE_IN_DS64 && u64::from(size32) != ds64_size {
                notes.push(format!(
                    "the data chunk's own size field says {size32} bytes, but the ds64 chunk \
                     says {ds64_size}"
                ));
            }
        }
        if let Some((_, _, samples)) = self.ds64 {
            // 0 is what most writers leave there: "not stated", not a disagreement.
            if samples != 0 && samples != frames {
                notes.push(format!(
                    "the ds64 chunk declares {samples} sample frames, but the data chunk holds \
                     {frames}"
                ));
            }
        }
        notes
    }
}

fn parse_fmt(body: &[u8], order: Order) -> Result<FmtChunk, RiffError> {
    if body.len() < 16 {
        return Err(RiffError::Corrupt(format!(
            "the 'fmt ' chunk is {} bytes, too short to describe the format",
            body.len()
        )));
    }
    let mut fmt = FmtChunk {
        format_tag: order.u16(&body[0..2]),
        channels: order.u16(&body[2..4]),
        sample_rate: order.u32(&body[4..8]),
        byte_rate: order.u32(&body[8..12]),
        block_align: order.u16(&body[12..14]),
        bits_per_sample: order.u16(&body[14..16]),
        valid_bits: None,
        channel_mask: None,
        sub_format: None,
    };
    if fmt.channels == 0 {
        return Err(RiffError::Corrupt("the header declares 0 channels".into()));
    }
    if fmt.sample_rate == 0 {
        return Err(RiffError::Corrupt(
            "the header declares a sample rate of 0 Hz".into(),
        ));
    }
    if fmt.block_align == 0 {
        return Err(RiffError::Corrupt(
            "the header declares 0 bytes per frame (block align)".into(),
        ));
    }
    if fmt.format_tag == FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return Err(RiffError::Corrupt(format!(
                "the WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is {} bytes, 40 expected",
                body.len()
            )));
        }
        fmt.valid_bits = Some(order.u16(&body[18..20]));
        fmt.channel_mask = Some(order.u32(&body[20..24]));
        // The GUID's first field is the format tag. In RIFX, sox and libsndfile write that tag
        // big-endian and the rest as usual; a writer could also byte-swap all three numeric
        // fields of the GUID: both are read.
        let guid = &body[24..40];
        if guid[2..16] == SUBTYPE_GUID_TAIL {
            fmt.sub_format = Some(order.u16(&guid[0..2]));
        } else if order.0 == Endianness::Big {
            let mut swapped = [0u8; 16];
            swapped.copy_from_slice(guid);
            swapped[0..4].reverse();
            swapped[4..6].reverse();
            swapped[6..8].reverse();
            if swapped[2..16] == SUBTYPE_GUID_TAIL {
                fmt.sub_format = Some(le_u16(&swapped[0..2]));
            }
        }
    }
    Ok(fmt)
}

fn parse_bext(body: &[u8], order: Order) -> Bext {
    // A short bext is padded with zeros: missing fields read as empty, not as garbage.
    let mut fields = [0u8; BEXT_FIELDS_LEN];
    fields[..body.len()].copy_from_slice(body);
    let text = |range: std::ops::Range<usize>| {
        let raw = &fields[range];
        let end = raw.iter().position(|&byte| byte == 0).unwrap_or(raw.len());
        String::from_utf8_lossy(&raw[..end]).trim().to_owned()
    };
    Bext {
        description: text(0..256),
        originator: text(256..288),
        originator_reference: text(288..320),
        origination_date: text(320..330),
        origination_time: text(330..338),
        time_reference: u64::from(order.u32(&fields[338..342]))
            | (u64::from(order.u32(&fields[342..346])) << 32),
    }
}

/// The offset of the chunk after one of `size` bytes whose body starts at `body`. RIFF pads
/// odd-sized chunks with one byte, but some writers leave it out: look at both candidate
/// offsets and take the one that starts like a chunk (a known id first, then any printable
/// id), preferring the padded one when both or neither do.
fn next_chunk<R: Read + Seek>(
    reader: &mut R,
    body: u64,
    size: u64,
    file_len: u64,
) -> Result<u64, RiffError> {
    let end = body + size;
    if size % 2 == 0 {
        return Ok(end);
    }
    let mut probe = [0u8; 5];
    reader.seek(SeekFrom::Start(end)).map_err(RiffError::Io)?;
    if end + 1 + 8 > file_len || read_up_to(reader, &mut probe)? < probe.len() {
        return Ok(end + 1);
    }
    let (unpadded, padded) = (&probe[0..4], &probe[1..5]);
    let missing_pad = if is_known_id(unpadded) != is_known_id(padded) {
        is_known_id(unpadded)
    } else {
        is_chunk_id(unpadded) && !is_chunk_id(padded)
    };
    Ok(if missing_pad { end } else { end + 1 })
}

/// Chunk ids commonly found in WAVE files.
fn is_known_id(bytes: &[u8]) -> bool {
    const KNOWN: [&[u8; 4]; 15] = [
        b"fmt ", b"data", b"fact", b"bext", b"iXML", b"LIST", b"JUNK", b"junk", b"PAD ", b"cue ",
        b"smpl", b"inst", b"acid", b"axml", b"MD5 ",
    ];
    KNOWN.iter().any(|known| known.as_slice() == bytes)
}

/// Chunk ids are four printable ASCII characters (spaces allowed, as in `fmt `).
fn is_chunk_id(bytes: &[u8]) -> bool {
    bytes.iter().all(|byte| (0x20..=0x7E).contains(byte))
}

fn printable(id: &[u8; 4]) -> String {
    id.iter()
        .map(|&byte| {
            if (0x20..=0x7E).contains(&byte) {
                char::from(byte)
            } else {
                '?'
            }
        })
        .collect()
}

/// Read at most `limit` bytes of a chunk body of `size` bytes: the allocation is bounded by
/// what we need, never by what the header claims.
fn read_bounded<R: Read>(reader: &mut R, size: u64, limit: u64) -> Result<Vec<u8>, RiffError> {
    let wanted = size.min(limit);
    let mut body = Vec::with_capacity(wanted as usize);
    reader
        .take(wanted)
        .read_to_end(&mut body)
        .map_err(RiffError::Io)?;
    Ok(body)
}

/// Fill `buf` as far as the file allows; returns the bytes read (short only at end of file).
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, RiffError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(RiffError::Io(error)),
        }
    }
    Ok(filled)
}

fn le_u16(bytes: &[u8]) -> u16 {
    u16::from_le_bytes([bytes[0], bytes[1]])
}

fn le_u64(bytes: &[u8]) -> u64 {
    let mut array = [0u8; 8];
    array.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut bytes = id.to_vec();
        bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    fn fmt_pcm(channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * bits / 8;
        let mut body = Vec::new();
        body.extend_from_slice(&FORMAT_PCM.to_le_bytes());
        body.extend_from_slice(&channels.to_le_bytes());
        body.extend_from_slice(&rate.to_le_bytes());
        body.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        body.extend_from_slice(&align.to_le_bytes());
        body.extend_from_slice(&bits.to_le_bytes());
        chunk(b"fmt ", &body)
    }

    fn wave(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut bytes = b"RIFF".to_vec();
        bytes.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        bytes.extend_from_slice(b"WAVE");
        bytes.extend_from_slice(&body);
        bytes
    }

    fn read(bytes: &[u8]) -> Result<WaveHeader, RiffError> {
        read_header(&mut Cursor::new(bytes), bytes.len() as u64)
    }

    #[test]
    fn odd_chunk_with_and_without_pad_byte() {
        let padded = wave(&[
            chunk(b"junk", &[1, 2, 3]),
            vec![0],
            fmt_pcm(1, 48000, 16),
            chunk(b"data", &[0; 4]),
        ]);
        let unpadded = wave(&[
            chunk(b"junk", &[1, 2, 3]),
            fmt_pcm(1, 48000, 16),
            chunk(b"data", &[0; 4]),
        ]);
        for bytes in [padded, unpadded] {
            let header = read(&bytes).expect("readable");
            assert_eq!(header.declared_frames(), 2);
            assert_eq!(header.fmt.sample_rate, 48000);
        }
    }

    #[test]
    fn data_claiming_more_than_the_file_is_truncated_not_fatal() {
        let mut bytes = wave(&[fmt_pcm(2, 44100, 16), chunk(b"data", &[0; 8])]);
        let at = bytes.len() - 12;
        bytes[at..at + 4].copy_from_slice(&400u32.to_le_bytes());
        let header = read(&bytes).expect("readable");
        assert_eq!((header.data_size, header.data_available), (400, 8));
    }

    #[test]
    fn broken_headers_are_typed() {
        assert!(matches!(read(b"RIFF"), Err(RiffError::NotWave)));
        assert!(matches!(
            read(b"hello world, this is text"),
            Err(RiffError::NotWave)
        ));
        let zero_channels = wave(&[fmt_pcm(0, 48000, 16), chunk(b"data", &[])]);
        assert!(matches!(read(&zero_channels), Err(RiffError::Corrupt(_))));
        let no_data = wave(&[fmt_pcm(1, 48000, 16)]);
        assert!(matches!(read(&no_data), Err(RiffError::Corrupt(_))));
    }
}
