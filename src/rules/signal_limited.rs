use serde::Deserialize;

use super::{Findings, Rule};
use crate::model::analysis::{DuckingFigures, LimiterFigures};
use crate::model::record::Delivery;

declare_rule! {
    /// Looks for a limiter's signature in 50 ms windows, where a limiter holds a ceiling while the
    /// programme's level moves. Six signs, any of which is reported: a wall (at least 8 windows,
    /// and 40 % of those in the top 3 dB, with their peak within 0.2 dB of one ceiling, approached
    /// from below by at least 0.3 windows per wall window or holding half of the programme); peaks
    /// that stopped following the body (in the loudest quarter the window peaks spread at most 2.5
    /// dB and at most 0.45 times as much as the window RMS levels, which spread at least 2 dB, and
    /// at most 0.62 times as much as the RMS levels read over 50 ms from 10 ms before each
    /// window's peak: a grid of windows that cuts a hit repeated at one velocity at another place
    /// each time spreads the fixed windows' RMS, not these;
    /// where more than 75 % of the loudest quarter is one waveform, a hit repeated at one velocity
    /// whose windows cut it at other places, also 15 % of the windows at the ceiling cut exactly,
    /// as below; and not where the wall is one waveform's true peak, as below); peaks pinned (in
    /// the loudest quarter the window peaks stay within 0.6 dB while the RMS levels spread 1 dB or
    /// more, and at most 0.62 times the levels read from each peak, in material that is not one
    /// repeated waveform, at the wall nor in the loudest quarter:
    /// no unprocessed programme of the evaluation holds its peaks closer than 1.5 dB but a hit
    /// repeated at one velocity); an exact ceiling (in 30 % of the windows at the ceiling, all at
    /// one level to 0.002 dB, two or more crests of one channel and one sign, not cycles of one
    /// waveform, peak within 0.0005 dB (or 2 steps of an integer format: a dithered limiter) of the
    /// window's peak, as a sample-peak limiter cuts them, where unprocessed material puts one crest
    /// there, or by chance at most 8 % of them; the windows' crest 3.4 dB or more and the loudest
    /// quarter's level moving at all, 0.2 dB or more, which sets sine tones aside); a squashed
    /// programme (the loudest quarter squarer than a sine: crest 2.5 dB or less while its level
    /// moves by 2 dB or more); or ducked, what a waveshaping limiter or clipper does under a stereo
    /// programme's peaks, where its curve is shallow (in the loudest tenth of the windows, the
    /// first difference on the samples within 0.6 of the window peak 3.5 dB or more under that on
    /// the samples under 0.3 of it, and the side (L − R) / 2 3 dB or more under the side where the
    /// mid is low; the body of the programme ducked too, which a drum's own smooth swing does not
    /// do, unless the side drops 6 dB or more, which a kick heard by a spaced pair does not (3 to 5
    /// dB: its slope); and the loudest windows' detail not one periodic waveform, as a solo
    /// instrument's is; an unprocessed mix reads about 0 dB). What a limiter's signature shares
    /// with steady and repeated material is set aside: a wall of windows with a crest under 5.5 dB
    /// or one that varies less than 0.4 dB (a tone, a sawtooth), and any file where more than 98 %
    /// of the windows at the ceiling carry the same waveform around their peak (a loop, a repeated
    /// one-shot, a periodic tone; where fewer than 8 windows reach the ceiling, only if more than
    /// 75 % of the loudest quarter is one waveform too: a drum machine's groove can have its two
    /// loudest hits alike), which only the exact ceiling can show limited (a loop of one limited
    /// hit). Repeats a fraction of a sample apart (a loop bounced at 44.1 kHz and converted to 48
    /// kHz, a sampler starting hits between samples) are the same waveform too, read moved by up to
    /// 8 samples and any fraction: more than 90 % of a sparse wall (8 windows or more, under half
    /// of all) is a loop as above, and a wall more than half of whose windows are one waveform is a
    /// repeated hit's, not a ceiling, as is a wall whose windows' true peaks (read between the
    /// samples) spread less than half as much as their sample peaks: one waveform's true peak
    /// landing between the samples at another place in every repeat, where a sample-peak limiter's
    /// overshoot spreads as much as its samples or more. Where at most half the windows at the
    /// ceiling carry one waveform, the held and pinned signs read down to a crest of 3.4 dB (over a
    /// sine's 3.01): saturation rounds a programme to a sawtooth's crest without making it a tone.
    /// Crests clipped flat (3 samples or more at the peak) are `signal/clipping`'s; in integer
    /// files, windows under 16384 quantisation steps count no crests. Files under 2 s get no
    /// verdict. On the labelled evaluation set (`scripts/eval.sh`) this catches 242 of 333 limiters
    /// taking 3 dB or more off the peaks, with no false alarm on 856 unprocessed files (among
    /// them 41 mixes and 144 bars of them looped, kicks, toms, 32 drums heard by spaced pairs, 34
    /// kits and overheads, 24 bars of drum machines looped, 238 loops and repeated, humanised
    /// or accented one-shots, 104 bells, mallets, keyboards and other voices that ring on
    /// under the next hits, and 28 reads by 16 speakers); on a hold-out of those speakers through
    /// `alimiter` 3.5–9 dB and `gain -l` 10 dB (read once), 16 of 17 with no false alarm on 28; on
    /// the two hold-outs of ringing voices built for the level read from each
    /// peak (read once), 22 of 23 limited patterns and no false alarm on 68; on a hold-out of
    /// General MIDI hits (read once; the touch tolerance, tightened after it, changed none of its
    /// verdicts), 15 of 18 patterns through `alimiter` with no false alarm on 52 unprocessed
    /// files; on a hold-out of General MIDI kits on new grooves built to test the deep side at 6
    /// dB (read once), 13 of 24 through `gain -l` (10 at the 8 dB asked before) with no false
    /// alarm on 30; on a hold-out of 12 mixes built after the ducked sign, `gain -l` 6 and 10 dB
    /// on 24 of 24. It does not catch a 0.1 ms 20:1
    /// compressor on a mix (it levels the programme, its peaks spreading as much as its level, and
    /// its gain follows the envelope, not each sample: 5 of 39 caught), waveshaping on a mono file
    /// or on drums alone whose side it drops less than 6 dB (their own swing ducks their detail as
    /// a curve would), nor a synthesizer line whose velocities a limiter flattened (it reads as the
    /// line played at one velocity). Distortion printed on purpose (a fuzz, an amp-sim) is a
    /// saturator's waveform and may read as limited.
    ///
    /// Why it matters: tracks for mixing and film stems are delivered dry: the engineer needs the
    /// dynamics to mix, and a limiter printed into a stem cannot be undone (film stems must also
    /// sum to a print master whose dynamics the re-recording mixer sets).
    ///
    /// Fix: bypass the limiter and bus processing on the master and the track, and export again.
    /// Music stems from a mastered mix may keep it: the `stems` profile turns this rule off. A
    /// distortion or amp-sim printed on purpose is part of the sound: keep it, send its DI too
    /// (`companion/di-missing`), and ignore the finding for that file.
    ///
    /// Parameters: `min_wall_windows`, `min_wall_share`, `min_approach`, `dense_share`,
    /// `tone_crest_db`, `tone_crest_sd_db`, `min_body_spread_db`, `max_peak_ratio`,
    /// `max_peak_spread_db`, `max_aligned_peak_ratio`, `held_loop_share`, `held_loop_touch_share`, `pinned_peak_spread_db`,
    /// `pinned_body_spread_db`, `pinned_repeat_share`, `varied_tone_crest_db`, `squashed_crest_db`,
    /// `max_repeat_share`, `wall_true_peak_ratio`, `min_windows`, `min_touching_share`,
    /// `touch_tone_crest_db`, `touch_body_spread_db`, `ducked_detail_db`, `ducked_side_db`,
    /// `ducked_min_side_windows`, `ducked_body_detail_db`, `ducked_deep_side_db`,
    /// `ducked_max_periodicity`.
    pub struct SignalLimited {
        id: "signal/limited",
        summary: "signs of limiting / master-bus processing where the profile wants it dry",
        level: Warning,
        scope: File,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Windows at the ceiling (peak within 0.2 dB of the loudest) needed for a wall.
    pub min_wall_windows: u64,
    /// Share of the windows in the top 3 dB that must sit at the ceiling.
    pub min_wall_share: f64,
    /// Windows just under the ceiling (top 3 dB, not at it) per window at it, at least…
    pub min_approach: f64,
    /// …unless the wall holds this share of all windows.
    pub dense_share: f64,
    /// A wall whose windows' crest is under this is a steady waveform (sine 3 dB, saw 4.8 dB).
    pub tone_crest_db: f64,
    /// …and so is one whose crest varies less than this from window to window, dB.
    pub tone_crest_sd_db: f64,
    /// The loudest quarter's RMS must spread at least this (the level moves), dB.
    pub min_body_spread_db: f64,
    /// Peak spread over RMS spread in the loudest quarter at or below this: peaks held.
    pub max_peak_ratio: f64,
    /// …with the peaks' own spread at most this, dB…
    pub max_peak_spread_db: f64,
    /// …and at most this times the spread of the RMS levels read from just before each
    /// window's peak (a grid of windows cutting one hit at another place each time spreads the
    /// fixed windows' RMS, not these); the pinned sign asks this too.
    pub max_aligned_peak_ratio: f64,
    /// Held peaks on material whose loudest quarter is one waveform more often than this (a
    /// hit repeated at one velocity, moved by any fraction of a sample)…
    pub held_loop_share: f64,
    /// …need crests cut to one level (`min_touching_share`'s touches) in at least this share
    /// of the wall windows: a limiter's ceiling inside the hits.
    pub held_loop_touch_share: f64,
    /// Peaks pinned: the loudest quarter's window peaks spread at most this, dB…
    pub pinned_peak_spread_db: f64,
    /// …while its RMS levels spread at least this, dB…
    pub pinned_body_spread_db: f64,
    /// …in material whose ceiling windows share one waveform at most this often, and whose
    /// loudest quarter's windows do, moved by any fraction of a sample (a hit repeated at one
    /// velocity pins its peaks by nature)…
    pub pinned_repeat_share: f64,
    /// Where at most `pinned_repeat_share` of the ceiling windows carry one waveform (not a
    /// tone, not a loop), the held and pinned signs read down to this crest of the loudest
    /// quarter, dB (a sine's is 3.01), instead of `tone_crest_db`: the repetition sets tones
    /// aside there, and saturation that rounds a programme to a sawtooth's crest (4.8 dB)
    /// still holds or pins its peaks.
    pub varied_tone_crest_db: f64,
    /// The loudest quarter's mean crest at or below this: squashed (a sine reads 3.01 dB).
    pub squashed_crest_db: f64,
    /// Above this share of ceiling windows with the same waveform it is a loop: no verdict.
    pub max_repeat_share: f64,
    /// A wall whose windows carry one waveform, moved by any fraction of a sample, more often
    /// than this is a repeated hit's (a loop bounced at another rate, a one-shot started
    /// between samples), not a ceiling: a limiter's wall is made of different waveforms.
    pub max_wall_loop_share: f64,
    /// A wall whose windows' true peaks spread less than this share of their sample peaks'
    /// spread is one waveform whose true peak lands between the samples at another place in
    /// every repeat (a loop bounced at another rate), not a ceiling.
    pub wall_true_peak_ratio: f64,
    /// A sparse wall (at least `min_wall_windows`, under `dense_share` of the windows) whose
    /// windows carry one waveform, moved by any fraction of a sample, more often than this is
    /// a loop's, as `max_repeat_share` reads sample-exact repeats: no verdict but the exact
    /// ceiling. (A crest a hair higher on the other side of a hit can take one repeat in
    /// twenty out of reach.)
    pub max_loop_share: f64,
    /// Files with fewer 50 ms windows (within 50 dB of the peak) get no verdict.
    pub min_windows: u64,
    /// Exact ceiling: at least this share of the wall windows, at one level, have two or more
    /// crests of one sign and of different forms peaking within 0.0005 dB (or 2 steps) of the
    /// window's peak…
    pub min_touching_share: f64,
    /// …the wall windows' crest at least this (a sine's is 3.01 dB)…
    pub touch_tone_crest_db: f64,
    /// …and the level of the loudest quarter moving at least this, dB.
    pub touch_body_spread_db: f64,
    /// Ducked: in the loudest tenth of the windows, the detail (first difference) on the
    /// samples near each channel's peak at least this far under the detail near zero, dB
    /// (an unprocessed mix reads about 0)…
    pub ducked_detail_db: f64,
    /// …the stereo side on the mid's peaks at least this far under the side off them, dB…
    pub ducked_side_db: f64,
    /// …in at least this many of those windows (a stereo file with a side)…
    pub ducked_min_side_windows: u64,
    /// …the body of the programme (windows ranked 40 to 70 % from the loudest) ducked at
    /// least this much too (a curve bends it; a drum's own swing ducks its hits only), dB…
    pub ducked_body_detail_db: f64,
    /// …unless the side drops at least this far: a kit or its overheads whose peaks a curve
    /// bent (a drum heard by a spaced pair drops its side by its own slope, 3 to 5 dB), dB…
    pub ducked_deep_side_db: f64,
    /// …and the loudest windows' detail no more periodic than this (0 to 1; a solo
    /// instrument's harmonics peak with its fundamental by nature).
    pub ducked_max_periodicity: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_wall_windows: 8,
            min_wall_share: 0.4,
            min_approach: 0.3,
            dense_share: 0.5,
            tone_crest_db: 5.5,
            tone_crest_sd_db: 0.4,
            min_body_spread_db: 2.0,
            max_peak_ratio: 0.45,
            max_peak_spread_db: 2.5,
            max_aligned_peak_ratio: 0.62,
            held_loop_share: 0.75,
            held_loop_touch_share: 0.15,
            pinned_peak_spread_db: 0.6,
            pinned_body_spread_db: 1.0,
            pinned_repeat_share: 0.5,
            varied_tone_crest_db: 3.4,
            squashed_crest_db: 2.5,
            max_repeat_share: 0.98,
            max_wall_loop_share: 0.5,
            wall_true_peak_ratio: 0.5,
            max_loop_share: 0.9,
            min_windows: 40,
            min_touching_share: 0.3,
            touch_tone_crest_db: 3.4,
            touch_body_spread_db: 0.2,
            ducked_detail_db: -3.5,
            ducked_side_db: -3.0,
            ducked_min_side_windows: 3,
            ducked_body_detail_db: 0.0,
            ducked_deep_side_db: -6.0,
            ducked_max_periodicity: 0.7,
        }
    }
}

impl Rule for SignalLimited {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        for (file, _, analysis) in delivery.analysed() {
            let Some(figures) = &analysis.limiter else {
                continue;
            };
            let Some(sign) = signature(params, figures, analysis.ducking.as_ref()) else {
                continue;
            };
            out.report(
                Some(&file.rel),
                format!("looks limited: {sign}"),
                "bypass the limiter and master-bus processing and export again: this delivery must be dry (a distortion printed on purpose reads alike: keep it and send its DI)",
            );
        }
    }
}

/// What gave the limiter away, or None.
pub fn signature(
    params: &Params,
    figures: &LimiterFigures,
    ducking: Option<&DuckingFigures>,
) -> Option<String> {
    if figures.windows < params.min_windows {
        return None;
    }
    let wall = figures.wall_windows as f64;
    let wall_share = wall / figures.band_windows.max(1) as f64;
    let approach = (figures.band_windows as f64 - wall) / wall.max(1.0);
    let density = wall / figures.windows.max(1) as f64;
    // Repeated hits at the ceiling, their samples the same numbers or the same waveform a
    // fraction of a sample apart (a loop bounced at another rate): a wall of one hit's
    // windows here and there, where a limiter pins most of a held note's.
    let bounced_loop = figures.wall_windows >= params.min_wall_windows
        && density < params.dense_share
        && figures.loop_share > params.max_loop_share;
    // A wall of a few windows (under the `min_wall_windows` the wall sign asks) alike is a loop
    // only where the loudest quarter is mostly one waveform too: a groove's two or three
    // loudest hits can be one sample (a drum machine's kit has one per drum at every velocity),
    // and its loudest quarter is still many hits; a looped bar's is the same moments again.
    let repeated = figures.repeat_share > params.max_repeat_share
        && (figures.wall_windows >= params.min_wall_windows
            || figures.upper_loop_share > params.held_loop_share);
    if repeated || bounced_loop {
        // A loop: only an exact ceiling inside each hit tells a limiter. Not what rides on its
        // peaks either: its loudest windows are one moment repeated, and one moment of a dry
        // mix can read as ducked as a curve leaves a whole programme.
        return exact_ceiling(params, figures);
    }
    // A wall of one waveform's true peak: repeated between the samples, it has one true peak
    // where its sample peaks spread (so its loudest windows' sample peaks move with where the
    // repeats fall); a sample-peak limiter's overshoot spreads as much as its samples or more.
    let between_samples = figures.wall_windows >= params.min_wall_windows
        && figures.wall_true_peak_sd_db < params.wall_true_peak_ratio * figures.wall_peak_sd_db;
    if figures.wall_windows >= params.min_wall_windows
        && wall_share >= params.min_wall_share
        && figures.wall_crest_db >= params.tone_crest_db
        && figures.wall_crest_sd_db >= params.tone_crest_sd_db
        && (approach >= params.min_approach || density >= params.dense_share)
        && figures.loop_share <= params.max_wall_loop_share
        && !between_samples
    {
        return Some(format!(
            "{} of the {} 50 ms windows in the top 3 dB peak within 0.2 dB of one ceiling ({:.1} dBFS)",
            figures.wall_windows, figures.band_windows, figures.ceiling_dbfs
        ));
    }
    // Material that is not one waveform repeated is no tone: a crest over a sine's will do.
    let varied = figures.repeat_share <= params.pinned_repeat_share;
    let tone_crest_db = if varied {
        params.varied_tone_crest_db
    } else {
        params.tone_crest_db
    };
    // The level moves: peaks that do not follow it are held. Where the loudest windows are
    // mostly one waveform (a hit repeated at one velocity), they are by nature: there a
    // limiter must also show crests cut to its ceiling inside the hits.
    let moving = figures.body_spread_db >= params.min_body_spread_db;
    let ratio = figures.peak_spread_db / figures.body_spread_db.max(f64::MIN_POSITIVE);
    let aligned_ratio =
        figures.peak_spread_db / figures.aligned_body_spread_db.max(f64::MIN_POSITIVE);
    let one_hit = figures.upper_loop_share > params.held_loop_share;
    let cut = figures.touching_windows as f64 >= params.held_loop_touch_share * wall;
    if moving
        && ratio <= params.max_peak_ratio
        && aligned_ratio <= params.max_aligned_peak_ratio
        && figures.peak_spread_db <= params.max_peak_spread_db
        && figures.upper_crest_db >= tone_crest_db
        && (!one_hit || cut)
        && !between_samples
    {
        return Some(format!(
            "in the loudest quarter of the 50 ms windows the peaks spread {:.1} dB while the RMS spreads {:.1} dB: the peaks are held",
            figures.peak_spread_db, figures.body_spread_db
        ));
    }
    // Peaks pinned to within a fraction of a dB while the level moves a little: closer than
    // any unprocessed programme holds them, unless it is one waveform repeated.
    // A hit repeated at one velocity pins its peaks too: its loudest windows are the same few
    // stretches of it again and again, a fraction of a sample apart or not.
    if figures.body_spread_db >= params.pinned_body_spread_db
        && aligned_ratio <= params.max_aligned_peak_ratio
        && figures.peak_spread_db <= params.pinned_peak_spread_db
        && figures.upper_crest_db >= tone_crest_db
        && varied
        && figures.upper_loop_share <= params.pinned_repeat_share
    {
        return Some(format!(
            "in the loudest quarter of the 50 ms windows the peaks stay within {:.1} dB while the RMS moves {:.1} dB: the peaks are pinned",
            figures.peak_spread_db, figures.body_spread_db
        ));
    }
    if let Some(sign) = exact_ceiling(params, figures) {
        return Some(sign);
    }
    if let Some(sign) = ducking.and_then(|ducking| ducked(params, ducking)) {
        return Some(sign);
    }
    if !moving {
        return None;
    }
    if figures.upper_crest_db <= params.squashed_crest_db {
        return Some(format!(
            "the loudest quarter of the 50 ms windows is squarer than a sine (crest {:.1} dB) while its level moves {:.1} dB",
            figures.upper_crest_db, figures.body_spread_db
        ));
    }
    None
}

/// What rides on the peaks pushed down with them, in the loudest windows and in the body of
/// a stereo programme whose detail is no one instrument's periodic waveform: a static curve's
/// shallow slope at the top (a waveshaping limiter, a clipper).
fn ducked(params: &Params, ducking: &DuckingFigures) -> Option<String> {
    let (Some(detail), Some(body), Some(side), Some(periodicity)) = (
        ducking.detail_peak_db,
        ducking.body_detail_peak_db,
        ducking.side_peak_db,
        ducking.periodicity,
    ) else {
        return None;
    };
    (ducking.side_windows >= params.ducked_min_side_windows
        && detail <= params.ducked_detail_db
        && side <= params.ducked_side_db
        && (body <= params.ducked_body_detail_db || side <= params.ducked_deep_side_db)
        && periodicity <= params.ducked_max_periodicity)
        .then(|| {
            format!(
                "on the peaks of the loudest 50 ms windows the detail drops {:.1} dB and the stereo side {:.1} dB against the samples near zero (an unprocessed mix reads about 0 dB): the peaks are bent by a waveshaping limiter or clipper",
                -detail, -side
            )
        })
}

/// Half-cycles landing on one level to within 0.0005 dB, window after window, while the level
/// moves: the exact ceiling of a sample-peak limiter. Unprocessed material puts one half-cycle
/// there (its peak), a tone all of them (its crest gives it away).
fn exact_ceiling(params: &Params, figures: &LimiterFigures) -> Option<String> {
    let share = figures.touching_windows as f64 / figures.wall_windows.max(1) as f64;
    (figures.wall_windows >= params.min_wall_windows
        && share >= params.min_touching_share
        && figures.wall_crest_db >= params.touch_tone_crest_db
        && figures.body_spread_db >= params.touch_body_spread_db)
        .then(|| {
            format!(
                "in {} of the {} 50 ms windows at the ceiling ({:.1} dBFS) two or more crests of one sign and of different forms peak within 0.0005 dB of one level: the peaks are cut to an exact ceiling",
                figures.touching_windows, figures.wall_windows, figures.ceiling_dbfs
            )
        })
}

#[cfg(test)]
mod tests {
    use super::{signature, Params};
    use crate::model::analysis::{DuckingFigures, LimiterFigures};

    /// Figures measured on cases of the evaluation (`scripts/eval.sh`, `tracks-limited`).
    fn figures(
        wall: (u64, u64, f64, f64),
        spreads: (f64, f64),
        upper_crest_db: f64,
        repeat_share: f64,
    ) -> LimiterFigures {
        LimiterFigures {
            windows: 200,
            ceiling_dbfs: -0.975,
            wall_windows: wall.0,
            band_windows: wall.1,
            wall_crest_db: wall.2,
            wall_crest_sd_db: wall.3,
            peak_spread_db: spreads.0,
            body_spread_db: spreads.1,
            // A programme's level reads alike from its peaks and on the grid.
            aligned_body_spread_db: spreads.1,
            upper_crest_db,
            repeat_share,
            loop_share: repeat_share,
            upper_loop_share: repeat_share,
            touching_windows: 0,
            ..LimiterFigures::default()
        }
    }

    /// `19_Mix_ALim3.wav`: a mix through ffmpeg's alimiter, 3 dB off its peaks. Its loudest
    /// windows' peaks spread 0.65 dB while their RMS spreads 3.5 dB.
    fn held_mix() -> LimiterFigures {
        figures((37, 126, 9.24, 1.62), (0.65, 3.5), 9.52, 0.0)
    }

    /// `07_Drums_GainL30.wav`: drums 30 dB into sox's `gain -l`: the loudest quarter is
    /// squarer than a sine.
    fn squashed_drums() -> LimiterFigures {
        figures((37, 171, 2.08, 2.28), (0.3, 2.05), 2.38, 0.73)
    }

    /// `figures` changed by `change` give no verdict.
    fn assert_quiet(figures: LimiterFigures, change: impl FnOnce(&mut LimiterFigures)) {
        let mut figures = figures;
        change(&mut figures);
        assert_eq!(signature(&Params::default(), &figures, None), None, "{figures:?}");
    }

    /// `figures` changed by `change` still give a verdict.
    fn assert_fires(figures: LimiterFigures, change: impl FnOnce(&mut LimiterFigures)) {
        let mut figures = figures;
        change(&mut figures);
        assert!(
            signature(&Params::default(), &figures, None).is_some(),
            "{figures:?}"
        );
    }

    /// `tracks-holdout5/13_elec_chime.wav`, unprocessed: a chime at one velocity whose 2.3 s
    /// ring overlaps the next hits (so its loudest windows are sums that never repeat). The
    /// grid of windows cuts each hit at another place: the fixed windows' RMS spreads 3.4 dB,
    /// read from each window's peak 2.1 dB, against peaks spreading 1.4 dB.
    fn ringing_chime() -> LimiterFigures {
        LimiterFigures {
            wall_windows: 23,
            band_windows: 67,
            wall_crest_db: 10.09,
            wall_crest_sd_db: 1.21,
            peak_spread_db: 1.4,
            body_spread_db: 3.4,
            aligned_body_spread_db: 2.1,
            upper_crest_db: 10.44,
            repeat_share: 0.0,
            loop_share: 0.26,
            upper_loop_share: 0.19,
            wall_peak_sd_db: 0.063,
            wall_true_peak_sd_db: 0.058,
            ..figures((0, 0, 0.0, 0.0), (0.0, 0.0), 0.0, 0.0)
        }
    }

    #[test]
    fn a_level_spread_by_where_the_windows_cut_one_hit_holds_nothing() {
        assert_quiet(ringing_chime(), |_| {});
        // Read from the peaks, a level that moves as much as on the grid: held.
        assert_fires(ringing_chime(), |moving| moving.aligned_body_spread_db = 3.4);
        // The gate is a ratio: peaks spreading 0.62 times the aligned level or less still fire.
        assert_fires(ringing_chime(), |moving| moving.aligned_body_spread_db = 2.3);
        // Pinned peaks ask it too: 0.55 dB against a level moving 1.55 dB on the grid and 0.7
        // dB from the peaks (a ringing hit repeated, built in `tests/rules.rs`).
        let pinned = |aligned| {
            move |figures: &mut LimiterFigures| {
                (figures.peak_spread_db, figures.body_spread_db) = (0.55, 1.55);
                figures.aligned_body_spread_db = aligned;
            }
        };
        assert_quiet(ringing_chime(), pinned(0.7));
        assert_fires(ringing_chime(), pinned(1.55));
    }

    #[test]
    fn held_peaks_are_found_and_named() {
        let params = Params::default();
        let sign = signature(&params, &held_mix(), None).expect("held peaks");
        assert!(sign.contains("the peaks are held"), "{sign}");
        assert!(sign.contains("peaks spread 0.7 dB while the RMS spreads 3.5 dB"), "{sign}");
        // Peaks that move with the body are a dynamic programme, not a limiter.
        assert_quiet(held_mix(), |free| free.peak_spread_db = 2.0);
        // A level that does not move cannot show peaks held against it.
        assert_quiet(held_mix(), |steady| steady.body_spread_db = 1.0);
    }

    /// A wall: 30 of the 40 windows in the top 3 dB at one ceiling, approached from below,
    /// its windows' crest varied; peaks free of the body otherwise.
    fn wall_drums() -> LimiterFigures {
        figures((30, 40, 9.0, 1.2), (3.0, 3.0), 9.0, 0.1)
    }

    #[test]
    fn a_wall_of_one_hit_a_fraction_of_a_sample_apart_is_no_ceiling() {
        let params = Params::default();
        let sign = signature(&params, &wall_drums(), None).expect("a wall");
        assert!(sign.contains("30 of the 40 50 ms windows"), "{sign}");
        // Most of its windows one waveform moved by a fraction of a sample: a repeated hit.
        assert_quiet(wall_drums(), |looped| looped.loop_share = 0.6);
        // Half of them alike (a limiter's ceiling on a kit of a few one-shots) is a wall still.
        assert_fires(wall_drums(), |kit| kit.loop_share = 0.5);
        // A snap bounced at one velocity (`tracks-bounced/23_perc_snap.wav`): its shapes are
        // mostly its top octave and meet no other within 50 dB, but its windows' true peaks
        // spread 0.002 dB where their sample peaks spread 0.054.
        assert_quiet(wall_drums(), |snap| {
            (snap.wall_peak_sd_db, snap.wall_true_peak_sd_db) = (0.054, 0.002);
        });
        // A true-peak limiter holds both alike (`16_Vocal_Loudnorm.wav`: 0.024, 0.020), a
        // sample-peak limiter's overshoot spreads more (`11_Vocal_ALim6.wav`: 0.039, 0.041).
        assert_fires(wall_drums(), |loudnorm| {
            (loudnorm.wall_peak_sd_db, loudnorm.wall_true_peak_sd_db) = (0.024, 0.020);
        });
        assert_fires(wall_drums(), |alimiter| {
            (alimiter.wall_peak_sd_db, alimiter.wall_true_peak_sd_db) = (0.0, 0.2);
        });
    }

    #[test]
    fn a_sparse_wall_of_one_waveform_is_a_loop_for_every_sign() {
        // Held peaks, and a sparse wall (37 of 200 windows) whose hits are one waveform moved
        // by fractions of a sample: a bounced loop, which only an exact ceiling shows limited.
        assert_quiet(held_mix(), |looped| looped.loop_share = 0.95);
        // A wall over most windows is a limiter pinning a held note, whose cycles are one
        // waveform by nature: the signs still read.
        assert_fires(held_mix(), |bass| {
            (bass.loop_share, bass.wall_windows, bass.band_windows) = (1.0, 150, 170);
        });
        // Two windows alike tell nothing of a loop.
        assert_fires(held_mix(), |few| (few.loop_share, few.wall_windows) = (1.0, 2));
    }

    /// Figures of a hard-compressed vocal (acompressor, ratio 20, fast attack): the level of
    /// its loudest quarter moves 1.5 dB, its peaks 0.2 dB.
    fn pinned_vocal() -> LimiterFigures {
        figures((8, 165, 8.22, 1.23), (0.2, 1.5), 9.1, 0.0)
    }

    #[test]
    fn pinned_peaks_are_found_and_named() {
        let params = Params::default();
        let sign = signature(&params, &pinned_vocal(), None).expect("pinned peaks");
        assert!(
            sign.contains("peaks stay within 0.2 dB while the RMS moves 1.5 dB"),
            "{sign}"
        );
        // Pink noise, unprocessed: peaks spread 1.6 dB, the level 1.8 dB.
        assert_quiet(pinned_vocal(), |noise| {
            noise.peak_spread_db = 1.6;
            noise.body_spread_db = 1.8;
        });
        // A sawtooth under a tremolo: the same waveform at the ceiling again and again.
        assert_quiet(pinned_vocal(), |synth| synth.repeat_share = 0.88);
        // A boomy kick bounced at one velocity (`tracks-bounced/02_bd_boom.wav`): two wall
        // windows, not alike, but 90 % of its loudest quarter's windows are the same stretches
        // of the hit, a fraction of a sample apart or not.
        assert_quiet(pinned_vocal(), |kick| kick.upper_loop_share = 0.9);
        assert_fires(pinned_vocal(), |half| half.upper_loop_share = 0.5);
        // Its own figures: peaks within 0.55 dB while the level moves 1.25 dB.
        let mut boom = figures((2, 88, 3.83, 0.68), (0.55, 1.25), 4.07, 0.0);
        assert!(signature(&params, &boom, None).is_some_and(|sign| sign.contains("pinned")));
        boom.upper_loop_share = 0.9;
        assert_eq!(signature(&params, &boom, None), None);
        // A level that hardly moves (a held note) says nothing about its peaks.
        assert_quiet(pinned_vocal(), |held_note| held_note.body_spread_db = 0.5);
        // A guide tone with dynamics: a sine's crest.
        assert_quiet(pinned_vocal(), |tone| tone.upper_crest_db = 3.07);
    }

    /// `25_Mix_Saturated12.wav`: a mix through tanh driven 12 dB. The loudest quarter is
    /// rounded to a sawtooth's crest (4.8 dB) and its peaks stay within 0.15 dB while its RMS
    /// moves 2.55 dB.
    fn saturated_mix() -> LimiterFigures {
        figures((60, 200, 4.81, 1.26), (0.15, 2.55), 4.81, 0.18)
    }

    /// `tracks-holdout2/20_MixC_GainL14.wav`: a mix through sox `gain -l` 14 dB. Its peaks
    /// spread 0.29 times its RMS, at a crest of 4.8 dB.
    fn soft_clipped_mix() -> LimiterFigures {
        figures((3, 154, 3.86, 0.29), (0.9, 3.15), 4.84, 0.0)
    }

    #[test]
    fn saturation_is_found_under_a_tones_crest_where_the_material_varies() {
        let params = Params::default();
        let sign = signature(&params, &saturated_mix(), None).expect("held by saturation");
        assert!(
            sign.contains("peaks spread 0.1 dB while the RMS spreads 2.5 dB: the peaks are held"),
            "{sign}"
        );
        // With a level moving less than the held sign needs, the same peaks are pinned.
        let mut pinned = saturated_mix();
        pinned.body_spread_db = 1.5;
        let sign = signature(&params, &pinned, None).expect("pinned by saturation");
        assert!(sign.contains("the peaks are pinned"), "{sign}");
        let sign = signature(&params, &soft_clipped_mix(), None).expect("held by a soft clipper");
        assert!(sign.contains("peaks spread 0.9 dB while the RMS spreads 3.1 dB"), "{sign}");
        for figures in [saturated_mix(), pinned, soft_clipped_mix()] {
            // The same figures from one waveform repeated: a sawtooth line at one velocity.
            assert_quiet(figures.clone(), |saw| saw.repeat_share = 0.9);
            // A sine's crest with its level moving is a guide tone, not a programme.
            assert_quiet(figures, |tone| {
                tone.upper_crest_db = 3.07;
                tone.wall_crest_db = 3.07;
            });
        }
    }

    #[test]
    fn a_squashed_programme_is_found_and_named() {
        let params = Params::default();
        let sign = signature(&params, &squashed_drums(), None).expect("squashed");
        assert!(sign.contains("squarer than a sine (crest 2.4 dB)"), "{sign}");
        // The same spreads with a drum's crest are not squashed.
        assert_quiet(squashed_drums(), |punchy| {
            punchy.upper_crest_db = 9.0;
            punchy.wall_crest_db = 9.0;
            punchy.peak_spread_db = 3.0;
        });
    }

    /// `30_Kick_Loop_ALim6.wav`: one recorded kick repeated on the beat, through ffmpeg's
    /// alimiter 6 dB: every hit the same (a loop), every hit's top crests cut to one level.
    fn limited_kick_loop() -> LimiterFigures {
        LimiterFigures {
            windows: 120,
            touching_windows: 20,
            ..figures((20, 20, 3.64, 0.0), (4.0, 6.8), 5.06, 1.0)
        }
    }

    #[test]
    fn an_exact_ceiling_is_found_in_a_loop_and_named() {
        let params = Params::default();
        let sign = signature(&params, &limited_kick_loop(), None).expect("an exact ceiling");
        assert!(
            sign.contains("in 20 of the 20 50 ms windows at the ceiling (-1.0 dBFS) two or more"),
            "{sign}"
        );
        // The same loop unprocessed: one crest per hit at the top.
        assert_quiet(limited_kick_loop(), |dry| dry.touching_windows = 0);
        // A synthetic kick (a sine sweep at a constant level, then a fade): its crests are all
        // alike, as a tone's (`22_Synth_Kick_Loop.wav`: crest 3.10 dB, level spread 0.15 dB).
        assert_quiet(limited_kick_loop(), |synth| synth.wall_crest_db = 3.10);
        assert_quiet(limited_kick_loop(), |synth| synth.body_spread_db = 0.15);
        // A sawtooth DI at one level: its crests are cycles of one waveform and count no
        // touches; were they counted, a level that does not move would set it aside.
        assert_quiet(limited_kick_loop(), |saw| {
            saw.wall_windows = 200;
            saw.touching_windows = 89;
            saw.body_spread_db = 0.1;
        });
        // A kick loop humanised and limited until every hit is at one level
        // (`tracks-bounced/08_bd_tek_Humanised_ALim6.wav`): 33 of its 59 ceiling windows cut,
        // its loudest quarter's level moving 0.25 dB.
        assert_fires(limited_kick_loop(), |tek| {
            (tek.wall_windows, tek.touching_windows) = (59, 33);
            (tek.body_spread_db, tek.wall_crest_db) = (0.25, 4.4);
        });
        // A limited pattern of wood blocks cut in 17 of its 49 ceiling windows
        // (`tracks-holdout4/06_elec_wood_Humanised_ALim6.wav`); unprocessed loops cut at most
        // 3 of 36 by chance.
        assert_fires(limited_kick_loop(), |wood| {
            (wood.wall_windows, wood.touching_windows) = (49, 17);
        });
        assert_quiet(limited_kick_loop(), |dry| {
            (dry.wall_windows, dry.touching_windows) = (36, 3);
        });
        // Too few windows at the ceiling to say.
        assert_quiet(limited_kick_loop(), |few| {
            few.wall_windows = params.min_wall_windows - 1;
            few.touching_windows = few.wall_windows;
        });
    }

    #[test]
    fn held_peaks_of_one_hit_repeated_need_an_exact_ceiling_too() {
        // `tracks-bounced/11_sn_dolf.wav`, a snare bounced at one velocity: its peaks stay
        // within 0.3 dB while the windows' RMS moves 8.4 dB as they cut the hits at other
        // places, and 94 % of its loudest quarter is one waveform. Nothing is cut.
        let snare_loop = || LimiterFigures {
            upper_loop_share: 0.94,
            loop_share: 0.86,
            ..figures((22, 40, 6.72, 2.61), (0.3, 8.35), 7.44, 0.73)
        };
        assert_quiet(snare_loop(), |_| ());
        // The same peaks where the loudest quarter varies: held.
        assert_fires(snare_loop(), |varied| varied.upper_loop_share = 0.7);
        // A humanised pattern through a limiter (`24_perc_impact1_Humanised_ALim6.wav`: 0.78,
        // 12 of its 48 ceiling windows cut exactly) is held.
        assert_fires(snare_loop(), |limited| {
            (limited.wall_windows, limited.touching_windows) = (48, 12);
        });
        // A snap bounced at one velocity (`tracks-holdout4/10_perc_snap2.wav`): its loudest
        // quarter varies (0.32), but its wall of 13 windows is one true peak (0.012 dB against
        // 0.058 for the samples), so its sample peaks move with where the repeats fall.
        assert_quiet(snare_loop(), |snap| {
            (snap.upper_loop_share, snap.wall_windows) = (0.32, 13);
            (snap.wall_peak_sd_db, snap.wall_true_peak_sd_db) = (0.058, 0.012);
        });
        // Under 8 wall windows the spreads say nothing (a mix through `gain -l` 6 dB with a
        // wall of 3 reads 0.053 and 0.014).
        assert_fires(snare_loop(), |mix| {
            (mix.upper_loop_share, mix.wall_windows) = (0.0, 3);
            (mix.wall_peak_sd_db, mix.wall_true_peak_sd_db) = (0.053, 0.014);
        });
    }

    #[test]
    fn loops_and_short_files_get_no_verdict() {
        let params = Params::default();
        // Every ceiling window the same waveform: a repeated sample, whatever else it shows.
        assert_quiet(squashed_drums(), |looped| looped.repeat_share = 1.0);
        assert_quiet(held_mix(), |short| short.windows = params.min_windows - 1);
    }

    #[test]
    fn a_wall_needs_windows_approaching_it_or_density() {
        let params = Params::default();
        // 30 of 40 windows in the top 3 dB at one ceiling, with drum-like crests.
        let wall = figures((30, 40, 7.0, 1.5), (0.0, 0.0), 7.0, 0.0);
        let sign = signature(&params, &wall, None).expect("a wall");
        assert!(sign.contains("30 of the 40 50 ms windows"), "{sign}");
        // A steady tone at one level: the same crest in every window.
        assert_quiet(wall.clone(), |tone| tone.wall_crest_sd_db = 0.1);
    }

    /// `tracks-holdout2/02_MixA_GainL6.wav`: a mix through sox's `gain -l 6`. Its window peaks
    /// move with its level (nothing held, pinned or walled), but what rides on its peaks is
    /// pushed down with them.
    fn gain_l_mix() -> (LimiterFigures, DuckingFigures) {
        let limiter = figures((1, 60, 8.16, 0.0), (2.25, 3.15), 8.54, 0.0);
        let ducking = DuckingFigures {
            windows: 200,
            detail_peak_db: Some(-4.35),
            body_detail_peak_db: Some(-2.75),
            side_peak_db: Some(-5.35),
            side_windows: 22,
            periodicity: Some(0.116),
        };
        (limiter, ducking)
    }

    #[test]
    fn a_curve_ducking_the_detail_and_side_on_the_peaks_is_found_and_named() {
        let params = Params::default();
        let (limiter, ducking) = gain_l_mix();
        assert_eq!(signature(&params, &limiter, None), None);
        let sign = signature(&params, &limiter, Some(&ducking)).expect("ducked");
        assert!(sign.contains("the detail drops 4.3 dB and the stereo side 5.3 dB"), "{sign}");
        assert!(sign.contains("bent by a waveshaping limiter or clipper"), "{sign}");
        let quiet = |change: fn(&mut DuckingFigures)| {
            let mut changed = ducking.clone();
            change(&mut changed);
            assert_eq!(signature(&params, &limiter, Some(&changed)), None, "{changed:?}");
        };
        // `01_MixA.wav`, the same mix dry.
        quiet(|dry| {
            dry.detail_peak_db = Some(0.45);
            dry.body_detail_peak_db = Some(0.35);
            dry.side_peak_db = Some(1.15);
        });
        // The alto sax of `tracks-gm` (FluidR3's stereo sample): its harmonics peak with its
        // fundamental, and its side with its mid.
        quiet(|sax| sax.periodicity = Some(0.99));
        // A kick recorded by a spaced pair: its hits duck, the body between them does not.
        quiet(|kick| kick.body_detail_peak_db = Some(0.8));
        // A side that stays on the peaks, or too few windows of it, or none (mono).
        quiet(|side| side.side_peak_db = Some(-2.0));
        quiet(|side| side.side_windows = 2);
        quiet(|mono| mono.side_peak_db = None);
        // Detail that stays on the peaks (a room's toms read -2.3 dB).
        quiet(|detail| detail.detail_peak_db = Some(-2.3));
    }

    #[test]
    fn a_kit_bent_by_a_curve_needs_no_ducked_body_where_its_side_drops_deep() {
        let params = Params::default();
        // `tracks-holdout3/Overheads_A_GainL10.wav`: a kit's spaced overheads through `gain -l`
        // 10 dB. Its body (the decays and cymbals between hits) stays above the detail near
        // zero, as any kit's does, but its side drops 15 dB on the peaks.
        let limiter = figures((3, 47, 4.51, 0.0), (2.85, 7.0), 6.77, 0.0);
        let overheads = DuckingFigures {
            windows: 200,
            detail_peak_db: Some(-8.95),
            body_detail_peak_db: Some(1.25),
            side_peak_db: Some(-15.25),
            side_windows: 22,
            periodicity: Some(0.16),
        };
        let sign = signature(&params, &limiter, Some(&overheads)).expect("ducked");
        assert!(sign.contains("bent by a waveshaping limiter or clipper"), "{sign}");
        // `tracks-holdout7/Brush_Overheads_GainL10.wav`: a General MIDI kit panned piece by
        // piece, whose side drops less (7.55 dB): past the 6 dB the waiver asks since
        // `tracks-holdout7`, short of the 8 it asked before.
        let brushes = DuckingFigures {
            detail_peak_db: Some(-5.95),
            body_detail_peak_db: Some(5.05),
            side_peak_db: Some(-7.55),
            side_windows: 22,
            periodicity: Some(0.41),
            ..overheads
        };
        assert!(signature(&params, &limiter, Some(&brushes)).is_some());
        // `tracks-kicks/Kick_Spaced_0.5ms.wav`: a kick heard by a spaced pair, dry. Its smooth
        // swing ducks its detail, its side drops by its slope only, its body not at all.
        let kick = DuckingFigures {
            detail_peak_db: Some(-6.95),
            body_detail_peak_db: Some(0.65),
            side_peak_db: Some(-4.75),
            side_windows: 22,
            periodicity: Some(0.25),
            ..overheads
        };
        assert_eq!(signature(&params, &limiter, Some(&kick)), None);
        // `tracks-holdout7/TR808_Stereo.wav`, dry: its side drops 10 dB on the peaks (the kick
        // in the middle), but the detail rides them (+2.9 dB).
        let dry = DuckingFigures {
            detail_peak_db: Some(2.85),
            body_detail_peak_db: Some(7.75),
            side_peak_db: Some(-10.15),
            periodicity: Some(0.15),
            ..overheads
        };
        assert_eq!(signature(&params, &limiter, Some(&dry)), None);
    }

    #[test]
    fn a_groove_whose_few_loudest_hits_are_one_sample_is_no_loop() {
        let params = Params::default();
        // `tracks-holdout7/TR808_Overheads_GainL10.wav`: a drum machine's kit (one sample per
        // drum at every velocity) heard by a spaced pair through `gain -l` 10 dB. Its two
        // windows at the ceiling are one kick, but its loudest quarter is many hits.
        let mut groove = figures((2, 34, 3.81, 0.03), (3.85, 7.55), 5.95, 1.0);
        groove.loop_share = 0.0;
        groove.upper_loop_share = 0.0;
        let bent = DuckingFigures {
            windows: 200,
            detail_peak_db: Some(-7.45),
            body_detail_peak_db: Some(4.55),
            side_peak_db: Some(-13.35),
            side_windows: 21,
            periodicity: Some(0.38),
        };
        let sign = signature(&params, &groove, Some(&bent)).expect("ducked");
        assert!(sign.contains("bent by a waveshaping limiter"), "{sign}");
        // The same few windows alike in a looped bar, whose loudest quarter is one moment
        // again and again: a loop, read for an exact ceiling only.
        let mut bar = groove.clone();
        bar.upper_loop_share = 1.0;
        assert_eq!(signature(&params, &bar, Some(&bent)), None);
        // A wall of the 8 windows the wall sign asks, all alike: a loop whatever the rest.
        let mut wall = groove;
        wall.wall_windows = params.min_wall_windows;
        assert_eq!(signature(&params, &wall, Some(&bent)), None);
    }

    #[test]
    fn a_loop_is_not_read_for_a_curve_one_moment_repeated_can_fake() {
        let params = Params::default();
        // A half-second bar of `tracks-mixes/17_Dry.wav` looped end to end: its loudest
        // windows are one moment repeated, and that moment reads as ducked as a curve leaves a
        // whole mix (detail -4.15 dB, side -4.65, body -0.35).
        let bar = figures((20, 20, 9.0, 0.0), (0.0, 0.0), 9.0, 1.0);
        let moment = DuckingFigures {
            windows: 200,
            detail_peak_db: Some(-4.15),
            body_detail_peak_db: Some(-0.35),
            side_peak_db: Some(-4.65),
            side_windows: 20,
            periodicity: Some(0.1),
        };
        assert_eq!(signature(&params, &bar, Some(&moment)), None);
        // The same figures where the ceiling windows are not one waveform: ducked.
        let mut programme = bar.clone();
        programme.repeat_share = 0.0;
        programme.loop_share = 0.0;
        programme.upper_loop_share = 0.0;
        let sign = signature(&params, &programme, Some(&moment)).expect("ducked");
        assert!(sign.contains("bent by a waveshaping limiter or clipper"), "{sign}");
    }
}
