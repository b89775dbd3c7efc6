//! The media stage against real-encoder files, malformed files and the fixture builder.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stemlint::media::analysis::AnalysisSettings;
use stemlint::media::{open, scan, Block, ScanMode};
use stemlint::record::{Codec, Container, FileIssueKind, SampleFormat};
use support::{fixture, scan_full, Wav};

#[test]
fn real_encoder_fixtures_have_exact_facts() {
    use Codec as C;
    use Container as K;
    use SampleFormat::{Float, Int};
    // (file, container, codec, sample format, rate, bit depth, channels, frames, channel mask),
    // frames verified with `soxi -s` and ffprobe.
    let table = [
        (
            "pcm16_sox.wav",
            K::Wav,
            C::Pcm,
            Int,
            48000,
            Some(16),
            1,
            2400,
            None,
        ),
        (
            "pcm8u_sox.wav",
            K::Wav,
            C::Pcm,
            Int,
            22050,
            Some(8),
            1,
            1103,
            None,
        ),
        (
            "bwf24_ffmpeg.wav",
            K::Wav,
            C::Pcm,
            Int,
            48000,
            Some(24),
            1,
            2400,
            Some(4),
        ),
        (
            "rf64_24_ffmpeg.wav",
            K::Rf64,
            C::Pcm,
            Int,
            48000,
            Some(24),
            1,
            2400,
            Some(4),
        ),
        (
            "extensible24_stereo_ffmpeg.wav",
            K::Wav,
            C::Pcm,
            Int,
            48000,
            Some(24),
            2,
            2400,
            Some(3),
        ),
        (
            "float32_sox.wav",
            K::Wav,
            C::Pcm,
            Float,
            44100,
            Some(32),
            1,
            2205,
            None,
        ),
        (
            "float32_ffmpeg.wav",
            K::Wav,
            C::Pcm,
            Float,
            48000,
            Some(32),
            1,
            2400,
            Some(4),
        ),
        (
            "float64_ffmpeg.wav",
            K::Wav,
            C::Pcm,
            Float,
            48000,
            Some(64),
            1,
            2400,
            Some(4),
        ),
        (
            "aiff16_sox.aiff",
            K::Aiff,
            C::Pcm,
            Int,
            44100,
            Some(16),
            2,
            2205,
            None,
        ),
        (
            "aiff24_sox.aiff",
            K::Aiff,
            C::Pcm,
            Int,
            48000,
            Some(24),
            1,
            2400,
            None,
        ),
        (
            "aifc_sox.aifc",
            K::Aifc,
            C::Pcm,
            Int,
            48000,
            Some(16),
            1,
            2400,
            None,
        ),
        (
            "aifc_float_ffmpeg.aifc",
            K::Aifc,
            C::Pcm,
            Float,
            48000,
            Some(32),
            1,
            2400,
            None,
        ),
        (
            "flac16_sox.flac",
            K::Flac,
            C::Flac,
            Int,
            44100,
            Some(16),
            1,
            2205,
            None,
        ),
        (
            "flac16_ffmpeg_small_frames.flac",
            K::Flac,
            C::Flac,
            Int,
            44100,
            Some(16),
            1,
            4410,
            None,
        ),
        (
            "flac24_sox.flac",
            K::Flac,
            C::Flac,
            Int,
            48000,
            Some(24),
            2,
            2400,
            None,
        ),
        // An MP3 renamed .wav is identified as MP3 (format/container reports it), not garbage.
        (
            "mp3_renamed.wav",
            K::Mp3,
            C::Mp3,
            Float,
            44100,
            None,
            1,
            4410,
            None,
        ),
    ];
    for (file, container, codec, format, rate, bits, channels, frames, mask) in table {
        let wanted = (container, codec, format, rate, bits, channels, frames, mask);
        let record = scan_full(&fixture(file));
        assert_eq!(record.issues, vec![], "{file}");
        let facts = record.facts.expect(file);
        let actual = (
            facts.container,
            facts.codec,
            facts.sample_format,
            facts.sample_rate,
            facts.bit_depth,
            facts.channels,
            facts.frames,
            facts.channel_mask,
        );
        assert_eq!(actual, wanted, "{file}");
        assert_eq!(facts.declared_frames, Some(frames), "{file}");
    }
}

#[test]
fn ffmpeg_bwf_time_reference_is_read() {
    let facts = scan_full(&fixture("bwf24_ffmpeg.wav"))
        .facts
        .expect("facts");
    let bext = facts.bext.expect("bext chunk");
    assert_eq!(bext.time_reference, 172_800_000);
    assert_eq!(bext.originator, "stemlint");
}

#[test]
fn malformed_files_are_typed_issues_quickly() {
    use FileIssueKind::{Corrupt, NotAudio};
    let table = [
        ("empty.wav", NotAudio),
        ("riff_only.wav", NotAudio),
        ("random_bytes.wav", NotAudio),
        ("text.wav", NotAudio),
        ("jpeg.wav", NotAudio),
        ("size_ffffffff.wav", Corrupt),
        ("fmt_gigabytes.wav", Corrupt),
        ("zero_channels.wav", Corrupt),
        ("zero_rate.wav", Corrupt),
        ("data_ends_early.wav", Corrupt),
        ("aiff_broken_comm.aiff", Corrupt),
        ("flac_corrupt_frame.flac", Corrupt),
    ];
    for (file, kind) in table {
        let started = Instant::now();
        let record = scan_full(&fixture(&format!("bad/{file}")));
        assert!(started.elapsed() < Duration::from_secs(1), "{file} is slow");
        let kinds: Vec<_> = record.issues.iter().map(|issue| issue.kind).collect();
        assert_eq!(kinds, vec![kind], "{file}: {:?}", record.issues);
    }
}

#[test]
fn a_cut_short_wav_keeps_what_is_there() {
    let record = scan_full(&fixture("bad/data_ends_early.wav"));
    let facts = record.facts.expect("the header is intact");
    assert_eq!((facts.frames, facts.declared_frames), (1000, Some(2400)));
    assert_eq!(
        record.issues[0].message,
        "header declares 2400 frames (0.050 s) but the file holds 1000 (0.021 s): 0.029 s \
         missing — the upload or copy was cut short; the data ends with a partial frame (1 of 2 \
         bytes)"
    );
}

#[test]
fn a_damaged_flac_frame_is_corrupt_with_the_frames_that_decoded() {
    let record = scan_full(&fixture("bad/flac_corrupt_frame.flac"));
    let facts = record.facts.expect("the header is intact");
    assert_eq!(facts.declared_frames, Some(4410));
    assert!(facts.frames < 4410, "{}", facts.frames);
    assert!(record.issues[0].message.contains("checksum"));
}

#[test]
fn an_odd_chunk_without_its_pad_byte_is_read() {
    let record = scan_full(&fixture("bad/odd_chunk_no_pad.wav"));
    assert_eq!(record.issues, vec![]);
    assert_eq!(record.facts.expect("facts").frames, 48);
}

#[test]
fn builder_files_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            Wav::new(48000, 24, 1).sine(440.0, -6.0).seconds(0.5),
            Container::Wav,
            SampleFormat::Int,
            24,
            24000,
        ),
        (
            Wav::new(44100, 16, 2).noise(-12.0, 7).frames(1001),
            Container::Wav,
            SampleFormat::Int,
            16,
            1001,
        ),
        (
            Wav::new(48000, 8, 1).square(100.0, -3.0).frames(333),
            Container::Wav,
            SampleFormat::Int,
            8,
            333,
        ),
        (
            Wav::new(48000, 32, 2).sine(1000.0, -1.0).frames(500),
            Container::Wav,
            SampleFormat::Int,
            32,
            500,
        ),
        (
            Wav::new(96000, 24, 2).float().frames(777),
            Container::Wav,
            SampleFormat::Float,
            32,
            777,
        ),
        (
            Wav::new(48000, 24, 1).double().frames(10),
            Container::Wav,
            SampleFormat::Float,
            64,
            10,
        ),
        (
            Wav::new(48000, 24, 1).rf64().frames(4800),
            Container::Rf64,
            SampleFormat::Int,
            24,
            4800,
        ),
        (
            Wav::new(48000, 24, 6).extensible(0x3F).frames(48),
            Container::Wav,
            SampleFormat::Int,
            24,
            48,
        ),
        (
            Wav::new(48000, 24, 1).frames(0),
            Container::Wav,
            SampleFormat::Int,
            24,
            0,
        ),
    ];
    for (index, (wav, container, format, bits, frames)) in cases.into_iter().enumerate() {
        let path = wav.write(dir.path(), &format!("{index:02}_Case.wav"));
        let record = scan_full(&path);
        assert_eq!(record.issues, vec![], "case {index}");
        let facts = record.facts.expect("facts");
        assert_eq!(
            (
                facts.container,
                facts.sample_format,
                facts.bit_depth,
                facts.frames
            ),
            (container, format, Some(bits), frames),
            "case {index}"
        );
        // Nothing decoded, nothing to analyse; otherwise the analyser ran.
        assert_eq!(record.analysis.is_some(), frames > 0, "case {index}");
    }
}

#[test]
fn builder_metadata_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Wav::new(48000, 24, 2)
        .rf64()
        .extensible(0x3)
        .bext(123_456_789_012)
        .ixml("<BWFXML><PROJECT>Demo</PROJECT></BWFXML>")
        .frames(100)
        .write(dir.path(), "01_Meta.wav");
    let facts = scan_full(&path).facts.expect("facts");
    assert_eq!(facts.container, Container::Rf64);
    assert_eq!(facts.channel_mask, Some(0x3));
    let bext = facts.bext.expect("bext");
    assert_eq!(bext.time_reference, 123_456_789_012);
    assert_eq!(bext.originator_reference, "STEMLINT0001");
    assert_eq!(
        facts.ixml.as_deref(),
        Some("<BWFXML><PROJECT>Demo</PROJECT></BWFXML>")
    );
}

/// Every integer sample comes back sign-extended to its valid bits, whatever its slot width.
#[test]
fn integer_samples_are_exact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ramp = |frame: u64, _channel: u16| [0.5, -0.5, -1.0, 0.25][frame as usize % 4];
    for (bits, padded, full_scale) in [
        (8, None, 128),
        (16, None, 32768),
        (24, None, 8_388_608),
        (32, None, 2_147_483_648i64),
        (24, Some(16), 8_388_608),
    ] {
        let mut wav = Wav::new(48000, bits, 1).with(ramp).frames(4);
        if let Some(padded) = padded {
            wav = wav.padded(padded);
        }
        let path = wav.write(dir.path(), "ramp.wav");
        let mut opened = open(&path).expect("opens");
        let block = opened
            .source
            .next_block()
            .expect("decodes")
            .expect("one block");
        let Block::Int {
            samples,
            bits: valid,
        } = block
        else {
            panic!("integer block expected for {bits}-bit");
        };
        assert_eq!(valid, u32::from(bits));
        let expected: Vec<i32> = [0.5, -0.5, -1.0, 0.25]
            .iter()
            .map(|value| (value * full_scale as f64) as i32)
            .collect();
        assert_eq!(samples, expected.as_slice(), "{bits}-bit");
    }
}

#[test]
fn truncated_builder_file_reports_the_missing_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Wav::new(48000, 24, 1)
        .sine(440.0, -6.0)
        .seconds(12.0)
        .truncate_bytes(2 * 48000 * 3)
        .write(dir.path(), "03_Bass.wav");
    let record = scan_full(&path);
    assert_eq!(
        record.facts.as_ref().map(|facts| facts.frames),
        Some(480_000)
    );
    assert_eq!(record.issues.len(), 1);
    assert_eq!(record.issues[0].kind, FileIssueKind::Corrupt);
    assert_eq!(
        record.issues[0].message,
        "header declares 576000 frames (12.000 s) but the file holds 480000 (10.000 s): 2.000 s \
         missing — the upload or copy was cut short"
    );
    assert!(record.analysis.is_some(), "what decoded is still analysed");
}

#[test]
fn fast_mode_reads_headers_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Wav::new(48000, 24, 2)
        .frames(4800)
        .write(dir.path(), "01_Kick.wav");
    let record = scan(
        &path,
        "01_Kick.wav".into(),
        ScanMode::Fast,
        &AnalysisSettings::default(),
    );
    assert_eq!(record.facts.expect("facts").frames, 4800);
    assert!(record.analysis.is_none());
}

#[test]
fn a_missing_file_is_unreadable() {
    let record = scan_full(Path::new("/nonexistent/stemlint/01_Kick.wav"));
    assert_eq!(record.issues[0].kind, FileIssueKind::Unreadable);
}

/// A sparse RF64 file whose ds64 declares more than 4 GiB: the 64-bit size is what counts.
fn sparse_rf64(dir: &Path) -> (PathBuf, u64) {
    let frames = (5u64 << 30) / 6; // 5 GiB of 24-bit stereo
    let wav = Wav::new(48000, 24, 2)
        .rf64()
        .frames(0)
        .declare_frames(frames);
    let header = wav.bytes();
    let path = support::write_raw(dir, "01_Long.wav", &header);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("just written");
    file.set_len(header.len() as u64 + frames * 6)
        .expect("sparse files are supported");
    assert!(frames * 6 > u64::from(u32::MAX));
    (path, frames)
}

#[test]
fn rf64_over_4_gib_declares_its_frames_from_ds64() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, frames) = sparse_rf64(dir.path());
    let record = scan(
        &path,
        "01_Long.wav".into(),
        ScanMode::Fast,
        &AnalysisSettings::default(),
    );
    assert_eq!(record.issues, vec![]);
    let facts = record.facts.expect("facts");
    assert_eq!(
        (facts.container, facts.declared_frames, facts.frames),
        (Container::Rf64, Some(frames), frames)
    );
}

/// Decodes over 4 GiB of (sparse, silent) samples: `cargo test --release -- --ignored`.
#[test]
#[ignore]
fn rf64_over_4_gib_decodes_every_frame() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, frames) = sparse_rf64(dir.path());
    let record = scan_full(&path);
    assert_eq!(record.issues, vec![]);
    assert_eq!(record.facts.expect("facts").frames, frames);
}

/// A WAV whose writer never went back to fill in the data size (`placeholder`), as a recorder
/// that stopped abruptly or a stream written to a pipe leaves it.
fn unfinalised_wav(dir: &Path, name: &str, placeholder: u32) -> PathBuf {
    let mut bytes = Wav::new(48000, 24, 1)
        .sine(440.0, -6.0)
        .frames(4800)
        .bytes();
    let data = bytes
        .windows(4)
        .position(|window| window == b"data")
        .expect("the builder writes a data chunk");
    bytes[data + 4..data + 8].copy_from_slice(&placeholder.to_le_bytes());
    support::write_raw(dir, name, &bytes)
}

#[test]
fn a_header_never_finalised_is_read_to_the_end_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (placeholder, declared) in [(0u32, Some(0)), (u32::MAX, None)] {
        let path = unfinalised_wav(dir.path(), &format!("{placeholder}.wav"), placeholder);
        let record = scan_full(&path);
        let facts = record.facts.as_ref().expect("facts");
        assert_eq!(facts.frames, 4800, "every frame is read");
        assert_eq!(facts.declared_frames, declared);
        assert!(record.analysis.is_some());
        assert_eq!(record.issues.len(), 1, "{:?}", record.issues);
        assert_eq!(record.issues[0].kind, FileIssueKind::Corrupt);
        assert!(
            record.issues[0]
                .message
                .starts_with("the header was never finalised")
                && record.issues[0].message.contains("4800 frames (0.100 s)"),
            "{}",
            record.issues[0].message
        );
        // Headers only: the same finding, and the frames that are there.
        let fast = scan(
            &path,
            "x.wav".into(),
            ScanMode::Fast,
            &AnalysisSettings::default(),
        );
        assert_eq!(fast.facts.as_ref().map(|facts| facts.frames), Some(4800));
        assert_eq!(fast.issues, record.issues);
    }
}

#[test]
fn fast_mode_still_reports_a_cut_short_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Wav::new(48000, 24, 1)
        .sine(440.0, -6.0)
        .seconds(1.0)
        .truncate_bytes(6000)
        .write(dir.path(), "01.wav");
    let fast = scan(
        &path,
        "01.wav".into(),
        ScanMode::Fast,
        &AnalysisSettings::default(),
    );
    assert_eq!(fast.issues.len(), 1);
    assert_eq!(fast.issues[0].kind, FileIssueKind::Corrupt);
    assert!(
        fast.issues[0].message.contains("the file holds 46000"),
        "{}",
        fast.issues[0].message
    );
    assert_eq!(
        fast.facts.as_ref().map(|facts| facts.frames),
        Some(48000),
        "--fast reports the declared frames"
    );
}

#[test]
fn an_empty_data_chunk_followed_by_metadata_is_not_unfinalised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = Wav::new(48000, 24, 1).frames(0).bytes();
    bytes.extend(support::chunk(b"LIST", b"INFOISFT\x04\x00\x00\x00abc\x00"));
    let riff_size = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff_size.to_le_bytes());
    let path = support::write_raw(dir.path(), "empty.wav", &bytes);
    let record = scan_full(&path);
    assert_eq!(record.issues, []);
    assert_eq!(record.facts.as_ref().map(|facts| facts.frames), Some(0));
}
