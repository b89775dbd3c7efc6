use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::record::Delivery;

declare_rule! {
    /// Finds files with a channel count the profile does not accept. Tracks are one source each:
    /// mono, or stereo for a stereo source (keys, overheads, a room pair). Stems are stereo
    /// sub-mixes.
    ///
    /// Why it matters: a mono stem does not rebuild the stereo mix; a multichannel track usually
    /// means a whole bus or a surround print was exported by mistake.
    ///
    /// Fix: export again with the right channel format (stems: stereo, from the same mix pass as
    /// the mix; tracks: mono for mono sources).
    ///
    /// Parameters: `allowed` (list of channel counts).
    pub struct FormatChannels {
        id: "format/channels",
        summary: "wrong channel count: stems must be stereo; tracks at most stereo",
        level: Error,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Channel counts accepted.
    pub allowed: Vec<u16>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            allowed: vec![1, 2],
        }
    }
}

fn layout(channels: u16) -> String {
    match channels {
        1 => "mono".to_owned(),
        2 => "stereo".to_owned(),
        6 => "6 channels (5.1)".to_owned(),
        8 => "8 channels (7.1)".to_owned(),
        other => format!("{other} channels"),
    }
}

impl Rule for FormatChannels {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts) in delivery.audio() {
            if facts.channels == 0 || params.allowed.contains(&facts.channels) {
                continue;
            }
            let wanted: Vec<String> = params.allowed.iter().map(|count| layout(*count)).collect();
            let help = if params.allowed == [2] {
                "stems must be stereo: print this stem again as a stereo file from the same mix pass".to_owned()
            } else {
                format!("export it again as {}", wanted.join(" or "))
            };
            out.report(
                Some(&file.rel),
                format!(
                    "{}, the profile accepts {}",
                    layout(facts.channels),
                    wanted.join(" or ")
                ),
                help,
            );
        }
    }
}
