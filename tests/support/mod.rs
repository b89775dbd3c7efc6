//! Fixture builder shared by the integration tests: exact WAV bytes, no encoder needed.
//!
//! ```ignore
//! let path = Wav::new(48000, 24, 1).sine(440.0, -6.0).seconds(12.0).write(dir, "03_Bass.wav");
//! ```
//!
//! The core is a per-sample generator, `.with(|frame, channel| value)`, with values in
//! full-scale units (±1.0); the named signals (`sine`, `noise`, `square`…) are built on it and
//! the combinators (`gain_db`, `dc`, `identical_channels`…) wrap whatever came before. Values
//! beyond full scale are clipped when written, as a real converter would.
//!
//! Every test binary compiles this module but uses only part of it.
#![allow(dead_code)]

use std::f64::consts::PI;
use std::fs;
use std::path::{Path, PathBuf};

type Generator = Box<dyn Fn(u64, u16) -> f64>;

/// How samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Storage {
    Int,
    Float,
    Double,
}

/// A WAV (or RF64) file to write, described fluently.
pub struct Wav {
    sample_rate: u32,
    bits: u16,
    channels: u16,
    storage: Storage,
    frames: u64,
    generator: Generator,
    /// Quantise to this many bits inside the `bits`-bit container (low bits zero).
    padded_to: Option<u16>,
    rf64: bool,
    channel_mask: Option<u32>,
    bext_time_reference: Option<u64>,
    /// The bext origination date and time (a re-export stamps new ones).
    bext_stamp: (String, String),
    ixml: Option<String>,
    declared_frames: Option<u64>,
    truncate_bytes: usize,
}

impl Wav {
    /// A silent integer PCM file of one second.
    pub fn new(sample_rate: u32, bits: u16, channels: u16) -> Self {
        Wav {
            sample_rate,
            bits,
            channels,
            storage: Storage::Int,
            frames: u64::from(sample_rate),
            generator: Box::new(|_, _| 0.0),
            padded_to: None,
            rf64: false,
            channel_mask: None,
            bext_time_reference: None,
            bext_stamp: ("2024-01-02".to_owned(), "03:04:05".to_owned()),
            ixml: None,
            declared_frames: None,
            truncate_bytes: 0,
        }
    }

    pub fn frames(mut self, frames: u64) -> Self {
        self.frames = frames;
        self
    }

    pub fn seconds(mut self, seconds: f64) -> Self {
        self.frames = (seconds * f64::from(self.sample_rate)).round() as u64;
        self
    }

    /// 32-bit IEEE float samples.
    pub fn float(mut self) -> Self {
        self.storage = Storage::Float;
        self.bits = 32;
        self
    }

    /// 64-bit IEEE float samples.
    pub fn double(mut self) -> Self {
        self.storage = Storage::Double;
        self.bits = 64;
        self
    }

    /// The sample value of every frame and channel, in full-scale units.
    pub fn with(mut self, generator: impl Fn(u64, u16) -> f64 + 'static) -> Self {
        self.generator = Box::new(generator);
        self
    }

    /// Wrap the current generator: `wrap(|inner, frame, channel| …)`.
    fn wrap(mut self, outer: impl Fn(&dyn Fn(u64, u16) -> f64, u64, u16) -> f64 + 'static) -> Self {
        let inner = std::mem::replace(&mut self.generator, Box::new(|_, _| 0.0));
        self.generator = Box::new(move |frame, channel| outer(&*inner, frame, channel));
        self
    }

    pub fn silence(self) -> Self {
        self.with(|_, _| 0.0)
    }

    /// The same sine on every channel, peaking at `dbfs`.
    pub fn sine(self, frequency: f64, dbfs: f64) -> Self {
        let rate = f64::from(self.sample_rate);
        let amplitude = db_to_gain(dbfs);
        self.with(move |frame, _| amplitude * (2.0 * PI * frequency * frame as f64 / rate).sin())
    }

    pub fn square(self, frequency: f64, dbfs: f64) -> Self {
        let rate = f64::from(self.sample_rate);
        let amplitude = db_to_gain(dbfs);
        self.with(move |frame, _| {
            let phase = (frequency * frame as f64 / rate).fract();
            if phase < 0.5 {
                amplitude
            } else {
                -amplitude
            }
        })
    }

    /// Uniform white noise peaking at `dbfs`, independent per channel, the same for a seed.
    pub fn noise(self, dbfs: f64, seed: u64) -> Self {
        let amplitude = db_to_gain(dbfs);
        self.with(move |frame, channel| {
            let bits = splitmix64(seed ^ frame.wrapping_mul(0x100) ^ u64::from(channel));
            amplitude * ((bits >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
        })
    }

    /// Programme-like material: a decaying tone every quarter second (a drum-ish hit, its
    /// peak `dbfs`) over a quiet noise bed, different per channel. Passes every signal rule:
    /// not a steady tone, not limited, not silent, every bit used.
    pub fn hits(self, frequency: f64, dbfs: f64, seed: u64) -> Self {
        let rate = f64::from(self.sample_rate);
        let amplitude = db_to_gain(dbfs);
        let bed = db_to_gain(dbfs - 40.0);
        self.with(move |frame, channel| {
            let t = frame as f64 / rate;
            let since_hit = t % 0.25;
            // Alternate polarity hit to hit, so the whole file has no DC.
            let polarity = if (t / 0.25) as u64 % 2 == 0 {
                1.0
            } else {
                -1.0
            };
            let pan = polarity * (1.0 - 0.3 * f64::from(channel));
            let tone = (2.0 * PI * frequency * since_hit).sin() * (-since_hit / 0.04).exp();
            let bits = splitmix64(seed ^ frame.wrapping_mul(0x9E37) ^ (u64::from(channel) << 48));
            let noise = (bits >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
            amplitude * pan * tone + bed * noise
        })
    }

    /// Multiply by `db` of gain; past full scale the writer clips, so `gain_db(6.0)` on a 0 dBFS
    /// sine gives flat-topped runs.
    pub fn gain_db(self, db: f64) -> Self {
        let gain = db_to_gain(db);
        self.wrap(move |inner, frame, channel| gain * inner(frame, channel))
    }

    /// Pass every value through `shaper` (a limiter's curve, a fault that writes NaN…).
    pub fn with_shaper(self, shaper: impl Fn(f64) -> f64 + 'static) -> Self {
        self.wrap(move |inner, frame, channel| shaper(inner(frame, channel)))
    }

    /// A full-scale sine driven `over_db` into clipping.
    pub fn clipped(self, frequency: f64, over_db: f64) -> Self {
        self.sine(frequency, 0.0).gain_db(over_db)
    }

    /// Add a constant offset (full-scale units).
    pub fn dc(self, offset: f64) -> Self {
        self.wrap(move |inner, frame, channel| inner(frame, channel) + offset)
    }

    /// Everything `frames` later, digital silence before (the length stays).
    pub fn delayed(self, frames: u64) -> Self {
        self.wrap(move |inner, frame, channel| {
            if frame < frames {
                0.0
            } else {
                inner(frame - frames, channel)
            }
        })
    }

    /// Digital silence over `frames` (an edit that removed a part).
    pub fn muted(self, frames: std::ops::Range<u64>) -> Self {
        self.wrap(move |inner, frame, channel| {
            if frames.contains(&frame) {
                0.0
            } else {
                inner(frame, channel)
            }
        })
    }

    /// Every channel a copy of the first (fake stereo).
    pub fn identical_channels(self) -> Self {
        self.wrap(|inner, frame, _| inner(frame, 0))
    }

    /// The second channel the first one inverted (polarity flipped right channel).
    pub fn inverted_right(self) -> Self {
        self.wrap(|inner, frame, channel| {
            let left = inner(frame, 0);
            if channel == 1 {
                -left
            } else {
                inner(frame, channel)
            }
        })
    }

    /// Every channel the first one at its own gain (dB): a mono source panned.
    pub fn panned(self, gains_db: &[f64]) -> Self {
        let gains: Vec<f64> = gains_db.iter().map(|&db| db_to_gain(db)).collect();
        self.wrap(move |inner, frame, channel| {
            gains.get(usize::from(channel)).copied().unwrap_or(0.0) * inner(frame, 0)
        })
    }

    /// Channel `silent` (from 0) digital silence from start to end.
    pub fn silent_channel(self, silent: u16) -> Self {
        self.wrap(move |inner, frame, channel| {
            if channel == silent {
                0.0
            } else {
                inner(frame, channel)
            }
        })
    }

    /// Channel `noisy` (from 0) replaced by uniform white noise peaking at `dbfs` (a hiss, a
    /// noise-shaped dither's floor).
    pub fn noise_on(self, noisy: u16, dbfs: f64, seed: u64) -> Self {
        let amplitude = db_to_gain(dbfs);
        self.wrap(move |inner, frame, channel| {
            if channel == noisy {
                let bits = splitmix64(seed ^ frame.wrapping_mul(0x51ED) ^ 0xA5A5);
                amplitude * ((bits >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
            } else {
                inner(frame, channel)
            }
        })
    }

    /// Each channel dithered (TPDF) and rounded to 16-bit steps on its own, as a 16-bit export
    /// leaves it (inside whatever container is written).
    pub fn dithered16(self, seed: u64) -> Self {
        let step = 2f64.powi(-15);
        self.wrap(move |inner, frame, channel| {
            let key = seed ^ frame.wrapping_mul(0x9E37) ^ (u64::from(channel) << 48);
            let unit = |bits: u64| (bits >> 11) as f64 / (1u64 << 53) as f64;
            let tpdf = unit(splitmix64(key)) - unit(splitmix64(key ^ 0xD1B5));
            (inner(frame, channel) / step + tpdf).round() * step
        })
    }

    /// Quantise to `bits` inside the larger container: 16-bit audio in a 24-bit file.
    pub fn padded(mut self, bits: u16) -> Self {
        self.padded_to = Some(bits);
        self
    }

    /// Write an RF64 header (with `ds64`) instead of RIFF.
    pub fn rf64(mut self) -> Self {
        self.rf64 = true;
        self
    }

    /// Write WAVE_FORMAT_EXTENSIBLE with this channel mask.
    pub fn extensible(mut self, channel_mask: u32) -> Self {
        self.channel_mask = Some(channel_mask);
        self
    }

    /// Add a Broadcast-WAV `bext` chunk with this time reference (samples since midnight).
    pub fn bext(mut self, time_reference: u64) -> Self {
        self.bext_time_reference = Some(time_reference);
        self
    }

    /// The `bext` origination date (`yyyy-mm-dd`) and time (`hh:mm:ss`).
    pub fn bext_stamp(mut self, date: &str, time: &str) -> Self {
        self.bext_stamp = (date.to_owned(), time.to_owned());
        self
    }

    pub fn ixml(mut self, text: &str) -> Self {
        self.ixml = Some(text.to_owned());
        self
    }

    /// Make the header declare `frames` whatever is written (e.g. a huge sparse RF64).
    pub fn declare_frames(mut self, frames: u64) -> Self {
        self.declared_frames = Some(frames);
        self
    }

    /// Leave the last `bytes` bytes off the file: the header claims more than is there.
    pub fn truncate_bytes(mut self, bytes: usize) -> Self {
        self.truncate_bytes = bytes;
        self
    }

    /// Bytes per frame: whole bytes per sample (a 36-bit sample takes 5).
    pub fn block_align(&self) -> u16 {
        self.channels * self.bits.div_ceil(8)
    }

    /// The file's exact bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let align = u64::from(self.block_align());
        let data_size = self.declared_frames.unwrap_or(self.frames) * align;
        let float = self.storage != Storage::Int;
        let mut chunks = Vec::new();
        if self.rf64 {
            let mut ds64 = Vec::new();
            // The RIFF size: set once the file is assembled.
            ds64.extend_from_slice(&0u64.to_le_bytes());
            ds64.extend_from_slice(&data_size.to_le_bytes());
            ds64.extend_from_slice(&self.declared_frames.unwrap_or(self.frames).to_le_bytes());
            ds64.extend_from_slice(&0u32.to_le_bytes());
            chunks.extend(chunk(b"ds64", &ds64));
        }
        chunks.extend(chunk(b"fmt ", &self.fmt_body(float)));
        if let Some(time_reference) = self.bext_time_reference {
            chunks.extend(chunk(b"bext", &bext_body(time_reference, &self.bext_stamp)));
        }
        if let Some(ixml) = &self.ixml {
            chunks.extend(chunk(b"iXML", ixml.as_bytes()));
        }
        let data_size32 = if self.rf64 {
            u32::MAX
        } else {
            u32::try_from(data_size).expect("a RIFF WAV fixture is under 4 GiB: use .rf64()")
        };
        chunks.extend_from_slice(b"data");
        chunks.extend_from_slice(&data_size32.to_le_bytes());
        self.write_samples(&mut chunks);

        let mut bytes = if self.rf64 {
            b"RF64".to_vec()
        } else {
            b"RIFF".to_vec()
        };
        let riff_size = if self.rf64 {
            u32::MAX
        } else {
            u32::try_from(chunks.len() as u64 + 4 + (data_size - self.frames * align))
                .unwrap_or(u32::MAX)
        };
        bytes.extend_from_slice(&riff_size.to_le_bytes());
        bytes.extend_from_slice(b"WAVE");
        bytes.extend_from_slice(&chunks);
        if self.rf64 {
            // ds64's RIFF size: everything after the 8-byte `RF64` header, the data the header
            // declares included.
            let riff_size = bytes.len() as u64 - 8 + (data_size - self.frames * align);
            bytes[20..28].copy_from_slice(&riff_size.to_le_bytes());
        }
        bytes.truncate(bytes.len().saturating_sub(self.truncate_bytes));
        bytes
    }

    /// Write into `dir` as `name`; returns the path.
    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        write_raw(dir, name, &self.bytes())
    }

    fn fmt_body(&self, float: bool) -> Vec<u8> {
        let tag: u16 = if self.channel_mask.is_some() {
            0xFFFE
        } else if float {
            3
        } else {
            1
        };
        let align = self.block_align();
        let mut body = Vec::new();
        body.extend_from_slice(&tag.to_le_bytes());
        body.extend_from_slice(&self.channels.to_le_bytes());
        body.extend_from_slice(&self.sample_rate.to_le_bytes());
        body.extend_from_slice(&(self.sample_rate * u32::from(align)).to_le_bytes());
        body.extend_from_slice(&align.to_le_bytes());
        body.extend_from_slice(&self.bits.to_le_bytes());
        if let Some(mask) = self.channel_mask {
            body.extend_from_slice(&22u16.to_le_bytes());
            body.extend_from_slice(&self.padded_to.unwrap_or(self.bits).to_le_bytes());
            body.extend_from_slice(&mask.to_le_bytes());
            body.extend_from_slice(&(if float { 3u16 } else { 1u16 }).to_le_bytes());
            body.extend_from_slice(&[
                0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
            ]);
        } else if float {
            body.extend_from_slice(&0u16.to_le_bytes());
        }
        body
    }

    fn write_samples(&self, out: &mut Vec<u8>) {
        let quantise_bits = self.padded_to.unwrap_or(self.bits);
        let scale = 2f64.powi(i32::from(quantise_bits) - 1);
        let bytes_per_sample = usize::from(self.bits.div_ceil(8));
        // Samples are left-aligned in their slot: 36-bit audio fills the top of 5 bytes.
        let shift = bytes_per_sample as u16 * 8 - quantise_bits;
        out.reserve(self.frames as usize * usize::from(self.block_align()));
        for frame in 0..self.frames {
            for channel in 0..self.channels {
                let value = (self.generator)(frame, channel);
                match self.storage {
                    Storage::Float => out.extend_from_slice(&(value as f32).to_le_bytes()),
                    Storage::Double => out.extend_from_slice(&value.to_le_bytes()),
                    Storage::Int => {
                        let level = (value * scale).round().clamp(-scale, scale - 1.0) as i64;
                        let stored = level << shift;
                        if self.bits == 8 {
                            out.push((stored + 128) as u8);
                        } else {
                            out.extend_from_slice(&stored.to_le_bytes()[..bytes_per_sample]);
                        }
                    }
                }
            }
        }
        if out.len() % 2 == 1 {
            out.push(0);
        }
    }
}

/// A RIFF chunk with its pad byte.
pub fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut bytes = id.to_vec();
    bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
    bytes.extend_from_slice(body);
    if body.len() % 2 == 1 {
        bytes.push(0);
    }
    bytes
}

/// A `bext` chunk body (version 1, no coding history) with the given time reference.
fn bext_body(time_reference: u64, (date, time): &(String, String)) -> Vec<u8> {
    let mut body = vec![0u8; 602];
    let mut put =
        |at: usize, text: &str| body[at..at + text.len()].copy_from_slice(text.as_bytes());
    put(0, "stemlint fixture");
    put(256, "stemlint");
    put(288, "STEMLINT0001");
    put(320, &date[..date.len().min(10)]);
    put(330, &time[..time.len().min(8)]);
    body[338..346].copy_from_slice(&time_reference.to_le_bytes());
    body[346..348].copy_from_slice(&1u16.to_le_bytes());
    body
}

/// Write arbitrary bytes (malformed files) into `dir` as `name`; returns the path.
pub fn write_raw(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("the test's temporary directory is writable");
    path
}

/// A small deterministic noise source in [-1, 1) (xorshift64*), for tests and benchmarks that
/// build their samples directly rather than through `Wav`.
pub struct Noise(pub u64);

impl Noise {
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        bits as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// A file committed under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A full scan of one file with the default analysis settings.
pub fn scan_full(path: &Path) -> stemlint::record::FileRecord {
    stemlint::media::scan(
        path,
        path.display().to_string(),
        stemlint::media::ScanMode::Full,
        &stemlint::media::analysis::AnalysisSettings::default(),
    )
}

pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// A uniform value in [0, 1) that is a pure function of `key` (SplitMix64's top 53 bits): the
/// random draws of fixtures that build their own signals.
pub fn unit_hash(key: u64) -> f64 {
    (splitmix64(key) >> 11) as f64 / (1u64 << 53) as f64
}

/// SplitMix64: a tiny, well-mixed hash so that noise is a pure function of (seed, frame, channel).
fn splitmix64(mut state: u64) -> u64 {
    state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
