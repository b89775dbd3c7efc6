//! Sony Wave64 (`.w64`): RIFF WAVE with 16-byte GUIDs for ids and 64-bit sizes, written by
//! Sound Forge, REAPER, sox and ffmpeg for renders past 4 GiB. The chunks are the WAVE ones
//! (`fmt `, `data`…), so `riff.rs` walks them; this file knows how their headers are written.
//!
//! Every standard Wave64 chunk GUID is the chunk's four-character code followed by the same
//! twelve bytes; the file starts with the `riff` GUID, the file's total size (64-bit, counting
//! this header) and the `wave` GUID. A chunk's size counts its own 24-byte header, and chunks
//! start on 8-byte boundaries.

/// `66666972-912E-11CF-A5D6-28DB04C10000` as stored: the file's first 16 bytes.
const RIFF_GUID: [u8; 16] = [
    b'r', b'i', b'f', b'f', 0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00,
];

/// The twelve bytes after the four-character code in `wave`, `fmt `, `data`, `fact`… GUIDs.
const CHUNK_GUID_TAIL: [u8; 12] = [
    0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A,
];

/// The `riff` GUID, the 64-bit file size and the `wave` GUID.
pub const HEADER_LEN: u64 = 40;

/// A chunk's GUID and 64-bit size.
pub const CHUNK_HEADER_LEN: u64 = 24;

/// Does `head` (the file's first 40 bytes) start a Wave64 file?
pub fn is_wave64(head: &[u8]) -> bool {
    head.len() >= HEADER_LEN as usize
        && head[0..16] == RIFF_GUID
        && &head[24..28] == b"wave"
        && head[28..40] == CHUNK_GUID_TAIL
}

/// The file size the header declares (the whole file, header included).
pub fn file_size(head: &[u8]) -> u64 {
    u64::from_le_bytes(head[16..24].try_into().unwrap_or([0; 8]))
}

/// The four-character id of a chunk (`????` for a GUID that is not a standard WAVE chunk's)
/// and the size of its body, from its 24-byte header.
pub fn chunk_head(raw: &[u8]) -> ([u8; 4], u64) {
    let id = if raw[4..16] == CHUNK_GUID_TAIL {
        [raw[0], raw[1], raw[2], raw[3]]
    } else {
        *b"????"
    };
    let size = u64::from_le_bytes(raw[16..24].try_into().unwrap_or([0; 8]));
    (id, size.saturating_sub(CHUNK_HEADER_LEN))
}

/// Where the chunk after one whose body of `size` bytes starts at `body` begins: the next
/// 8-byte boundary.
pub fn next_chunk(body: u64, size: u64) -> u64 {
    body.saturating_add(size).saturating_add(7) & !7
}
