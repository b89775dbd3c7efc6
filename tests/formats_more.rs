//! Every audio file a studio could send: Wave64, RIFX, µ-law/A-law, integer PCM deeper than 32
//! bits, formats found but not decoded; headers that contradict themselves; embedded MD5s.
//!
//! Real-tool fixtures (tests/fixtures/README.md) are checked for exact facts and, where sox or
//! ffmpeg is installed, sample for sample against their independent decode; malformed headers
//! are built in code.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use stemlint::media::analysis::AnalysisSettings;
use stemlint::media::{open, scan, Block, ScanMode};
use stemlint::record::{Codec, Companding, Container, Endianness, FileIssueKind, SampleFormat};
use support::{chunk, fixture, scan_full, Wav};

/// Every decoded sample of a file: integers left-aligned in 32 bits (as `sox -b 32` writes
/// them), floats as they are.
#[derive(Debug, PartialEq)]
enum Samples {
    Int(Vec<i32>),
    Float(Vec<f64>),
}

fn decode_all(path: &Path) -> Samples {
    let mut opened = open(path).unwrap_or_else(|issue| panic!("{path:?}: {issue:?}"));
    let mut ints = Vec::new();
    let mut floats = Vec::new();
    while let Some(block) = opened
        .source
        .next_block()
        .unwrap_or_else(|issue| panic!("{path:?}: {issue:?}"))
    {
        match block {
            Block::Int { samples, bits } => {
                ints.extend(samples.iter().map(|&sample| sample << (32 - bits)))
            }
            Block::Float(samples) => floats.extend(samples.iter().map(|&s| f64::from(s))),
            Block::Double(samples) => floats.extend_from_slice(samples),
        }
    }
    if floats.is_empty() {
        Samples::Int(ints)
    } else {
        Samples::Float(floats)
    }
}

/// `tool args…` run for its standard output, or None (with a message) when it is not installed.
#[allow(clippy::disallowed_macros)] // a skipped check says so on the test's output
fn tool_output(tool: &str, args: &[&str]) -> Option<Vec<u8>> {
    match Command::new(tool).args(args).output() {
        Ok(output) if output.status.success() => Some(output.stdout),
        Ok(output) => panic!(
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(_) => {
            eprintln!("skipped: {tool} is not installed");
            None
        }
    }
}

/// sox's own decode of `path`: 32-bit signed integers, or 32-bit floats.
fn sox_decode(path: &Path, float: bool) -> Option<Samples> {
    let path = path.to_str().expect("fixture paths are UTF-8");
    let encoding = if float { "floating-point" } else { "signed" };
    let raw = tool_output(
        "sox",
        &[path, "-t", "raw", "-e", encoding, "-b", "32", "-L", "-"],
    )?;
    let words = raw.chunks_exact(4).map(|b| [b[0], b[1], b[2], b[3]]);
    Some(if float {
        Samples::Float(words.map(|w| f64::from(f32::from_le_bytes(w))).collect())
    } else {
        Samples::Int(words.map(i32::from_le_bytes).collect())
    })
}

#[test]
fn real_files_have_exact_facts() {
    use Endianness::{Big, Little};
    use SampleFormat::{Float, Int};
    // (file, container, sample format, rate, bit depth, channels, frames, endianness,
    // companding); frames checked with `soxi -s` / ffprobe.
    let table = [
        (
            "w64_24_sox.w64",
            Container::W64,
            Int,
            48000,
            24,
            2,
            480,
            Little,
            None,
        ),
        (
            "w64_16_ffmpeg.w64",
            Container::W64,
            Int,
            48000,
            16,
            1,
            480,
            Little,
            None,
        ),
        (
            "rifx24_sox.wav",
            Container::Rifx,
            Int,
            44100,
            24,
            1,
            441,
            Big,
            None,
        ),
        (
            "rifx32_sox.wav",
            Container::Rifx,
            Int,
            44100,
            32,
            1,
            441,
            Big,
            None,
        ),
        (
            "rifxf32_sox.wav",
            Container::Rifx,
            Float,
            44100,
            32,
            1,
            441,
            Big,
            None,
        ),
        (
            "mulaw_ffmpeg.wav",
            Container::Wav,
            Int,
            8000,
            8,
            1,
            400,
            Little,
            Some(Companding::MuLaw),
        ),
        (
            "mulaw_ffmpeg.caf",
            Container::Caf,
            Int,
            8000,
            8,
            1,
            400,
            Little,
            Some(Companding::MuLaw),
        ),
        (
            "alaw_ffmpeg.wav",
            Container::Wav,
            Int,
            8000,
            8,
            1,
            400,
            Little,
            Some(Companding::ALaw),
        ),
        (
            "s64_ffmpeg.wav",
            Container::Wav,
            Int,
            48000,
            64,
            1,
            480,
            Little,
            None,
        ),
        (
            "aiff16_sox.aiff",
            Container::Aiff,
            Int,
            44100,
            16,
            2,
            2205,
            Big,
            None,
        ),
        (
            "pcm16_sox.wav",
            Container::Wav,
            Int,
            48000,
            16,
            1,
            2400,
            Little,
            None,
        ),
    ];
    for (name, container, format, rate, bits, channels, frames, endianness, companding) in table {
        let record = scan_full(&fixture(name));
        assert!(record.issues.is_empty(), "{name}: {:?}", record.issues);
        let facts = record.facts.expect(name);
        assert_eq!(facts.container, container, "{name}");
        assert_eq!(facts.codec, Codec::Pcm, "{name}");
        assert_eq!(facts.sample_format, format, "{name}");
        assert_eq!(facts.sample_rate, rate, "{name}");
        assert_eq!(facts.bit_depth, Some(bits), "{name}");
        assert_eq!(facts.channels, channels, "{name}");
        assert_eq!(facts.frames, frames, "{name}");
        assert_eq!(facts.endianness, endianness, "{name}");
        assert_eq!(facts.companding, companding, "{name}");
        assert!(
            facts.header_notes.is_empty(),
            "{name}: {:?}",
            facts.header_notes
        );
        assert!(record.analysis.is_some(), "{name} was not analysed");
    }
}

#[test]
fn samples_match_sox_sample_for_sample() {
    for (name, float) in [
        ("w64_24_sox.w64", false),
        ("w64_16_ffmpeg.w64", false),
        ("rifx24_sox.wav", false),
        ("rifx32_sox.wav", false),
        ("rifxf32_sox.wav", true),
        ("mulaw_ffmpeg.wav", false),
        ("alaw_ffmpeg.wav", false),
    ] {
        let path = fixture(name);
        let Some(expected) = sox_decode(&path, float) else {
            return;
        };
        let ours = decode_all(&path);
        match (&ours, &expected) {
            (Samples::Int(a), Samples::Int(b)) => {
                assert!(!a.is_empty(), "{name}");
                assert_eq!(a.len(), b.len(), "{name}");
                let first = a.iter().zip(b).position(|(x, y)| x != y);
                assert_eq!(first, None, "{name}: first different sample");
                // Not silence: the comparison proves something.
                assert!(
                    a.iter().any(|&sample| sample.unsigned_abs() > 1 << 24),
                    "{name}"
                );
            }
            (Samples::Float(a), Samples::Float(b)) => assert_eq!(a, b, "{name}"),
            _ => panic!("{name}: {ours:?} against {expected:?}"),
        }
    }
}

/// Some of each file's samples as the independent decoders gave them when the fixtures were
/// made (`sox FILE -t raw -e signed -b 32 -L - | od -An -t d4 -N 40`), so that the check does
/// not depend on sox being installed.
#[test]
fn first_samples_match_the_stored_independent_decode() {
    let stored: [(&str, [i32; 6]); 4] = [
        ("rifx24_sox.wav", RIFX24_FIRST),
        ("w64_24_sox.w64", W64_24_FIRST),
        ("mulaw_ffmpeg.wav", MULAW_FIRST),
        ("alaw_ffmpeg.wav", ALAW_FIRST),
    ];
    for (name, expected) in stored {
        let Samples::Int(ours) = decode_all(&fixture(name)) else {
            panic!("{name} decodes to integers");
        };
        assert_eq!(ours[..6], expected, "{name}");
    }
}

const RIFX24_FIRST: [i32; 6] = [
    2176768, 66420992, 134997760, 200087296, 267060224, 330483200,
];
const W64_24_FIRST: [i32; 6] = [0, 0, 61808896, 61808896, 123412736, 123412736];
const MULAW_FIRST: [i32; 6] = [0, 89915392, 171704320, 230424576, 268173312, 268173312];
const ALAW_FIRST: [i32; 6] = [524288, 90177536, 171966464, 230686720, 264241152, 264241152];

/// sox does not read AIFF-C µ-law: ffmpeg's decode is the reference.
#[test]
fn aifc_mulaw_matches_ffmpeg() {
    assert_decodes_as_ffmpeg(&fixture("ulaw_ffmpeg.aifc"), 2400);
}

/// ffmpeg's 16-bit decode of `path`, left-aligned in 32 bits; None when ffmpeg is absent.
fn ffmpeg_s16(path: &Path) -> Option<Vec<i32>> {
    let raw = tool_output(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            path.to_str().expect("UTF-8"),
            "-f",
            "s16le",
            "-",
        ],
    )?;
    Some(
        raw.chunks_exact(2)
            .map(|b| i32::from(i16::from_le_bytes([b[0], b[1]])) << 16)
            .collect(),
    )
}

/// `path` decodes to `frames` integer samples and, where ffmpeg is installed, to its 16-bit
/// decode sample for sample.
fn assert_decodes_as_ffmpeg(path: &Path, frames: usize) {
    let Samples::Int(ours) = decode_all(path) else {
        panic!("{path:?} decodes to integers");
    };
    assert_eq!(ours.len(), frames, "{path:?}");
    if let Some(expected) = ffmpeg_s16(path) {
        assert_eq!(ours, expected, "{path:?}");
    }
}

/// µ-law in CAF: symphonia's reader states the 8 coded bits as the sample width, which its
/// PCM decoder refused ("unexpected bits per sample", a file reported corrupt).
#[test]
fn caf_mulaw_decodes_and_matches_ffmpeg() {
    assert_decodes_as_ffmpeg(&fixture("mulaw_ffmpeg.caf"), 400);
}

/// ffmpeg's CAF packet table counts ALAC frames in whole packets of 4096 (4800 frames: 8192);
/// the last packet holds fewer. The file is whole: no `file/corrupt`, a note with both counts.
#[test]
fn alac_in_caf_counted_in_whole_packets_is_whole_and_noted() {
    let path = fixture("alac_ffmpeg.caf");
    let record = scan_full(&path);
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    let facts = record.facts.expect("facts");
    assert_eq!(facts.codec, Codec::Alac);
    assert_eq!(facts.frames, 4800);
    assert_eq!(facts.declared_frames, Some(8192));
    assert_eq!(
        facts.header_notes,
        vec![
            "the header counts 8192 frames, whole packets of 4096; the audio holds 4800: the \
             last packet is 3392 frames short, as written (the file is whole)"
                .to_owned()
        ]
    );
    assert_decodes_as_ffmpeg(&path, 4800);
}

/// The same file with its last packet cut off (the data chunk ends after the first packet,
/// the packet table still lists two): a whole packet missing is a truncation.
#[test]
fn alac_in_caf_missing_a_packet_is_corrupt() {
    let bytes = fs::read(fixture("alac_ffmpeg.caf")).expect("fixture");
    // Chunks after the 8-byte file header: type, 64-bit big-endian size, body.
    let mut chunks = Vec::new();
    let mut at = 8;
    while at + 12 <= bytes.len() {
        let size = i64::from_be_bytes(bytes[at + 4..at + 12].try_into().expect("8 bytes"));
        let size = usize::try_from(size).expect("sized chunks");
        chunks.push((&bytes[at..at + 4], at, size));
        at += 12 + size;
    }
    let (_, pakt_at, _) = *chunks.iter().find(|c| c.0 == b"pakt").expect("pakt");
    // The packet table: packets, valid frames, priming, remainder, then each packet's size as
    // a variable-length integer (7 bits a byte, high bit set on all but the last byte).
    let table = &bytes[pakt_at + 12 + 24..];
    let mut sizes = Vec::new();
    let mut value = 0usize;
    for &byte in table {
        value = (value << 7) | usize::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            sizes.push(value);
            value = 0;
            if sizes.len() == 2 {
                break;
            }
        }
    }
    let (_, data_at, data_size) = *chunks.iter().find(|c| c.0 == b"data").expect("data");
    let cut_size = data_size - sizes[1];
    let mut cut = bytes[..data_at + 4].to_vec();
    cut.extend_from_slice(&i64::try_from(cut_size).expect("size").to_be_bytes());
    cut.extend_from_slice(&bytes[data_at + 12..data_at + 12 + cut_size]);
    cut.extend_from_slice(&bytes[data_at + 12 + data_size..]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut.caf");
    fs::write(&path, cut).expect("write");
    let found = issues(&path);
    assert!(
        found
            .iter()
            .any(|(kind, _)| *kind == FileIssueKind::Corrupt),
        "{found:?}"
    );
}

#[test]
fn sixty_four_bit_integers_match_ffmpeg() {
    // ffmpeg's sine is 16-bit audio: in a 64-bit file its samples are exact multiples of 2^48,
    // so ffmpeg's own 32-bit decode of it is exact.
    let path = fixture("s64_ffmpeg.wav");
    let Samples::Float(ours) = decode_all(&path) else {
        panic!("64-bit integers are handed on as doubles");
    };
    let record = scan_full(&path);
    let analysis = record.analysis.expect("analysed");
    assert_eq!(analysis.effective_bit_depth, Some(16));
    let Some(raw) = tool_output(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            path.to_str().expect("UTF-8"),
            "-f",
            "s32le",
            "-",
        ],
    ) else {
        return;
    };
    let expected: Vec<f64> = raw
        .chunks_exact(4)
        .map(|b| f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2f64.powi(31))
        .collect();
    assert_eq!(ours, expected);
}

#[test]
fn integers_deeper_than_32_bits_are_read_exactly_and_judged() {
    let dir = tempfile::tempdir().expect("tempdir");
    for bits in [36u16, 45, 53, 64] {
        let name = format!("deep{bits}.wav");
        let wav = Wav::new(48000, bits, 2)
            .noise(-3.0, u64::from(bits))
            .frames(300);
        let path = wav.write(dir.path(), &name);
        let record = scan_full(&path);
        assert!(record.issues.is_empty(), "{name}: {:?}", record.issues);
        let facts = record.facts.as_ref().expect("facts");
        assert_eq!(
            (
                facts.bit_depth,
                facts.sample_format,
                facts.channels,
                facts.frames
            ),
            (Some(bits), SampleFormat::Int, 2, 300),
            "{name}"
        );
        // Noise uses every bit the container declares (64-bit audio as doubles keeps 53).
        let analysis = record.analysis.as_ref().expect("analysed");
        assert_eq!(analysis.effective_bit_depth, Some(bits), "{name}");

        // Exact values: the builder quantised the generator to `bits` bits.
        let Samples::Float(ours) = decode_all(&path) else {
            panic!("{name}: deeper than 32 bits is handed on as doubles");
        };
        let bytes = wav.bytes();
        let data = &bytes[bytes.len() - 300 * 2 * usize::from(bits.div_ceil(8))..];
        let slot = usize::from(bits.div_ceil(8));
        let expected: Vec<f64> = data
            .chunks_exact(slot)
            .map(|b| {
                let mut word = [0u8; 8];
                word[8 - slot..].copy_from_slice(b);
                let sample = i64::from_le_bytes(word);
                let exact = sample as i128 >> (64 - bits);
                exact as f64 / 2f64.powi(i32::from(bits) - 1)
            })
            .collect();
        assert_eq!(ours, expected, "{name}");
    }
}

#[test]
fn a_wide_container_holding_less_is_judged_by_its_real_depth() {
    // 24-bit audio in a 40-bit container: declared 40, effectively 24 (signal/padded-bit-depth).
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Wav::new(48000, 40, 1)
        .noise(-3.0, 7)
        .padded(24)
        .frames(200)
        .write(dir.path(), "wide.wav");
    let record = scan_full(&path);
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    assert_eq!(record.facts.as_ref().and_then(|f| f.bit_depth), Some(40));
    assert_eq!(
        record.analysis.as_ref().and_then(|a| a.effective_bit_depth),
        Some(24)
    );
}

// ----- headers that contradict themselves -----

/// Offsets in a plain `Wav` file: the `fmt ` body starts at 20.
const BYTE_RATE_AT: usize = 28;
const BLOCK_ALIGN_AT: usize = 32;
const BITS_AT: usize = 34;
/// `wValidBitsPerSample` of WAVE_FORMAT_EXTENSIBLE (after `cbSize`).
const VALID_BITS_AT: usize = 38;

fn issues(path: &Path) -> Vec<(FileIssueKind, String)> {
    scan_full(path)
        .issues
        .into_iter()
        .map(|issue| (issue.kind, issue.message))
        .collect()
}

#[test]
fn a_block_align_that_contradicts_the_channels_is_corrupt_and_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Wav::new(48000, 24, 3).frames(100).bytes();
    bytes[BLOCK_ALIGN_AT..BLOCK_ALIGN_AT + 2].copy_from_slice(&4u16.to_le_bytes());
    let path = support::write_raw(dir.path(), "align.wav", &bytes);
    let found = issues(&path);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, FileIssueKind::Corrupt);
    assert!(
        found[0].1.contains("block align (bytes per frame) is 4")
            && found[0].1.contains("3 channels of 24 bits take 9 bytes"),
        "{}",
        found[0].1
    );

    // Too narrow a slot for the sample size: 2 channels of 24 bits in 4 bytes.
    let mut bytes = Wav::new(48000, 24, 2).frames(100).bytes();
    bytes[BLOCK_ALIGN_AT..BLOCK_ALIGN_AT + 2].copy_from_slice(&4u16.to_le_bytes());
    let path = support::write_raw(dir.path(), "narrow.wav", &bytes);
    let found = issues(&path);
    assert!(
        found.len() == 1 && found[0].1.contains("2 channels of 24 bits take 6 bytes"),
        "{found:?}"
    );
}

#[test]
fn sample_sizes_that_no_such_format_has_are_corrupt_and_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    // IEEE float of 24 bits.
    let mut bytes = Wav::new(48000, 32, 1).float().frames(10).bytes();
    bytes[BITS_AT..BITS_AT + 2].copy_from_slice(&24u16.to_le_bytes());
    let path = support::write_raw(dir.path(), "float24.wav", &bytes);
    let found = issues(&path);
    assert!(
        found.len() == 1
            && found[0].0 == FileIssueKind::Corrupt
            && found[0].1.contains("24-bit floating-point samples"),
        "{found:?}"
    );
    // WAVE_FORMAT_EXTENSIBLE claiming 32 valid bits in 24-bit slots.
    let mut bytes = Wav::new(48000, 24, 2).extensible(3).frames(10).bytes();
    bytes[VALID_BITS_AT..VALID_BITS_AT + 2].copy_from_slice(&32u16.to_le_bytes());
    let path = support::write_raw(dir.path(), "valid.wav", &bytes);
    let found = issues(&path);
    assert!(
        found.len() == 1 && found[0].1.contains("32 valid bits per sample"),
        "{found:?}"
    );
}

#[test]
fn a_fmt_chunk_after_the_data_is_still_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = Wav::new(44100, 16, 2).sine(440.0, -6.0).frames(50);
    let plain = wav.bytes();
    let fmt = plain[12..12 + 24].to_vec();
    let data = plain[36..].to_vec();
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&((4 + data.len() + fmt.len()) as u32).to_le_bytes());
    bytes.extend_from_slice(b"WAVE");
    bytes.extend_from_slice(&data);
    bytes.extend_from_slice(&fmt);
    let path = support::write_raw(dir.path(), "late_fmt.wav", &bytes);
    let record = scan_full(&path);
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    let facts = record.facts.expect("facts");
    assert_eq!(
        (facts.frames, facts.channels, facts.sample_rate),
        (50, 2, 44100)
    );
    assert!(facts.header_notes.is_empty(), "{:?}", facts.header_notes);
    assert_eq!(
        decode_all(&path),
        decode_all(&wav.write(dir.path(), "plain.wav"))
    );
}

#[test]
fn a_byte_rate_that_contradicts_rate_and_block_align_is_corrupt_after_reading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Wav::new(48000, 16, 2).sine(440.0, -6.0).frames(480).bytes();
    bytes[BYTE_RATE_AT..BYTE_RATE_AT + 4].copy_from_slice(&96000u32.to_le_bytes());
    let path = support::write_raw(dir.path(), "rate.wav", &bytes);
    let record = scan_full(&path);
    // The audio is read all the same.
    assert_eq!(record.facts.as_ref().map(|f| f.frames), Some(480));
    assert!(record.analysis.is_some());
    assert_eq!(record.issues.len(), 1, "{:?}", record.issues);
    assert_eq!(record.issues[0].kind, FileIssueKind::Corrupt);
    assert!(
        record.issues[0].message.contains(
            "byte rate is 96000 bytes per second, but 48000 Hz × block align 4 makes 192000"
        ),
        "{}",
        record.issues[0].message
    );
    // `--fast` reads no samples but sees the header.
    let fast = scan(
        &path,
        "rate.wav".into(),
        ScanMode::Fast,
        &AnalysisSettings::default(),
    );
    assert_eq!(fast.issues.len(), 1, "{:?}", fast.issues);
}

#[test]
fn a_data_size_that_is_not_whole_frames_is_corrupt_with_its_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Wav::new(48000, 16, 2).frames(100).bytes();
    // data size 400 → 401, one more byte, and the RIFF size to match.
    let at = bytes.len() - 400 - 4;
    bytes[at..at + 4].copy_from_slice(&401u32.to_le_bytes());
    bytes.push(0x11);
    bytes.push(0);
    let riff = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff.to_le_bytes());
    let path = support::write_raw(dir.path(), "partial.wav", &bytes);
    let found = issues(&path);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, FileIssueKind::Corrupt);
    assert!(
        found[0]
            .1
            .contains("the data chunk's size (401 bytes) is not a whole number of 4-byte frames"),
        "{}",
        found[0].1
    );
    let record = scan_full(&path);
    assert_eq!(record.facts.map(|f| f.frames), Some(100));
}

#[test]
fn size_fields_that_disagree_with_the_chunks_are_notes_with_both_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Wav::new(48000, 24, 1).sine(440.0, -6.0).frames(100).bytes();
    let true_size = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&(true_size + 100).to_le_bytes());
    let path = support::write_raw(dir.path(), "riff.wav", &bytes);
    let record = scan_full(&path);
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    let facts = record.facts.expect("facts");
    assert_eq!(facts.frames, 100);
    assert_eq!(
        facts.header_notes,
        [format!(
            "the RIFF header declares a size of {} bytes, but the chunks present take {true_size}",
            true_size + 100
        )]
    );

    // RF64: the ds64 sample count says 5000 frames, the data chunk holds 100.
    let mut bytes = Wav::new(48000, 24, 1).rf64().frames(100).bytes();
    // "RF64" size "WAVE" "ds64" size | riff size (8) data size (8) sample count (8)
    bytes[36..44].copy_from_slice(&5000u64.to_le_bytes());
    let path = support::write_raw(dir.path(), "ds64.wav", &bytes);
    let record = scan_full(&path);
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    assert_eq!(
        record.facts.expect("facts").header_notes,
        ["the ds64 chunk declares 5000 sample frames, but the data chunk holds 100"]
    );

    // RF64 whose data chunk states a 32-bit size of its own (not 0xFFFFFFFF) that is not
    // ds64's: ds64 is the authority, the disagreement a note.
    let mut bytes = Wav::new(48000, 24, 1).rf64().frames(100).bytes();
    let at = bytes.len() - 300 - 4;
    bytes[at..at + 4].copy_from_slice(&150u32.to_le_bytes());
    let path = support::write_raw(dir.path(), "data32.wav", &bytes);
    let record = scan_full(&path);
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    let facts = record.facts.expect("facts");
    assert_eq!(facts.frames, 100);
    assert_eq!(
        facts.header_notes,
        ["the data chunk's own size field says 150 bytes, but the ds64 chunk says 300"]
    );
}

#[test]
fn the_header_size_rule_reports_at_info() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("delivery");
    fs::create_dir(&root).expect("mkdir");
    let mut bytes = Wav::new(48000, 24, 1)
        .hits(80.0, -6.0, 1)
        .seconds(1.0)
        .bytes();
    bytes[4..8].copy_from_slice(&7u32.to_le_bytes());
    support::write_raw(&root, "01_Kick.wav", &bytes);
    let diagnostics = json_diagnostics(&root);
    let found: Vec<_> = diagnostics
        .iter()
        .filter(|d| d["rule"] == "file/header-size")
        .collect();
    assert_eq!(found.len(), 1, "{diagnostics:?}");
    assert_eq!(found[0]["severity"], "info");
    assert!(
        found[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("declares a size of 7 bytes")),
        "{:?}",
        found[0]
    );
}

// ----- embedded checksums -----

/// The MD5 digest of `bytes` as `md5sum` prints it, or None without md5sum.
fn md5sum(bytes: &[u8], dir: &Path) -> Option<[u8; 16]> {
    let path = dir.join("payload.bin");
    fs::write(&path, bytes).expect("write");
    let output = tool_output("md5sum", &[path.to_str().expect("UTF-8")])?;
    let hex = String::from_utf8(output).expect("UTF-8");
    let mut digest = [0u8; 16];
    for (index, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[index * 2..index * 2 + 2], 16).expect("hex");
    }
    Some(digest)
}

/// A WAV with an `MD5 ` chunk after the audio holding `stored` (16 bytes as written).
fn with_md5_chunk(wav: &Wav, stored: [u8; 16]) -> Vec<u8> {
    let mut bytes = wav.bytes();
    bytes.extend(chunk(b"MD5 ", &stored));
    let riff = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff.to_le_bytes());
    bytes
}

#[test]
fn the_bwf_md5_chunk_is_verified_byte_reversed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = Wav::new(48000, 24, 2).noise(-6.0, 3).frames(1000);
    let data_len = 1000 * 6;
    let all = wav.bytes();
    let payload = &all[all.len() - data_len..];
    let Some(digest) = md5sum(payload, dir.path()) else {
        return;
    };
    let mut reversed = digest;
    reversed.reverse();

    // As BWF MetaEdit writes it: the digest byte-reversed. Sound.
    let path = support::write_raw(dir.path(), "metaedit.wav", &with_md5_chunk(&wav, reversed));
    let record = scan_full(&path);
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    assert!(record.facts.expect("facts").header_notes.is_empty());

    // The plain digest is not what BWF MetaEdit stores: it does not match.
    let path = support::write_raw(dir.path(), "plain.wav", &with_md5_chunk(&wav, digest));
    let found = issues(&path);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, FileIssueKind::Corrupt);
    assert!(found[0].1.contains("MD5 chunk"), "{}", found[0].1);

    // A sample changed after the checksum was written.
    let mut damaged = with_md5_chunk(&wav, reversed);
    let at = damaged.len() - 24 - 100;
    damaged[at] ^= 0x40;
    let path = support::write_raw(dir.path(), "damaged.wav", &damaged);
    let found = issues(&path);
    assert_eq!(found.len(), 1, "{found:?}");
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        found[0]
            .1
            .contains(&format!("says the data chunk hashes to {hex}")),
        "{}",
        found[0].1
    );
}

#[test]
fn flac_md5_is_verified_and_an_unset_one_is_not_an_error() {
    let record = scan_full(&fixture("bad/flac16_md5_mismatch.flac"));
    assert_eq!(record.facts.as_ref().map(|f| f.frames), Some(2205));
    assert_eq!(record.issues.len(), 1, "{:?}", record.issues);
    assert_eq!(record.issues[0].kind, FileIssueKind::Corrupt);
    assert!(
        record.issues[0]
            .message
            .contains("decodes, but differs from what the encoder wrote"),
        "{}",
        record.issues[0].message
    );
    let record = scan_full(&fixture("flac16_md5_zero.flac"));
    assert!(record.issues.is_empty(), "{:?}", record.issues);
    assert_eq!(record.facts.map(|f| f.frames), Some(2205));
    // The intact original of both.
    assert!(scan_full(&fixture("flac16_sox.flac")).issues.is_empty());
}

// ----- found, named, never skipped -----

#[test]
fn wavpack_is_found_and_named_not_decoded() {
    let record = scan_full(&fixture("undecoded/wv24_wavpack.wv"));
    assert!(record.facts.is_none());
    assert_eq!(record.issues.len(), 1, "{:?}", record.issues);
    assert_eq!(record.issues[0].kind, FileIssueKind::Undecoded);
    assert_eq!(
        record.issues[0].message,
        "lossless WavPack (48000 Hz, 24-bit integer, 2 channels, 0.010 s), a format stemlint \
         identifies but does not decode: its audio was not checked"
    );
}

fn stemlint_json(root: &Path) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_stemlint"))
        .arg("check")
        .arg(root)
        .args(["--format", "json", "--no-progress"])
        .output()
        .expect("run stemlint");
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn json_diagnostics(root: &Path) -> Vec<serde_json::Value> {
    stemlint_json(root)["deliveries"][0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .clone()
}

#[test]
fn every_audio_like_file_is_checked_or_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for name in [
        "w64_24_sox.w64",
        "rifx24_sox.wav",
        "mulaw_ffmpeg.wav",
        "undecoded/wv24_wavpack.wv",
        "undecoded/opus_ffmpeg.opus",
    ] {
        let file_name = name.rsplit('/').next().unwrap_or(name);
        fs::copy(fixture(name), root.join(file_name)).expect("copy");
    }
    // Headers alone, as the real files start.
    let mut dsf = b"DSD ".to_vec();
    dsf.extend_from_slice(&28u64.to_le_bytes());
    dsf.extend_from_slice(&[0; 16]);
    dsf.extend_from_slice(b"fmt ");
    dsf.extend_from_slice(&52u64.to_le_bytes());
    for field in [1u32, 0, 2, 2, 2_822_400, 1] {
        dsf.extend_from_slice(&field.to_le_bytes());
    }
    dsf.extend_from_slice(&2_822_400u64.to_le_bytes());
    dsf.extend_from_slice(&4096u32.to_le_bytes());
    dsf.extend_from_slice(&[0; 4]);
    fs::write(root.join("dsd.dsf"), &dsf).expect("write");
    fs::write(root.join("dsd.dff"), b"FRM8\0\0\0\0\0\0\0\x40DSD PROP").expect("write");
    fs::write(root.join("monkey.ape"), b"MAC \x96\x0f\0\0\0\0\0\0").expect("write");
    fs::write(root.join("session.sd2"), [0u8; 64]).expect("write");
    fs::write(root.join("tta.tta"), b"TTA1\x01\0\x02\0").expect("write");
    fs::write(root.join("take.pcm"), [0u8; 64]).expect("write");
    // Content alone, no extension: sniffed.
    fs::copy(fixture("w64_16_ffmpeg.w64"), root.join("render_w64")).expect("copy");
    fs::copy(fixture("undecoded/wv24_wavpack.wv"), root.join("render_wv")).expect("copy");

    let document = stemlint_json(root);
    let delivery = &document["deliveries"][0];
    let files: Vec<&str> = delivery["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|file| file["path"].as_str())
        .collect();
    let diagnostics = delivery["diagnostics"].as_array().expect("diagnostics");
    let named = |path: &str, rule: &str, text: &str| {
        diagnostics.iter().any(|d| {
            d["path"] == path
                && d["rule"] == rule
                && d["message"].as_str().is_some_and(|m| m.contains(text))
        })
    };
    for name in [
        "w64_24_sox.w64",
        "rifx24_sox.wav",
        "mulaw_ffmpeg.wav",
        "wv24_wavpack.wv",
        "dsd.dsf",
        "dsd.dff",
        "monkey.ape",
        "session.sd2",
        "tta.tta",
        "take.pcm",
        "opus_ffmpeg.opus",
        "render_w64",
        "render_wv",
    ] {
        assert!(files.contains(&name), "{name} was skipped: {files:?}");
    }
    assert!(named("w64_24_sox.w64", "format/container", "W64 file"));
    assert!(named("rifx24_sox.wav", "format/container", "RIFX file"));
    assert!(named(
        "mulaw_ffmpeg.wav",
        "format/bit-depth",
        "8-bit µ-law companded telephony audio"
    ));
    assert!(named(
        "wv24_wavpack.wv",
        "format/container",
        "lossless WavPack"
    ));
    assert!(named("render_wv", "format/container", "lossless WavPack"));
    assert!(named(
        "dsd.dsf",
        "format/container",
        "DSD audio (DSF) (2.8224 MHz 1-bit, 2 channels, 1.000 s)"
    ));
    assert!(named("dsd.dff", "format/container", "DSD audio (DSDIFF)"));
    assert!(named("monkey.ape", "format/container", "Monkey's Audio"));
    assert!(named(
        "session.sd2",
        "format/container",
        "Sound Designer II"
    ));
    assert!(named("tta.tta", "format/container", "True Audio"));
    assert!(named("take.pcm", "format/container", "headerless raw PCM"));
    assert!(named(
        "opus_ffmpeg.opus",
        "format/container",
        "lossy Opus audio (OGG container), a codec stemlint identifies but does not decode"
    ));
    // None of them is called corrupt or not audio.
    for d in diagnostics {
        let rule = d["rule"].as_str().unwrap_or("");
        assert!(rule != "file/corrupt" && rule != "file/not-audio", "{d:?}");
    }

    // The JSON carries the byte order where it is big and the companding where there is one.
    let file = |path: &str| {
        delivery["files"]
            .as_array()
            .expect("files")
            .iter()
            .find(|file| file["path"] == path)
            .cloned()
            .expect(path)
    };
    assert_eq!(file("rifx24_sox.wav")["endianness"], "big");
    assert_eq!(file("mulaw_ffmpeg.wav")["companding"], "mu-law");
    assert!(file("w64_24_sox.w64").get("endianness").is_none());
    assert!(file("w64_24_sox.w64").get("companding").is_none());
}

/// The result cache keeps the new facts: byte order, companding and header notes come back
/// from an entry exactly as scanned (an entry that failed to load would be a silent miss).
#[test]
fn the_new_facts_round_trip_through_the_result_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = stemlint::cache::Cache::new(dir.path().join("cache"));
    let settings = AnalysisSettings::default();
    let mut noted = Wav::new(48000, 24, 1).sine(440.0, -6.0).frames(100).bytes();
    let true_size = (noted.len() - 8) as u32;
    noted[4..8].copy_from_slice(&(true_size + 2).to_le_bytes());
    let noted = support::write_raw(dir.path(), "noted.wav", &noted);
    for path in [
        fixture("rifx24_sox.wav"),
        fixture("mulaw_ffmpeg.wav"),
        fixture("pcm16_sox.wav"),
        noted,
    ] {
        let scanned = scan(&path, "x.wav".into(), ScanMode::Full, &settings);
        cache.put(&scanned, ScanMode::Full, &settings);
        let cached = cache
            .get(&path, "x.wav", ScanMode::Full, &settings)
            .unwrap_or_else(|| panic!("{path:?}: the entry does not load"));
        assert_eq!(cached.facts, scanned.facts, "{path:?}");
    }
}
