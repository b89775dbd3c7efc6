use serde::Deserialize;

use super::util::report_file_issues;
use super::{Findings, Rule};
use crate::model::record::{Delivery, FileIssueKind};

declare_rule! {
    /// Finds files that cannot be opened or read at all: permission denied, an I/O error, a broken
    /// symbolic link, a link loop, a folder stemlint may not enter.
    ///
    /// Why it matters: whatever stemlint cannot read, the engineer's DAW cannot import either, and
    /// nobody notices until the session is being built.
    ///
    /// Fix: check the file's permissions (it must be readable by the recipient), replace broken
    /// links with the files themselves, and copy the delivery again if the disk reported errors.
    pub struct FileUnreadable {
        id: "file/unreadable",
        summary: "a file or folder cannot be opened or read",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for FileUnreadable {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        for problem in &delivery.walk_problems {
            out.report(
                Some(&problem.rel),
                format!("cannot read: {}", problem.message),
                "make it readable (permissions), replace a broken or looping link with the real file, or copy the delivery again",
            );
        }
        report_file_issues(delivery, FileIssueKind::Unreadable, "make the file readable by the recipient (permissions) or copy it again from the source", out);
    }
}
