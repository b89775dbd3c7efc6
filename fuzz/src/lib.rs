//! What the fuzz targets share: which panics count as crashes.

use std::panic::{self, PanicHookInfo};

/// Abort (an AFL crash) on every panic except arithmetic overflow inside a dependency.
///
/// `cargo afl build` compiles every crate with overflow checks and debug assertions. Our own
/// code must pass them. Symphonia's wrapping arithmetic on hostile headers does not panic in the
/// release binary, and in a debug build `media::scan` catches the panic and reports the file as
/// corrupt; counting it as a crash would stop AFL from exploring past it. Any other panic, in
/// our code or a dependency's, is a finding.
pub fn install_panic_hook() {
    panic::set_hook(Box::new(|info| {
        if !is_dependency_overflow(info) {
            eprintln!("{info}");
            std::process::abort();
        }
    }));
}

fn is_dependency_overflow(info: &PanicHookInfo<'_>) -> bool {
    let message = stemlint::media::panic_message(info.payload());
    let in_dependency = info
        .location()
        .is_some_and(|location| location.file().contains("/.cargo/registry/"));
    in_dependency && message.starts_with("attempt to") && message.contains("overflow")
}
