//! What changed between two versions of a delivery (`stemlint diff OLD NEW`), as the
//! renderers read it. The stage that measures it is `crate::diff`.

use serde::Serialize;

/// The comparison of two deliveries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// The roots as the user gave them.
    pub old: String,
    pub new: String,
    /// One entry per file of either side: pairs in OLD's order, then files only in NEW.
    pub files: Vec<FileDiff>,
    /// The balance of the stems in each version, for a stems delivery (a mix present or a
    /// stems profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stems: Option<StemBalance>,
}

impl DiffReport {
    /// Files that changed and that no `--expect-changed` glob allowed.
    pub fn unexpected(&self) -> impl Iterator<Item = &FileDiff> {
        self.files
            .iter()
            .filter(|file| file.changed() && !file.expected)
    }

    /// Counts for a summary line.
    pub fn summary(&self) -> DiffSummary {
        let mut summary = DiffSummary::default();
        for file in &self.files {
            match file.verdict {
                Verdict::Identical => summary.identical += 1,
                Verdict::Added => summary.added += 1,
                Verdict::Removed => summary.removed += 1,
                Verdict::Changed | Verdict::SameAudio => summary.changed += 1,
            }
            if file.old.is_some() && file.new.is_some() && file.old != file.new {
                summary.renamed += 1;
            }
            if file.changed() && !file.expected {
                summary.unexpected += 1;
            }
        }
        summary
    }
}

/// Counts of a diff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    pub identical: usize,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
    pub renamed: usize,
    /// Changed files no `--expect-changed` glob allowed.
    pub unexpected: usize,
}

/// One file of OLD, NEW or both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileDiff {
    /// Relative path in OLD (None for an added file).
    pub old: Option<String>,
    /// Relative path in NEW (None for a removed file).
    pub new: Option<String>,
    pub verdict: Verdict,
    /// What changed, in the order an engineer reads it; empty for an identical file.
    pub changes: Vec<Change>,
    /// An `--expect-changed` glob matched the file's name in OLD or NEW.
    pub expected: bool,
}

impl FileDiff {
    pub fn changed(&self) -> bool {
        self.verdict != Verdict::Identical
    }

    /// The name to show: NEW's, else OLD's.
    pub fn name(&self) -> &str {
        self.new.as_deref().or(self.old.as_deref()).unwrap_or("")
    }
}

/// The overall outcome for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Same audio, same header (renamed files say so in `changes`).
    Identical,
    /// Bit-identical audio, but the header, metadata or container changed.
    SameAudio,
    /// The audio changed.
    Changed,
    Added,
    Removed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Identical => "identical",
            Verdict::SameAudio => "same audio",
            Verdict::Changed => "changed",
            Verdict::Added => "added",
            Verdict::Removed => "removed",
        }
    }
}

/// Which end of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum End {
    Head,
    Tail,
}

/// A span of the NEW file's timeline, seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeRange {
    pub start_s: f64,
    pub end_s: f64,
}

/// One header field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// `bext.origination_date`, `ixml`, `format tag`, `container`…
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One thing that changed in a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Change {
    /// The same audio (or a changed version of it, see the other changes) under another name.
    Renamed {
        from: String,
        to: String,
    },
    /// Header or metadata fields (bext, iXML, format tag, container, codec).
    Header {
        fields: Vec<FieldChange>,
    },
    /// Sample rate, bit depth, sample format or channel count.
    Format {
        fields: Vec<FieldChange>,
    },
    /// The whole file louder (+) or quieter (-) by the same amount.
    Gain {
        db: f64,
        polarity_inverted: bool,
    },
    /// The audio sits `frames` later (+) or earlier (-) in a file of the same length.
    Offset {
        frames: i64,
        seconds: f64,
    },
    /// Frames cut from one end.
    Trimmed {
        end: End,
        frames: u64,
        seconds: f64,
    },
    /// Frames added at one end; `silent` when they hold digital silence.
    Extended {
        end: End,
        frames: u64,
        seconds: f64,
        silent: bool,
    },
    /// The audio differs in these ranges (NEW's timeline); `residual_db` is the level of the
    /// difference against OLD's level over the compared span.
    Content {
        ranges: Vec<TimeRange>,
        residual_db: f64,
    },
    /// Not the same material at all (`correlation` of the two over the compared span).
    Different {
        correlation: Option<f64>,
    },
    /// The two could not be compared sample by sample (and why).
    NotCompared {
        reason: String,
    },
    /// A side did not decode.
    Unreadable {
        side: Side,
        message: String,
    },
    Added,
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Old,
    New,
}

/// Each stem's loudness and share of the stems' summed power, in both versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StemBalance {
    /// The mix in each version (relative paths), when there is one.
    pub mix_old: Option<String>,
    pub mix_new: Option<String>,
    /// The mix's integrated loudness in each version, LUFS.
    pub mix_old_lufs: Option<f64>,
    pub mix_new_lufs: Option<f64>,
    pub stems: Vec<StemLevel>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StemLevel {
    /// NEW's name, else OLD's.
    pub name: String,
    pub old_lufs: Option<f64>,
    pub new_lufs: Option<f64>,
    /// Share of the sum of the stems' loudness powers, 0..1.
    pub old_share: Option<f64>,
    pub new_share: Option<f64>,
    /// `new_lufs - old_lufs`, LU.
    pub change_lu: Option<f64>,
}
