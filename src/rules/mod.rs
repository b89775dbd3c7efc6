//! The rules: one file each, declared with `declare_rule!` and listed once in `registry!`
//! below.
//!
//! A rule declares its id, default level, typed parameters (read from the profile YAML) and
//! its documentation (the doc comment `stemlint explain` prints); it looks at the whole
//! `Delivery` and reports findings. Rules judge what the earlier stages measured: they never
//! open files or measure. Severity comes from the profile, never from the rule's code.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::model::analysis::MeasureSettings;
use crate::model::diagnostic::{Diagnostic, Level, Severity, Span};
use crate::model::record::Delivery;

/// Declares a rule: its documentation (the doc comment: what it finds, why it matters, how
/// to fix it — `stemlint explain` prints it, paragraphs re-flowed), the unit struct that
/// implements it, and its id, summary, default level and scope.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        pub struct $name:ident {
            id: $id:literal,
            summary: $summary:literal,
            level: $level:ident,
            scope: $scope:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Clone)]
        pub struct $name;

        impl $crate::rules::Declared for $name {
            const META: $crate::rules::Meta = $crate::rules::Meta {
                id: $id,
                summary: $summary,
                doc: concat!($($doc, "\n"),+),
                default_level: $crate::model::diagnostic::Level::$level,
                scope: $crate::rules::Scope::$scope,
            };
        }
    };
}

/// Lists the rules: each entry declares the rule's module and puts its type in `REGISTRY`.
macro_rules! registry {
    ($($module:ident :: $rule:ident),+ $(,)?) => {
        $(mod $module;)+

        /// Every rule, in no particular order (output is sorted).
        pub static REGISTRY: &[&dyn DynRule] = &[$(&$module::$rule),+];
    };
}

/// The id of the check of unused `ignore:` globs, which the engine runs after every rule.
pub const UNUSED_IGNORE: &str = "config/unused-ignore";

/// What every rule states about itself.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Stable id, `family/name`: a public contract.
    pub id: &'static str,
    /// One line: what it finds.
    pub summary: &'static str,
    /// The rule's doc comment as written (one source line per line); `explain()` re-flows it.
    pub doc: &'static str,
    /// Level when a profile does not mention the rule.
    pub default_level: Level,
    /// Whether the rule looks at each file alone or at the delivery as a whole.
    pub scope: Scope,
}

impl Meta {
    /// What it checks, why it matters to an engineer, how to fix it: the doc comment with
    /// each paragraph on one line, paragraphs separated by a blank line.
    pub fn explain(&self) -> String {
        let mut paragraphs: Vec<String> = vec![String::new()];
        for line in self.doc.lines() {
            let line = line.strip_prefix(' ').unwrap_or(line);
            let current = paragraphs.last_mut().expect("there is always a paragraph");
            if line.is_empty() {
                if !current.is_empty() {
                    paragraphs.push(String::new());
                }
            } else {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(line);
            }
        }
        paragraphs.retain(|paragraph| !paragraph.is_empty());
        paragraphs.join("\n\n")
    }
}

/// What a rule looks at: one file at a time, or the delivery as a whole (lengths, numbering,
/// notes, companions, the null test). A single file given on the command line gets the
/// file rules only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One file at a time: also runs on a single-file PATH.
    File,
    /// The delivery as a whole (lengths, numbering, notes, null test).
    Delivery,
}

/// What `declare_rule!` implements: the rule's id, summary, documentation, level and scope.
pub trait Declared {
    /// The rule's id, summary, documentation, default level and scope.
    const META: Meta;
}

/// A rule with typed parameters.
pub trait Rule: Declared + Clone + Sync + Send + 'static {
    /// The rule's parameters, read from the profile (unknown keys rejected).
    type Params: DeserializeOwned + Default + Send + Sync + 'static;

    /// Report into `out` what is wrong with `delivery`.
    fn check(&self, params: &Self::Params, delivery: &Delivery, out: &mut Findings);

    /// What this rule needs the measuring stages to measure, and how (a clip level, a
    /// silence floor, the null test): called for every rule of a profile, `enabled` or not,
    /// before any file is read. Most rules need nothing.
    fn configure(&self, _params: &Self::Params, _enabled: bool, _settings: &mut MeasureSettings) {}
}

pub(crate) mod util;

// The registry: one line per rule (its module and its type). Order does not matter (output
// is sorted).
registry! {
    companion_di_missing::CompanionDiMissing,
    companion_mismatch::CompanionMismatch,
    config_unused_ignore::ConfigUnusedIgnore,
    delivery_empty::DeliveryEmpty,
    delivery_external_link::DeliveryExternalLink,
    delivery_stray_file::DeliveryStrayFile,
    file_corrupt::FileCorrupt,
    file_header_size::FileHeaderSize,
    file_not_audio::FileNotAudio,
    file_unreadable::FileUnreadable,
    format_bit_depth::FormatBitDepth,
    format_channels::FormatChannels,
    format_container::FormatContainer,
    format_sample_rate::FormatSampleRate,
    length_mismatch::LengthMismatch,
    length_start_offset::LengthStartOffset,
    naming_declared_format::NamingDeclaredFormat,
    naming_numbering::NamingNumbering,
    naming_pattern::NamingPattern,
    naming_portable::NamingPortable,
    notes_meter::NotesMeter,
    notes_mismatch::NotesMismatch,
    notes_missing::NotesMissing,
    notes_tempo::NotesTempo,
    signal_clipping::SignalClipping,
    signal_dc_offset::SignalDcOffset,
    signal_fake_stereo::SignalFakeStereo,
    signal_limited::SignalLimited,
    signal_loudness::SignalLoudness,
    signal_non_finite::SignalNonFinite,
    signal_padded_bit_depth::SignalPaddedBitDepth,
    signal_phase::SignalPhase,
    signal_silent::SignalSilent,
    signal_true_peak::SignalTruePeak,
    stems_missing_group::StemsMissingGroup,
    stems_sum_mismatch::StemsSumMismatch,
}

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
    /// Report into `out` what is wrong with `delivery`.
    fn check(&self, delivery: &Delivery, out: &mut Findings);
    /// Ask the scan for what this rule needs measured (`enabled`: its level is not `off`).
    fn configure(&self, enabled: bool, settings: &mut MeasureSettings);
}

/// The object-safe face of a `Rule`, for the registry.
pub trait DynRule: Sync {
    /// The rule's declaration.
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

    fn configure(&self, enabled: bool, settings: &mut MeasureSettings) {
        self.rule.configure(&self.params, enabled, settings);
    }
}

impl<R: Rule> DynRule for R {
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
    /// Findings of `rule`, each at `severity`.
    pub fn new(rule: &'static str, severity: Severity) -> Self {
        Findings {
            rule,
            severity,
            found: Vec::new(),
        }
    }

    /// A finding about one file (`path` relative to the delivery root) or, with `None`, about
    /// the delivery as a whole, at the severity the profile gives the rule.
    pub fn report(
        &mut self,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
    ) {
        self.push(self.severity, path, message, help, None);
    }

    /// Like `report`, for a finding that happens at a place in the file: `start_s` (seconds
    /// from the file's start) and, for a stretch, `end_s` (ignored without a start).
    pub fn report_at(
        &mut self,
        path: Option<&str>,
        start_s: Option<f64>,
        end_s: Option<f64>,
        message: impl fmt::Display,
        help: impl fmt::Display,
    ) {
        let start_s = start_s.filter(|start| start.is_finite());
        let end_s = end_s.filter(|end| end.is_finite() && start_s.is_some());
        let finding = self.finding(self.severity, path, message, help, None);
        self.found.push(Diagnostic {
            start_s,
            end_s,
            ..finding
        });
    }

    /// Like `report`, with a span.
    pub fn report_span(
        &mut self,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
        span: Span,
    ) {
        self.push(self.severity, path, message, help, Some(span));
    }

    /// A finding at a severity the profile gives through one of the rule's parameters (a
    /// rule whose findings are of two kinds, each with its level in the profile).
    pub fn report_as(
        &mut self,
        severity: Severity,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
    ) {
        self.push(severity, path, message, help, None);
    }

    /// Not a finding: why the rule could not judge (the null test skipped because the files
    /// cannot be summed; another rule reports the cause). Always `info`, whatever the
    /// profile's severity for the rule, so that it never fails a run by itself.
    pub fn notice(
        &mut self,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
    ) {
        self.push(Severity::Info, path, message, help, None);
    }

    fn push(
        &mut self,
        severity: Severity,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
        span: Option<Span>,
    ) {
        let finding = self.finding(severity, path, message, help, span);
        self.found.push(finding);
    }

    fn finding(
        &self,
        severity: Severity,
        path: Option<&str>,
        message: impl fmt::Display,
        help: impl fmt::Display,
        span: Option<Span>,
    ) -> Diagnostic {
        Diagnostic {
            rule: self.rule,
            severity,
            path: path.map(str::to_owned),
            message: message.to_string(),
            help: help.to_string(),
            span,
            start_s: None,
            end_s: None,
        }
    }

    /// The findings, as diagnostics.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.found
    }
}
