//! The streaming pass's statistics, each with a triggering and a near-miss signal, fed to the
//! analyser directly in blocks (often of awkward sizes so that state crosses block edges).

// Tests print the figures they measure (clippy.toml bans printing in the library).
#![allow(clippy::disallowed_macros)]

mod support;

use std::f64::consts::PI;
use std::time::Instant;

use stemlint::media::analysis::{Analysis, AnalysisSettings, Analyzer, StreamSpec};
use stemlint::media::Block;
use stemlint::record::SampleFormat;
use support::{db_to_gain as db, Noise};

const RATE: u32 = 48_000;
const FULL_SCALE_24: f64 = 8_388_608.0;

fn spec(channels: u16, format: SampleFormat) -> StreamSpec {
    StreamSpec {
        channels,
        sample_rate: RATE,
        sample_format: format,
        bit_depth: Some(match format {
            SampleFormat::Int => 24,
            SampleFormat::Float => 32,
        }),
        channel_mask: None,
    }
}

fn to_24(value: f64) -> i32 {
    (value * FULL_SCALE_24)
        .round()
        .clamp(-FULL_SCALE_24, FULL_SCALE_24 - 1.0) as i32
}

/// Analyses `frames` frames of `channels` channels as 24-bit integers, `signal(frame)` giving
/// each frame in full-scale units, pushed in blocks of `block_frames`.
fn analyse_int(
    channels: u16,
    frames: usize,
    block_frames: usize,
    mut signal: impl FnMut(usize) -> Vec<f64>,
) -> Analysis {
    analyse_raw_int(channels, frames, block_frames, |frame| {
        signal(frame).into_iter().map(to_24).collect()
    })
}

/// Push `frames` frames of `signal` into an analyser of `format`, in blocks of
/// `block_frames`, each block handed over as `block(samples)`.
fn analyse_blocks<T>(
    channels: u16,
    format: SampleFormat,
    frames: usize,
    block_frames: usize,
    mut signal: impl FnMut(usize) -> Vec<T>,
    block: impl for<'a> Fn(&'a [T]) -> Block<'a>,
) -> Analysis {
    let mut analyzer = Analyzer::new(spec(channels, format), &AnalysisSettings::default());
    let mut samples = Vec::new();
    for start in (0..frames).step_by(block_frames) {
        samples.clear();
        for frame in start..frames.min(start + block_frames) {
            samples.extend(signal(frame));
        }
        analyzer.push(&block(&samples));
    }
    analyzer.finish()
}

/// As `analyse_int`, the signal already in 24-bit integers.
fn analyse_raw_int(
    channels: u16,
    frames: usize,
    block_frames: usize,
    signal: impl FnMut(usize) -> Vec<i32>,
) -> Analysis {
    analyse_blocks(
        channels,
        SampleFormat::Int,
        frames,
        block_frames,
        signal,
        |samples| Block::Int { samples, bits: 24 },
    )
}

/// As `analyse_int`, as 32-bit floats.
fn analyse_float(
    channels: u16,
    frames: usize,
    block_frames: usize,
    signal: impl FnMut(usize) -> Vec<f32>,
) -> Analysis {
    analyse_blocks(
        channels,
        SampleFormat::Float,
        frames,
        block_frames,
        signal,
        |samples| Block::Float(samples),
    )
}

fn sine(frame: usize, period: usize) -> f64 {
    (2.0 * PI * (frame % period) as f64 / period as f64).sin()
}

fn close(measured: Option<f64>, expected: f64, tolerance: f64) -> bool {
    measured.is_some_and(|value| (value - expected).abs() <= tolerance)
}

#[test]
fn silence_has_no_levels_and_serialises_without_infinities() {
    let analysis = analyse_int(2, RATE as usize, 1000, |_| vec![0.0, 0.0]);
    eprintln!("{analysis:?}");
    assert_eq!(analysis.sample_peak_dbfs, None);
    assert_eq!(analysis.true_peak_dbtp, None);
    assert_eq!(analysis.integrated_lufs, None);
    assert_eq!(analysis.loudness_range_lu, None);
    assert_eq!(analysis.peak_to_loudness_db, None);
    assert_eq!(analysis.rms_dbfs, None);
    assert_eq!(analysis.effective_bit_depth, None);
    assert_eq!(analysis.first_sound_s, None);
    assert_eq!(analysis.last_sound_s, None);
    assert_eq!(analysis.correlation, None);
    assert_eq!(analysis.near_peak_ratio, 0.0);
    // Two silent channels are identical: a silent stereo file is also fake stereo.
    assert!(analysis.identical_channels);
    let json = serde_json::to_string(&analysis).expect("an Analysis always serialises");
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
}

#[test]
fn quiet_noise_at_minus_80_is_not_silence() {
    let mut noise = Noise(7);
    let analysis = analyse_int(1, RATE as usize, 1000, |_| vec![db(-80.0) * noise.next()]);
    assert!(close(analysis.sample_peak_dbfs, -80.0, 0.1), "{analysis:?}");
    assert_eq!(analysis.first_sound_s, Some(0.0));
    assert!(analysis.last_sound_s.is_some_and(|s| s > 0.99));
    assert!(
        analysis.integrated_lufs.is_none(),
        "gated out below -70 LUFS"
    );
    assert!(analysis.rms_dbfs.is_some());
}

/// A mono 1 kHz sine 8 dB over full scale, after 0.5 s of silence, clipped to 24 bits.
#[test]
fn sine_driven_into_full_scale_clips_from_its_first_crest() {
    let silence = RATE as usize / 2;
    let gain = db(8.0);
    let signal = |frame: usize| {
        if frame < silence {
            0.0
        } else {
            gain * sine(frame - silence, 48)
        }
    };
    let cycles = 100;
    let analysis = analyse_int(1, silence + 48 * cycles, 333, |frame| vec![signal(frame)]);
    // Per half cycle, the samples whose 24-bit value reaches -0.01 dBFS.
    let clip = db(-0.01) * FULL_SCALE_24;
    let per_cycle = (0..48)
        .filter(|&n| f64::from(to_24(gain * sine(n, 48))).abs() >= clip)
        .count() as u64;
    let first = (0..48)
        .find(|&n| f64::from(to_24(gain * sine(n, 48))).abs() >= clip)
        .expect("an overdriven sine reaches full scale");
    eprintln!("{analysis:?}");
    assert_eq!(analysis.clipped_samples, per_cycle * cycles as u64);
    assert_eq!(analysis.clip_runs, 2 * cycles as u64);
    assert_eq!(analysis.longest_clip_run, per_cycle / 2);
    assert_eq!(
        analysis.first_clip_s,
        Some((silence + first) as f64 / f64::from(RATE))
    );
    assert!(close(analysis.sample_peak_dbfs, 0.0, 0.001));
}

/// A float file keeps a waveform over full scale: its samples there are counted as over, not
/// as clipped, even where three in a row pass through the last hundredth of a dB below it;
/// the same waveform clipped flat at full scale in float is clipped.
#[test]
fn a_float_sine_over_full_scale_is_over_not_clipped_unless_flat() {
    let gain = db(3.0);
    // 100 Hz: a slow crest, several samples in a row in the clip band on the way up.
    let over = analyse_float(1, RATE as usize, 1000, |frame| {
        vec![(gain * sine(frame, 480)) as f32]
    });
    assert_eq!(over.clipped_samples, 0, "{over:?}");
    let expected = (0..480)
        .filter(|&n| f64::from((gain * sine(n, 480)) as f32).abs() > 1.0)
        .count() as u64
        * 100;
    assert_eq!(over.over_samples, expected);
    let first = (0..480)
        .find(|&n| f64::from((gain * sine(n, 480)) as f32).abs() > 1.0)
        .expect("over full scale");
    assert_eq!(over.first_over_s, Some(first as f64 / f64::from(RATE)));
    assert!(close(over.sample_peak_dbfs, 3.0, 0.01), "{over:?}");
    // A 20 Hz sine a hair over full scale dwells in the clip band for runs of several
    // samples on its way over: over, not clipped.
    let hair = db(0.005);
    let band = (0..2400)
        .filter(|&n| {
            let value = f64::from((hair * sine(n, 2400)) as f32).abs();
            value >= db(-0.01) && value <= 1.0
        })
        .count();
    assert!(band >= 6, "{band}");
    let grazing = analyse_float(1, RATE as usize, 1000, |frame| {
        vec![(hair * sine(frame, 2400)) as f32]
    });
    assert_eq!(grazing.clipped_samples, 0, "{grazing:?}");
    assert!(grazing.over_samples > 0, "{grazing:?}");
    let clipped = analyse_float(1, RATE as usize, 1000, |frame| {
        vec![(gain * sine(frame, 480)).clamp(-1.0, 1.0) as f32]
    });
    assert!(clipped.clipped_samples > 0, "{clipped:?}");
    assert_eq!(clipped.over_samples, 0);
}

#[test]
fn square_wave_at_minus_20_does_not_clip() {
    let analysis = analyse_int(2, RATE as usize, 1000, |frame| {
        let level = if frame % 100 < 50 {
            db(-20.0)
        } else {
            -db(-20.0)
        };
        vec![level, level]
    });
    assert_eq!(analysis.clipped_samples, 0);
    assert_eq!(analysis.longest_clip_run, 0);
    assert_eq!(analysis.first_clip_s, None);
    // Nothing but the two crest levels: every sample is at the peak.
    assert!(
        (analysis.near_peak_ratio - 1.0).abs() < 1e-9,
        "{analysis:?}"
    );
    assert!(close(analysis.rms_dbfs, -20.0, 0.001));
}

#[test]
fn sine_peaking_at_minus_half_db_does_not_clip() {
    let analysis = analyse_int(1, RATE as usize, 1000, |frame| {
        vec![db(-0.5) * sine(frame, 48)]
    });
    assert_eq!(analysis.clipped_samples, 0);
    assert_eq!(analysis.longest_clip_run, 0);
    assert!(close(analysis.sample_peak_dbfs, -0.5, 0.001));
    // A sine spends about a fifth of its time within 0.5 dB of its crest: no pile-up.
    assert!(
        analysis.near_peak_ratio > 0.15 && analysis.near_peak_ratio < 0.3,
        "{}",
        analysis.near_peak_ratio
    );
}

#[test]
fn clip_runs_carry_across_block_boundaries() {
    // Runs of exactly the minimum length (3) placed across every edge of 2-frame blocks,
    // and runs one short of it that must not count.
    let pattern = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0];
    let full = 8_388_607;
    let analysis = analyse_raw_int(1, pattern.len() * 10, 2, |frame| {
        vec![pattern[frame % pattern.len()] * full]
    });
    assert_eq!(analysis.clipped_samples, 30);
    assert_eq!(analysis.clip_runs, 10);
    assert_eq!(analysis.longest_clip_run, 3);
    assert_eq!(analysis.first_clip_s, Some(1.0 / f64::from(RATE)));
}

#[test]
fn every_figure_is_the_same_whatever_the_block_size() {
    let mut noise = Noise(3);
    let samples: Vec<Vec<f64>> = (0..RATE as usize * 2)
        .map(|frame| {
            let common = 1.2 * sine(frame, 97) + 0.3 * noise.next();
            vec![common.clamp(-1.0, 1.0), (0.7 * common).clamp(-1.0, 1.0)]
        })
        .collect();
    let whole = analyse_int(2, samples.len(), samples.len(), |f| samples[f].clone());
    for block_frames in [1, 7, 4099] {
        let split = analyse_int(2, samples.len(), block_frames, |f| samples[f].clone());
        let approx = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (a, b) => a == b,
        };
        assert_eq!(split.clipped_samples, whole.clipped_samples);
        assert_eq!(split.clip_runs, whole.clip_runs);
        assert_eq!(split.longest_clip_run, whole.longest_clip_run);
        assert_eq!(split.first_clip_s, whole.first_clip_s);
        assert_eq!(split.sample_peak_dbfs, whole.sample_peak_dbfs);
        assert_eq!(split.effective_bit_depth, whole.effective_bit_depth);
        assert_eq!(split.near_peak_ratio, whole.near_peak_ratio);
        // 50 ms windows and the waveform around their peaks cross block edges. Counts are
        // exact; sums of squares may differ in the last bits with the order of additions.
        let (a, b) = (
            split.limiter.clone().expect("figures"),
            whole.limiter.clone().expect("figures"),
        );
        assert_eq!(
            (a.windows, a.wall_windows, a.band_windows, a.repeat_share),
            (b.windows, b.wall_windows, b.band_windows, b.repeat_share)
        );
        for (x, y) in [
            (a.ceiling_dbfs, b.ceiling_dbfs),
            (a.wall_crest_db, b.wall_crest_db),
            (a.wall_crest_sd_db, b.wall_crest_sd_db),
            (a.peak_spread_db, b.peak_spread_db),
            (a.body_spread_db, b.body_spread_db),
            (a.upper_crest_db, b.upper_crest_db),
        ] {
            assert!((x - y).abs() < 1e-9, "{a:?} vs {b:?}");
        }
        // The ducking figures buffer whole windows: the same sums in the same order.
        assert!(whole.ducking.is_some());
        assert_eq!(split.ducking, whole.ducking);
        assert!(approx(split.true_peak_dbtp, whole.true_peak_dbtp));
        assert!(approx(split.integrated_lufs, whole.integrated_lufs));
        assert!(approx(split.loudness_range_lu, whole.loudness_range_lu));
        assert!(approx(split.rms_dbfs, whole.rms_dbfs));
        assert!(approx(split.correlation, whole.correlation));
        assert!((split.dc_offset - whole.dc_offset).abs() < 1e-12);
        assert!(approx(split.dc_steady_share, whole.dc_steady_share));
        assert!(approx(split.dc_wander, whole.dc_wander));
        assert!(approx(split.dc_quiet_share, whole.dc_quiet_share));
    }
    assert!(whole.clipped_samples > 0, "{whole:?}");
    assert!(
        whole
            .limiter
            .as_ref()
            .is_some_and(|figures| figures.windows == 40),
        "{whole:?}"
    );
}

#[test]
fn sixteen_bit_audio_padded_into_24_bits_reads_16() {
    let mut noise = Noise(11);
    let analysis = analyse_raw_int(2, RATE as usize, 1000, |_| {
        (0..2)
            .map(|_| ((noise.next() * 32_768.0) as i32) << 8)
            .collect()
    });
    assert_eq!(analysis.effective_bit_depth, Some(16));
}

#[test]
fn genuine_24_bit_noise_reads_24() {
    let mut noise = Noise(13);
    let analysis = analyse_int(2, RATE as usize, 1000, |_| {
        vec![0.5 * noise.next(), 0.5 * noise.next()]
    });
    assert_eq!(analysis.effective_bit_depth, Some(24));
}

#[test]
fn float_holding_16_bit_audio_reads_16_and_true_float_reads_its_container() {
    let mut noise = Noise(17);
    let padded = analyse_float(1, RATE as usize, 1000, |_| {
        vec![(noise.next() * 32_768.0).round() as f32 / 32_768.0]
    });
    assert_eq!(padded.effective_bit_depth, Some(16));
    let genuine = analyse_float(1, RATE as usize, 1000, |_| vec![noise.next() as f32 * 0.5]);
    assert_eq!(genuine.effective_bit_depth, Some(32));
}

#[test]
fn identical_stereo_is_fake_stereo() {
    let mut noise = Noise(19);
    let analysis = analyse_int(2, RATE as usize, 1000, |_| {
        let value = 0.5 * noise.next();
        vec![value, value]
    });
    assert!(analysis.identical_channels);
    assert_eq!(analysis.channel_difference_peak_dbfs, None);
    assert!(close(analysis.correlation, 1.0, 1e-9));
}

#[test]
fn nearly_identical_stereo_is_not() {
    let mut noise = Noise(23);
    let analysis = analyse_raw_int(2, RATE as usize, 1000, |frame| {
        let value = to_24(0.5 * noise.next());
        // One least significant bit of difference, once.
        vec![value, if frame == 30_000 { value + 1 } else { value }]
    });
    assert!(!analysis.identical_channels);
    // 1 LSB of 24 bits: -138.5 dBFS.
    assert!(
        close(analysis.channel_difference_peak_dbfs, -138.47, 0.01),
        "{analysis:?}"
    );
}

#[test]
fn inverted_right_channel_correlates_at_minus_one() {
    let mut noise = Noise(29);
    let analysis = analyse_int(2, RATE as usize, 777, |_| {
        let value = 0.5 * noise.next();
        vec![value, -value]
    });
    eprintln!("inverted: correlation {:?}", analysis.correlation);
    assert!(close(analysis.correlation, -1.0, 1e-6));
    assert!(close(analysis.channel_difference_peak_dbfs, 0.0, 0.01));
}

#[test]
fn wide_but_correlated_stereo_stays_positive() {
    let mut noise = Noise(31);
    let analysis = analyse_int(2, RATE as usize, 777, |_| {
        let common = 0.3 * noise.next();
        vec![common + 0.2 * noise.next(), common + 0.2 * noise.next()]
    });
    // Variance 0.09/3 shared against 0.04/3 each side: about 0.69.
    eprintln!("wide: correlation {:?}", analysis.correlation);
    assert!(close(analysis.correlation, 0.69, 0.03));
}

#[test]
fn a_panned_copy_is_one_signal_at_two_levels_and_wide_stereo_is_not() {
    let mut noise = Noise(43);
    // A mono source panned: the right channel the left 6 dB down, each rounded to 24 bits.
    let panned = analyse_int(2, RATE as usize, 1000, |_| {
        let value = 0.5 * noise.next();
        vec![value, 0.5 * value]
    });
    assert!(!panned.identical_channels);
    assert!(close(panned.channel_balance_db, -6.02, 0.01), "{panned:?}");
    // What rounding leaves: 24-bit steps against a channel at about -13 dBFS.
    assert!(
        panned.channel_residual_db.is_some_and(|r| r < -110.0),
        "{panned:?}"
    );
    // Quiet (-50 dBFS) and swelling 30 dB, each channel with its own 16-bit dither: over the
    // file the residual is the dither against a quiet signal; window by window, what the
    // channels do not share is the dither's steady floor, loud windows or quiet.
    let mut dither = Noise(47);
    let step = 2f64.powi(-15);
    let mut sixteen = |value: f64| ((value / step + dither.next()).round()) * step;
    let swell = |frame: usize| 10f64.powf(-1.5 * (frame % 24_000) as f64 / 24_000.0);
    let quiet = analyse_int(2, RATE as usize * 2, 1000, |frame| {
        let value = 0.005 * swell(frame) * noise.next();
        vec![sixteen(value), sixteen(0.7 * value)]
    });
    let residual = quiet.channel_residual_db.expect("a residual");
    assert!((-50.0..-20.0).contains(&residual), "{quiet:?}");
    let windows = quiet.channel_windows.expect("window figures");
    assert!(windows.loud_residual_db < -30.0, "{windows:?}");
    assert!(windows.level_range_db > 20.0, "{windows:?}");
    assert!(
        windows.loud_unshared_dbfs < -90.0
            && windows.loud_unshared_dbfs - windows.unshared_floor_dbfs < 1.0,
        "{windows:?}"
    );
    // Wide stereo (shared variance twice each side's own): 5 dB, and what the channels do
    // not share follows the level.
    let wide = analyse_int(2, RATE as usize * 2, 777, |frame| {
        let common = 0.3 * swell(frame) * noise.next();
        let own = 0.2 * swell(frame);
        vec![common + own * noise.next(), common + own * noise.next()]
    });
    let windows = wide.channel_windows.expect("window figures");
    assert!(
        close(Some(windows.loud_residual_db), -3.2, 0.5),
        "{windows:?}"
    );
    assert!(
        windows.loud_unshared_dbfs - windows.unshared_floor_dbfs > 15.0,
        "{windows:?}"
    );
}

#[test]
fn a_channel_silent_from_start_to_end_is_named() {
    let mut noise = Noise(53);
    // Sound on the left only, the right one 16-bit step at most (under the -90 dBFS floor).
    let left_only = analyse_int(2, RATE as usize, 1000, |frame| {
        vec![
            0.5 * noise.next(),
            if frame % 7 == 0 { 2f64.powi(-15) } else { 0.0 },
        ]
    });
    assert_eq!(left_only.silent_channels, [2]);
    assert_eq!(left_only.correlation.map(|c| c.abs() < 0.05), Some(true));
    let [left, right] = left_only
        .channel_windows
        .expect("window figures")
        .channel_levels_dbfs;
    // Noise at -10.8 dBFS RMS on the left; the right a 16-bit step every 7 samples (-99 dBFS
    // RMS): steady, about 90 dB under.
    assert!(close(Some(left[0]), -10.8, 1.0), "{left:?}");
    assert!(right[0] - right[1] < 3.0 && right[0] < -95.0, "{right:?}");
    // One sample over the floor in the right channel, late: it is not silent.
    let late = analyse_int(2, RATE as usize, 1000, |frame| {
        vec![0.5 * noise.next(), if frame == 40_000 { 0.01 } else { 0.0 }]
    });
    assert_eq!(late.silent_channels, [] as [u16; 0]);
    // A silent file has no silent channel of its own (`signal/silent` reports the file), and
    // a mono file none at all.
    let silent = analyse_int(2, RATE as usize, 1000, |_| vec![0.0, 0.0]);
    assert_eq!(silent.silent_channels, [] as [u16; 0]);
    let mono = analyse_int(1, RATE as usize, 1000, |_| vec![0.5 * noise.next()]);
    assert_eq!(mono.silent_channels, [] as [u16; 0]);
}

#[test]
fn correlation_survives_a_large_dc_offset() {
    let mut noise = Noise(37);
    let analysis = analyse_float(2, RATE as usize * 4, 4096, |_| {
        let value = 1e-4 * noise.next();
        vec![(0.5 + value) as f32, (0.5 - value) as f32]
    });
    assert!(close(analysis.correlation, -1.0, 1e-3), "{analysis:?}");
}

#[test]
fn dc_offset_is_the_largest_channel_mean() {
    let mut noise = Noise(41);
    let offset = analyse_int(2, RATE as usize, 1000, |frame| {
        vec![0.1 * sine(frame, 48), 0.02 + 0.1 * noise.next()]
    });
    assert!((offset.dc_offset - 0.02).abs() < 0.002, "{offset:?}");
    let centred = analyse_int(2, RATE as usize, 1000, |frame| {
        vec![0.1 * sine(frame, 48), 0.1 * sine(frame, 48)]
    });
    assert!(centred.dc_offset < 1e-6, "{centred:?}");
}

#[test]
fn head_and_tail_silence_times() {
    let mut noise = Noise(43);
    let (head, body, tail) = (RATE as usize, 2 * RATE as usize, RATE as usize / 2);
    let analysis = analyse_int(2, head + body + tail, 1001, |frame| {
        if (head..head + body).contains(&frame) {
            // Never exactly zero, and on the left channel only, to check "any channel".
            vec![0.25 + 0.1 * noise.next(), 0.0]
        } else {
            // Below the -90 dBFS floor: still silence.
            vec![db(-100.0), 0.0]
        }
    });
    assert_eq!(analysis.first_sound_s, Some(1.0));
    assert_eq!(
        analysis.last_sound_s,
        Some((head + body - 1) as f64 / f64::from(RATE))
    );
}

#[test]
fn non_finite_floats_are_counted_and_left_out() {
    // The bad samples replace zero crossings of the tone: read as silence, they must leave
    // the clean tone's figures untouched.
    let tone = |frame: usize| (0.5 * sine(frame, 48)) as f32;
    let with_bad = analyse_float(2, RATE as usize, 999, |frame| match frame {
        1008 => vec![f32::NAN, tone(frame)],
        2016 => vec![tone(frame), f32::INFINITY],
        3024 => vec![f32::NEG_INFINITY, -f32::NAN],
        _ => vec![tone(frame), tone(frame)],
    });
    let clean = analyse_float(2, RATE as usize, 999, |frame| {
        vec![tone(frame), tone(frame)]
    });
    assert_eq!(with_bad.non_finite_samples, 4);
    assert_eq!(clean.non_finite_samples, 0);
    assert_eq!(with_bad.sample_peak_dbfs, clean.sample_peak_dbfs);
    assert_eq!(with_bad.true_peak_dbtp, clean.true_peak_dbtp);
    assert_eq!(with_bad.integrated_lufs, clean.integrated_lufs);
    assert_eq!(with_bad.effective_bit_depth, clean.effective_bit_depth);
    assert_eq!(with_bad.clipped_samples, 0);
    assert!(close(
        with_bad.rms_dbfs,
        clean.rms_dbfs.unwrap_or(0.0),
        1e-3
    ));
    assert!(close(with_bad.correlation, 1.0, 1e-9));
    // Bit-exact comparison sees the NaNs: the channels differ at those frames.
    assert!(!with_bad.identical_channels);
    assert!(serde_json::to_string(&with_bad).is_ok());
}

#[test]
fn mono_is_metered_as_dual_mono() {
    let mono = analyse_int(1, RATE as usize * 5, 4800, |frame| {
        vec![db(-23.0) * sine(frame, 48)]
    });
    // The same -23 dBFS 1 kHz tone that reads -23 LUFS in stereo (EBU 3341 case 1).
    assert!(close(mono.integrated_lufs, -23.0, 0.1), "{mono:?}");
}

#[test]
fn limited_master_has_a_small_plr_and_a_pile_up_under_the_ceiling() {
    let mut noise = Noise(47);
    let ceiling = db(-1.0);
    let limited = analyse_int(2, RATE as usize * 4, 4800, |_| {
        // Loud noise hard-limited at the ceiling (a crude brickwall limiter).
        let left = (2.0 * noise.next()).clamp(-ceiling, ceiling);
        let right = (2.0 * noise.next()).clamp(-ceiling, ceiling);
        vec![left, right]
    });
    // Unprocessed drum-like hits: noise bursts decaying over each half second.
    let dry = analyse_int(2, RATE as usize * 4, 4800, |frame| {
        let envelope = (-12.0 * (frame % 24_000) as f64 / f64::from(RATE)).exp();
        vec![0.8 * envelope * noise.next(), 0.8 * envelope * noise.next()]
    });
    eprintln!(
        "limited: PLR {:?} near-peak {}; dry: PLR {:?} near-peak {}",
        limited.peak_to_loudness_db,
        limited.near_peak_ratio,
        dry.peak_to_loudness_db,
        dry.near_peak_ratio
    );
    assert!(limited.peak_to_loudness_db.is_some_and(|plr| plr < 6.0));
    assert!(limited.near_peak_ratio > 0.4);
    assert!(dry.peak_to_loudness_db.is_some_and(|plr| plr > 8.0));
    assert!(dry.near_peak_ratio < 0.01);
}

/// A stereo programme for the ducking figures: a mid of low-passed noise whose level steps
/// every half second, and an independent side 10 dB under it, each channel through `curve`.
fn ducking_programme(curve: fn(f64) -> f64, block_frames: usize) -> Analysis {
    let mut noise = Noise(91);
    let pole = (-2.0 * PI * 2000.0 / f64::from(RATE)).exp();
    let (mut mid, mut side) = (0.0, 0.0);
    analyse_int(2, RATE as usize * 4, block_frames, move |frame| {
        let level = [0.9, 0.45, 0.7, 0.3][frame / 24_000 % 4];
        mid = pole * mid + (1.0 - pole) * 0.9 * noise.next();
        side = pole * side + (1.0 - pole) * 0.3 * noise.next();
        vec![curve(level * (mid + side)), curve(level * (mid - side))]
    })
}

#[test]
fn a_curve_ducks_the_detail_and_side_on_the_peaks_and_a_tone_reads_periodic() {
    // sox `gain -l 10`: g·x / (1 + (g − 1)·|x|).
    fn gain_l(x: f64) -> f64 {
        let g = db(10.0);
        g * x / (1.0 + (g - 1.0) * x.abs())
    }
    let dry = ducking_programme(|x| x, 4800).ducking.expect("figures");
    let curved = ducking_programme(gain_l, 4800).ducking.expect("figures");
    eprintln!("dry {dry:?}\ncurved {curved:?}");
    let drop = |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a - b).expect("read");
    // The curve's slope at the peaks, a third of its slope at zero or less, pushes down what
    // rides on them: the detail and the side.
    assert!(drop(dry.detail_peak_db, curved.detail_peak_db) > 4.0);
    assert!(drop(dry.side_peak_db, curved.side_peak_db) > 4.0);
    assert!(drop(dry.body_detail_peak_db, curved.body_detail_peak_db) > 2.0);
    assert!(dry.side_peak_db.is_some_and(|side| side.abs() < 1.0));
    assert!(dry.periodicity.is_some_and(|periodicity| periodicity < 0.5));
    // A tone is one periodic waveform, smooth on its crests; one channel has no side.
    let tone = analyse_int(1, RATE as usize * 2, 4800, |frame| {
        vec![0.5 * sine(frame, 240)]
    })
    .ducking
    .expect("figures");
    eprintln!("tone {tone:?}");
    assert!(tone
        .periodicity
        .is_some_and(|periodicity| periodicity > 0.95));
    assert!(tone.detail_peak_db.is_some_and(|detail| detail < -5.0));
    assert_eq!((tone.side_peak_db, tone.side_windows), (None, 0));
    // Digital silence reads nothing.
    let silence = analyse_int(2, RATE as usize, 4800, |_| vec![0.0, 0.0]);
    assert_eq!(silence.ducking, None);
}

#[test]
fn surround_counts_every_channel_but_the_lfe() {
    // 5.1 (L R C LFE Ls Rs): the LFE's level must not change the loudness.
    let tone = |lfe: f64| {
        analyse_int(6, RATE as usize * 5, 4800, move |frame| {
            let value = db(-30.0) * sine(frame, 48);
            vec![value, value, value, lfe * sine(frame, 480), value, value]
        })
    };
    let quiet = tone(0.0);
    let loud = tone(0.9);
    assert!(quiet.integrated_lufs.is_some());
    assert!(close(
        loud.integrated_lufs,
        quiet.integrated_lufs.unwrap_or(0.0),
        1e-9
    ));
    // 5.0 (L R C Ls Rs): the fourth channel is a surround, not an LFE to drop.
    let five = |surround: f64| {
        analyse_int(5, RATE as usize * 5, 4800, move |frame| {
            let value = db(-30.0) * sine(frame, 48);
            vec![value, value, value, surround * sine(frame, 48), 0.0]
        })
    };
    assert!(five(0.5).integrated_lufs > five(0.0).integrated_lufs);
}

#[test]
fn never_panics_on_degenerate_streams() {
    let settings = AnalysisSettings::default();
    let cases = [
        (0, RATE, SampleFormat::Int),
        (2, 0, SampleFormat::Int),
        (2, 7, SampleFormat::Float),
        (100, RATE, SampleFormat::Float),
        (3, RATE, SampleFormat::Float),
    ];
    for (channels, rate, format) in cases {
        let mut analyzer = Analyzer::new(
            StreamSpec {
                channels,
                sample_rate: rate,
                sample_format: format,
                bit_depth: None,
                channel_mask: Some(0xFFFF_FFFF),
            },
            &settings,
        );
        analyzer.push(&Block::Int {
            samples: &[],
            bits: 24,
        });
        // Out-of-range values and absurd bit counts, not a whole number of frames.
        analyzer.push(&Block::Int {
            samples: &[i32::MIN, i32::MAX, 5, -5, 1 << 30],
            bits: 0,
        });
        analyzer.push(&Block::Int {
            samples: &[i32::MIN, i32::MAX, 5, -5, 1 << 30, 3, 4],
            bits: 99,
        });
        analyzer.push(&Block::Float(&[
            f32::NAN,
            f32::MAX,
            f32::MIN_POSITIVE,
            -0.0,
        ]));
        analyzer.push(&Block::Double(&[f64::INFINITY, f64::MAX, 1e-300, 0.5, 0.5]));
        let analysis = analyzer.finish();
        let json = serde_json::to_string(&analysis).expect("an Analysis always serialises");
        assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    }
}

#[test]
fn partial_trailing_frame_is_ignored() {
    let mut analyzer = Analyzer::new(spec(2, SampleFormat::Int), &AnalysisSettings::default());
    analyzer.push(&Block::Int {
        samples: &[1000, 1000, 8_388_607],
        bits: 24,
    });
    let analysis = analyzer.finish();
    assert!(close(analysis.sample_peak_dbfs, -78.5, 0.1), "{analysis:?}");
    assert_eq!(analysis.clipped_samples, 0);
}

/// Throughput of the whole pass, meter included, on 24-bit stereo noise:
/// `cargo test --release --test analysis -- --ignored --nocapture throughput`.
#[test]
#[ignore = "a benchmark: run it in release mode"]
fn throughput_of_24_bit_stereo() {
    let mut noise = Noise(53);
    let block: Vec<i32> = (0..2 * 16_384).map(|_| to_24(0.5 * noise.next())).collect();
    let blocks = 2_000;
    let mut analyzer = Analyzer::new(spec(2, SampleFormat::Int), &AnalysisSettings::default());
    let start = Instant::now();
    for _ in 0..blocks {
        analyzer.push(&Block::Int {
            samples: &block,
            bits: 24,
        });
    }
    let analysis = analyzer.finish();
    let seconds = start.elapsed().as_secs_f64();
    let bytes = (block.len() * blocks * 3) as f64;
    let audio_seconds = (block.len() / 2 * blocks) as f64 / f64::from(RATE);
    eprintln!(
        "{:.0} MB/s of 24-bit stereo ({:.0}x real time), {:.2} s for {:.0} s of audio; {:?}",
        bytes / seconds / 1e6,
        audio_seconds / seconds,
        seconds,
        audio_seconds,
        analysis.integrated_lufs
    );
}
