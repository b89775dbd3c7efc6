//! A REAPER project (`.rpp`, plain text): one track per file with one item at the file's
//! start, the stems in a folder track, the project's rate, tempo and meter.

use crate::model::session::Session;

/// The project file's text.
pub fn write(session: &Session) -> String {
    let mut out = String::new();
    out.push_str("<REAPER_PROJECT 0.1 \"7.0/stemlint\" 0\n");
    out.push_str("  RIPPLE 0\n");
    out.push_str("  AUTOXFADE 0\n");
    let tempo = session.tempo_bpm.unwrap_or(120.0);
    let (beats, unit) = session.meter.unwrap_or((4, 4));
    out.push_str(&format!("  TEMPO {} {beats} {unit}\n", number(tempo)));
    // The second field makes REAPER run the project at this rate.
    out.push_str(&format!("  SAMPLERATE {} 1 0\n", session.sample_rate));
    out.push_str("  <NOTES 0 2\n");
    for line in session.note.lines() {
        out.push_str(&format!("    |{line}\n"));
    }
    out.push_str("  >\n");

    let last_in_folder = session.tracks.iter().rposition(|track| track.in_folder);
    let mut serial = 0u32;
    let mut guid = || {
        serial += 1;
        format!("{{5354454D-4C49-4E54-0000-{serial:012X}}}")
    };
    let mut folder_open = false;
    for (index, track) in session.tracks.iter().enumerate() {
        if track.in_folder && !folder_open {
            if let Some(folder) = &session.folder {
                out.push_str(&format!("  <TRACK {}\n", guid()));
                out.push_str(&format!("    NAME {}\n", quoted(folder)));
                out.push_str("    ISBUS 1 1\n");
                out.push_str("  >\n");
                folder_open = true;
            }
        }
        // 1 1: opens a folder; 2 -1: the last track of one; 0 0: an ordinary track.
        let isbus = if folder_open && Some(index) == last_in_folder {
            folder_open = false;
            "2 -1"
        } else {
            "0 0"
        };
        out.push_str(&format!("  <TRACK {}\n", guid()));
        out.push_str(&format!("    NAME {}\n", quoted(&track.name)));
        out.push_str(&format!("    ISBUS {isbus}\n"));
        // REAPER tracks carry an even number of channels, at least two.
        let channels = u32::from(track.channels).max(2).div_ceil(2) * 2;
        out.push_str(&format!("    NCHAN {channels}\n"));
        out.push_str("    <ITEM\n");
        out.push_str(&format!("      POSITION {}\n", number(track.position_s())));
        out.push_str(&format!("      LENGTH {}\n", number(track.length_s())));
        out.push_str("      LOOP 0\n");
        out.push_str(&format!("      NAME {}\n", quoted(&track.name)));
        out.push_str("      SOFFS 0\n");
        out.push_str(&format!("      <SOURCE {}\n", source_type(track.container)));
        out.push_str(&format!("        FILE {}\n", quoted(&track.file)));
        out.push_str("      >\n");
        out.push_str("    >\n");
        out.push_str("  >\n");
    }
    out.push_str(">\n");
    out
}

/// REAPER's source type for a container.
fn source_type(container: &str) -> &'static str {
    match container {
        "flac" => "FLAC",
        "mp3" => "MP3",
        "ogg" => "VORBIS",
        _ => "WAVE",
    }
}

/// A number as REAPER reads it: the shortest decimal that reads back as the same `f64`, so a
/// position of `frames / rate` seconds reads back to the sample.
fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else {
        "0".to_owned()
    }
}

/// A string in the quotes RPP uses: double quotes, or single quotes or back-quotes when the
/// text holds a double quote (RPP has no escapes).
pub fn quoted(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    for quote in ['"', '\'', '`'] {
        if !text.contains(quote) {
            return format!("{quote}{text}{quote}");
        }
    }
    format!("\"{}\"", text.replace('"', "'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_it_can() {
        assert_eq!(quoted("01 Kick"), "\"01 Kick\"");
        assert_eq!(quoted("say \"hi\""), "'say \"hi\"'");
        assert_eq!(quoted("it's \"x\""), "`it's \"x\"`");
        assert_eq!(quoted("a\"b'c`d"), "\"a'b'c`d\"");
    }

    #[test]
    fn numbers_read_back_to_the_sample() {
        for (frames, rate) in [(4_800u64, 48_000u32), (1_234_567, 44_100), (7, 96_000)] {
            let text = number(frames as f64 / f64::from(rate));
            let back: f64 = text.parse().expect("a number");
            assert_eq!((back * f64::from(rate)).round() as u64, frames);
        }
    }
}
