use serde::Deserialize;

use super::util::report_file_issues;
use super::{Findings, Rule};
use crate::model::record::{Delivery, FileIssueKind};

declare_rule! {
    /// Finds files whose header and data disagree: a data chunk that claims more audio than the
    /// file holds (a truncated upload or copy), a decoder error part-way, zero channels, a zero
    /// sample rate, a damaged header. The report gives the frames actually present.
    ///
    /// Why it matters: a truncated file imports short or not at all; one damaged frame can be a
    /// click in the mix. Lengths no longer line up.
    ///
    /// Fix: export the file again from the session, or copy it again and compare checksums with
    /// the sender (a cut-short upload is the usual cause).
    pub struct FileCorrupt {
        id: "file/corrupt",
        summary: "header and data disagree: truncated, cut short or damaged data",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for FileCorrupt {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        report_file_issues(delivery, FileIssueKind::Corrupt, "export the file again from the session, or copy it again and compare its checksum with the sender's", out);
    }
}
