//! The outcome of a run, as the renderers read it.

use super::diagnostic::{Diagnostic, Severity};
use super::record::Delivery;

/// The outcome of a run: one entry per delivery (or per section of a delivery).
#[derive(Debug)]
pub struct Report {
    pub deliveries: Vec<DeliveryReport>,
}

#[derive(Debug)]
pub struct DeliveryReport {
    pub delivery: Delivery,
    /// Sorted: delivery-wide findings first, then by path, then by rule.
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts for a summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn add(&mut self, other: Summary) {
        self.files += other.files;
        self.errors += other.errors;
        self.warnings += other.warnings;
        self.infos += other.infos;
    }
}

impl DeliveryReport {
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
