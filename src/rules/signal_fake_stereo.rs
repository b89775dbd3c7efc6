use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::analysis::Analysis;
use crate::model::record::Delivery;

declare_rule! {
    /// Finds multichannel files whose first two channels carry one signal: bit-identical,
    /// differing by less than a residual (−90 dBFS by default), or one a scaled copy of the
    /// other (a mono source panned: what one channel does not share with the other at any gain
    /// is 60 dB or more under it, or a steady noise of its own in each channel, dither or hiss
    /// under −70 dBFS, that stays where it is while the signal moves; stereo material, a mono
    /// source with a stereo reverb or a chorus included, keeps 40 dB or less (a near-mono
    /// synth bass reads 38), and what it does not share follows the music). Channels in
    /// opposite polarity are `signal/phase`'s.
    ///
    /// Why it matters: a mono source exported as stereo doubles the file size, says nothing more,
    /// and pans wrong in many sessions (a centred "stereo" track plays 3 dB louder than the same
    /// mono track under common pan laws). Panned before export, it also fixes a place in the
    /// image that the mix engineer then has to undo. Tracks of a single source should be mono.
    ///
    /// Fix: export the track as mono (the session's mono bounce before the pan, or one channel
    /// of the pair).
    ///
    /// Parameters: `max_difference_dbfs`, `max_residual_db`, `max_noise_dbfs`.
    pub struct SignalFakeStereo {
        id: "signal/fake-stereo",
        summary: "a stereo file whose channels carry one signal (identical or panned): render it mono",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Channels whose difference never rises above this level (dBFS) count as identical
    /// (dither or a codec can leave a tiny residual). Bit-identical channels always count.
    pub max_difference_dbfs: f64,
    /// Channels of which one, scaled, leaves a residual at least this far under the other
    /// (`1 - r²`, dB) carry one signal at two levels: a mono source panned.
    pub max_residual_db: f64,
    /// …as do channels whose loudest 50 ms windows are one signal and where what the quieter
    /// does not share with the louder is a steady noise under this level (dBFS RMS): dither or
    /// hiss of its own in each channel, which stays where it is while the signal moves.
    pub max_noise_dbfs: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_difference_dbfs: -90.0,
            max_residual_db: -60.0,
            max_noise_dbfs: -70.0,
        }
    }
}

impl Rule for SignalFakeStereo {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, facts, analysis) in delivery.analysed() {
            if facts.channels < 2 || analysis.sample_peak_dbfs.is_none() {
                continue;
            }
            const MONO: &str = "render it mono: export the track as a mono file";
            let (message, help) = if analysis.identical_channels {
                let message = format!(
                    "all {} channels are bit-identical: this is mono audio in a stereo file",
                    facts.channels
                );
                (message, MONO)
            } else if let Some(difference) = analysis
                .channel_difference_peak_dbfs
                .filter(|&difference| difference < params.max_difference_dbfs)
            {
                let message = format!(
                    "the channels differ by at most {difference:.1} dBFS: this is mono audio in a stereo file"
                );
                (message, MONO)
            } else if let Some(message) = panned(params, facts.channels, analysis) {
                (
                    message,
                    "render it mono: export the track as a mono file before the pan (the mix engineer pans it in the session)",
                )
            } else {
                continue;
            };
            out.report(Some(&file.rel), message, help);
        }
    }
}

/// The loudest windows are one signal where what they do not share is this far under it, dB…
const LOUD_SHARED_DB: f64 = -20.0;
/// …and a noise is steady where it stays within this of its floor there, dB…
const STEADY_DB: f64 = 3.0;
/// …while the level moves at least this much between the quietest and loudest windows, dB.
const MIN_LEVEL_RANGE_DB: f64 = 10.0;

/// One signal at two levels (or at one, off by more than a dither's difference): a mono
/// source panned, or copied with a gain, into two channels; alone, or with a noise of its own
/// in each channel (dither, hiss) that does not follow the signal.
fn panned(params: &Params, channels: u16, analysis: &Analysis) -> Option<String> {
    let (Some(correlation), Some(residual), Some(balance)) = (
        analysis.correlation,
        analysis.channel_residual_db,
        analysis.channel_balance_db,
    ) else {
        return None;
    };
    if correlation <= 0.0 {
        return None;
    }
    // Under -100 dB what is left is the rounding of the samples (24 bits leave about -120 dB
    // against a channel at -20 dBFS) and of the sums that measure it.
    let unshared = if residual <= -100.0 {
        "one is the other scaled, to the last bits".to_owned()
    } else if residual <= params.max_residual_db {
        format!(
            "what one does not share with the other is {:.0} dB under it",
            -residual
        )
    } else {
        let windows = analysis.channel_windows.as_ref()?;
        let noise = windows.loud_unshared_dbfs;
        let steady = windows.loud_residual_db <= LOUD_SHARED_DB
            && windows.level_range_db >= MIN_LEVEL_RANGE_DB
            && noise - windows.unshared_floor_dbfs <= STEADY_DB
            && noise <= params.max_noise_dbfs;
        if !steady {
            return None;
        }
        format!(
            "what one does not share with the other is a steady noise at {noise:.0} dBFS, dither or hiss, while the level moves {:.0} dB",
            windows.level_range_db
        )
    };
    let [first, second] = if channels == 2 {
        ["left", "right"]
    } else {
        ["first channel", "second channel"]
    };
    Some(if balance.abs() < 0.05 {
        format!("the channels carry one signal ({unshared}): this is mono audio in a stereo file")
    } else {
        let (quieter, louder) = if balance < 0.0 {
            (second, first)
        } else {
            (first, second)
        };
        format!(
            "the channels carry one signal, the {quieter} {:.1} dB under the {louder} ({unshared}): a mono source panned {} in a stereo file",
            balance.abs(),
            if channels == 2 { louder } else { "off centre" }
        )
    })
}
