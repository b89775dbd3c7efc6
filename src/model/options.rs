//! How a run is asked for: which profile or config, how much of each file to read, how many
//! threads.

use std::path::PathBuf;

/// How much of each file to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// Decode every sample and analyse it.
    Full,
    /// Headers only: no sample decode, no analysis.
    Fast,
}

/// How to run a check.
#[derive(Debug, Clone)]
pub struct Options {
    /// A built-in profile name or a profile YAML path; overrides the config's `profile:`.
    pub profile: Option<String>,
    /// A config file to use instead of each delivery's `stemlint.yaml`.
    pub config: Option<PathBuf>,
    /// Full decode and analysis, or headers only (`--fast`).
    pub mode: ScanMode,
    /// Worker threads; None for one per core.
    pub jobs: Option<usize>,
    /// A directory to keep each file's scan result in between runs (`crate::cache`); None
    /// scans every file every time.
    pub cache: Option<PathBuf>,
    /// Also measure each file's curves over time (waveform overview, short-term loudness)
    /// for a report's plots (`Analysis::series`).
    pub series: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            profile: None,
            config: None,
            mode: ScanMode::Full,
            jobs: None,
            cache: None,
            series: false,
        }
    }
}
