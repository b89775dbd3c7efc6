//! A fingerprint of the decoded audio: a hash per channel (is it the same audio?) and a
//! level per second (is it the same material, renamed or at another gain?).

use super::lanes::Windows;
use super::{Accumulator, Analysis, Frames, StreamSpec};
use crate::model::analysis::Fingerprint;

pub struct Fingerprinter {
    /// Per channel, `CHAINS` hashes folded into one at the end.
    chains: Vec<[u64; CHAINS]>,
    seconds: Windows,
    second_frames: u64,
    second_energy: f64,
    energy_db: Vec<f32>,
}

impl Fingerprinter {
    pub fn new(spec: &StreamSpec) -> Self {
        Fingerprinter {
            chains: vec![[SEED; CHAINS]; usize::from(spec.channels)],
            seconds: Windows::new(u64::from(spec.sample_rate)),
            second_frames: 0,
            second_energy: 0.0,
            energy_db: Vec::new(),
        }
    }
}

const SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// The bits a sample hashes as: -0.0 hashes as 0.0, the same silence.
#[inline(always)]
fn canonical_bits(value: f64) -> u64 {
    const NEGATIVE_ZERO: u64 = 1 << 63;
    let bits = value.to_bits();
    if bits == NEGATIVE_ZERO {
        0
    } else {
        bits
    }
}

/// Frames hashed side by side: frame `n` of the file goes into chain `n % CHAINS` of its
/// channel, so that the chains do not wait for each other's multiplications and the result
/// does not depend on where blocks start.
const CHAINS: usize = 4;

/// The hash chains of `C` channels, in registers, from frame `position` of the file.
fn hash_frames<const C: usize>(samples: &[f64], position: u64, chains: &mut [[u64; CHAINS]]) {
    let mut state = [[0_u64; CHAINS]; C];
    state.copy_from_slice(&chains[..C]);
    let frames = samples.len() / C;
    // The frames before the first whole group of `CHAINS` that starts at a multiple of it.
    let head = ((CHAINS - (position % CHAINS as u64) as usize) % CHAINS).min(frames);
    for frame in 0..head {
        let chain = (position as usize + frame) % CHAINS;
        for channel in 0..C {
            let value = canonical_bits(samples[frame * C + channel]);
            state[channel][chain] = mix(state[channel][chain], value);
        }
    }
    let mut groups = samples[head * C..].chunks_exact(C * CHAINS);
    for group in &mut groups {
        for chain in 0..CHAINS {
            for channel in 0..C {
                let value = canonical_bits(group[chain * C + channel]);
                state[channel][chain] = mix(state[channel][chain], value);
            }
        }
    }
    for (chain, frame) in groups.remainder().chunks_exact(C).enumerate() {
        for channel in 0..C {
            state[channel][chain] = mix(state[channel][chain], canonical_bits(frame[channel]));
        }
    }
    chains[..C].copy_from_slice(&state);
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
        match channels {
            1 => hash_frames::<1>(frames.samples, frames.position, &mut self.chains),
            2 => hash_frames::<2>(frames.samples, frames.position, &mut self.chains),
            _ => {
                for (index, frame) in frames.samples.chunks_exact(channels).enumerate() {
                    let chain = (frames.position as usize + index) % CHAINS;
                    for (state, &value) in self.chains.iter_mut().zip(frame) {
                        state[chain] = mix(state[chain], canonical_bits(value));
                    }
                }
            }
        }
        let segments = self.seconds.segments(frames.frames());
        for segment in segments {
            self.second_energy += frames.sums(segment.start, segment.end).total_squares();
            self.second_frames += (segment.end - segment.start) as u64;
            if segment.closes {
                let mean_square =
                    self.second_energy / (self.second_frames * channels as u64) as f64;
                self.energy_db.push(level_db(mean_square.sqrt()));
                self.second_frames = 0;
                self.second_energy = 0.0;
            }
        }
    }

    fn finish(self: Box<Self>, analysis: &mut Analysis) {
        let channel_hashes = self
            .chains
            .iter()
            .map(|chains| chains.iter().fold(SEED, |hash, &chain| mix(hash, chain)))
            .collect();
        analysis.fingerprint = Fingerprint {
            channel_hashes,
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
    use crate::media::analysis::{analyse_in_blocks, Analyzer, StreamSpec};
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
    fn the_hash_does_not_depend_on_where_blocks_start() {
        for channels in [1_u16, 2, 3] {
            let audio: Vec<i32> = (0..3 * 700).map(|i| (i * 7919 % 4001) - 2000).collect();
            let spec = StreamSpec {
                channels,
                sample_rate: 100,
                sample_format: SampleFormat::Int,
                bit_depth: Some(16),
                channel_mask: None,
            };
            let whole = {
                let mut analyzer = Analyzer::new(spec.clone(), &AnalysisSettings::default());
                analyzer.push(&Block::Int {
                    samples: &audio,
                    bits: 16,
                });
                analyzer.finish().fingerprint
            };
            let split = analyse_in_blocks(spec, &audio, 16, &[1, 2, 5, 3, 64, 1]);
            assert_eq!(split.fingerprint, whole, "{channels} channels");
        }
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
