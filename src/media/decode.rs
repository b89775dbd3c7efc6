//! Open a file with the reader the probe table names for its content: our own reader for PCM,
//! float and G.711 WAV/RF64/BW64/RIFX/Wave64, symphonia for everything else, and a description
//! for the formats stemlint finds but does not decode.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::well_known as codec_ids;
use symphonia::core::codecs::audio::{AudioCodecId, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::pcm::PcmSource;
use super::probe::{self, Format, Reader};
use super::riff::{self, WaveHeader};
use super::undecoded;
use super::{missing_frames_message, shortfall_message, Block, Opened, SampleSource};
use crate::model::record::{
    AudioFacts, Codec, Companding, Container, Endianness, FileIssue, FileIssueKind, SampleFormat,
};

/// What the first bytes of a file say it is (a row of the probe table), before any decoder
/// has a go; None when no signature matches.
type Magic = Option<&'static Format>;

/// Open `path`, identify it by content and return its facts and a sample stream.
pub fn open(path: &Path) -> Result<Opened, FileIssue> {
    let mut file = File::open(path).map_err(|error| unreadable("cannot open the file", &error))?;
    let file_len = file
        .metadata()
        .map_err(|error| unreadable("cannot read the file's size", &error))?
        .len();
    if file_len == 0 {
        return Err(FileIssue::new(
            FileIssueKind::NotAudio,
            "the file is empty (0 bytes)",
        ));
    }
    let mut head = [0u8; probe::HEAD_LEN];
    let head_len = read_head(&mut file, &mut head)?;
    let magic = probe::sniff(&head[..head_len]);
    let reader = magic.map(|format| format.reader);
    if let Some(Reader::Undecoded(name)) = reader {
        return Err(undecoded::issue(name, &mut file, file_len));
    }
    // A format without a signature is known by its extension alone.
    if magic.is_none() {
        let extension = path
            .extension()
            .map(|extension| extension.to_string_lossy().to_lowercase());
        if let Some(format) = extension.as_deref().and_then(probe::by_extension) {
            if let (Reader::Undecoded(name), true) = (format.reader, format.signature.is_empty()) {
                return Err(undecoded::issue(name, &mut file, file_len));
            }
        }
    }

    if let Some(Reader::Wave(_)) = reader {
        let header = riff::read_header(&mut file, file_len)?;
        if let Some(encoding) = header.fmt.encoding() {
            let facts = wave_facts(&header, Codec::Pcm);
            let source = PcmSource::new(file, &header, encoding)
                .map_err(|error| unreadable("cannot seek to the audio data", &error))?;
            return Ok(Opened {
                facts,
                source: Box::new(source),
            });
        }
        // ADPCM, A-law and other WAVE codecs: symphonia decodes, our header keeps the facts
        // symphonia does not expose.
        check_frame_size(header.fmt.channels, header.fmt.bits_per_sample)?;
        let mut opened = open_with_symphonia(file, magic)?;
        let facts = &mut opened.facts;
        facts.container = header.kind.container();
        facts.channel_mask = header.fmt.channel_mask;
        facts.bext = header.bext;
        facts.ixml = header.ixml;
        return Ok(opened);
    }
    if reader == Some(Reader::Aiff) {
        if let Some((channels, bits)) = aiff_comm(&mut file, file_len)? {
            check_frame_size(channels, bits)?;
        }
    }
    open_with_symphonia(file, magic)
}

/// Refuse a header whose frame (channels × bytes per sample) does not fit in 16 bits, before
/// symphonia computes it in a u16: that panics in a debug build and, in a release one, wraps to
/// a small frame size that makes the file read as zero frames with no error (found by AFL).
fn check_frame_size(channels: u16, bits: u16) -> Result<(), FileIssue> {
    let frame_bytes = u32::from(channels) * u32::from(bits.div_ceil(8));
    if frame_bytes > u32::from(u16::MAX) {
        return Err(FileIssue::new(
            FileIssueKind::Corrupt,
            format!(
                "the header is damaged: it declares {channels} channels of {bits} bits, a                  {frame_bytes}-byte frame that no audio file holds"
            ),
        ));
    }
    Ok(())
}

/// Channels and sample size from an AIFF/AIFC `COMM` chunk, or None without one (symphonia
/// then reports the file). Walks the big-endian chunk list from byte 12; every size is
/// bounded by the file's length, so a damaged size ends the walk.
fn aiff_comm(file: &mut File, file_len: u64) -> Result<Option<(u16, u16)>, FileIssue> {
    let mut position = 12u64;
    while position.saturating_add(8) <= file_len {
        file.seek(SeekFrom::Start(position))
            .map_err(|error| unreadable("cannot read the file", &error))?;
        let mut chunk_head = [0u8; 16];
        let filled = read_head(file, &mut chunk_head)?;
        let size = u64::from(u32::from_be_bytes([
            chunk_head[4],
            chunk_head[5],
            chunk_head[6],
            chunk_head[7],
        ]));
        if &chunk_head[0..4] == b"COMM" {
            // numChannels (2), numSampleFrames (4), sampleSize (2).
            if filled < 16 {
                return Ok(None);
            }
            let channels = u16::from_be_bytes([chunk_head[8], chunk_head[9]]);
            let bits = u16::from_be_bytes([chunk_head[14], chunk_head[15]]);
            return Ok(Some((channels, bits)));
        }
        // Chunks are padded to an even length.
        position = position.saturating_add(8 + size + size % 2);
    }
    Ok(None)
}

fn read_head(file: &mut File, head: &mut [u8]) -> Result<usize, FileIssue> {
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(unreadable("cannot read the file", &error)),
        }
    }
    Ok(filled)
}

fn unreadable(what: &str, error: &io::Error) -> FileIssue {
    FileIssue::new(FileIssueKind::Unreadable, format!("{what}: {error}"))
}

fn wave_facts(header: &WaveHeader, codec: Codec) -> AudioFacts {
    let declared_frames = header.declared_frames();
    AudioFacts {
        container: header.kind.container(),
        codec,
        sample_format: if header.fmt.is_float() {
            SampleFormat::Float
        } else {
            SampleFormat::Int
        },
        sample_rate: header.fmt.sample_rate,
        bit_depth: Some(header.fmt.bit_depth()),
        channels: header.fmt.channels,
        endianness: header.endianness(),
        companding: header.fmt.companding(),
        header_notes: header.size_notes.clone(),
        channel_mask: header.fmt.channel_mask,
        frames: declared_frames,
        // A never-finalised header declares nothing usable: 0 bytes, or "unknown".
        declared_frames: match header.unfinalised_size {
            Some(0) => Some(0),
            Some(_) => None,
            None => Some(declared_frames),
        },
        bext: header.bext.clone(),
        ixml: header.ixml.clone(),
    }
}

/// Open anything that is not a PCM/float WAVE with symphonia.
fn open_with_symphonia(mut file: File, magic: Magic) -> Result<Opened, FileIssue> {
    // Our own header reads moved the file position; the probe starts from the first byte.
    file.seek(SeekFrom::Start(0))
        .map_err(|error| unreadable("cannot read the file", &error))?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let reader = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            stream,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|error| open_failure(magic, &error))?;

    let track = reader.default_track(TrackType::Audio).ok_or_else(|| {
        FileIssue::new(
            FileIssueKind::NotAudio,
            "the file is a media container without an audio track",
        )
    })?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|params| params.audio())
        .ok_or_else(|| {
            FileIssue::new(
                FileIssueKind::Corrupt,
                "the audio track's codec parameters are missing",
            )
        })?
        .clone();
    let track_id = track.id;
    let declared_frames = track.num_frames;

    let corrupt = |what: &str| FileIssue::new(FileIssueKind::Corrupt, what.to_owned());
    let sample_rate = params
        .sample_rate
        .filter(|&rate| rate > 0)
        .ok_or_else(|| corrupt("the header declares no sample rate (or 0 Hz)"))?;
    let channels = params
        .channels
        .as_ref()
        .map(|channels| channels.count())
        .filter(|&count| count > 0)
        .ok_or_else(|| corrupt("the header declares 0 channels"))?;
    let channels =
        u16::try_from(channels).map_err(|_| corrupt("the header declares over 65535 channels"))?;

    let codec = codec_of(params.codec);
    let container = probe::container_of(reader.format_info().format, magic);
    // Lossy codecs decode to float whatever their source was.
    let float = is_float_codec(params.codec) || codec.is_lossy();
    // Lossy codecs have no bit depth; PCM and lossless ones report theirs, except a plain
    // float WAV, where the width follows from the codec.
    let bit_depth = if codec.is_lossy() {
        None
    } else {
        params
            .bits_per_sample
            .or_else(|| float_width(params.codec))
            .or_else(|| params.sample_format.map(format_width))
            .and_then(|bits| u16::try_from(bits).ok())
            // Some readers state 0 (ALAC in CAF): no depth, not a 0-bit one.
            .filter(|&bits| bits > 0)
    };

    // The CAF reader states a G.711 stream's 8 coded bits as its sample width, which the PCM
    // decoder (16-bit output) refuses: the codec fixes both, so the decoder is given neither.
    let mut decoder_params = params.clone();
    if companding_of(params.codec).is_some() {
        decoder_params.bits_per_sample = None;
        decoder_params.bits_per_coded_sample = None;
    }
    let decoder = symphonia::default::get_codecs()
        // Verification checks FLAC's MD5 of the audio: the only way to catch a damaged frame
        // that the demuxer skips over silently.
        .make_audio_decoder(
            &decoder_params,
            &AudioDecoderOptions::default().verify(true),
        )
        .map_err(|error| match error {
            // A codec symphonia does not decode (Opus): the file is fine, stemlint cannot read it.
            SymphoniaError::Unsupported(_) => FileIssue::new(
                FileIssueKind::Undecoded,
                format!(
                    "{} ({} container), a codec stemlint identifies but does not decode: its \
                     audio was not checked",
                    undecoded_codec_name(params.codec),
                    container.as_str().to_uppercase()
                ),
            ),
            _ => FileIssue::new(
                FileIssueKind::Corrupt,
                format!("the {} audio cannot be decoded: {error}", codec.as_str()),
            ),
        })?;

    let facts = AudioFacts {
        container,
        codec,
        sample_format: if float {
            SampleFormat::Float
        } else {
            SampleFormat::Int
        },
        sample_rate,
        // A G.711 file stores 8-bit codes, whatever width symphonia decodes them to.
        bit_depth: companding_of(params.codec).map_or(bit_depth, |_| Some(8)),
        channels,
        channel_mask: None,
        frames: declared_frames.unwrap_or(0),
        declared_frames,
        bext: None,
        ixml: None,
        endianness: endianness_of(params.codec),
        companding: companding_of(params.codec),
        header_notes: Vec::new(),
    };
    let source = SymphoniaSource {
        reader,
        decoder,
        track_id,
        bits: bit_depth
            .map(u32::from)
            .filter(|_| companding_of(params.codec).is_none()),
        lossy: codec.is_lossy(),
        sample_rate,
        channels: usize::from(channels),
        declared_frames,
        // CAF counts an ALAC stream's frames in its packet table, 4096 a packet (PCM's
        // packets are the reader's own chunks of an exact count: not these).
        packet_frames: params
            .max_frames_per_packet
            .filter(|&frames| frames > 1 && container == Container::Caf && codec == Codec::Alac),
        frames_decoded: 0,
        ints: Vec::new(),
        floats: Vec::new(),
        doubles: Vec::new(),
    };
    Ok(Opened {
        facts,
        source: Box::new(source),
    })
}

/// Why symphonia could not open a file, in terms of our three file issues.
fn open_failure(magic: Magic, error: &SymphoniaError) -> FileIssue {
    match error {
        SymphoniaError::IoError(io_error) if io_error.kind() != io::ErrorKind::UnexpectedEof => {
            unreadable("cannot read the file", io_error)
        }
        _ if magic.is_some() => FileIssue::new(
            FileIssueKind::Corrupt,
            format!("the header is damaged or cut short and cannot be read: {error}"),
        ),
        _ => FileIssue::new(
            FileIssueKind::NotAudio,
            "the content is not a supported audio stream (no known audio header)",
        ),
    }
}

fn codec_of(codec: AudioCodecId) -> Codec {
    match codec {
        codec_ids::CODEC_ID_FLAC => Codec::Flac,
        codec_ids::CODEC_ID_ALAC => Codec::Alac,
        codec_ids::CODEC_ID_MP1 | codec_ids::CODEC_ID_MP2 | codec_ids::CODEC_ID_MP3 => Codec::Mp3,
        codec_ids::CODEC_ID_AAC => Codec::Aac,
        codec_ids::CODEC_ID_VORBIS => Codec::Vorbis,
        codec_ids::CODEC_ID_ADPCM_G722
        | codec_ids::CODEC_ID_ADPCM_G726
        | codec_ids::CODEC_ID_ADPCM_G726LE
        | codec_ids::CODEC_ID_ADPCM_MS
        | codec_ids::CODEC_ID_ADPCM_IMA_WAV
        | codec_ids::CODEC_ID_ADPCM_IMA_QT => Codec::Adpcm,
        // The well-known uncompressed PCM ids (integer, float, A-law, µ-law) are one range.
        pcm if (codec_ids::CODEC_ID_PCM_S32LE..=codec_ids::CODEC_ID_PCM_MULAW).contains(&pcm) => {
            Codec::Pcm
        }
        _ => Codec::Other,
    }
}

/// What an engineer calls a codec symphonia knows but does not decode.
fn undecoded_codec_name(codec: AudioCodecId) -> &'static str {
    match codec {
        codec_ids::CODEC_ID_OPUS => "lossy Opus audio",
        codec_ids::CODEC_ID_WAVPACK => "lossless WavPack audio",
        codec_ids::CODEC_ID_MONKEYS_AUDIO => "lossless Monkey's Audio",
        codec_ids::CODEC_ID_TTA => "lossless True Audio (TTA)",
        codec_ids::CODEC_ID_SPEEX => "lossy Speex audio",
        codec_ids::CODEC_ID_WMA => "Windows Media Audio",
        codec_ids::CODEC_ID_AC3 | codec_ids::CODEC_ID_EAC3 => "lossy Dolby Digital (AC-3) audio",
        codec_ids::CODEC_ID_DCA => "DTS audio",
        _ => "audio",
    }
}

/// Big for the big-endian PCM codecs (AIFF, AIFF-C, big-endian CAF), little otherwise.
fn endianness_of(codec: AudioCodecId) -> Endianness {
    match codec {
        codec_ids::CODEC_ID_PCM_S16BE
        | codec_ids::CODEC_ID_PCM_S24BE
        | codec_ids::CODEC_ID_PCM_S32BE
        | codec_ids::CODEC_ID_PCM_U16BE
        | codec_ids::CODEC_ID_PCM_U24BE
        | codec_ids::CODEC_ID_PCM_U32BE
        | codec_ids::CODEC_ID_PCM_F32BE
        | codec_ids::CODEC_ID_PCM_F64BE => Endianness::Big,
        _ => Endianness::Little,
    }
}

fn companding_of(codec: AudioCodecId) -> Option<Companding> {
    match codec {
        codec_ids::CODEC_ID_PCM_MULAW => Some(Companding::MuLaw),
        codec_ids::CODEC_ID_PCM_ALAW => Some(Companding::ALaw),
        _ => None,
    }
}

fn is_float_codec(codec: AudioCodecId) -> bool {
    float_width(codec).is_some()
}

/// The sample width of the float PCM codecs.
fn float_width(codec: AudioCodecId) -> Option<u32> {
    match codec {
        codec_ids::CODEC_ID_PCM_F32LE
        | codec_ids::CODEC_ID_PCM_F32LE_PLANAR
        | codec_ids::CODEC_ID_PCM_F32BE
        | codec_ids::CODEC_ID_PCM_F32BE_PLANAR => Some(32),
        codec_ids::CODEC_ID_PCM_F64LE
        | codec_ids::CODEC_ID_PCM_F64LE_PLANAR
        | codec_ids::CODEC_ID_PCM_F64BE
        | codec_ids::CODEC_ID_PCM_F64BE_PLANAR => Some(64),
        _ => None,
    }
}

/// The width of a decoded sample format, for codecs that do not state their bit depth.
fn format_width(format: symphonia::core::audio::sample::SampleFormat) -> u32 {
    use symphonia::core::audio::sample::SampleFormat as Format;
    match format {
        Format::U8 | Format::S8 => 8,
        Format::U16 | Format::S16 => 16,
        Format::U24 | Format::S24 => 24,
        Format::U32 | Format::S32 | Format::F32 => 32,
        Format::F64 => 64,
    }
}

/// Streams a symphonia decoder's output as blocks, through reused buffers.
struct SymphoniaSource {
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    /// Valid bits of integer output; None for lossy codecs (decoded as float).
    bits: Option<u32>,
    lossy: bool,
    sample_rate: u32,
    channels: usize,
    declared_frames: Option<u64>,
    packet_frames: Option<u64>,
    frames_decoded: u64,
    ints: Vec<i32>,
    floats: Vec<f32>,
    doubles: Vec<f64>,
}

impl SymphoniaSource {
    fn failure(&self, error: &SymphoniaError) -> FileIssue {
        let progress = match self.declared_frames {
            Some(declared) if declared > self.frames_decoded => {
                shortfall_message(declared, self.frames_decoded, self.sample_rate)
            }
            _ => format!(
                "decoding stopped after {} frames ({:.3} s)",
                self.frames_decoded,
                self.frames_decoded as f64 / f64::from(self.sample_rate)
            ),
        };
        FileIssue::new(FileIssueKind::Corrupt, format!("{progress} ({error})"))
    }
}

impl SymphoniaSource {
    /// The clean end of the stream, unless the codec's own checksum says the audio is damaged.
    fn finish(&mut self) -> Result<Option<Block<'_>>, FileIssue> {
        if self.decoder.finalize().verify_ok == Some(false) {
            let mut message =
                "the audio decodes, but differs from what the encoder wrote: it does not match the MD5 checksum stored in the file"
                    .to_owned();
            if let Some(declared) = self.declared_frames.filter(|&d| d > self.frames_decoded) {
                message.push_str(" (");
                message.push_str(&missing_frames_message(
                    declared,
                    self.frames_decoded,
                    self.sample_rate,
                ));
                message.push(')');
            }
            return Err(FileIssue::new(FileIssueKind::Corrupt, message));
        }
        Ok(None)
    }
}

impl SampleSource for SymphoniaSource {
    fn packet_frames(&self) -> Option<u64> {
        self.packet_frames
    }

    fn next_block(&mut self) -> Result<Option<Block<'_>>, FileIssue> {
        loop {
            let packet = match self.reader.next_packet() {
                Ok(Some(packet)) => packet,
                Ok(None) => return self.finish(),
                Err(error) => return Err(self.failure(&error)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let decoded = match self.decoder.decode(&packet) {
                Ok(decoded) => decoded,
                Err(error) => {
                    let issue = self.failure(&error);
                    return Err(issue);
                }
            };
            let frames = decoded.frames();
            if frames == 0 {
                continue;
            }
            if decoded.spec().channels().count() != self.channels {
                return Err(FileIssue::new(
                    FileIssueKind::Corrupt,
                    format!(
                        "the channel count changes part-way, after {} frames",
                        self.frames_decoded
                    ),
                ));
            }
            self.frames_decoded += frames as u64;
            return Ok(Some(match decoded {
                GenericAudioBufferRef::F64(_) => {
                    decoded.copy_to_vec_interleaved(&mut self.doubles);
                    Block::Double(&self.doubles)
                }
                GenericAudioBufferRef::F32(_) => {
                    decoded.copy_to_vec_interleaved(&mut self.floats);
                    Block::Float(&self.floats)
                }
                _ if self.lossy => {
                    decoded.copy_to_vec_interleaved(&mut self.floats);
                    Block::Float(&self.floats)
                }
                _ => {
                    // Symphonia left-aligns integers in the i32 range; shift back down so the
                    // samples lie in ±2^(bits-1) as `Block::Int` promises.
                    let bits = self
                        .bits
                        .unwrap_or_else(|| buffer_width(&decoded))
                        .clamp(1, 32);
                    let shift = 32 - bits;
                    decoded.copy_to_vec_interleaved(&mut self.ints);
                    for sample in &mut self.ints {
                        *sample >>= shift;
                    }
                    Block::Int {
                        samples: &self.ints,
                        bits,
                    }
                }
            }));
        }
    }
}

/// The width of the integer type symphonia decoded into.
fn buffer_width(decoded: &GenericAudioBufferRef<'_>) -> u32 {
    match decoded {
        GenericAudioBufferRef::U8(_) | GenericAudioBufferRef::S8(_) => 8,
        GenericAudioBufferRef::U16(_) | GenericAudioBufferRef::S16(_) => 16,
        GenericAudioBufferRef::U24(_) | GenericAudioBufferRef::S24(_) => 24,
        _ => 32,
    }
}
