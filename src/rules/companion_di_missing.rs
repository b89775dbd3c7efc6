use super::util::{name_span, CompanionWords, Part};
use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds tracks whose names mark them as amp-simulated or re-amped (a word like `Amp`,
    /// `AmpSim`, `Sim`, `Reamp`) that come without their clean DI recording. The track number is
    /// ignored when pairing: `04_GtrAmp.wav` pairs with `05_GtrAmp_DI.wav` or `05_Gtr_DI.wav`.
    ///
    /// Why it matters: an amp sound printed by a plug-in is fixed for good; with the DI the mixing
    /// engineer can re-amp, fix tuning or timing, or blend a cleaner tone. Sending the DI
    /// alongside is the standard courtesy.
    ///
    /// Fix: export the DI (the unprocessed input) of that part and add it, named like the amp
    /// track with `_DI`.
    ///
    /// Parameters: `amp_tokens`, `di_tokens` (words compared ignoring case).
    pub struct CompanionDiMissing {
        id: "companion/di-missing",
        summary: "an amp-simulated track (`Amp`, `AmpSim`, `Sim`…) has no DI companion (`…_DI`)",
        level: Warning,
        scope: Delivery,
    }
}

/// Parameters: the words that mark amp and DI parts.
pub type Params = CompanionWords;

impl Rule for CompanionDiMissing {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        let parts: Vec<(&crate::model::record::FileRecord, Part)> = delivery
            .files
            .iter()
            .map(|file| (file, params.part(file)))
            .collect();
        for (file, part) in parts
            .iter()
            .filter(|(_, part)| part.amp.is_some() && !part.di)
        {
            let has_di = parts
                .iter()
                .any(|(_, other)| other.di && other.pairs_with(part));
            if has_di {
                continue;
            }
            let amp = part.amp.as_deref().unwrap_or("Amp");
            let name = file.name();
            let span = name
                .find(amp)
                .map(|start| name_span(file, start, amp.len(), "amp-simulated"));
            let wanted = format!(
                "{}_DI.{}",
                file.stem(),
                name.rsplit('.').next().unwrap_or("wav")
            );
            let message =
                format!("`{name}` is amp-simulated (`{amp}`) but no DI track comes with it");
            let help = format!("export the clean DI of this part and add it, e.g. `{wanted}`");
            match span {
                Some(span) => out.report_span(Some(&file.rel), message, help, span),
                None => {
                    out.report(Some(&file.rel), message, help);
                }
            }
        }
    }
}
