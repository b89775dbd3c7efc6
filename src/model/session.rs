//! A DAW session to write for a delivery (`stemlint session`): what goes on which track, and
//! where. Built by `crate::session` from a checked delivery; written by its writers.

use std::path::PathBuf;

/// The session: project settings and one track per file, in delivery order.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The project's sample rate (the files' most common rate).
    pub sample_rate: u32,
    /// From the notes, where they state one.
    pub tempo_bpm: Option<f64>,
    pub meter: Option<(u32, u32)>,
    /// A note for the project (what it was written from).
    pub note: String,
    pub tracks: Vec<SessionTrack>,
    /// Name of the folder track holding the stems; None when the delivery is not stems.
    pub folder: Option<String>,
}

/// One file on its own track.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionTrack {
    /// The file name without its extension.
    pub name: String,
    /// The file's path relative to the project file, `/`-separated.
    pub file: String,
    /// Where the file is on disk.
    pub path: PathBuf,
    /// Where the item starts, in frames of the file's own rate (its BWF time reference less
    /// the earliest one of the delivery; 0 without one).
    pub position_frames: u64,
    pub length_frames: u64,
    pub sample_rate: u32,
    pub channels: u16,
    /// True for a track inside the stems folder (the mix stays outside it).
    pub in_folder: bool,
    /// The file's container, for the writer's source type (`wav`, `flac`…).
    pub container: &'static str,
}

impl SessionTrack {
    pub fn position_s(&self) -> f64 {
        self.position_frames as f64 / f64::from(self.sample_rate.max(1))
    }

    pub fn length_s(&self) -> f64 {
        self.length_frames as f64 / f64::from(self.sample_rate.max(1))
    }
}
