use serde::Deserialize;

use super::util::{name_span, report_file_issues};
use super::{Findings, Rule};
use crate::model::record::{Codec, Container, Delivery, FileIssueKind};

declare_rule! {
    /// Finds files whose container or codec the profile does not accept: lossy audio (MP3, AAC,
    /// Ogg Vorbis) in a delivery that must be lossless, AIFF or FLAC where the session wants WAV,
    /// and files whose content does not match their extension (an MP3 renamed `.wav`).
    ///
    /// Why it matters: lossy audio has already lost detail that no mix can bring back, and it
    /// hides its own encoder delay (an MP3 is longer than its source and will not line up). A
    /// container the engineer's DAW does not import, or one disguised by its extension, stops the
    /// session build.
    ///
    /// It also names audio that stemlint finds but does not decode (WavPack, DSD, Monkey's Audio,
    /// TTA, AU…): such a file is reported, never skipped, and none of its audio was checked.
    ///
    /// Fix: export again from the session as the accepted container (by default WAV/BWF, RF64 for
    /// files over 4 GiB). Never transcode a lossy file to WAV: that keeps the loss and hides it.
    ///
    /// Parameters: `containers` (accepted containers), `allow_lossy`, `check_extension`.
    pub struct FormatContainer {
        id: "format/container",
        summary: "container or codec the profile does not accept (lossy audio, AIFF where WAV is required)",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Containers accepted: wav, rf64, bw64, w64, rifx, aiff, aifc, flac, mp3, ogg, mp4, caf,
    /// mkv.
    pub containers: Vec<String>,
    /// Accept lossy codecs (MP3, AAC, Vorbis, ADPCM)?
    pub allow_lossy: bool,
    /// Report a file whose extension does not match its content (a FLAC named `.wav`).
    pub check_extension: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            containers: vec!["wav".into(), "rf64".into(), "bw64".into()],
            allow_lossy: false,
            check_extension: true,
        }
    }
}

/// The extensions a container's files normally carry.
fn extensions(container: Container) -> &'static [&'static str] {
    match container {
        Container::Wav | Container::Rf64 | Container::Bw64 | Container::Rifx => {
            &["wav", "wave", "bwf", "rf64", "bw64", "rifx"]
        }
        Container::W64 => &["w64"],
        Container::WavPack => &["wv"],
        Container::Dsd => &["dsf", "dff"],
        Container::Ape => &["ape"],
        Container::Aiff | Container::Aifc => &["aif", "aiff", "aifc"],
        Container::Flac => &["flac"],
        Container::Mp3 => &["mp3"],
        Container::Ogg => &["ogg", "oga", "opus"],
        Container::Mp4 => &["m4a", "mp4", "aac", "alac"],
        Container::Caf => &["caf"],
        Container::Mkv => &["mka", "mkv", "webm"],
        Container::Other => &[],
    }
}

impl Rule for FormatContainer {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        report_file_issues(
            delivery,
            FileIssueKind::Undecoded,
            &format!(
                "export it again from the session as {} so that it can be checked (and opened in any DAW)",
                params
                    .containers
                    .first()
                    .map_or("WAV".to_owned(), |first| first.to_uppercase())
            ),
            out,
        );
        for (file, facts) in delivery.audio() {
            let container = facts.container.as_str();
            let extension = file
                .name()
                .rsplit_once('.')
                .map(|(_, extension)| extension.to_lowercase());
            let extension_matches = extension
                .as_deref()
                .is_some_and(|extension| extensions(facts.container).contains(&extension));
            if facts.codec.is_lossy() && !params.allow_lossy {
                let disguise = match &extension {
                    Some(extension) if !extension_matches => {
                        format!(" in a file named `.{extension}`")
                    }
                    _ => String::new(),
                };
                out.report(
                    Some(&file.rel),
                    format!(
                        "lossy {} audio ({} container){disguise}: the delivery must be lossless",
                        codec_name(facts.codec),
                        container.to_uppercase()
                    ),
                    "export the original lossless audio from the session again; converting this file to WAV would keep the loss and hide it",
                );
                continue;
            }
            if !params
                .containers
                .iter()
                .any(|accepted| accepted.eq_ignore_ascii_case(container))
            {
                out.report(
                    Some(&file.rel),
                    format!(
                        "{} file, but this profile accepts {}",
                        container.to_uppercase(),
                        params.containers.join(", ").to_uppercase()
                    ),
                    format!(
                        "export it again as {} (or allow {container} under format/container.containers in stemlint.yaml)",
                        params.containers.first().map_or("WAV".to_owned(), |first| first.to_uppercase())
                    ),
                );
                continue;
            }
            if params.check_extension && !extension_matches && facts.container != Container::Other {
                let name = file.name();
                let (start, length) = match name.rfind('.') {
                    Some(dot) => (dot + 1, name.len() - dot - 1),
                    None => (name.len(), 0),
                };
                let wanted = extensions(facts.container)
                    .first()
                    .copied()
                    .unwrap_or("wav");
                out.report_span(
                    Some(&file.rel),
                    format!(
                        "the content is {} but the name says `.{}`",
                        container.to_uppercase(),
                        extension.as_deref().unwrap_or("")
                    ),
                    format!("rename it to `.{wanted}`, or export it again in the format its name promises"),
                    name_span(file, start, length, format!("{} content", container.to_uppercase())),
                );
            }
        }
    }
}

fn codec_name(codec: Codec) -> &'static str {
    match codec {
        Codec::Mp3 => "MP3",
        Codec::Aac => "AAC",
        Codec::Vorbis => "Vorbis",
        Codec::Adpcm => "ADPCM",
        _ => "compressed",
    }
}
