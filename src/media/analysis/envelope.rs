//! The waveform overview: the lowest and highest sample (over all channels) per column, in
//! fixed memory (`bins`), for a report's plots.

use super::bins::Bins;
use super::{seconds, Accumulator, Analysis, Frames, StreamSpec};
use crate::model::analysis::{Envelope as Columns, Series};

pub struct Envelope {
    sample_rate: u32,
    /// (min, max) per column; an untouched column is (+inf, -inf).
    columns: Bins<(f32, f32)>,
}

impl Envelope {
    pub fn new(spec: &StreamSpec) -> Self {
        Envelope {
            sample_rate: spec.sample_rate,
            columns: Bins::new((f32::INFINITY, f32::NEG_INFINITY), |a, b| {
                (a.0.min(b.0), a.1.max(b.1))
            }),
        }
    }
}

impl Accumulator for Envelope {
    fn push(&mut self, frames: &Frames<'_>) {
        let total = frames.frames() as u64;
        let mut offset = 0;
        while offset < total {
            let frame = frames.position + offset;
            self.columns.reach(frame);
            let end = (self.columns.bin_end(frame) - frames.position).min(total);
            let samples =
                &frames.samples[offset as usize * frames.channels..end as usize * frames.channels];
            let (low, high) = samples
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &value| {
                    (low.min(value), high.max(value))
                });
            let column = self.columns.at(frame);
            column.0 = column.0.min(low as f32);
            column.1 = column.1.max(high as f32);
            offset = end;
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let column_s = seconds(self.columns.width(), self.sample_rate).unwrap_or(0.0);
        let (min, max) = self
            .columns
            .into_bins()
            .into_iter()
            .map(
                |(low, high)| {
                    if low <= high {
                        (low, high)
                    } else {
                        (0.0, 0.0)
                    }
                },
            )
            .unzip();
        let series = analysis.series.get_or_insert_with(Series::default);
        series.envelope = Columns { column_s, min, max };
    }
}
