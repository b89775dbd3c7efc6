//! The outcome of a run, as the renderers read it.

use super::diagnostic::{Diagnostic, Severity};
use super::record::Delivery;

/// The outcome of a run: one entry per delivery (or per section of a delivery).
///
/// [`check`](crate::check) makes one; the renderers in [`render`](crate::render) turn it
/// into text. An empty folder, for instance, is a delivery with one error:
///
/// ```
/// use stemlint::{check, render, Options, Severity};
///
/// let folder = std::env::temp_dir().join(format!("stemlint-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&folder)?;
/// let report = check(&[folder.clone()], &Options::default())?;
///
/// let findings = &report.deliveries[0].diagnostics;
/// assert_eq!(findings[0].rule, "delivery/empty");
/// assert_eq!(report.worst(), Some(Severity::Error));
/// assert_eq!(report.summary().errors, 1);
/// assert!(render::json::render(&report).contains(r#""rule": "delivery/empty""#));
/// # std::fs::remove_dir(&folder)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Report {
    /// One entry per delivery or section, in the order of the PATHs.
    pub deliveries: Vec<DeliveryReport>,
}

/// One delivery (or section) and what the rules found in it.
#[derive(Debug)]
pub struct DeliveryReport {
    /// The delivery as scanned: its files, notes and strays.
    pub delivery: Delivery,
    /// Sorted: delivery-wide findings first, then by path, then by rule.
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts for a summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Audio files checked.
    pub files: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity info.
    pub infos: usize,
}

impl Summary {
    /// Add another summary's counts to this one.
    pub fn add(&mut self, other: Summary) {
        self.files += other.files;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }
}

impl DeliveryReport {
    /// The counts of this delivery.
    pub fn summary(&self) -> Summary {
        let count = |severity| {
            self.diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.severity == severity)
                .count()
        };
        Summary {
            files: self.delivery.files.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}

impl Report {
    /// The counts of the whole run.
    pub fn summary(&self) -> Summary {
        let mut total = Summary::default();
        for delivery in &self.deliveries {
            total.add(delivery.summary());
        }
        total
    }

    /// The most severe finding of the run, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.deliveries
            .iter()
            .flat_map(|delivery| &delivery.diagnostics)
            .map(|diagnostic| diagnostic.severity)
            .max()
    }
}
