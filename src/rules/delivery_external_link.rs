use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds symbolic links (aliases) inside the delivery whose target lies outside it. A link to
    /// a file is followed and the file is checked; a link to a folder is not entered (it could
    /// lead anywhere on the machine).
    ///
    /// Why it matters: the link works on the sender's machine only. Uploaded, zipped or copied
    /// without following links, it arrives as a dangling link or an empty folder, and the files it
    /// pointed to are missing.
    ///
    /// Fix: replace the link with the real files (copy them in), then check again.
    pub struct DeliveryExternalLink {
        id: "delivery/external-link",
        summary: "a symbolic link that points outside the delivery",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for DeliveryExternalLink {
    type Params = Params;

    fn check(&self, _params: &Params, delivery: &Delivery, out: &mut Findings) {
        for link in &delivery.external_links {
            let message = if link.folder {
                format!(
                    "a link to the folder `{}` outside the delivery: stemlint did not look inside, and the recipient gets a dangling link",
                    link.target
                )
            } else {
                format!(
                    "a link to `{}` outside the delivery: checked here, but the recipient gets a dangling link",
                    link.target
                )
            };
            out.report(
                Some(&link.rel),
                message,
                "replace the link with the real files (copy them into the delivery)",
            );
        }
    }
}
