//! A fingerprint of the decoded audio: a hash per channel (is it the same audio?) and a
//! level per second (is it the same material, renamed or at another gain?).

use super::{Accumulator, Analysis, Frames, StreamSpec};
use crate::model::analysis::Fingerprint;

pub struct Fingerprinter {
    hashes: Vec<u64>,
    frames_per_second: u64,
    second_frames: u64,
    second_energy: f64,
    energy_db: Vec<f32>,
}

impl Fingerprinter {
    pub fn new(spec: &StreamSpec) -> Self {
        Fingerprinter {
            hashes: vec![0xcbf2_9ce4_8422_2325; usize::from(spec.channels)],
            frames_per_second: u64::from(spec.sample_rate.max(1)),
            second_frames: 0,
            second_energy: 0.0,
            energy_db: Vec::new(),
        }
    }
}

/// One step of a 64-bit multiplicative hash (FNV-like, with a shift to mix the high bits
/// down): fast enough to run on every sample.
fn mix(hash: u64, value: u64) -> u64 {
    let hash = (hash ^ value).wrapping_mul(0x0000_0100_0000_01b3);
    hash ^ (hash >> 29)
}

impl Accumulator for Fingerprinter {
    fn push(&mut self, frames: &Frames<'_>) {
        let channels = frames.channels;
        for frame in frames.samples.chunks_exact(channels) {
            let mut energy = 0.0;
            for (hash, &value) in self.hashes.iter_mut().zip(frame) {
                // `+ 0.0` makes -0.0 hash as 0.0: the same silence.
                *hash = mix(*hash, (value + 0.0).to_bits());
                energy += value * value;
            }
            self.second_energy += energy / channels as f64;
            self.second_frames += 1;
            if self.second_frames == self.frames_per_second {
                let rms = (self.second_energy / self.second_frames as f64).sqrt();
                self.energy_db.push(level_db(rms));
                self.second_frames = 0;
                self.second_energy = 0.0;
            }
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        analysis.fingerprint = Fingerprint {
            channel_hashes: self.hashes,
            energy_db: self.energy_db,
        };
    }
}

fn level_db(rms: f64) -> f32 {
    if rms > 0.0 {
        ((20.0 * rms.log10()) as f32).max(Fingerprint::FLOOR_DB)
    } else {
        Fingerprint::FLOOR_DB
    }
}

#[cfg(test)]
mod tests {
    use crate::media::analysis::{Analyzer, StreamSpec};
    use crate::media::Block;
    use crate::model::analysis::{Analysis, AnalysisSettings};
    use crate::model::record::SampleFormat;

    fn analyse(samples: &[i32], bits: u32) -> Analysis {
        let spec = StreamSpec {
            channels: 1,
            sample_rate: 100,
            sample_format: SampleFormat::Int,
            bit_depth: Some(bits as u16),
            channel_mask: None,
        };
        let mut analyzer = Analyzer::new(spec, &AnalysisSettings::default());
        analyzer.push(&Block::Int { samples, bits });
        analyzer.finish()
    }

    #[test]
    fn the_same_audio_hashes_the_same_in_another_depth() {
        let audio: Vec<i32> = (0..400).map(|i| (i * 37 % 2000) - 1000).collect();
        let in_24: Vec<i32> = audio.iter().map(|v| v << 8).collect();
        let mut edited = audio.clone();
        edited[250] += 1;
        let a = analyse(&audio, 16).fingerprint;
        assert_eq!(a, analyse(&in_24, 24).fingerprint);
        assert_ne!(
            a.channel_hashes,
            analyse(&edited, 16).fingerprint.channel_hashes
        );
        assert_eq!(a.energy_db.len(), 4, "one level per whole second");
    }

    #[test]
    fn level_curves_match_whatever_the_gain() {
        let audio: Vec<i32> = (0..500)
            .map(|i| (i % 7 - 3) * (1 + i / 100) * 100)
            .collect();
        let quieter: Vec<i32> = audio.iter().map(|v| v / 2).collect();
        let reversed: Vec<i32> = audio.iter().rev().copied().collect();
        let a = analyse(&audio, 16).fingerprint;
        let similarity = a.similarity(&analyse(&quieter, 16).fingerprint);
        assert!(similarity.is_some_and(|s| s > 0.99), "{similarity:?}");
        let other = a.similarity(&analyse(&reversed, 16).fingerprint);
        assert!(other.is_some_and(|s| s < 0.0), "{other:?}");
    }
}
