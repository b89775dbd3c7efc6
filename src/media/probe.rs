//! What a file is: one table of every container stemlint knows, with the extensions it goes
//! by and the signature its first bytes carry. Discovery asks it which names are audio and
//! which unnamed files sniff as audio; the decoder asks it which reader opens a file.
//!
//! Identification by content never looks at the extension: an MP3 renamed `.wav` is an MP3
//! (`format/container` reports the lossy container), a JPEG named `.wav` is not audio.
//!
//! Adding a container: one row in `FORMATS` (and, if stemlint reads it itself, a reader file
//! next to this one and a `Reader` variant); see CONTRIBUTING.md.

use symphonia::core::formats::well_known as ID;
use symphonia::core::formats::FormatId;

use super::riff::RiffKind;
use crate::model::record::Container;

/// Bytes of a file's head the signatures need (Wave64's second GUID ends at 40).
pub const HEAD_LEN: usize = 40;

/// Which reader opens a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Our RIFF/RF64/BW64 chunk reader (`riff.rs`, PCM streamed by `pcm.rs`; other WAVE
    /// codecs handed to symphonia with our header's facts).
    Wave(RiffKind),
    /// symphonia, after our own sanity check of the `COMM` chunk.
    Aiff,
    /// symphonia.
    Symphonia,
    /// Nobody: stemlint knows what the file is (named here for the engineer, lossless or
    /// lossy) but decodes none of it; `format/container` says so.
    Undecoded(&'static str),
}

/// A byte string expected at an offset of the file's head.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    /// Byte offset of the signature from the start of the file.
    pub offset: usize,
    /// The bytes expected there.
    pub bytes: &'static [u8],
}

const fn at(offset: usize, bytes: &'static [u8]) -> Signature {
    Signature { offset, bytes }
}

/// One container: what it is, how files of it are named and how their content starts.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// The container this entry describes.
    pub container: Container,
    /// Lower-case extensions without the dot.
    pub extensions: &'static [&'static str],
    /// Every signature must match (empty: not recognisable by content).
    pub signature: &'static [Signature],
    /// Which reader decodes it.
    pub reader: Reader,
    /// The symphonia formats that read as this container (the first row listing an id is
    /// the container symphonia's id means, unless the file's signature names a later row).
    pub symphonia: &'static [FormatId],
}

/// Every container stemlint knows, the most specific signatures first.
pub static FORMATS: &[Format] = &[
    Format {
        container: Container::Wav,
        symphonia: &[ID::FORMAT_ID_WAVE],
        extensions: &["wav", "wave", "bwf"],
        signature: &[at(0, b"RIFF"), at(8, b"WAVE")],
        reader: Reader::Wave(RiffKind::Riff),
    },
    Format {
        container: Container::Rf64,
        symphonia: &[ID::FORMAT_ID_WAVE],
        extensions: &["rf64"],
        signature: &[at(0, b"RF64"), at(8, b"WAVE")],
        reader: Reader::Wave(RiffKind::Rf64),
    },
    Format {
        container: Container::Bw64,
        symphonia: &[ID::FORMAT_ID_WAVE],
        extensions: &["bw64"],
        signature: &[at(0, b"BW64"), at(8, b"WAVE")],
        reader: Reader::Wave(RiffKind::Bw64),
    },
    Format {
        container: Container::Rifx,
        symphonia: &[],
        extensions: &["rifx"],
        signature: &[at(0, b"RIFX"), at(8, b"WAVE")],
        reader: Reader::Wave(RiffKind::Rifx),
    },
    Format {
        container: Container::W64,
        symphonia: &[],
        extensions: &["w64"],
        signature: &[
            at(0, b"riff\x2E\x91\xCF\x11"),
            at(24, b"wave\xF3\xAC\xD3\x11"),
        ],
        reader: Reader::Wave(RiffKind::W64),
    },
    Format {
        container: Container::Aiff,
        symphonia: &[ID::FORMAT_ID_AIFF],
        extensions: &["aif", "aiff"],
        signature: &[at(0, b"FORM"), at(8, b"AIFF")],
        reader: Reader::Aiff,
    },
    Format {
        container: Container::Aifc,
        symphonia: &[ID::FORMAT_ID_AIFF],
        extensions: &["aifc"],
        signature: &[at(0, b"FORM"), at(8, b"AIFC")],
        reader: Reader::Aiff,
    },
    Format {
        container: Container::Flac,
        symphonia: &[ID::FORMAT_ID_FLAC],
        extensions: &["flac"],
        signature: &[at(0, b"fLaC")],
        reader: Reader::Symphonia,
    },
    Format {
        container: Container::Ogg,
        symphonia: &[ID::FORMAT_ID_OGG],
        extensions: &["ogg", "oga", "opus"],
        signature: &[at(0, b"OggS")],
        reader: Reader::Symphonia,
    },
    Format {
        container: Container::Mp3,
        symphonia: &[ID::FORMAT_ID_MP1, ID::FORMAT_ID_MP2, ID::FORMAT_ID_MP3],
        extensions: &["mp3"],
        signature: &[at(0, b"ID3")],
        reader: Reader::Symphonia,
    },
    Format {
        container: Container::Mp4,
        symphonia: &[ID::FORMAT_ID_ISOMP4],
        extensions: &["m4a", "mp4", "alac"],
        signature: &[at(4, b"ftyp")],
        reader: Reader::Symphonia,
    },
    Format {
        container: Container::Caf,
        symphonia: &[ID::FORMAT_ID_CAF],
        extensions: &["caf"],
        signature: &[at(0, b"caff")],
        reader: Reader::Symphonia,
    },
    Format {
        container: Container::Mkv,
        symphonia: &[ID::FORMAT_ID_MKV],
        extensions: &["mka"],
        signature: &[at(0, &[0x1A, 0x45, 0xDF, 0xA3])],
        reader: Reader::Symphonia,
    },
    Format {
        container: Container::WavPack,
        symphonia: &[],
        extensions: &["wv", "wvc"],
        signature: &[at(0, b"wvpk")],
        reader: Reader::Undecoded("WavPack"),
    },
    Format {
        container: Container::Dsd,
        symphonia: &[],
        extensions: &["dsf"],
        signature: &[at(0, b"DSD ")],
        reader: Reader::Undecoded("DSD audio (DSF)"),
    },
    Format {
        container: Container::Dsd,
        symphonia: &[],
        extensions: &["dff"],
        signature: &[at(0, b"FRM8"), at(12, b"DSD ")],
        reader: Reader::Undecoded("DSD audio (DSDIFF)"),
    },
    Format {
        container: Container::Ape,
        symphonia: &[],
        extensions: &["ape"],
        signature: &[at(0, b"MAC ")],
        reader: Reader::Undecoded("lossless Monkey's Audio (APE)"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["tta"],
        signature: &[at(0, b"TTA1")],
        reader: Reader::Undecoded("lossless True Audio (TTA)"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["tak"],
        signature: &[at(0, b"tBaK")],
        reader: Reader::Undecoded("lossless TAK"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["ofr"],
        signature: &[at(0, b"OFR ")],
        reader: Reader::Undecoded("lossless OptimFROG"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["au", "snd"],
        signature: &[at(0, b".snd")],
        reader: Reader::Undecoded("Sun/NeXT audio (AU)"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["mpc"],
        signature: &[at(0, b"MPCK")],
        reader: Reader::Undecoded("lossy Musepack"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["wma", "asf"],
        signature: &[at(0, b"\x30\x26\xB2\x75\x8E\x66\xCF\x11")],
        reader: Reader::Undecoded("Windows Media Audio (ASF)"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["amr"],
        signature: &[at(0, b"#!AMR")],
        reader: Reader::Undecoded("lossy AMR speech audio"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["ac3", "eac3"],
        signature: &[],
        reader: Reader::Undecoded("lossy Dolby Digital (AC-3)"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["dts"],
        signature: &[],
        reader: Reader::Undecoded("DTS audio"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["raw", "pcm"],
        signature: &[],
        reader: Reader::Undecoded(
            "headerless raw PCM (nothing in the file states its rate, depth or channels)",
        ),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["sd2"],
        signature: &[],
        reader: Reader::Undecoded("Sound Designer II"),
    },
    Format {
        container: Container::Other,
        symphonia: &[],
        extensions: &["aac", "mp2", "mpa", "m4b"],
        signature: &[],
        reader: Reader::Symphonia,
    },
];

/// The container whose signature `head` (the file's first `HEAD_LEN` bytes, or fewer for a
/// shorter file) carries.
pub fn sniff(head: &[u8]) -> Option<&'static Format> {
    FORMATS.iter().find(|format| {
        !format.signature.is_empty()
            && format.signature.iter().all(|signature| {
                head.get(signature.offset..signature.offset + signature.bytes.len())
                    == Some(signature.bytes)
            })
    })
}

/// The container of a file symphonia opened as `format`: the sniffed row when it lists the
/// format (an RF64 or AIFF-C file), else the first row that does.
pub fn container_of(format: FormatId, sniffed: Option<&Format>) -> Container {
    sniffed
        .filter(|row| row.symphonia.contains(&format))
        .or_else(|| FORMATS.iter().find(|row| row.symphonia.contains(&format)))
        .map_or(Container::Other, |row| row.container)
}

/// The container whose files go by `extension` (lower case, without the dot).
pub fn by_extension(extension: &str) -> Option<&'static Format> {
    FORMATS
        .iter()
        .find(|format| format.extensions.contains(&extension))
}

/// Is `extension` (lower case, without the dot) one that audio files go by?
pub fn is_audio_extension(extension: &str) -> bool {
    FORMATS
        .iter()
        .any(|format| format.extensions.contains(&extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        let wave = *b"RIFF\x24\x00\x00\x00WAVEfmt ";
        assert_eq!(sniff(&wave).map(|f| f.container), Some(Container::Wav));
        let aifc = *b"FORM\x00\x00\x00\x10AIFCFVER";
        assert_eq!(sniff(&aifc).map(|f| f.container), Some(Container::Aifc));
        assert!(sniff(b"RIFF\x24\x00\x00\x00AVI LIST").is_none());
        assert!(sniff(b"\xFF\xD8\xFF\xE0").is_none());
        assert!(sniff(b"RIF").is_none());
        let rifx = *b"RIFX\x00\x00\x00\x24WAVEfmt ";
        assert_eq!(sniff(&rifx).map(|f| f.container), Some(Container::Rifx));
        let mut w64 = [0u8; 40];
        w64[..8].copy_from_slice(b"riff\x2E\x91\xCF\x11");
        w64[24..32].copy_from_slice(b"wave\xF3\xAC\xD3\x11");
        assert_eq!(sniff(&w64).map(|f| f.container), Some(Container::W64));
        assert_eq!(
            sniff(b"wvpk\x00\x10").map(|f| f.container),
            Some(Container::WavPack)
        );
        assert_eq!(
            sniff(b"MAC \x96\x0f").map(|f| f.container),
            Some(Container::Ape)
        );
    }

    #[test]
    fn every_row_has_an_extension_and_extensions_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for format in FORMATS {
            assert!(!format.extensions.is_empty(), "{:?}", format.container);
            for extension in format.extensions {
                assert!(seen.insert(*extension), "`{extension}` is listed twice");
                assert_eq!(*extension, extension.to_lowercase());
            }
        }
    }
}
