//! AFL target: our RIFF/RF64/BW64 header reader on arbitrary bytes.

use std::io::Cursor;

use stemlint::media::riff::read_header;

fn main() {
    stemlint_fuzz::install_panic_hook();
    afl::fuzz_nohook!(|data: &[u8]| {
        let _ = read_header(&mut Cursor::new(data), data.len() as u64);
    });
}
