//! The rules: one file each, registered in `REGISTRY` below.
//!
//! A rule declares its id, default level, typed parameters (read from the profile YAML) and an
//! explanation; it looks at the whole `Delivery` and reports `Finding`s. Severity comes from
//! the profile, never from the rule's code.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::diagnostic::{Diagnostic, Level, Severity, Span};
use crate::record::Delivery;

mod companion_di_missing;
mod config_unused_ignore;
mod delivery_empty;
mod delivery_external_link;
mod delivery_stray_file;
mod file_corrupt;
mod file_not_audio;
mod file_unreadable;
mod format_bit_depth;
mod format_channels;
mod format_container;
mod format_sample_rate;
mod length_mismatch;
mod naming_declared_format;
mod naming_numbering;
mod naming_pattern;
mod naming_portable;
mod notes_meter;
mod notes_mismatch;
mod notes_missing;
mod notes_tempo;
mod signal_clipping;
mod signal_dc_offset;
mod signal_fake_stereo;
mod signal_limited;
mod signal_loudness;
mod signal_non_finite;
mod signal_padded_bit_depth;
mod signal_phase;
mod signal_silent;
mod signal_true_peak;
// stems, sync and companions
mod companion_mismatch;
mod length_start_offset;
mod stems_missing_group;
mod stems_sum_mismatch;

pub(crate) mod util;

/// The id of the check of unused `ignore:` globs, which the engine runs after every rule.
pub const UNUSED_IGNORE: &str = "config/unused-ignore";

/// What every rule states about itself.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Stable id, `family/name`: a public contract.
    pub id: &'static str,
    /// One line: what it finds.
    pub summary: &'static str,
    /// What it checks, why it matters to an engineer, how to fix it (Markdown-ish text).
    pub explain: &'static str,
    /// Level when a profile does not mention the rule.
    pub default_level: Level,
    pub scope: Scope,
}

/// What a rule looks at: one file at a time, or the delivery as a whole (lengths, numbering,
/// notes, companions, the null test). A single file given on the command line gets the
/// file rules only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    File,
    Delivery,
}

/// A rule with typed parameters.
pub trait Rule: Sync + Send + 'static {
    type Params: DeserializeOwned + Default + Send + Sync + 'static;
    const META: Meta;
    fn check(&self, params: &Self::Params, delivery: &Delivery, out: &mut Findings);
}

/// The registry: one line per rule. Order does not matter (output is sorted).
pub static REGISTRY: &[&dyn DynRule] = &[
    &config_unused_ignore::ConfigUnusedIgnore,
    &file_unreadable::FileUnreadable,
    &file_corrupt::FileCorrupt,
    &file_not_audio::FileNotAudio,
    &format_container::FormatContainer,
    &format_sample_rate::FormatSampleRate,
    &format_bit_depth::FormatBitDepth,
    &format_channels::FormatChannels,
    &length_mismatch::LengthMismatch,
    &naming_pattern::NamingPattern,
    &naming_numbering::NamingNumbering,
    &naming_portable::NamingPortable,
    &naming_declared_format::NamingDeclaredFormat,
    &companion_di_missing::CompanionDiMissing,
    &notes_missing::NotesMissing,
    &notes_tempo::NotesTempo,
    &notes_meter::NotesMeter,
    &notes_mismatch::NotesMismatch,
    &signal_silent::SignalSilent,
    &signal_clipping::SignalClipping,
    &signal_fake_stereo::SignalFakeStereo,
    &signal_padded_bit_depth::SignalPaddedBitDepth,
    &signal_dc_offset::SignalDcOffset,
    &signal_phase::SignalPhase,
    &signal_limited::SignalLimited,
    &signal_true_peak::SignalTruePeak,
    &signal_loudness::SignalLoudness,
    &signal_non_finite::SignalNonFinite,
    &delivery_empty::DeliveryEmpty,
    &delivery_external_link::DeliveryExternalLink,
    &delivery_stray_file::DeliveryStrayFile,
    // stems, sync and companions
    &stems_sum_mismatch::StemsSumMismatch,
    &stems_missing_group::StemsMissingGroup,
    &length_start_offset::LengthStartOffset,
    &companion_mismatch::CompanionMismatch,
];

/// Look a rule up by id.
pub fn find(id: &str) -> Option<&'static dyn DynRule> {
    REGISTRY.iter().copied().find(|rule| rule.meta().id == id)
}

/// Every rule id, sorted.
pub fn ids() -> Vec<&'static str> {
    let mut ids: Vec<_> = REGISTRY.iter().map(|rule| rule.meta().id).collect();
    ids.sort_unstable();
    ids
}

/// A rule whose parameters have been read from a profile.
pub trait Prepared: Send + Sync {
    fn check(&self, delivery: &Delivery, out: &mut Findings);
}

/// The object-safe face of a `Rule`, for the registry.
pub trait DynRule: Sync {
    fn meta(&self) -> Meta;
    /// Read the rule's parameters from the profile's mapping (unknown keys are errors).
    fn prepare(&self, params: serde_yaml::Value) -> Result<Box<dyn Prepared>, serde_yaml::Error>;
}

struct WithParams<R: Rule> {
    rule: R,
    params: R::Params,
}

impl<R: Rule> Prepared for WithParams<R> {
    fn check(&self, delivery: &Delivery, out: &mut Findings) {
        self.rule.check(&self.params, delivery, out);
    }
}

impl<R: Rule + Clone> DynRule for R {
    fn meta(&self) -> Meta {
        R::META
    }

    fn prepare(&self, params: serde_yaml::Value) -> Result<Box<dyn Prepared>, serde_yaml::Error> {
        Ok(Box::new(WithParams {
            rule: self.clone(),
            params: parse_params::<R::Params>(params)?,
        }))
    }
}

/// Parameters from a profile mapping; a missing mapping (`null`) means all defaults.
pub fn parse_params<P: DeserializeOwned + Default>(
    params: serde_yaml::Value,
) -> Result<P, serde_yaml::Error> {
    match params {
        serde_yaml::Value::Null => Ok(P::default()),
        serde_yaml::Value::Mapping(ref map) if map.is_empty() => Ok(P::default()),
        other => serde_yaml::from_value(other),
    }
}

/// Where a rule reports what it found; the engine adds the rule id and the severity.
pub struct Findings {
    rule: &'static str,
    severity: Severity,
    found: Vec<Diagnostic>,
}

impl Findings {
    pub fn new(rule: &'static str, severity: Severity) -> Self {
        Findings {
            rule,
            severity,
            found: Vec::new(),
        }
    }

    /// A finding about one file (`path` relative to the delivery root) or, with `None`, about
    /// the delivery as a whole.
    pub fn report(
        &mut self,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
    ) -> &mut Diagnostic {
        self.found.push(Diagnostic {
            rule: self.rule,
            severity: self.severity,
            path: path.map(str::to_owned),
            message: message.to_string(),
            help: help.to_string(),
            span: None,
        });
        self.found.last_mut().expect("a finding was just pushed")
    }

    /// Like `report`, with a span.
    pub fn report_span(
        &mut self,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
        span: Span,
    ) {
        self.report(path, message, help).span = Some(span);
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.found
    }
}

/// The measurement settings of the analysis pass, from the profile's signal rules.
pub fn analysis_settings(
    profile: &crate::profile::Profile,
) -> Result<crate::media::analysis::AnalysisSettings, crate::error::Error> {
    let clipping: signal_clipping::Params = profile.params("signal/clipping")?;
    let silent: signal_silent::Params = profile.params("signal/silent")?;
    Ok(crate::media::analysis::AnalysisSettings {
        clip_level_dbfs: clipping.level_dbfs,
        clip_min_run: clipping.min_run,
        silence_floor_dbfs: silent.floor_dbfs,
    })
}

/// The text `stemlint explain` prints: the rule's explanation, its level in each built-in
/// profile and the parameters each sets.
pub fn explain_text(meta: Meta) -> String {
    let mut out = format!("{} — {}\n\n{}\n\n", meta.id, meta.summary, meta.explain);
    out.push_str("Level and parameters in the built-in profiles:\n");
    for name in crate::profile::builtin_names() {
        let Ok(profile) = crate::profile::load(name, None) else {
            continue;
        };
        out.push_str(&format!("  {name}: {}", profile.level(meta.id).as_str()));
        if let Some(setting) = profile.rules.get(meta.id) {
            if !setting.params.is_empty() {
                let yaml = serde_yaml::to_string(&setting.params).unwrap_or_default();
                let flat: Vec<&str> = yaml.lines().collect();
                out.push_str(&format!(" ({})", flat.join("; ")));
            }
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "\nChange it in stemlint.yaml:\n  rules:\n    {}:\n      severity: warning   # error | warning | info | off\n",
        meta.id
    ));
    out
}

/// The README's rule table (Markdown), generated from the registry and the built-in profiles;
/// a test keeps the README in step with it.
pub fn markdown_table() -> String {
    let names = crate::profile::builtin_names();
    let profiles: Vec<_> = names
        .iter()
        .filter_map(|name| crate::profile::load(name, None).ok())
        .collect();
    let mut out = format!("| rule | {} | finds |\n", names.join(" | "));
    out.push_str(&format!("|---|{}---|\n", "---|".repeat(names.len())));
    for id in ids() {
        let Some(rule) = find(id) else { continue };
        let levels: Vec<&str> = profiles
            .iter()
            .map(|profile| profile.level(id).as_str())
            .collect();
        out.push_str(&format!(
            "| `{id}` | {} | {} |\n",
            levels.join(" | "),
            rule.meta().summary.replace('|', "\\|")
        ));
    }
    out
}
