use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds size fields in a header that disagree with what the file actually holds: a RIFF
    /// (or Wave64, or `ds64`) size that is not the length of the chunks present, an RF64 `ds64`
    /// sample count that is not the number of frames in the data chunk, a CAF packet table
    /// that counts an ALAC stream's frames in whole packets when its last packet is a short
    /// one (ffmpeg writes it so; the audio is all there). The report gives both numbers.
    ///
    /// Why it matters: many writers get this bookkeeping wrong and the audio still reads (the
    /// data chunk's own size is what readers use), so it is information, not an error; but a
    /// strict reader, an archive validator or a tool that trusts the RIFF size may cut the file
    /// short or refuse it.
    ///
    /// Fix: nothing is needed for the audio. To clean the header, rewrite the file with a tool
    /// that rebuilds it (`sox in.wav out.wav`, BWF MetaEdit) or export it again.
    pub struct FileHeaderSize {
        id: "file/header-size",
        summary: "a header's size field disagrees with the chunks present (the audio still reads)",
        level: Info,
        scope: File,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for FileHeaderSize {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts) in delivery.audio() {
            for note in &facts.header_notes {
                out.report(
                    Some(&file.rel),
                    note,
                    "the audio reads; rewrite the file with a tool that rebuilds its header if a strict reader refuses it",
                );
            }
        }
    }
}
