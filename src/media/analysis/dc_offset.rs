//! Whether a channel's mean is a steady offset or only slow movement of the programme: the
//! share of half-second windows with sound whose own mean carries the same offset. A real DC
//! offset (a faulty converter, a badly made sample) is there in every window; the mean of a
//! short stretch of pink noise or a bass note's tail comes from its lowest frequencies and
//! changes sign from window to window, or swells away from zero and back: the window means
//! wander by more than their average (`dc_wander`).

use super::lanes::Windows;
use super::{from_db, Accumulator, Analysis, AnalysisSettings, Frames, StreamSpec};

/// Window length, seconds: long enough that anything above a few hertz averages out.
const WINDOW_SECONDS: f64 = 0.5;

pub struct DcSteadiness {
    windows: Windows,
    /// Half the offset the profile accepts: a window mean at least this large, with the
    /// file's sign, carries the offset; a window quieter than this has nothing to say.
    half_limit: f64,
    filled: u64,
    /// Per channel: the current window's sum and sum of squares, the whole file's sum, and
    /// counts of windows with sound whose mean is at least `half_limit` above / below zero.
    window_sums: Vec<f64>,
    window_squares: Vec<f64>,
    totals: Vec<f64>,
    sounding: Vec<u64>,
    positive: Vec<u64>,
    negative: Vec<u64>,
    /// Per channel: the sum and the sum of squares of the means of the windows with sound.
    mean_sums: Vec<f64>,
    mean_squares: Vec<f64>,
}

impl DcSteadiness {
    pub fn new(spec: &StreamSpec, settings: &AnalysisSettings) -> Self {
        let channels = usize::from(spec.channels);
        DcSteadiness {
            windows: Windows::new((f64::from(spec.sample_rate) * WINDOW_SECONDS) as u64),
            half_limit: from_db(settings.dc_limit_dbfs) / 2.0,
            filled: 0,
            window_sums: vec![0.0; channels],
            window_squares: vec![0.0; channels],
            totals: vec![0.0; channels],
            sounding: vec![0; channels],
            positive: vec![0; channels],
            negative: vec![0; channels],
            mean_sums: vec![0.0; channels],
            mean_squares: vec![0.0; channels],
        }
    }

    fn close_window(&mut self) {
        if self.filled == 0 {
            return;
        }
        let frames = self.filled as f64;
        for channel in 0..self.window_sums.len() {
            let mean = self.window_sums[channel] / frames;
            let rms = (self.window_squares[channel] / frames).sqrt();
            if rms >= self.half_limit {
                self.sounding[channel] += 1;
                self.mean_sums[channel] += mean;
                self.mean_squares[channel] += mean * mean;
                if mean >= self.half_limit {
                    self.positive[channel] += 1;
                } else if mean <= -self.half_limit {
                    self.negative[channel] += 1;
                }
            }
            self.window_sums[channel] = 0.0;
            self.window_squares[channel] = 0.0;
        }
        self.filled = 0;
    }
}

impl Accumulator for DcSteadiness {
    fn push(&mut self, frames: &Frames<'_>) {
        let channels = frames.channels;
        let segments = self.windows.segments(frames.frames());
        for segment in segments {
            let sums = frames.sums(segment.start, segment.end);
            for channel in 0..channels.min(self.totals.len()) {
                self.window_sums[channel] += sums.sums[channel];
                self.window_squares[channel] += sums.squares[channel];
                self.totals[channel] += sums.sums[channel];
            }
            self.filled += (segment.end - segment.start) as u64;
            if segment.closes {
                self.close_window();
            }
        }
    }

    fn finish(mut self: Box<Self>, analysis: &mut Analysis) {
        // A tail shorter than a window still counts when it is all there is.
        if self.sounding.iter().all(|&count| count == 0) {
            self.close_window();
        }
        // The channel with the largest mean is the one `dc_offset` reports.
        let Some(channel) = (0..self.totals.len()).max_by(|&a, &b| {
            self.totals[a]
                .abs()
                .partial_cmp(&self.totals[b].abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        }) else {
            return;
        };
        let with_sign = if self.totals[channel] >= 0.0 {
            self.positive[channel]
        } else {
            self.negative[channel]
        };
        let sounding = self.sounding[channel] as f64;
        analysis.dc_steady_share = (sounding > 0.0).then(|| with_sign as f64 / sounding);
        let average = self.mean_sums[channel] / sounding;
        let spread = (self.mean_squares[channel] / sounding - average * average)
            .max(0.0)
            .sqrt();
        analysis.dc_wander = (sounding > 0.0 && average != 0.0).then(|| spread / average.abs());
    }
}
