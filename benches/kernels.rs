//! Micro-benchmarks of the loudness and true-peak kernels against the `ebur128` crate they
//! replace, on 10 s of 48 kHz stereo noise (the worst case for the true-peak skip: every
//! stretch can beat the running peak) and on 10 s of programme-like material (noise whose
//! level wanders, with a few loud transients), fed in blocks of 4096 frames as the
//! analysis feeds them.
//!
//! `cargo bench --bench kernels` prints divan's table (throughput in samples, that is
//! frames × channels), then a summary in CPU ns per sample (`-- FILTER` runs only divan's matching benchmarks).

// A benchmark prints its figures (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::sync::OnceLock;
use std::time::Instant;

use divan::counter::ItemsCount;
use divan::Bencher;
use ebur128::{EbuR128, Mode};
use stemlint::media::loudness::LoudnessMeter;
use stemlint::media::true_peak::TruePeakMeter;
use support::Noise;

const RATE: u32 = 48_000;
const CHANNELS: usize = 2;
const BLOCK_FRAMES: usize = 4096;
const SECONDS: usize = 10;

fn noise() -> &'static [f32] {
    static SIGNAL: OnceLock<Vec<f32>> = OnceLock::new();
    SIGNAL.get_or_init(|| {
        let mut source = Noise(1);
        (0..RATE as usize * SECONDS * CHANNELS)
            .map(|_| (0.5 * source.next()) as f32)
            .collect()
    })
}

fn programme() -> &'static [f32] {
    static SIGNAL: OnceLock<Vec<f32>> = OnceLock::new();
    SIGNAL.get_or_init(|| {
        let mut source = Noise(2);
        let mut levels = Noise(3);
        let step = RATE as usize * 7 / 10;
        let mut level = 0.1;
        let mut samples = Vec::with_capacity(RATE as usize * SECONDS * CHANNELS);
        for frame in 0..RATE as usize * SECONDS {
            if frame % step == 0 {
                level = 10.0_f64.powf((-20.0 + 12.0 * levels.next()) / 20.0);
            }
            let transient = if frame % (3 * step) < 40 { 0.9 } else { 0.0 };
            for _ in 0..CHANNELS {
                let value = level * source.next() + transient * source.next();
                samples.push(value.clamp(-1.0, 1.0) as f32);
            }
        }
        samples
    })
}

fn crate_meter(signal: &[f32], mode: Mode) -> f64 {
    let mut meter = EbuR128::new(CHANNELS as u32, RATE, mode).expect("the crate meters this");
    for block in signal.chunks(BLOCK_FRAMES * CHANNELS) {
        meter.add_frames_f32(block).expect("the crate takes it");
    }
    let loudness = meter.loudness_global().unwrap_or(0.0);
    let peak = meter.true_peak(0).unwrap_or(0.0);
    loudness + peak
}

fn loudness_kernel(signal: &[f32]) -> f64 {
    let mut meter = LoudnessMeter::new(RATE, &[1.0; CHANNELS]).expect("a valid meter");
    for block in signal.chunks(BLOCK_FRAMES * CHANNELS) {
        meter.push_f32(block);
    }
    meter.integrated_lufs().unwrap_or(0.0) + meter.loudness_range_lu().unwrap_or(0.0)
}

fn true_peak_kernel(signal: &[f32]) -> f64 {
    let mut meter = TruePeakMeter::new(CHANNELS, RATE).expect("a valid meter");
    for block in signal.chunks(BLOCK_FRAMES * CHANNELS) {
        meter.push_f32(block);
    }
    meter.peak()
}

fn both_kernels(signal: &[f32]) -> f64 {
    loudness_kernel(signal) + true_peak_kernel(signal)
}

type Case = (&'static str, fn(&[f32]) -> f64);

const CASES: [Case; 6] = [
    ("crate I+LRA+TRUE_PEAK", |signal| {
        crate_meter(signal, Mode::I | Mode::LRA | Mode::TRUE_PEAK)
    }),
    ("crate I+LRA", |signal| {
        crate_meter(signal, Mode::I | Mode::LRA)
    }),
    ("crate TRUE_PEAK", |signal| {
        crate_meter(signal, Mode::TRUE_PEAK)
    }),
    ("kernel loudness", loudness_kernel),
    ("kernel true peak", true_peak_kernel),
    ("kernels both", both_kernels),
];

fn run(bencher: Bencher, signal: fn() -> &'static [f32], measure: fn(&[f32]) -> f64) {
    let samples = signal();
    bencher
        .counter(ItemsCount::new(samples.len()))
        .bench(|| measure(black_box(samples)));
}

mod noise_10s_48k_stereo {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn crate_full(bencher: Bencher) {
        run(bencher, noise, CASES[0].1);
    }

    #[divan::bench(sample_count = 20)]
    fn crate_loudness(bencher: Bencher) {
        run(bencher, noise, CASES[1].1);
    }

    #[divan::bench(sample_count = 20)]
    fn crate_true_peak(bencher: Bencher) {
        run(bencher, noise, CASES[2].1);
    }

    #[divan::bench(sample_count = 50)]
    fn kernel_loudness(bencher: Bencher) {
        run(bencher, noise, CASES[3].1);
    }

    #[divan::bench(sample_count = 50)]
    fn kernel_true_peak(bencher: Bencher) {
        run(bencher, noise, CASES[4].1);
    }
}

mod programme_10s_48k_stereo {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn crate_true_peak(bencher: Bencher) {
        run(bencher, programme, CASES[2].1);
    }

    #[divan::bench(sample_count = 50)]
    fn kernel_true_peak(bencher: Bencher) {
        run(bencher, programme, CASES[4].1);
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux), else the wall clock: on a shared
/// machine, time spent waiting for a core would otherwise be counted as work.
fn cpu_nanos(origin: Instant) -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| origin.elapsed().as_nanos())
}

/// CPU ns per sample: the fastest of three batches of runs, each batch lasting at least a
/// quarter of a second (the kernel's CPU clock advances at scheduler ticks).
fn ns_per_sample(signal: &[f32], measure: fn(&[f32]) -> f64) -> f64 {
    let origin = Instant::now();
    (0..3)
        .map(|_| {
            let start = cpu_nanos(origin);
            let mut runs = 0;
            while cpu_nanos(origin) - start < 250_000_000 {
                black_box(measure(black_box(signal)));
                runs += 1;
            }
            (cpu_nanos(origin) - start) as f64 / (runs * signal.len()) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    divan::main();
    // A filter on the command line asks for some of divan's benchmarks only.
    if std::env::args().skip(1).any(|arg| !arg.starts_with('-')) {
        return;
    }
    println!(
        "\nCPU ns per sample (fastest of 3 batches; 10 s of 48 kHz stereo, 4096-frame blocks)"
    );
    println!("{:<24} {:>10} {:>12}", "", "noise", "programme");
    for (name, measure) in CASES {
        println!(
            "{name:<24} {:>10.2} {:>12.2}",
            ns_per_sample(noise(), measure),
            ns_per_sample(programme(), measure)
        );
    }
}
