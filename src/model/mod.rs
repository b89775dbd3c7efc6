//! The model: the data every stage hands to the next (what a file is and measured, a
//! delivery, a finding, a report). It imports nothing else of stemlint, so any layer can
//! use it and it can use none of them (`tests/architecture.rs` keeps it so).

pub mod analysis;
pub mod diagnostic;
pub mod diff;
pub mod notes;
pub mod null_test;
pub mod options;
pub mod pattern;
pub mod record;
pub mod report;
pub mod session;
