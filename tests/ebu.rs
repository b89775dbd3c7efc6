//! EBU Tech 3341 (loudness, true peak) and Tech 3342 (loudness range) conformance, on signals
//! rebuilt in code (see /work/shared/reference/ebu-test-signals.md) and streamed to the
//! analyser block by block, through both the 24-bit integer and the float paths.

// Tests print the figures they measure (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

use std::f64::consts::PI;

use stemlint::media::analysis::{Analysis, AnalysisSettings, Analyzer, StreamSpec};
use stemlint::media::Block;
use stemlint::record::SampleFormat;

const RATE: u32 = 48_000;
/// Frames per pushed block: not a divisor of the signals' periods nor of the meter's 100 ms
/// blocks, so that every boundary case is crossed.
const BLOCK_FRAMES: usize = 4_099;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Path {
    Int24,
    Float,
}

/// A tone of `period` samples at a starting `phase`, one amplitude per channel (full-scale
/// units), lasting `frames`, optionally faded in and out with a half cosine.
#[derive(Debug, Clone)]
struct Segment {
    amplitudes: Vec<f64>,
    period: usize,
    phase_degrees: f64,
    frames: usize,
    fade_frames: usize,
}

fn db(dbfs: f64) -> f64 {
    10.0_f64.powf(dbfs / 20.0)
}

/// 1 kHz (48 samples a period at 48 kHz) at `dbfs` in every one of `channels`.
fn tone_1k(channels: usize, dbfs: f64, seconds: f64) -> Segment {
    Segment {
        amplitudes: vec![db(dbfs); channels],
        period: 48,
        phase_degrees: 0.0,
        frames: (seconds * f64::from(RATE)).round() as usize,
        fade_frames: 0,
    }
}

/// Streams the segments one after the other (phase continuous, as one file) through an
/// analyser, generating one block at a time: nothing file-sized is ever allocated.
fn analyse(path: Path, segments: &[Segment]) -> Analysis {
    let channels = segments[0].amplitudes.len();
    let spec = StreamSpec {
        channels: channels as u16,
        sample_rate: RATE,
        sample_format: match path {
            Path::Int24 => SampleFormat::Int,
            Path::Float => SampleFormat::Float,
        },
        bit_depth: Some(match path {
            Path::Int24 => 24,
            Path::Float => 32,
        }),
        channel_mask: None,
    };
    let mut analyzer = Analyzer::new(spec, &AnalysisSettings::default());
    let mut ints = Vec::with_capacity(BLOCK_FRAMES * channels);
    let mut floats = Vec::with_capacity(BLOCK_FRAMES * channels);
    let mut position = 0usize;
    for segment in segments {
        let table: Vec<f64> = (0..segment.period)
            .map(|n| {
                (2.0 * PI * n as f64 / segment.period as f64 + segment.phase_degrees.to_radians())
                    .sin()
            })
            .collect();
        let mut done = 0;
        while done < segment.frames {
            let frames = BLOCK_FRAMES.min(segment.frames - done);
            ints.clear();
            floats.clear();
            for frame in done..done + frames {
                let fade = fade_gain(frame, segment.frames, segment.fade_frames);
                let wave = table[(position + frame - done) % segment.period] * fade;
                for &amplitude in &segment.amplitudes {
                    let value = wave * amplitude;
                    match path {
                        Path::Int24 => ints.push(
                            (value * 8_388_608.0)
                                .round()
                                .clamp(-8_388_608.0, 8_388_607.0)
                                as i32,
                        ),
                        Path::Float => floats.push(value as f32),
                    }
                }
            }
            match path {
                Path::Int24 => analyzer.push(&Block::Int {
                    samples: &ints,
                    bits: 24,
                }),
                Path::Float => analyzer.push(&Block::Float(&floats)),
            }
            done += frames;
            position += frames;
        }
    }
    analyzer.finish()
}

fn fade_gain(frame: usize, frames: usize, fade_frames: usize) -> f64 {
    let edge = frame.min(frames - 1 - frame);
    if edge >= fade_frames {
        1.0
    } else {
        0.5 - 0.5 * (PI * edge as f64 / fade_frames as f64).cos()
    }
}

fn check(case: &str, what: &str, expected: f64, measured: Option<f64>, below: f64, above: f64) {
    let measured = measured.unwrap_or_else(|| panic!("{case}: no {what} measured"));
    let deviation = measured - expected;
    eprintln!("{case}: {what} expected {expected:+.2}, measured {measured:+.3}, deviation {deviation:+.3}");
    assert!(
        (-below..=above).contains(&deviation),
        "{case}: {what} {measured} outside {expected} -{below}/+{above}"
    );
}

fn both_paths(case: &str, segments: &[Segment], measure: impl Fn(&str, &Analysis)) {
    for path in [Path::Int24, Path::Float] {
        let analysis = analyse(path, segments);
        measure(&format!("{case} ({path:?})"), &analysis);
    }
}

fn integrated(case: &str, segments: &[Segment]) {
    both_paths(case, segments, |label, analysis| {
        check(label, "I LUFS", -23.0, analysis.integrated_lufs, 0.1, 0.1)
    });
}

#[test]
fn tech3341_case1_stereo_at_minus_23() {
    integrated("3341 case 1", &[tone_1k(2, -23.0, 20.0)]);
}

#[test]
fn tech3341_case2_stereo_at_minus_33() {
    both_paths(
        "3341 case 2",
        &[tone_1k(2, -33.0, 20.0)],
        |label, analysis| check(label, "I LUFS", -33.0, analysis.integrated_lufs, 0.1, 0.1),
    );
}

#[test]
fn tech3341_case3_relative_gate_drops_quiet_ends() {
    integrated(
        "3341 case 3",
        &[
            tone_1k(2, -36.0, 10.0),
            tone_1k(2, -23.0, 60.0),
            tone_1k(2, -36.0, 10.0),
        ],
    );
}

#[test]
fn tech3341_case4_absolute_gate_drops_near_silence() {
    integrated(
        "3341 case 4",
        &[
            tone_1k(2, -72.0, 10.0),
            tone_1k(2, -36.0, 10.0),
            tone_1k(2, -23.0, 60.0),
            tone_1k(2, -36.0, 10.0),
            tone_1k(2, -72.0, 10.0),
        ],
    );
}

#[test]
fn tech3341_case5_relative_gate() {
    integrated(
        "3341 case 5",
        &[
            tone_1k(2, -26.0, 20.0),
            tone_1k(2, -20.0, 20.1),
            tone_1k(2, -26.0, 20.0),
        ],
    );
}

#[test]
fn tech3341_case6_five_channel_weights() {
    let mut segment = tone_1k(5, 0.0, 20.0);
    segment.amplitudes = [-28.0, -28.0, -24.0, -30.0, -30.0].map(db).to_vec();
    integrated("3341 case 6", &[segment]);
}

/// A true-peak tone: `period` samples a cycle, one second, faded in and out over 50 ms so
/// that its start is not a step the interpolator rings at.
fn true_peak_tone(amplitude: f64, period: usize, phase_degrees: f64) -> Segment {
    Segment {
        amplitudes: vec![amplitude; 2],
        period,
        phase_degrees,
        frames: RATE as usize,
        fade_frames: RATE as usize / 20,
    }
}

fn true_peak(case: &str, segment: Segment, expected: f64, paths: &[Path]) {
    for &path in paths {
        let analysis = analyse(path, std::slice::from_ref(&segment));
        let label = format!("{case} ({path:?})");
        check(
            &label,
            "TP dBTP",
            expected,
            analysis.true_peak_dbtp,
            0.4,
            0.2,
        );
    }
}

#[test]
fn tech3341_case15_quarter_rate_on_the_crest() {
    true_peak(
        "3341 case 15",
        true_peak_tone(0.5, 4, 0.0),
        -6.0,
        &[Path::Int24, Path::Float],
    );
}

#[test]
fn tech3341_case16_quarter_rate_off_the_crest() {
    let segment = true_peak_tone(0.5, 4, 45.0);
    let analysis = analyse(Path::Int24, std::slice::from_ref(&segment));
    // The samples sit 3 dB under the crest: sample peak and true peak must differ.
    check(
        "3341 case 16 (Int24)",
        "sample peak dBFS",
        -9.0,
        analysis.sample_peak_dbfs,
        0.05,
        0.05,
    );
    true_peak("3341 case 16", segment, -6.0, &[Path::Int24, Path::Float]);
}

#[test]
fn tech3341_case17_sixth_rate() {
    true_peak(
        "3341 case 17",
        true_peak_tone(0.5, 6, 60.0),
        -6.0,
        &[Path::Int24, Path::Float],
    );
}

#[test]
fn tech3341_case18_eighth_rate() {
    true_peak(
        "3341 case 18",
        true_peak_tone(0.5, 8, 67.5),
        -6.0,
        &[Path::Int24, Path::Float],
    );
}

#[test]
fn tech3341_case19_over_full_scale_between_samples() {
    true_peak(
        "3341 case 19",
        true_peak_tone(1.41, 4, 45.0),
        3.0,
        &[Path::Float],
    );
}

fn loudness_range(case: &str, levels: &[f64], expected: f64) {
    let segments: Vec<Segment> = levels
        .iter()
        .map(|&level| tone_1k(2, level, 20.0))
        .collect();
    both_paths(case, &segments, |label, analysis| {
        check(
            label,
            "LRA LU",
            expected,
            analysis.loudness_range_lu,
            1.0,
            1.0,
        )
    });
}

#[test]
fn tech3342_case1() {
    loudness_range("3342 case 1", &[-20.0, -30.0], 10.0);
}

#[test]
fn tech3342_case2() {
    loudness_range("3342 case 2", &[-20.0, -15.0], 5.0);
}

#[test]
fn tech3342_case3() {
    loudness_range("3342 case 3", &[-40.0, -20.0], 20.0);
}

#[test]
fn tech3342_case4() {
    loudness_range("3342 case 4", &[-50.0, -35.0, -20.0, -35.0, -50.0], 15.0);
}
