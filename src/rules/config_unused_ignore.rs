use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Any rule's settings can take `ignore: [globs]`: that rule's findings on matching paths are
    /// dropped (`signal/clipping: {ignore: ["09_FX*.wav"]}` when a riser clips on purpose). This
    /// rule finds ignore globs that matched no finding in the run.
    ///
    /// Why it matters: a suppression outlives its reason. A renamed file, or a defect that was
    /// fixed, leaves a glob that would silently hide the next real problem on that path.
    ///
    /// Fix: delete the glob from stemlint.yaml, or correct it to the path it was meant for.
    ///
    /// The check itself runs in the engine, after every other rule of the delivery: this entry
    /// gives it an id, an explanation and a level per profile.
    pub struct ConfigUnusedIgnore {
        id: "config/unused-ignore",
        summary: "a rule's `ignore:` glob in stemlint.yaml matched no finding",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Rule for ConfigUnusedIgnore {
    type Params = Params;

    fn check(&self, _params: &Params, _delivery: &Delivery, _out: &mut Findings) {
        // Nothing to do here: only the engine knows which suppressions were used (lib.rs).
    }
}
