//! Writes the demo delivery in `examples/demo-tracks/`: a tracks delivery with one deliberate
//! defect on most files, so `stemlint check examples/demo-tracks` shows what stemlint finds.
//!
//! Run: `cargo run --example make_demo` (the files are committed; this is how they were made).

// A tool that reports what it wrote: printing is its job.
#![allow(clippy::disallowed_macros)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;

use support::Wav;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo-tracks");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("the old demo folder can be removed");
    }
    std::fs::create_dir_all(&dir).expect("the demo folder can be created");
    let seconds = 0.5;
    // Clean tracks.
    Wav::new(48000, 24, 1)
        .hits(60.0, -6.0, 1)
        .seconds(seconds)
        .write(&dir, "01_Kick.wav");
    Wav::new(48000, 24, 1)
        .hits(220.0, -8.0, 3)
        .seconds(seconds)
        .write(&dir, "03_Bass_DI.wav");
    // A 44.1 kHz file in a 48 kHz session.
    Wav::new(44100, 24, 1)
        .hits(180.0, -8.0, 2)
        .seconds(seconds)
        .write(&dir, "02_Snare.wav");
    // An amp-simulated guitar without its DI.
    Wav::new(48000, 24, 1)
        .hits(330.0, -10.0, 4)
        .seconds(seconds)
        .write(&dir, "04_GtrAmp.wav");
    // A mono source exported as stereo.
    Wav::new(48000, 24, 2)
        .hits(440.0, -12.0, 5)
        .identical_channels()
        .seconds(seconds)
        .write(&dir, "05_Keys.wav");
    // 16-bit audio padded into a 24-bit file.
    Wav::new(48000, 24, 1)
        .hits(520.0, -9.0, 6)
        .padded(16)
        .seconds(seconds)
        .write(&dir, "06_VocalLead.wav");
    // A few samples short.
    Wav::new(48000, 24, 1)
        .hits(660.0, -12.0, 7)
        .frames(24000 - 7)
        .write(&dir, "07_Pad.wav");
    // Number 08 is missing; this one is pushed into full scale.
    Wav::new(48000, 24, 1)
        .clipped(880.0, 6.0)
        .seconds(seconds)
        .write(&dir, "09_FX Riser.wav");
    // A truncated upload.
    Wav::new(48000, 24, 1)
        .hits(110.0, -10.0, 8)
        .seconds(seconds)
        .truncate_bytes(30000)
        .write(&dir, "10_Perc.wav");
    std::fs::write(
        dir.join("notes.txt"),
        "Song: Demo Song\nTempo: 124 BPM\nKey: A minor\nFormat: 44.1 kHz / 24-bit WAV\n",
    )
    .expect("the notes can be written");
    std::fs::write(dir.join(".DS_Store"), [0u8; 16]).expect("the stray can be written");
    println!("wrote {}", dir.display());
}
