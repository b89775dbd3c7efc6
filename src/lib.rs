//! stemlint: a linter for audio deliveries.
//!
//! Data flows one way, one floor per stage (see CONTRIBUTING.md): `plan` resolves each PATH
//! into deliveries with their [`profile`] → [`discover`] walks a delivery → [`media::scan`]
//! probes, decodes and analyses each file in one streaming pass (in parallel; [`stems`] taps
//! the same pass for the null test) → [`record::Delivery`] → the [`rules`] →
//! [`diagnostic::Diagnostic`]s in a [`Report`] → the [`render`]ers. Every stage hands data of
//! the [`model`], which imports nothing of ours. The library never prints.

pub mod cache;
pub mod diff;
pub mod discover;
pub mod docs;
mod engine;
pub mod error;
pub mod media;
pub mod model;
pub mod notes;
mod plan;
pub mod profile;
pub mod render;
pub mod rules;
pub mod session;
pub mod stems;

// The model's modules under their short names, for users of the library.
pub use model::report::{DeliveryReport, Report, Summary};
pub use model::{diagnostic, record};

use std::path::PathBuf;

pub use engine::Observer;
pub use error::Error;
pub use model::diagnostic::{Diagnostic, Severity};
pub use model::options::{Options, ScanMode};

struct Silent;
impl Observer for Silent {}

/// Check each delivery in `paths`.
pub fn check(paths: &[PathBuf], options: &Options) -> Result<Report, Error> {
    check_observed(paths, options, &Silent)
}

/// `check`, telling `observer` how the run progresses.
pub fn check_observed(
    paths: &[PathBuf],
    options: &Options,
    observer: &dyn Observer,
) -> Result<Report, Error> {
    engine::run(paths, options, observer)
}
