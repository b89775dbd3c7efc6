use serde::Deserialize;

use super::util::report_file_issues;
use super::{Findings, Rule};
use crate::model::record::{Delivery, FileIssueKind};

declare_rule! {
    /// Finds files named like audio (`.wav`, `.aif`, `.flac`…) whose content is not an audio
    /// stream stemlint can read: a text file, an image, an empty file, random bytes, an
    /// unsupported codec.
    ///
    /// Why it matters: the DAW will refuse it, and the delivery is missing a part the producer
    /// thinks they sent.
    ///
    /// Fix: export the audio again as the profile's format (WAV, 48 kHz, 24-bit by default) and
    /// replace this file.
    pub struct FileNotAudio {
        id: "file/not-audio",
        summary: "an audio extension on content that is not audio",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for FileNotAudio {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        report_file_issues(
            delivery,
            FileIssueKind::NotAudio,
            "export this part again as audio (WAV, 48 kHz, 24-bit by default) and replace the file",
            out,
        );
    }
}
