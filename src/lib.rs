//! stemlint: a linter for audio deliveries.

pub mod media;
pub mod record;
