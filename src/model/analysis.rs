//! What the streaming pass measured in one file, and the settings it measured with.

use serde::{Deserialize, Serialize};

use super::null_test::NullTestSettings;

/// Statistics of one file's decoded samples. Levels in dB are `None` for digital silence.
///
/// NaN and infinite samples are counted in `non_finite_samples` and otherwise read as 0
/// (silence): they never reach a peak, the loudness meter or a mean as a non-finite number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Highest absolute sample over all channels, dBFS.
    pub sample_peak_dbfs: Option<f64>,
    /// ITU-R BS.1770-4 true peak (4x oversampling below 96 kHz, 2x below 192 kHz), dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// Start of the 100 ms stretch that holds the true peak, seconds.
    pub true_peak_s: Option<f64>,
    /// BS.1770-4 gated integrated loudness, LUFS. Mono files are measured as dual-mono (the
    /// channel counted twice, as ffmpeg's `dualmono`): a mono file reads 3 dB louder than the
    /// same signal measured as a single front channel, and as loud as its stereo copy.
    /// Channel weights follow the WAVE_FORMAT_EXTENSIBLE mask, else the channel count
    /// (3 = L R C; 4 = L R Ls Rs; 5 = L R C Ls Rs; 6 = L R C LFE Ls Rs, LFE unused;
    /// 8 = L R C LFE Ls Rs Lss Rss); channels no layout names count with weight 1.0.
    pub integrated_lufs: Option<f64>,
    /// EBU Tech 3342 loudness range, LU (same channel convention as `integrated_lufs`).
    pub loudness_range_lu: Option<f64>,
    /// Peak-to-loudness ratio, `true_peak_dbtp - integrated_lufs`, dB: heavily limited
    /// masters read below about 10 dB, dry tracks and stems well above.
    pub peak_to_loudness_db: Option<f64>,
    /// RMS over all channels and samples, dBFS (a full-scale sine reads -3.01).
    pub rms_dbfs: Option<f64>,
    /// Largest absolute per-channel mean, in full-scale units (1.0 = full scale).
    pub dc_offset: f64,
    /// For that channel: the share of half-second windows with sound whose own mean carries
    /// the offset (same sign, at least half the accepted offset). Near 1 for a real DC
    /// offset; low for the slow movement of noise or a bass note that only averages off zero
    /// over a short file. None when no window has sound.
    #[serde(default)]
    pub dc_steady_share: Option<f64>,
    /// For that channel: how far the means of those windows wander, relative to the offset
    /// (their standard deviation over the absolute value of their average). Well under 1
    /// for a real offset, which every window carries alike; above 1 for a low end that swells
    /// away from zero and back (pink noise's lowest octave, a rumble). None when no window
    /// has sound or the windows average to exactly zero.
    #[serde(default)]
    pub dc_wander: Option<f64>,
    /// For that channel: the mean of the quietest quarter of its 50 ms blocks with sound, as
    /// a share of the mean of them all, signed by the offset (negative when the quiet blocks
    /// lean the other way). Near 1 for a real offset, a constant that stays under a hit's
    /// decayed tail; near 0 for a mean that comes from the loud part of asymmetric hits (a
    /// kick whose first half-cycle is its largest) and dies away with them. None when fewer
    /// than 8 blocks have sound or their means sum to exactly zero.
    #[serde(default)]
    pub dc_quiet_share: Option<f64>,
    /// Samples at or above the clip level that belong to runs of at least the analyser's
    /// minimum run length (consecutive samples of one channel; runs continue across blocks).
    pub clipped_samples: u64,
    /// Number of such clipped runs.
    pub clip_runs: u64,
    /// Longest run of consecutive samples at or above the clip level in one channel (also
    /// reported when shorter than the minimum run, to show how close a file came).
    pub longest_clip_run: u64,
    /// Time of the start of the first clipped run, seconds.
    pub first_clip_s: Option<f64>,
    /// Time of the end of the last clipped run, seconds.
    pub last_clip_s: Option<f64>,
    /// Samples above full scale (a float file's; an integer one cannot hold them): kept by the
    /// file, clipped wherever it is converted to integer or played at this level. They are
    /// not counted as clipped: a run of them is clipping only where it is flat (`flat_top`).
    #[serde(default)]
    pub over_samples: u64,
    /// Time of the first sample above full scale, seconds.
    #[serde(default)]
    pub first_over_s: Option<f64>,
    /// Time just after the last sample above full scale, seconds.
    #[serde(default)]
    pub last_over_s: Option<f64>,
    /// Flat tops at a channel's own peak below full scale: a waveform clipped, then turned
    /// down (the channel with the most such runs). None when no channel has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat_top: Option<FlatTop>,
    /// Bits actually used: a 24-bit file whose low 8 bits are always zero holds 16-bit audio.
    /// Float files holding integer audio (every sample a multiple of 2^-(n-1), n <= 24) read
    /// n; other float files read their container depth. None for silence.
    pub effective_bit_depth: Option<u16>,
    /// True when every channel is bit-identical to the first (and there are at least two).
    pub identical_channels: bool,
    /// Peak of the difference between the first two channels, dBFS (None when identical).
    pub channel_difference_peak_dbfs: Option<f64>,
    /// Pearson correlation of the first two channels (None for mono, or when either of them
    /// is constant, e.g. silent).
    pub correlation: Option<f64>,
    /// What of the first two channels one does not share with the other at any gain:
    /// `1 - correlation²`, dB (the residual of the best scaled copy against the channel).
    /// About -120 dB or under for a mono source panned or copied to both sides of a 24-bit
    /// file; -30 dB or over for stereo material. None where `correlation` is None.
    #[serde(default)]
    pub channel_residual_db: Option<f64>,
    /// The second channel's level against the first's (their variances), dB: negative when
    /// the second is quieter. None where `correlation` is None.
    #[serde(default)]
    pub channel_balance_db: Option<f64>,
    /// How the first two channels share their signal window by window (`signal/fake-stereo`,
    /// `signal/silent`): a mono source in two channels with a noise of their own (dither,
    /// hiss), and a side that carries only noise. None for mono files and files with fewer
    /// than 8 windows of sound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_windows: Option<ChannelWindows>,
    /// Channels (numbered from 1) whose peak stays under the silence floor from start to end
    /// while another carries sound: a part on one side of a stereo file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub silent_channels: Vec<u16>,
    /// Time of the first and of the last sample above the silence floor in any channel,
    /// seconds from the start (None for silence). Tail silence lasts
    /// `duration - last_sound_s - 1/rate`.
    pub first_sound_s: Option<f64>,
    /// Time of the last sample above the silence floor, in seconds from the start (None
    /// for silence).
    pub last_sound_s: Option<f64>,
    /// NaN or infinite samples in float files (left out of every other figure).
    pub non_finite_samples: u64,
    /// Time of the first NaN or infinite sample, seconds.
    pub first_non_finite_s: Option<f64>,
    /// Share of all samples within 0.5 dB of the file's sample peak (a limiter's pile-up),
    /// read from a histogram with bins of at most 0.034 dB; 0 for files peaking below
    /// -96 dBFS.
    pub near_peak_ratio: f64,
    /// A limiter's signature in 50 ms windows (`signal/limited`); None for digital silence
    /// and files shorter than one window.
    pub limiter: Option<LimiterFigures>,
    /// What a waveshaping limiter does under a mix's peaks, in 50 ms windows
    /// (`signal/limited`); None for digital silence and files shorter than one window.
    #[serde(default)]
    pub ducking: Option<DuckingFigures>,
    /// What the audio is, for recognising it in another delivery (`stemlint diff`); left out
    /// of the JSON report.
    #[serde(skip)]
    pub fingerprint: Fingerprint,
    /// Curves over time for plots (the waveform overview, the short-term loudness); measured
    /// only when asked for (`AnalysisSettings::series`), and in the JSON only with `--series`.
    #[serde(skip)]
    pub series: Option<Series>,
}

/// The first two channels in 50 ms windows, each window's means taken away. Levels are RMS,
/// dBFS, at least -160 (digital silence reads -160).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelWindows {
    /// Windows with sound in either channel.
    pub windows: u64,
    /// Over the loudest quarter of the windows within 50 dB of the loudest (by the louder
    /// channel): the mean of `1 - r²`, dB. -20 or under: those windows are one signal.
    pub loud_residual_db: f64,
    /// The mean level of that quarter (the louder channel's) over the quietest quarter's.
    pub level_range_db: f64,
    /// What the quieter channel does not share with the louder, mean over the loudest quarter.
    pub loud_unshared_dbfs: f64,
    /// …and its 10th percentile over every window with sound: within a few dB of the loudest
    /// quarter's, it is a steady noise (dither, hiss) that does not follow the signal.
    pub unshared_floor_dbfs: f64,
    /// Per channel (left, right): the 90th and the 10th percentile of its windows' levels.
    pub channel_levels_dbfs: [[f64; 2]; 2],
}

/// Runs of identical samples at a channel's peak, each entered and left by a step (what a
/// clipper leaves on a waveform, at whatever level it was turned to afterwards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlatTop {
    /// The channel's peak, where the runs sit, dBFS.
    pub level_dbfs: f64,
    /// Runs of 3 or more identical samples at that level (either sign).
    pub runs: u64,
    /// Samples in those runs.
    pub samples: u64,
    /// Those samples as a share of the channel's samples (a waveform flat by design, a
    /// trapezoid or a fuzz, spends much of its time there; a clipped programme little).
    pub share: f64,
    /// Start of the first run and end of the last, seconds.
    pub first_s: Option<f64>,
    pub last_s: Option<f64>,
}

/// A file's measurements over time, each decimated to a fixed number of points whatever the
/// file's length.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The waveform overview: min and max sample (over all channels) per column.
    pub envelope: Envelope,
    /// Columns (of the envelope's width) holding at least one clipped run.
    pub clipped: Vec<bool>,
    /// Columns holding a flat top at the file's own peak (`Analysis::flat_top`: clipped, then
    /// turned down), in the channel with the most; empty when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flat_tops: Vec<bool>,
    /// Short-term loudness (3 s window), LUFS, one point per `loudness_interval_s`, the
    /// loudest window of each stretch; None where the window is silent.
    pub loudness_lufs: Vec<Option<f32>>,
    pub loudness_interval_s: f64,
}

/// Min/max columns of a waveform: column `i` covers seconds
/// `[i * column_s, (i + 1) * column_s)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub column_s: f64,
    pub min: Vec<f32>,
    pub max: Vec<f32>,
}

/// How the detail on a programme's peaks compares with the detail near zero, in 50 ms
/// windows: a static curve (sox `gain -l`, a soft clipper) scales everything riding on a peak
/// by its shallow slope there; in an unprocessed mix the cymbals on a kick's swing and the
/// stereo side on the centred mid are as large on the peaks as off them. Design and
/// evaluation: `scripts/eval/LIMITER-DESIGN.md`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DuckingFigures {
    /// Windows whose level is within 40 dB of the loudest window's.
    pub windows: u64,
    /// In the loudest tenth of those windows, the median of: the mean magnitude of each
    /// channel's first difference on samples within 0.6 of the channel's window peak, over
    /// that on samples under 0.3 of it, dB (about 0 for an unprocessed mix; a tone or a kick's
    /// swing, smooth on its crests, reads lower)…
    pub detail_peak_db: Option<f64>,
    /// …the same in the body of the programme (windows ranked from 40 % to 70 % from the
    /// loudest), dB: a curve bends the body too, a drum's hits only…
    pub body_detail_peak_db: Option<f64>,
    /// …and, in the loudest tenth, the side (L − R) / 2 where the mid (L + R) / 2 is within 0.7
    /// of its window peak, over the side where the mid is under 0.3 of it, dB (first two
    /// channels; windows whose side is more than 30 dB under the mid are left out).
    pub side_peak_db: Option<f64>,
    /// Loudest-tenth windows whose side was read.
    pub side_windows: u64,
    /// In the 8 loudest windows, the median of the highest normalised autocorrelation of the
    /// channels' mean's first difference at lags of 1 to 20 ms: near 1 for one instrument's
    /// periodic waveform, low for a mix's detail.
    pub periodicity: Option<f64>,
}

/// Figures of 50 ms windows (each window: its peak over all channels, its RMS over all
/// channels, its crest = peak − RMS in dB), from which `signal/limited` tells a limiter's
/// ceiling from a steady or repeated waveform. Design and evaluation:
/// `scripts/eval/LIMITER-DESIGN.md`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LimiterFigures {
    /// Windows whose peak is within 50 dB of the loudest window's.
    pub windows: u64,
    /// The loudest window's peak, dBFS (to the 0.05 dB bin).
    pub ceiling_dbfs: f64,
    /// Windows whose peak is within 0.2 dB of the ceiling (the wall)…
    pub wall_windows: u64,
    /// …and within 3 dB of it (the band the wall is measured against).
    pub band_windows: u64,
    /// Mean and standard deviation of the wall windows' crest, dB.
    pub wall_crest_db: f64,
    pub wall_crest_sd_db: f64,
    /// Spread of the window peaks in the loudest quarter (98th minus 75th percentile), dB…
    pub peak_spread_db: f64,
    /// …and of the window RMS levels over the same ranks, dB…
    pub body_spread_db: f64,
    /// …and of the windows' RMS levels read over 50 ms from just before each one's peak (10 ms
    /// before it), dB: a grid cutting one hit at another place each time does not spread these.
    #[serde(default)]
    pub aligned_body_spread_db: f64,
    /// Mean crest of the windows in the loudest quarter by peak, dB.
    pub upper_crest_db: f64,
    /// Share of the wall windows whose waveform around the peak (32 samples) recurs in
    /// another wall window within -40 dB: 1 for a loop, a repeated sample or a periodic tone.
    pub repeat_share: f64,
    /// Share of the wall windows whose waveform around the peak recurs in another wall window
    /// within -50 dB when moved by up to 8 samples and any fraction of a sample: also a loop
    /// bounced at another rate or a one-shot a sampler starts between samples, whose repeats
    /// are not the same numbers.
    #[serde(default)]
    pub loop_share: f64,
    /// The same over the windows of the loudest quarter by peak (those within 1 dB of the
    /// ceiling): near 1 for a hit repeated at one velocity, whose loudest windows are the same
    /// few stretches of it again and again; low for a programme whose peaks a limiter pins.
    #[serde(default)]
    pub upper_loop_share: f64,
    /// Standard deviation of the wall windows' sample peaks, dB (at most a few hundredths for
    /// a sample-peak limiter; under 0.2 dB by the wall's definition)…
    #[serde(default)]
    pub wall_peak_sd_db: f64,
    /// …and of their true peaks (read between the samples near each), dB: a sample-peak
    /// limiter's overshoot varies from window to window, so they spread as much or more; one
    /// waveform repeated a fraction of a sample apart has one true peak, so they spread less.
    #[serde(default)]
    pub wall_true_peak_sd_db: f64,
    /// Wall windows in which two or more half-cycles of one channel peak within 0.0005 dB of
    /// the window's peak: a sample-peak limiter's exact ceiling.
    pub touching_windows: u64,
}

/// A fingerprint of a file's decoded audio.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Per channel: a hash of every sample's value in full-scale units, so the same audio
    /// hashes the same in another container or integer depth (16-bit audio in a 24-bit file).
    pub channel_hashes: Vec<u64>,
    /// Per whole second: the RMS level over all channels, dBFS (floored at -120), for
    /// recognising the same material after a gain change or re-export.
    pub energy_db: Vec<f32>,
}

impl Fingerprint {
    /// Lowest level the energy signature records, dBFS.
    pub const FLOOR_DB: f32 = -120.0;

    /// How closely two energy signatures follow each other, whatever their gain: the
    /// correlation of the two level curves over their common seconds (None when too short
    /// or flat to tell).
    pub fn similarity(&self, other: &Fingerprint) -> Option<f64> {
        let common = self.energy_db.len().min(other.energy_db.len());
        if common < 2 {
            return None;
        }
        let (a, b) = (&self.energy_db[..common], &other.energy_db[..common]);
        let mean =
            |values: &[f32]| values.iter().map(|&v| f64::from(v)).sum::<f64>() / common as f64;
        let (mean_a, mean_b) = (mean(a), mean(b));
        let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
        for (&x, &y) in a.iter().zip(b) {
            let (x, y) = (f64::from(x) - mean_a, f64::from(y) - mean_b);
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        (aa > 1e-9 && bb > 1e-9).then(|| ab / (aa * bb).sqrt())
    }
}

/// Measurement definitions that come from the profile (the rules' parameters), fixed before
/// the pass starts so that one pass serves every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSettings {
    /// A sample at or above this level (dBFS, absolute value) counts as at full scale.
    pub clip_level_dbfs: f64,
    /// Consecutive full-scale samples in one channel that make a clipped run.
    pub clip_min_run: u32,
    /// Below this level (dBFS) a sample counts as silence (head/tail silence, `signal/silent`).
    pub silence_floor_dbfs: f64,
    /// The DC offset the profile accepts (`signal/dc-offset`), dBFS: windows are judged
    /// against it.
    pub dc_limit_dbfs: f64,
    /// Also measure the curves over time (`Analysis::series`) for a report's plots.
    pub series: bool,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            clip_level_dbfs: -0.01,
            clip_min_run: 3,
            silence_floor_dbfs: -90.0,
            dc_limit_dbfs: -50.0,
            series: false,
        }
    }
}

/// Everything the measuring stages need from a profile, fixed before any file is read: each
/// rule fills in what it judges (`Rule::configure`).
#[derive(Debug, Clone, Default)]
pub struct MeasureSettings {
    /// What the streaming analysis measures.
    pub analysis: AnalysisSettings,
    /// The null test of stems against the mix; None when no enabled rule asks for it.
    pub null_test: Option<NullTestSettings>,
}
