use std::collections::BTreeMap;

use serde::Deserialize;

use super::util::{name_span, number_prefix};
use super::{Findings, Rule};
use crate::model::record::{Delivery, FileRecord};

declare_rule! {
    /// Looks at the track numbers that start the file names (`01_Kick`, `02_Snare`…) and finds
    /// numbers used twice and numbers missing between the lowest and the highest. A dual-mono pair
    /// (`05_Keys.L.wav`, `05_Keys.R.wav`) shares its number by design.
    ///
    /// Why it matters: the numbering is the engineer's checklist. "No track 6" means a file was
    /// forgotten, or a track was deleted and nobody said so; two track 3s mean one was exported
    /// twice or renamed in a hurry.
    ///
    /// Fix: send the missing file, or say in the notes that the number is unused on purpose;
    /// renumber duplicates.
    ///
    /// Parameters: `gaps`, `duplicates`.
    pub struct NamingNumbering {
        id: "naming/numbering",
        summary: "duplicate or missing numbers in the numeric prefixes",
        level: Warning,
        scope: Delivery,
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Report gaps in the numbering (a track number nobody has).
    pub gaps: bool,
    /// Report two files with the same number (dual-mono `.L`/`.R` partners may share one).
    pub duplicates: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            gaps: true,
            duplicates: true,
        }
    }
}

/// The name without number and `L`/`R` side, to tell a dual-mono pair from a duplicate.
fn pair_key(file: &FileRecord) -> String {
    let stem = file.stem();
    let stem = stem
        .strip_suffix(".L")
        .or_else(|| stem.strip_suffix(".R"))
        .or_else(|| stem.strip_suffix("_L"))
        .or_else(|| stem.strip_suffix("_R"))
        .or_else(|| stem.strip_suffix(" L"))
        .or_else(|| stem.strip_suffix(" R"))
        .unwrap_or(stem);
    stem.to_lowercase()
}

impl Rule for NamingNumbering {
    type Params = Params;

    fn check(&self, params: &Params, delivery: &Delivery, out: &mut Findings) {
        // Numbering is per folder: a `Tracks/` and a `Stems/` folder each count from 1.
        let mut folders: BTreeMap<&str, BTreeMap<u32, Vec<&FileRecord>>> = BTreeMap::new();
        for file in &delivery.files {
            if let Some((number, _)) = number_prefix(file.name()) {
                let folder = file.rel.rsplit_once('/').map_or("", |(folder, _)| folder);
                folders
                    .entry(folder)
                    .or_default()
                    .entry(number)
                    .or_default()
                    .push(file);
            }
        }
        for numbers in folders.values() {
            if params.duplicates {
                for (number, files) in numbers {
                    let first_key = pair_key(files[0]);
                    if files.len() < 2 || files.iter().all(|file| pair_key(file) == first_key) {
                        continue;
                    }
                    let names: Vec<&str> = files.iter().map(|file| file.name()).collect();
                    for file in files {
                        let digits = number_prefix(file.name()).map_or(1, |(_, digits)| digits);
                        out.report_span(
                            Some(&file.rel),
                            format!(
                                "track number {number} is used by {} files: {}",
                                files.len(),
                                names.join(", ")
                            ),
                            "give each track its own number in session order",
                            name_span(file, 0, digits, "duplicate number"),
                        );
                    }
                }
            }
            if params.gaps {
                let mut previous: Option<(u32, &FileRecord)> = None;
                for (number, files) in numbers {
                    if let Some((before, before_file)) = previous {
                        if *number > before + 1 {
                            let missing: Vec<String> = (before + 1..*number)
                                .take(10)
                                .map(|n| n.to_string())
                                .collect();
                            let more = if number - before - 1 > 10 {
                                ", …"
                            } else {
                                ""
                            };
                            let digits =
                                number_prefix(files[0].name()).map_or(2, |(_, digits)| digits);
                            out.report(
                                Some(&files[0].rel),
                                format!(
                                    "numbering jumps from {} to {}: no track {}{more}",
                                    before_file.name(),
                                    files[0].name(),
                                    missing.iter().map(|n| format!("{n:0>digits$}")).collect::<Vec<_>>().join(", ")
                                ),
                                "send the missing files, or note in the notes file that the numbers are unused on purpose",
                            );
                        }
                    }
                    previous = Some((*number, files[0]));
                }
            }
        }
    }
}
