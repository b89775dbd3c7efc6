use serde::Deserialize;

use super::util::report_file_issues;
use super::{Findings, Meta, Rule, Scope};
use crate::diagnostic::Level;
use crate::record::{Delivery, FileIssueKind};

#[derive(Clone)]
pub struct FileNotAudio;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for FileNotAudio {
    type Params = Params;
    const META: Meta = Meta {
        id: "file/not-audio",
        summary: "an audio extension on content that is not audio",
        explain: "Finds files named like audio (`.wav`, `.aif`, `.flac`…) whose content is not an audio stream stemlint can read: a text file, an image, an empty file, random bytes, an unsupported codec.\n\nWhy it matters: the DAW will refuse it, and the delivery is missing a part the producer thinks they sent.\n\nFix: export the audio again as the profile's format (WAV, 48 kHz, 24-bit by default) and replace this file.",
        default_level: Level::Error,
        scope: Scope::File,
    };

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        report_file_issues(
            delivery,
            FileIssueKind::NotAudio,
            "export this part again as audio (WAV, 48 kHz, 24-bit by default) and replace the file",
            out,
        );
    }
}
