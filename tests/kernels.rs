//! The loudness and true-peak kernels against the `ebur128` crate (the reference they
//! replace) on noise, tones, programme-like material, every common rate, surround layouts,
//! silence and very short streams, through the i32, f32 and f64 inputs; and against the
//! expected values of EBU Tech 3341 and 3342.
//!
//! Agreement asked: integrated loudness and loudness range within ±0.02 LU, true peak
//! within ±0.05 dB.

// Tests print the figures they measure (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

mod support;

use std::f64::consts::PI;

use ebur128::{Channel, EbuR128, Mode};
use stemlint::media::loudness::{
    LoudnessMeter, DUAL_MONO_WEIGHT, FRONT_WEIGHT, SURROUND_WEIGHT, UNUSED_WEIGHT,
};
use stemlint::media::true_peak::TruePeakMeter;
use support::{db_to_gain as db, Noise};

const LU_TOLERANCE: f64 = 0.02;
const DB_TOLERANCE: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    /// 24-bit integers, shifted to 32 bits as the analysis feeds them.
    Int24,
    Float,
    Double,
}

/// The crate's channel for one of our weights.
fn crate_channel(weight: f64) -> Channel {
    match weight {
        w if w == FRONT_WEIGHT => Channel::Center,
        w if w == SURROUND_WEIGHT => Channel::LeftSurround,
        w if w == DUAL_MONO_WEIGHT => Channel::DualMono,
        _ => Channel::Unused,
    }
}

/// What both meters read from one stream.
#[derive(Debug)]
struct Readings {
    integrated: Option<f64>,
    range: Option<f64>,
    peaks: Vec<f64>,
}

/// Streams interleaved full-scale `samples` through the crate and through the kernels, in
/// pushes of `block_frames`, in the given input form.
fn measure(
    rate: u32,
    weights: &[f64],
    samples: &[f64],
    input: Input,
    block_frames: usize,
) -> (Readings, Readings) {
    let channels = weights.len();
    let mut reference = EbuR128::new(channels as u32, rate, Mode::I | Mode::LRA | Mode::TRUE_PEAK)
        .expect("the crate meters this stream");
    let map: Vec<Channel> = weights
        .iter()
        .map(|&weight| crate_channel(weight))
        .collect();
    reference
        .set_channel_map(&map)
        .expect("a valid channel map");
    let mut loudness = LoudnessMeter::new(rate, weights).expect("a valid loudness meter");
    let mut peak = TruePeakMeter::new(channels, rate).expect("a valid true-peak meter");
    for block in samples.chunks(block_frames * channels) {
        match input {
            Input::Int24 => {
                let ints: Vec<i32> = block
                    .iter()
                    .map(|&value| {
                        ((value * 8_388_608.0)
                            .round()
                            .clamp(-8_388_608.0, 8_388_607.0) as i32)
                            << 8
                    })
                    .collect();
                reference.add_frames_i32(&ints).expect("the crate takes it");
                loudness.push_i32(&ints);
                peak.push_i32(&ints);
            }
            Input::Float => {
                let floats: Vec<f32> = block.iter().map(|&value| value as f32).collect();
                reference
                    .add_frames_f32(&floats)
                    .expect("the crate takes it");
                loudness.push_f32(&floats);
                peak.push_f32(&floats);
            }
            Input::Double => {
                reference.add_frames_f64(block).expect("the crate takes it");
                loudness.push_f64(block);
                peak.push_f64(block);
            }
        }
    }
    let finite = |value: Result<f64, ebur128::Error>| value.ok().filter(|v| v.is_finite());
    let integrated = finite(reference.loudness_global());
    let crate_readings = Readings {
        integrated,
        range: finite(reference.loudness_range()),
        peaks: (0..channels as u32)
            .map(|channel| reference.true_peak(channel).expect("true peak is on"))
            .collect(),
    };
    let kernel_readings = Readings {
        integrated: loudness.integrated_lufs(),
        range: loudness.loudness_range_lu(),
        peaks: peak.channel_peaks(),
    };
    (crate_readings, kernel_readings)
}

fn to_dbtp(peak: f64) -> f64 {
    20.0 * peak.log10()
}

/// Asserts the kernels read what the crate reads, within the tolerances, and prints both.
fn agree(label: &str, rate: u32, weights: &[f64], samples: &[f64], input: Input) {
    agree_in_blocks(label, rate, weights, samples, input, 4099);
}

fn agree_in_blocks(
    label: &str,
    rate: u32,
    weights: &[f64],
    samples: &[f64],
    input: Input,
    block_frames: usize,
) {
    let (reference, kernel) = measure(rate, weights, samples, input, block_frames);
    let label = format!("{label} @{rate} {input:?} /{block_frames}");
    eprintln!("{label}: crate {reference:?}\n{label}: kernel {kernel:?}");
    let close = |what: &str, a: Option<f64>, b: Option<f64>, tolerance: f64| match (a, b) {
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= tolerance,
            "{label}: {what} crate {a} kernel {b}"
        ),
        (a, b) => assert_eq!(a, b, "{label}: {what}"),
    };
    close("I", reference.integrated, kernel.integrated, LU_TOLERANCE);
    // The crate reads 0.0 where no short-term block passed its gate, the kernel None.
    let crate_range = reference
        .range
        .filter(|&range| range != 0.0 || kernel.range.is_some());
    close("LRA", crate_range, kernel.range, LU_TOLERANCE);
    for (channel, (&a, &b)) in reference.peaks.iter().zip(&kernel.peaks).enumerate() {
        if a == 0.0 || b == 0.0 {
            assert_eq!(a, b, "{label}: true peak of channel {channel}");
        } else {
            let deviation = to_dbtp(b) - to_dbtp(a);
            assert!(
                deviation.abs() <= DB_TOLERANCE,
                "{label}: channel {channel} true peak crate {a} kernel {b} ({deviation:+.4} dB)"
            );
        }
    }
}

/// `seconds` of `channels` channels of noise at `dbfs`, each channel its own.
fn noise(rate: u32, channels: usize, dbfs: f64, seconds: f64, seed: u64) -> Vec<f64> {
    let mut source = Noise(seed);
    let frames = (seconds * f64::from(rate)) as usize;
    (0..frames * channels)
        .map(|_| db(dbfs) * source.next())
        .collect()
}

/// Programme-like material: noise and a tone whose level wanders over ±12 dB in steps every
/// 700 ms, plus a loud transient now and then, so that gating and percentiles matter.
fn programme(rate: u32, channels: usize, seconds: f64, seed: u64) -> Vec<f64> {
    let mut source = Noise(seed);
    let frames = (seconds * f64::from(rate)) as usize;
    let step = (0.7 * f64::from(rate)) as usize;
    let mut levels = Noise(seed ^ 0x5555);
    let mut level = db(-20.0);
    let mut samples = Vec::with_capacity(frames * channels);
    for frame in 0..frames {
        if frame % step == 0 {
            level = db(-20.0 + 12.0 * levels.next());
        }
        let tone = (2.0 * PI * 220.0 * frame as f64 / f64::from(rate)).sin();
        let transient = if frame % (3 * step) < 40 { 0.9 } else { 0.0 };
        for channel in 0..channels {
            let value = level * (0.6 * source.next() + 0.5 * tone) * (1.0 - 0.2 * channel as f64)
                + transient * source.next();
            samples.push(value.clamp(-1.0, 1.0));
        }
    }
    samples
}

/// A sine of `frequency` Hz at `dbfs` in every channel.
fn sine(rate: u32, channels: usize, frequency: f64, dbfs: f64, seconds: f64) -> Vec<f64> {
    let frames = (seconds * f64::from(rate)) as usize;
    (0..frames)
        .flat_map(|frame| {
            let value = db(dbfs) * (2.0 * PI * frequency * frame as f64 / f64::from(rate)).sin();
            std::iter::repeat_n(value, channels)
        })
        .collect()
}

const STEREO: [f64; 2] = [FRONT_WEIGHT, FRONT_WEIGHT];

#[test]
fn stereo_noise_through_every_input() {
    let samples = noise(48_000, 2, -12.0, 10.0, 1);
    for input in [Input::Int24, Input::Float, Input::Double] {
        agree("noise", 48_000, &STEREO, &samples, input);
    }
}

#[test]
fn programme_through_every_input() {
    let samples = programme(48_000, 2, 40.0, 2);
    for input in [Input::Int24, Input::Float, Input::Double] {
        agree("programme", 48_000, &STEREO, &samples, input);
    }
}

#[test]
fn every_common_rate() {
    for rate in [22_050, 44_100, 48_000, 88_200, 96_000, 192_000] {
        agree(
            "programme",
            rate,
            &STEREO,
            &programme(rate, 2, 12.0, 3),
            Input::Float,
        );
        agree(
            "sine",
            rate,
            &STEREO,
            &sine(rate, 2, 997.0, -18.0, 4.0),
            Input::Int24,
        );
        agree(
            "high sine",
            rate,
            &STEREO,
            &sine(rate, 2, 9_000.0, -3.0, 1.0),
            Input::Float,
        );
    }
}

#[test]
fn odd_rates_still_agree() {
    for rate in [8_000, 11_025, 32_000, 176_400, 384_000] {
        agree(
            "programme",
            rate,
            &STEREO,
            &programme(rate, 2, 6.0, 4),
            Input::Float,
        );
    }
}

#[test]
fn mono_counts_as_dual_mono() {
    let samples = programme(48_000, 1, 20.0, 5);
    agree(
        "dual mono",
        48_000,
        &[DUAL_MONO_WEIGHT],
        &samples,
        Input::Int24,
    );
    agree(
        "single mono",
        48_000,
        &[FRONT_WEIGHT],
        &samples,
        Input::Int24,
    );
}

#[test]
fn surround_layouts() {
    let five_one = [
        FRONT_WEIGHT,
        FRONT_WEIGHT,
        FRONT_WEIGHT,
        UNUSED_WEIGHT,
        SURROUND_WEIGHT,
        SURROUND_WEIGHT,
    ];
    agree(
        "5.1",
        48_000,
        &five_one,
        &programme(48_000, 6, 12.0, 6),
        Input::Float,
    );
    let five = [
        FRONT_WEIGHT,
        FRONT_WEIGHT,
        FRONT_WEIGHT,
        SURROUND_WEIGHT,
        SURROUND_WEIGHT,
    ];
    agree(
        "5.0",
        44_100,
        &five,
        &programme(44_100, 5, 12.0, 7),
        Input::Int24,
    );
    // More channels than the lanes of one group: filtered in two groups.
    let mut twelve = [FRONT_WEIGHT; 12];
    twelve[3] = UNUSED_WEIGHT;
    twelve[10] = SURROUND_WEIGHT;
    agree(
        "12 ch",
        48_000,
        &twelve,
        &programme(48_000, 12, 8.0, 8),
        Input::Double,
    );
    for channels in [3, 4, 7, 8, 9] {
        let weights = vec![FRONT_WEIGHT; channels];
        agree(
            "n ch",
            48_000,
            &weights,
            &noise(48_000, channels, -20.0, 4.0, channels as u64),
            Input::Float,
        );
    }
}

#[test]
fn silence_reads_nothing() {
    let samples = vec![0.0; 48_000 * 2 * 5];
    let (_, kernel) = measure(48_000, &STEREO, &samples, Input::Int24, 4099);
    assert_eq!(kernel.integrated, None);
    assert_eq!(kernel.range, None);
    assert_eq!(kernel.peaks, vec![0.0, 0.0]);
    agree("silence", 48_000, &STEREO, &samples, Input::Int24);
    agree(
        "near silence",
        48_000,
        &STEREO,
        &noise(48_000, 2, -80.0, 5.0, 9),
        Input::Float,
    );
}

#[test]
fn very_short_streams() {
    for frames in [1, 100, 4_799, 4_800, 14_399, 19_199, 19_200, 19_201, 24_000] {
        let seconds = frames as f64 / 48_000.0;
        agree(
            "short",
            48_000,
            &STEREO,
            &noise(48_000, 2, -10.0, seconds, 10),
            Input::Float,
        );
    }
    let (_, kernel) = measure(
        48_000,
        &STEREO,
        &noise(48_000, 2, -10.0, 0.399, 11),
        Input::Float,
        512,
    );
    assert_eq!(kernel.integrated, None, "under one 400 ms block");
}

#[test]
fn any_block_size() {
    let samples = programme(44_100, 2, 5.0, 12);
    for block_frames in [1, 7, 64, 4_410, 100_000] {
        agree_in_blocks(
            "blocks",
            44_100,
            &STEREO,
            &samples,
            Input::Float,
            block_frames,
        );
    }
}

#[test]
fn over_full_scale_floats_and_clipped_ints() {
    let samples: Vec<f64> = sine(48_000, 2, 11_025.0, 6.0, 2.0);
    agree("hot float", 48_000, &STEREO, &samples, Input::Float);
    agree("clipped int", 48_000, &STEREO, &samples, Input::Int24);
}

#[test]
fn short_term_curve_has_one_value_every_100ms_after_3s() {
    let rate = 48_000;
    let mut meter = LoudnessMeter::new(rate, &STEREO).expect("a valid meter");
    let samples: Vec<f32> = sine(rate, 2, 1_000.0, -23.0, 10.0)
        .into_iter()
        .map(|value| value as f32)
        .collect();
    meter.push_f32(&samples);
    let curve: Vec<f64> = meter.short_term_lufs().collect();
    assert_eq!(curve.len(), 71);
    assert!(
        curve.iter().all(|lufs| (lufs + 23.0).abs() < 0.05),
        "{curve:?}"
    );
}

// EBU Tech 3341 and 3342 (see /work/shared/reference/ebu-test-signals.md): stereo 1 kHz
// tones at 48 kHz, level in dBFS of each channel's peak.

/// Tones of `(dbfs per channel, seconds)` one after the other, phase continuous.
fn tones(levels: &[(&[f64], f64)]) -> Vec<f64> {
    let mut samples = Vec::new();
    let mut frame = 0usize;
    for &(channels, seconds) in levels {
        for _ in 0..(seconds * 48_000.0).round() as usize {
            let wave = (2.0 * PI * (frame % 48) as f64 / 48.0).sin();
            samples.extend(channels.iter().map(|&level| db(level) * wave));
            frame += 1;
        }
    }
    samples
}

fn ebu_loudness(case: &str, weights: &[f64], levels: &[(&[f64], f64)], expected: f64) {
    let samples = tones(levels);
    for input in [Input::Int24, Input::Float] {
        let (_, kernel) = measure(48_000, weights, &samples, input, 4099);
        let measured = kernel.integrated.expect("a loudness");
        eprintln!("{case} {input:?}: I {measured:.3} LUFS, expected {expected}");
        assert!((measured - expected).abs() <= 0.1, "{case}: {measured}");
        agree(case, 48_000, weights, &samples, input);
    }
}

#[test]
fn tech3341_cases_1_to_6() {
    ebu_loudness("3341/1", &STEREO, &[(&[-23.0, -23.0], 20.0)], -23.0);
    ebu_loudness("3341/2", &STEREO, &[(&[-33.0, -33.0], 20.0)], -33.0);
    ebu_loudness(
        "3341/3",
        &STEREO,
        &[
            (&[-36.0; 2], 10.0),
            (&[-23.0; 2], 60.0),
            (&[-36.0; 2], 10.0),
        ],
        -23.0,
    );
    ebu_loudness(
        "3341/4",
        &STEREO,
        &[
            (&[-72.0; 2], 10.0),
            (&[-36.0; 2], 10.0),
            (&[-23.0; 2], 60.0),
            (&[-36.0; 2], 10.0),
            (&[-72.0; 2], 10.0),
        ],
        -23.0,
    );
    ebu_loudness(
        "3341/5",
        &STEREO,
        &[
            (&[-26.0; 2], 20.0),
            (&[-20.0; 2], 20.1),
            (&[-26.0; 2], 20.0),
        ],
        -23.0,
    );
    ebu_loudness(
        "3341/6",
        &[
            FRONT_WEIGHT,
            FRONT_WEIGHT,
            FRONT_WEIGHT,
            SURROUND_WEIGHT,
            SURROUND_WEIGHT,
        ],
        &[(&[-28.0, -28.0, -24.0, -30.0, -30.0], 20.0)],
        -23.0,
    );
}

#[test]
fn tech3342_cases_1_to_4() {
    for (case, levels, expected) in [
        ("3342/1", &[-20.0, -30.0][..], 10.0),
        ("3342/2", &[-20.0, -15.0][..], 5.0),
        ("3342/3", &[-40.0, -20.0][..], 20.0),
        ("3342/4", &[-50.0, -35.0, -20.0, -35.0, -50.0][..], 15.0),
    ] {
        let stereo: Vec<[f64; 2]> = levels.iter().map(|&level| [level; 2]).collect();
        let segments: Vec<(&[f64], f64)> = stereo.iter().map(|pair| (&pair[..], 20.0)).collect();
        let samples = tones(&segments);
        for input in [Input::Int24, Input::Float] {
            let mut meter = LoudnessMeter::new(48_000, &STEREO).expect("a valid meter");
            let (_, kernel) = measure(48_000, &STEREO, &samples, input, 4099);
            let measured = kernel.range.expect("a range");
            meter.push_f64(&samples);
            let ten_hz = meter.loudness_range_10hz_lu().expect("a range");
            eprintln!(
                "{case} {input:?}: LRA {measured:.3} (10 Hz {ten_hz:.3}), expected {expected}"
            );
            assert!((measured - expected).abs() <= 1.0, "{case}: {measured}");
            assert!((ten_hz - expected).abs() <= 1.0, "{case}: {ten_hz}");
            agree(case, 48_000, &STEREO, &samples, input);
        }
    }
}

/// A 1 s true-peak tone of `period` samples at `amplitude` and `phase_degrees`, faded in and
/// out over 50 ms (see the reference note: an abrupt start is a step that rings).
fn true_peak_tone(amplitude: f64, period: usize, phase_degrees: f64) -> Vec<f64> {
    let frames = 48_000;
    let fade = 2_400;
    (0..frames)
        .flat_map(|frame| {
            let edge = frame.min(frames - 1 - frame);
            let gain = if edge >= fade {
                1.0
            } else {
                0.5 - 0.5 * (PI * edge as f64 / fade as f64).cos()
            };
            let angle =
                2.0 * PI * (frame % period) as f64 / period as f64 + phase_degrees.to_radians();
            let value = amplitude * gain * angle.sin();
            [value, value]
        })
        .collect()
}

#[test]
fn tech3341_true_peak_cases_15_to_19() {
    for (case, amplitude, period, phase, expected, inputs) in [
        (
            "3341/15",
            0.5,
            4,
            0.0,
            -6.0,
            &[Input::Int24, Input::Float][..],
        ),
        (
            "3341/16",
            0.5,
            4,
            45.0,
            -6.0,
            &[Input::Int24, Input::Float][..],
        ),
        (
            "3341/17",
            0.5,
            6,
            60.0,
            -6.0,
            &[Input::Int24, Input::Float][..],
        ),
        (
            "3341/18",
            0.5,
            8,
            67.5,
            -6.0,
            &[Input::Int24, Input::Float][..],
        ),
        ("3341/19", 1.41, 4, 45.0, 3.0, &[Input::Float][..]),
    ] {
        let samples = true_peak_tone(amplitude, period, phase);
        for &input in inputs {
            let (_, kernel) = measure(48_000, &STEREO, &samples, input, 4099);
            let measured = to_dbtp(kernel.peaks.iter().copied().fold(0.0, f64::max));
            eprintln!("{case} {input:?}: TP {measured:+.3} dBTP, expected {expected:+.1}");
            assert!(
                (-0.4..=0.2).contains(&(measured - expected)),
                "{case}: {measured}"
            );
            agree(case, 48_000, &STEREO, &samples, input);
        }
    }
}
