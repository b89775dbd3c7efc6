//! Audio that stemlint finds and names but does not decode (WavPack, DSD, Monkey's Audio…).
//!
//! No maintained pure-Rust crate decodes these well (WavPack's are a C binding and a young
//! decoder tested on silence), so each is reported by `format/container` as what it is, with
//! the facts its header gives where it is cheap to read (WavPack's block header, DSF's `fmt `
//! chunk): never skipped in silence, never called "not audio" or "corrupt".

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use crate::model::record::{FileIssue, FileIssueKind};

/// WavPack's sample rates, by the 4-bit index in a block header's flags (15: stated elsewhere).
const WAVPACK_RATES: [u32; 15] = [
    6000, 8000, 9600, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000,
    192000,
];
const WV_BYTES_MASK: u32 = 0x3;
const WV_MONO: u32 = 1 << 2;
const WV_HYBRID: u32 = 1 << 3;
const WV_FLOAT: u32 = 1 << 7;
const WV_FINAL_BLOCK: u32 = 1 << 12;
const WV_SHIFT_LSB: u32 = 13;
const WV_RATE_LSB: u32 = 23;
const WV_DSD: u32 = 1 << 31;
/// Blocks read to count a multichannel file's channels (each block holds one or two).
const WV_MAX_BLOCKS: usize = 64;

/// The issue for a file of the format `name` (a row of the probe table) that is not decoded.
pub fn issue(name: &str, file: &mut File, file_len: u64) -> FileIssue {
    let (label, facts) = match name {
        "WavPack" => wavpack(file, file_len).unwrap_or_else(|| ("WavPack".to_owned(), None)),
        "DSD audio (DSF)" => (name.to_owned(), dsf(file)),
        _ => (name.to_owned(), None),
    };
    let facts = facts.map(|facts| format!(" ({facts})")).unwrap_or_default();
    FileIssue::new(
        FileIssueKind::Undecoded,
        format!("{label}{facts}, a format stemlint identifies but does not decode: its audio was not checked"),
    )
}

fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

fn u32_le(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn seconds(frames: u64, rate: u32) -> String {
    format!("{:.3} s", frames as f64 / f64::from(rate.max(1)))
}

/// "lossless WavPack" or "hybrid (lossy) WavPack", and "48000 Hz, 24-bit integer, 2 channels,
/// 1.000 s" from the blocks of the first sample run.
fn wavpack(file: &mut File, file_len: u64) -> Option<(String, Option<String>)> {
    let mut header = [0u8; 32];
    read_at(file, 0, &mut header).ok()?;
    let flags = u32_le(&header[24..28]);
    let hybrid = flags & WV_HYBRID != 0;
    let label = if hybrid {
        "hybrid WavPack (lossy unless its .wvc correction file is delivered with it)"
    } else {
        "lossless WavPack"
    };
    let total = u64::from(u32_le(&header[12..16]));
    let total = (total != u64::from(u32::MAX)).then(|| total + (u64::from(header[11]) << 32));
    let rate = WAVPACK_RATES
        .get(((flags >> WV_RATE_LSB) & 0xF) as usize)
        .copied();
    let depth = if flags & WV_DSD != 0 {
        "DSD".to_owned()
    } else if flags & WV_FLOAT != 0 {
        "32-bit float".to_owned()
    } else {
        let bits = ((flags & WV_BYTES_MASK) + 1) * 8 - ((flags >> WV_SHIFT_LSB) & 0x1F);
        format!("{bits}-bit integer")
    };
    // Channels: one or two per block, until the block flagged as the last of the run.
    let mut channels = 0u32;
    let mut position = 0u64;
    let mut block = header;
    for _ in 0..WV_MAX_BLOCKS {
        if &block[0..4] != b"wvpk" {
            break;
        }
        let flags = u32_le(&block[24..28]);
        channels += if flags & WV_MONO != 0 { 1 } else { 2 };
        if flags & WV_FINAL_BLOCK != 0 {
            break;
        }
        position += 8 + u64::from(u32_le(&block[4..8]));
        if position + 32 > file_len || read_at(file, position, &mut block).is_err() {
            break;
        }
    }
    let mut facts = Vec::new();
    if let Some(rate) = rate {
        facts.push(format!("{rate} Hz"));
    }
    facts.push(depth);
    facts.push(format!(
        "{channels} channel{}",
        if channels == 1 { "" } else { "s" }
    ));
    if let (Some(total), Some(rate)) = (total, rate) {
        facts.push(seconds(total, rate));
    }
    Some((label.to_owned(), Some(facts.join(", "))))
}

/// "2.8224 MHz 1-bit, 2 channels, 1.000 s" from a DSF file's `fmt ` chunk.
fn dsf(file: &mut File) -> Option<String> {
    let mut fmt = [0u8; 48];
    read_at(file, 28, &mut fmt).ok()?;
    if &fmt[0..4] != b"fmt " {
        return None;
    }
    let channels = u32_le(&fmt[24..28]);
    let rate = u32_le(&fmt[28..32]);
    let bits = u32_le(&fmt[32..36]);
    let frames = u64::from_le_bytes(fmt[36..44].try_into().ok()?);
    Some(format!(
        "{} MHz {bits}-bit, {channels} channel{}, {}",
        f64::from(rate) / 1e6,
        if channels == 1 { "" } else { "s" },
        seconds(frames, rate)
    ))
}
