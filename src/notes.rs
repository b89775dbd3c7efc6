//! Reads what people write in a delivery's notes: tempo, meter, sample rate, bit depth and the
//! file names they list. Lenient by design (`Tempo: 124 BPM`, `124bpm`, `BPM = 92.5`, `♩ = 96`,
//! `Time signature: 6/8`, `Meter 7/8`, `48k/24bit`; `free time, no click` for music without a
//! grid), and every finding keeps its byte range so a diagnostic can point at it.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::notes::{DeclaredDepth, Found, NotesFacts};

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the notes patterns are valid regexes")
}

static TEMPO_AFTER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(\d{2,3}(?:[.,]\d{1,3})?)\s*(?:bpm|b\.p\.m\.?)"));
static TEMPO_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?:bpm|tempo|tempi)\b(?:[ \t:=~≈(-]|\bis\b|\bof\b|\bat\b|\bapprox\.?|\babout\b|\baround\b|\bca\.)*(\d{2,3}(?:[.,]\d{1,3})?)\b",
    )
});
/// A metronome mark: `♩ = 96`, `♩. = 60` (the dotted beat of a compound meter, read as
/// written), `q = 120`, `quarter note = 88`, `crotchet = 72`, `M.M. = 100`.
static METRONOME: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)(?:♩|𝅘𝅥|\bquarter(?:[ -]note)?|\bcrotchet|\bq|\bm\.\s?m\.|\bmm)\s*\.?\s*[=:]\s*(\d{2,3}(?:[.,]\d{1,3})?)\b",
    )
});
static TEMPO_WORD: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)\b(?:bpm|tempo)\b"));
/// The music keeps no tempo or meter, said so: nothing to set a grid to.
static FREE_TIME: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?:free[ -]time|free tempo|rubato|no click|not (?:played )?to (?:a )?click|(?:played |recorded )?without (?:a )?click|no fixed tempo|senza misura|unmetered|non-metered|unmeasured)\b",
    )
});
static METER: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(\d{1,2})\s*/\s*(1|2|4|8|16|32)\b"));
static METER_WORDS: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(common time|cut time|alla breve)\b"));
static METER_WORD: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(?:meter|metre|time signature|time sig)\b"));
static RATE_KHZ: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(\d{2,3}(?:[.,]\d{1,2})?)\s*(?:khz|k)(?:\b|(\d{2})\b)"));
static RATE_HZ: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)\b(\d{5,6})\s*(?:hz)?\b"));
static DEPTH: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(8|16|20|24|32|64)\s*-?\s*(?:bits?|b)\b(\s*(?:float|floating[ -]point|fp))?|\b(32|64)\s*-?\s*(?:f|fp|float)\b",
    )
});
static FILE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)(?:^|[\s,;:(\[])([\w][\w .+-]*?\.(?:wav|wave|bwf|aif|aiff|flac))\b")
});

const RATES: &[u32] = &[
    8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000, 352800, 384000,
];

fn parse_number(text: &str) -> Option<f64> {
    text.replace(',', ".").parse().ok()
}

/// Whole-line range around `offset`.
fn line_of(text: &str, offset: usize) -> Range<usize> {
    let start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let end = text[offset..]
        .find('\n')
        .map_or(text.len(), |newline| offset + newline);
    start..end
}

/// Read tempo, meter, sample rate and bit depth out of a notes text, with where each was
/// found.
pub fn parse(text: &str) -> NotesFacts {
    let mut facts = NotesFacts::default();

    for captures in TEMPO_AFTER
        .captures_iter(text)
        .chain(TEMPO_BEFORE.captures_iter(text))
        .chain(METRONOME.captures_iter(text))
    {
        let number = captures.get(1).expect("group 1 always takes part");
        if let Some(bpm) = parse_number(number.as_str()).filter(|bpm| (20.0..=400.0).contains(bpm))
        {
            if !facts
                .tempos
                .iter()
                .any(|found| found.range == number.range())
            {
                facts.tempos.push(Found {
                    value: bpm,
                    range: number.range(),
                });
            }
        }
    }
    facts.tempos.sort_by_key(|found| found.range.start);
    facts.free_time = FREE_TIME
        .find_iter(text)
        .map(|found| found.range())
        .collect();
    for word in TEMPO_WORD.find_iter(text) {
        let line = line_of(text, word.start());
        let has_value = facts
            .tempos
            .iter()
            .any(|found| line.contains(&found.range.start));
        if !has_value && !facts.tempo_lines.contains(&line) {
            facts.tempo_lines.push(line);
        }
    }

    for captures in METER.captures_iter(text) {
        let whole = captures.get(0).expect("group 0 is the match");
        // `12/08/2024` is a date, not a meter.
        let before = &text[..whole.start()];
        let after = &text[whole.end()..];
        if before.ends_with('/')
            || after.starts_with('/')
            || after.starts_with(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        let (Ok(upper), Ok(lower)) = (captures[1].parse::<u32>(), captures[2].parse::<u32>())
        else {
            continue;
        };
        if (1..=32).contains(&upper) {
            facts.meters.push(Found {
                value: (upper, lower),
                range: whole.range(),
            });
        }
    }
    for found in METER_WORDS.find_iter(text) {
        let value = if found.as_str().eq_ignore_ascii_case("common time") {
            (4, 4)
        } else {
            (2, 2)
        };
        facts.meters.push(Found {
            value,
            range: found.range(),
        });
    }
    facts.meters.sort_by_key(|found| found.range.start);
    for word in METER_WORD.find_iter(text) {
        let line = line_of(text, word.start());
        let has_value = facts
            .meters
            .iter()
            .any(|found| line.contains(&found.range.start));
        if !has_value && !facts.meter_lines.contains(&line) {
            facts.meter_lines.push(line);
        }
    }

    for captures in RATE_KHZ.captures_iter(text) {
        let number = captures.get(1).expect("group 1 always takes part");
        let Some(khz) = parse_number(number.as_str()) else {
            continue;
        };
        let hz = (khz * 1000.0).round() as u32;
        let hz = if hz == 44000 {
            44100
        } else if hz == 88000 {
            88200
        } else {
            hz
        };
        if RATES.contains(&hz) {
            let end = captures.get(0).map_or(number.end(), |whole| whole.end());
            let suffix_depth = captures.get(2);
            let rate_end = suffix_depth.map_or(end, |depth| depth.start());
            facts.sample_rates.push(Found {
                value: hz,
                range: number.start()..rate_end,
            });
            // The P&E naming convention `48k24` carries the depth after the rate.
            if let Some(depth) = suffix_depth {
                if let Ok(bits) = depth.as_str().parse::<u16>() {
                    if matches!(bits, 16 | 24 | 32) {
                        facts.bit_depths.push(Found {
                            value: DeclaredDepth {
                                bits,
                                float: bits == 32,
                            },
                            range: depth.range(),
                        });
                    }
                }
            }
        }
    }
    for captures in RATE_HZ.captures_iter(text) {
        let number = captures.get(1).expect("group 1 always takes part");
        if let Ok(hz) = number.as_str().parse::<u32>() {
            let overlaps = facts
                .sample_rates
                .iter()
                .any(|found| found.range.contains(&number.start()));
            if RATES.contains(&hz) && !overlaps {
                facts.sample_rates.push(Found {
                    value: hz,
                    range: captures
                        .get(0)
                        .map_or(number.range(), |whole| whole.range()),
                });
            }
        }
    }
    facts.sample_rates.sort_by_key(|found| found.range.start);

    for captures in DEPTH.captures_iter(text) {
        let whole = captures.get(0).expect("group 0 is the match");
        let (bits, float) = match (captures.get(1), captures.get(3)) {
            (Some(bits), _) => (bits.as_str(), captures.get(2).is_some()),
            (None, Some(bits)) => (bits.as_str(), true),
            (None, None) => continue,
        };
        if let Ok(bits) = bits.parse::<u16>() {
            facts.bit_depths.push(Found {
                value: DeclaredDepth {
                    bits,
                    float: float || bits == 64,
                },
                range: whole.range(),
            });
        }
    }
    facts.bit_depths.sort_by_key(|found| found.range.start);

    for captures in FILE_NAME.captures_iter(text) {
        let name = captures.get(1).expect("group 1 always takes part");
        facts.files.push(Found {
            value: name.as_str().trim().to_owned(),
            range: name.range(),
        });
    }
    facts
}

/// What a file name states (`AB_Song_Drums_48k24`, `…_96kHz_24bit`): the same reading as the
/// notes', over the name without its extension, with `_` and `-` read as spaces.
pub fn parse_name(stem: &str) -> NotesFacts {
    // Separators are word characters to a regex `\b`; spaces of the same length keep the byte
    // offsets valid for a span over the name.
    let spaced: String = stem
        .chars()
        .map(|c| if c == '_' || c == '-' { ' ' } else { c })
        .collect();
    parse(&spaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempos(text: &str) -> Vec<f64> {
        parse(text)
            .tempos
            .into_iter()
            .map(|found| found.value)
            .collect()
    }

    #[test]
    fn reads_tempo_written_many_ways() {
        assert_eq!(tempos("Tempo: 124 BPM"), [124.0]);
        assert_eq!(tempos("124bpm, key of A"), [124.0]);
        assert_eq!(tempos("BPM = 92.5"), [92.5]);
        assert_eq!(tempos("tempo 88,5"), [88.5]);
        assert_eq!(tempos("120 bpm until bar 33, then 128 bpm"), [120.0, 128.0]);
        assert!(tempos("Recorded on 12 March at Studio 2").is_empty());
        assert_eq!(
            parse("Tempo: TBD\n").tempo_lines,
            vec![Range { start: 0, end: 10 }]
        );
    }

    #[test]
    fn reads_metronome_marks() {
        assert_eq!(tempos("♩ = 96, 4/4"), [96.0]);
        assert_eq!(tempos("♩.=60 (6/8)"), [60.0]);
        assert_eq!(tempos("q=120"), [120.0]);
        assert_eq!(tempos("Quarter note = 88"), [88.0]);
        assert_eq!(tempos("crotchet: 72"), [72.0]);
        assert_eq!(tempos("M.M. = 100"), [100.0]);
        // Not a metronome mark: a frequency, a take number, a length.
        assert!(tempos("Q at 1.2 kHz, 3 dB").is_empty());
        assert!(tempos("take 12 = keeper").is_empty());
    }

    #[test]
    fn free_time_is_said_not_measured() {
        let free = |text: &str| parse(text).free_time.len();
        assert_eq!(free("Free time, no click."), 2);
        assert_eq!(free("Piano intro played rubato"), 1);
        assert_eq!(free("Recorded without a click; unmetered"), 2);
        // Saying that the notes lack a tempo is not saying the music has none.
        assert_eq!(free("no tempo info yet, sorry"), 0);
        assert_eq!(free("ad-lib vocals on track 7"), 0);
    }

    #[test]
    fn reads_meters_but_not_dates() {
        let meters = |text: &str| {
            parse(text)
                .meters
                .into_iter()
                .map(|found| found.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(meters("Time signature: 6/8"), [(6, 8)]);
        assert_eq!(
            meters("Meter 7/8 in the bridge, else 4/4"),
            [(7, 8), (4, 4)]
        );
        assert_eq!(meters("common time"), [(4, 4)]);
        assert!(meters("mixed on 12/08/2024").is_empty());
        assert_eq!(parse("Meter: ?\n").meter_lines.len(), 1);
    }

    #[test]
    fn reads_format_declarations() {
        let facts = parse("Sample rate: 44.1 kHz, 16-bit\nAlso 48k24 and 96000 Hz, 32-bit float");
        let rates: Vec<u32> = facts.sample_rates.iter().map(|found| found.value).collect();
        assert_eq!(rates, [44100, 48000, 96000]);
        let depths: Vec<(u16, bool)> = facts
            .bit_depths
            .iter()
            .map(|found| (found.value.bits, found.value.float))
            .collect();
        assert_eq!(depths, [(16, false), (24, false), (32, true)]);
    }

    #[test]
    fn lists_file_names() {
        let facts = parse("Files:\n01_Kick.wav\n02_Snare.WAV, 03 Bass DI.wav");
        let names: Vec<&str> = facts
            .files
            .iter()
            .map(|found| found.value.as_str())
            .collect();
        assert_eq!(names, ["01_Kick.wav", "02_Snare.WAV", "03 Bass DI.wav"]);
    }
}
