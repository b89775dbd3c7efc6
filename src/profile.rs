//! Profiles (the built-in `rules/*.yaml`, or a user's YAML file) and a delivery's
//! `stemlint.yaml`: typed serde structs, unknown keys rejected, locations kept for errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::error::Error;
use crate::model::analysis::MeasureSettings;
use crate::model::diagnostic::{Level, Severity};
use crate::rules::{self, Meta, Prepared};

/// The built-in profiles, compiled into the binary.
pub const BUILTIN: &[(&str, &str)] = &[
    ("tracks", include_str!("../rules/tracks.yaml")),
    ("stems", include_str!("../rules/stems.yaml")),
    ("stems-film", include_str!("../rules/stems-film.yaml")),
];

/// The default profile when neither the command line nor the config names one.
pub const DEFAULT_PROFILE: &str = "tracks";

/// A rule's entry in a profile or config: a bare level (`naming/pattern: off`) or a mapping
/// with an optional `severity` and the rule's parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RuleEntry {
    /// `format/sample-rate: warning`.
    Level(Level),
    /// `format/sample-rate: {severity: warning, rates: [44100]}`.
    Settings(serde_yaml::Mapping),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileDoc {
    name: String,
    #[serde(default)]
    description: String,
    /// A profile file can start from another profile and change some rules.
    #[serde(default)]
    extends: Option<String>,
    #[serde(default)]
    rules: BTreeMap<String, RuleEntry>,
}

/// A delivery's `stemlint.yaml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigDoc {
    /// A built-in profile name, or a profile YAML path relative to the config file.
    #[serde(default)]
    pub profile: Option<String>,
    /// Severity and parameter overrides, per rule id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleEntry>,
    /// Globs (relative to the delivery root) of paths stemlint leaves alone.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Sub-folders checked as deliveries of their own, each with its profile.
    #[serde(default)]
    pub sections: Vec<SectionDoc>,
}

/// A `sections:` entry of stemlint.yaml: a sub-folder checked as a delivery of its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDoc {
    /// A glob of sub-folders relative to the delivery root (`Stems`, `Stems/*`).
    pub path: String,
    /// The section's profile, instead of the config's.
    #[serde(default)]
    pub profile: Option<String>,
    /// Rule settings for this section only, over the config's.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleEntry>,
    /// A glob (relative to the delivery root) of the reference mix when it lives outside the
    /// section's folder (`Mix/*_Mix.wav`): it joins the section, for the null test and the
    /// length and format rules, and leaves the root delivery.
    #[serde(default)]
    pub mix: Option<String>,
}

/// A profile made ready to run: its enabled rules, and what they need measured.
pub struct RuleSet {
    /// Sorted by id.
    pub rules: Vec<PreparedRule>,
    /// What the enabled rules ask the scan to measure.
    pub settings: MeasureSettings,
}

/// An enabled rule, ready to run: what it is, how severe, with its parameters and the paths
/// where its findings are suppressed.
pub struct PreparedRule {
    /// The rule's declaration.
    pub meta: Meta,
    /// The severity of its findings.
    pub severity: Severity,
    /// The rule with its parameters.
    pub rule: Box<dyn Prepared>,
    /// Its `ignore:` globs.
    pub ignore: Vec<Suppression>,
}

/// A rule's `ignore:` glob: findings of that rule on matching paths are dropped. One that
/// matches nothing is reported (`config/unused-ignore`), so stale suppressions do not pile up.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The rule it silences.
    pub rule: &'static str,
    /// The glob as written.
    pub pattern: String,
    /// The glob, compiled.
    pub matcher: globset::GlobMatcher,
    /// The config file it comes from.
    pub origin: Origin,
}

/// Where a rule's setting came from, to point an error at it.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The file's path as shown.
    pub name: String,
    /// Its full text.
    pub text: Arc<str>,
}

/// A rule's level and parameters in a profile.
#[derive(Debug, Clone)]
pub struct RuleSetting {
    /// Its level.
    pub level: Level,
    /// Its parameters, checked against the rule's typed parameters when prepared.
    pub params: serde_yaml::Mapping,
    /// Where they were set (None for the rule's defaults).
    pub origin: Option<Origin>,
    /// Globs of paths where this rule's findings are suppressed.
    pub ignore: Vec<Suppression>,
}

/// A profile: a name, a description and each rule's setting.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `tracks`, `stems`, `stems-film`, or the name in a profile file.
    pub name: String,
    /// One line about what the profile is for.
    pub description: String,
    /// Every rule's setting, by id.
    pub rules: BTreeMap<String, RuleSetting>,
}

/// A loaded config file.
#[derive(Debug)]
pub struct Config {
    /// Where it was found.
    pub path: PathBuf,
    /// Its contents.
    pub doc: ConfigDoc,
    /// Its name and text, for spans.
    pub origin: Origin,
}

/// The names of the built-in profiles, in the order they are listed.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(name, _)| *name).collect()
}

/// Load a profile by built-in name or as a YAML file (relative paths against `base`).
pub fn load(name_or_path: &str, base: Option<&Path>) -> Result<Profile, Error> {
    load_depth(name_or_path, base, 0)
}

fn load_depth(name_or_path: &str, base: Option<&Path>, depth: usize) -> Result<Profile, Error> {
    if depth > 8 {
        return Err(Error::Io {
            path: name_or_path.to_owned(),
            message: "profiles extend each other in a loop".to_owned(),
        });
    }
    if let Some((name, text)) = BUILTIN.iter().find(|(name, _)| *name == name_or_path) {
        return parse_profile(name, text, None, depth);
    }
    let looks_like_file = name_or_path.ends_with(".yaml")
        || name_or_path.ends_with(".yml")
        || name_or_path.contains('/')
        || name_or_path.contains(std::path::MAIN_SEPARATOR);
    if !looks_like_file {
        return Err(Error::UnknownProfile {
            name: name_or_path.to_owned(),
            known: builtin_names().join(", "),
        });
    }
    let path = match base {
        Some(base) if Path::new(name_or_path).is_relative() => base.join(name_or_path),
        _ => PathBuf::from(name_or_path),
    };
    let text = std::fs::read_to_string(&path).map_err(|error| Error::Io {
        path: path.display().to_string(),
        message: format!("cannot read the profile: {error}"),
    })?;
    parse_profile(&path.display().to_string(), &text, path.parent(), depth)
}

fn parse_profile(
    name: &str,
    text: &str,
    base: Option<&Path>,
    depth: usize,
) -> Result<Profile, Error> {
    let doc: ProfileDoc = from_yaml(name, text)?;
    let origin = Origin {
        name: name.to_owned(),
        text: Arc::from(text),
    };
    let mut profile = match &doc.extends {
        Some(parent) => {
            let mut parent = load_depth(parent, base, depth + 1)?;
            parent.name = doc.name.clone();
            parent.description = doc.description.clone();
            parent
        }
        None => Profile {
            name: doc.name.clone(),
            description: doc.description.clone(),
            rules: BTreeMap::new(),
        },
    };
    profile.apply(&doc.rules, &origin)?;
    Ok(profile)
}

/// Deserialize YAML, turning a serde error into a config error with a span at its location.
pub fn from_yaml<T: serde::de::DeserializeOwned + Default>(
    name: &str,
    text: &str,
) -> Result<T, Error> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_yaml::from_str(text).map_err(|error| {
        let span = error.location().map(|location| (location.index(), 1));
        Error::config(
            name,
            text,
            error.to_string(),
            span,
            "here",
            Some("see `stemlint init` for a commented example".to_owned()),
        )
    })
}

impl Profile {
    /// Apply rule entries from a profile or config on top of this profile: a level replaces
    /// the level; parameters are merged key by key.
    pub fn apply(
        &mut self,
        entries: &BTreeMap<String, RuleEntry>,
        origin: &Origin,
    ) -> Result<(), Error> {
        for (id, entry) in entries {
            let Some(rule) = rules::find(id) else {
                let close = closest_rule(id);
                return Err(Error::config(
                    &origin.name,
                    &origin.text,
                    format!("unknown rule `{id}`"),
                    find_key(&origin.text, id),
                    "not a rule id",
                    Some(match close {
                        Some(close) => {
                            format!("did you mean `{close}`? `stemlint rules` lists every rule")
                        }
                        None => "`stemlint rules` lists every rule".to_owned(),
                    }),
                ));
            };
            let setting = self.rules.entry(id.clone()).or_insert_with(|| RuleSetting {
                level: rule.meta().default_level,
                params: serde_yaml::Mapping::new(),
                origin: None,
                ignore: Vec::new(),
            });
            setting.origin = Some(origin.clone());
            match entry {
                RuleEntry::Level(level) => setting.level = *level,
                RuleEntry::Settings(map) => {
                    for (key, value) in map {
                        if key.as_str() == Some("severity") {
                            setting.level =
                                serde_yaml::from_value(value.clone()).map_err(|error| {
                                    Error::config(
                                        &origin.name,
                                        &origin.text,
                                        format!("`{id}`: bad severity: {error}"),
                                        find_key(&origin.text, id),
                                        "in this rule",
                                        Some(
                                            "severity is one of: error, warning, info, off"
                                                .to_owned(),
                                        ),
                                    )
                                })?;
                        } else if key.as_str() == Some("ignore") {
                            let rule_id = rule.meta().id;
                            setting.ignore.extend(suppressions(rule_id, value, origin)?);
                        } else {
                            setting.params.insert(key.clone(), value.clone());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The level of a rule in this profile (its default where the profile does not say).
    pub fn level(&self, id: &str) -> Level {
        match self.rules.get(id) {
            Some(setting) => setting.level,
            None => rules::find(id).map_or(Level::Off, |rule| rule.meta().default_level),
        }
    }

    /// A rule's parameters as typed by the rule, defaults where the profile is silent.
    pub fn params<P: serde::de::DeserializeOwned + Default>(&self, id: &str) -> Result<P, Error> {
        let value = self
            .rules
            .get(id)
            .map_or(serde_yaml::Value::Null, |setting| {
                serde_yaml::Value::Mapping(setting.params.clone())
            });
        rules::parse_params(value).map_err(|error| self.param_error(id, &error))
    }

    fn param_error(&self, id: &str, error: &serde_yaml::Error) -> Error {
        match self
            .rules
            .get(id)
            .and_then(|setting| setting.origin.as_ref())
        {
            Some(origin) => Error::config(
                &origin.name,
                &origin.text,
                format!("`{id}`: {error}"),
                find_key(&origin.text, id),
                "in this rule's settings",
                Some(format!("`stemlint explain {id}` lists its parameters")),
            ),
            None => Error::Io {
                path: self.name.clone(),
                message: format!("`{id}`: {error}"),
            },
        }
    }

    /// Every enabled rule with its severity and parsed parameters, sorted by id.
    pub fn prepare(&self) -> Result<RuleSet, Error> {
        let mut prepared = Vec::new();
        let mut settings = MeasureSettings::default();
        for rule in rules::REGISTRY {
            let meta = rule.meta();
            let value = self
                .rules
                .get(meta.id)
                .map_or(serde_yaml::Value::Null, |setting| {
                    serde_yaml::Value::Mapping(setting.params.clone())
                });
            // Parameters are checked even for rules that are off, so a typo never hides.
            let checked = rule
                .prepare(value)
                .map_err(|error| self.param_error(meta.id, &error))?;
            let severity = self.level(meta.id).severity();
            checked.configure(severity.is_some(), &mut settings);
            if let Some(severity) = severity {
                prepared.push(PreparedRule {
                    meta,
                    severity,
                    rule: checked,
                    ignore: self
                        .rules
                        .get(meta.id)
                        .map(|setting| setting.ignore.clone())
                        .unwrap_or_default(),
                });
            }
        }
        prepared.sort_by_key(|prepared| prepared.meta.id);
        Ok(RuleSet {
            rules: prepared,
            settings,
        })
    }
}

/// A rule's `ignore:` value: a list of globs (paths relative to the delivery root).
fn suppressions(
    rule: &'static str,
    value: &serde_yaml::Value,
    origin: &Origin,
) -> Result<Vec<Suppression>, Error> {
    let error = |message: String, span: Option<(usize, usize)>| {
        Error::config(
            &origin.name,
            &origin.text,
            format!("`{rule}`: {message}"),
            span,
            "here",
            Some("`ignore:` takes a list of globs relative to the delivery root, e.g. [\"09_FX*.wav\"]".to_owned()),
        )
    };
    let patterns: Vec<String> = serde_yaml::from_value(value.clone()).map_err(|problem| {
        error(
            format!("bad ignore list: {problem}"),
            find_key(&origin.text, rule),
        )
    })?;
    patterns
        .into_iter()
        .map(|pattern| {
            let span = origin
                .text
                .find(pattern.as_str())
                .map(|start| (start, pattern.len()));
            let glob = globset::Glob::new(&pattern)
                .map_err(|problem| error(format!("bad glob `{pattern}`: {problem}"), span))?;
            Ok(Suppression {
                rule,
                matcher: glob.compile_matcher(),
                pattern,
                origin: origin.clone(),
            })
        })
        .collect()
}

/// Load `stemlint.yaml` from an explicit path.
pub fn load_config(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::Io {
        path: path.display().to_string(),
        message: format!("cannot read the config: {error}"),
    })?;
    let name = path.display().to_string();
    let doc: ConfigDoc = from_yaml(&name, &text)?;
    Ok(Config {
        path: path.to_path_buf(),
        doc,
        origin: Origin {
            name,
            text: Arc::from(text),
        },
    })
}

/// The config at a delivery's root, if there is one.
pub fn discover_config(root: &Path) -> Result<Option<Config>, Error> {
    for name in ["stemlint.yaml", ".stemlint.yaml"] {
        let candidate = root.join(name);
        if candidate.is_file() {
            return load_config(&candidate).map(Some);
        }
    }
    Ok(None)
}

/// Byte range of `key:` in a YAML text, for pointing at a rule's entry.
pub fn find_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut search_from = 0;
    while let Some(found) = text[search_from..].find(key) {
        let start = search_from + found;
        let after = &text[start + key.len()..];
        let quoted_after = after.trim_start_matches(['"', '\'']);
        if quoted_after.starts_with(':') {
            return Some((start, key.len()));
        }
        search_from = start + key.len();
    }
    None
}

fn closest_rule(id: &str) -> Option<&'static str> {
    let name = id.rsplit('/').next().unwrap_or(id);
    rules::ids()
        .into_iter()
        .find(|candidate| candidate.ends_with(&format!("/{name}")) || candidate.contains(name))
}

/// A commented `stemlint.yaml` starting from `profile_name`: every rule listed (commented
/// out) with the level and parameters the profile gives it.
pub fn init_template(profile_name: &str) -> Result<String, Error> {
    let profile = load(profile_name, None)?;
    let mut out = String::new();
    out.push_str(
        "# stemlint.yaml: how stemlint checks this delivery. It lives at the delivery's root.\n",
    );
    out.push_str(
        "# `stemlint rules` lists every rule; `stemlint explain RULE` says what it checks.\n\n",
    );
    out.push_str(
        "# Built-in profile (tracks, stems, stems-film) or the path of a profile YAML file.\n",
    );
    out.push_str(&format!("profile: {profile_name}\n\n"));
    out.push_str(
        "# Change a rule's severity (error, warning, info, off) or its parameters. Uncomment\n",
    );
    out.push_str(
        "# what you change; what is shown is what the profile sets now. Any rule also takes\n",
    );
    out.push_str("# `ignore: [globs]`: its findings on those paths are dropped (e.g. a riser that clips on\n");
    out.push_str("# purpose); a glob that matches nothing is reported by config/unused-ignore.\n");
    out.push_str("rules:\n");
    for id in rules::ids() {
        let level = profile.level(id);
        let params = profile
            .rules
            .get(id)
            .map(|setting| setting.params.clone())
            .unwrap_or_default();
        out.push_str(&format!("  # {id}:\n  #   severity: {}\n", level.as_str()));
        if !params.is_empty() {
            let yaml = serde_yaml::to_string(&params).unwrap_or_default();
            for line in yaml.lines() {
                out.push_str(&format!("  #   {line}\n"));
            }
        }
    }
    out.push_str("\n# Paths stemlint leaves alone (globs relative to this folder).\nignore: []\n");
    out.push_str("#  - \"Bounces/**\"\n\n");
    out.push_str(
        "# Sub-folders checked as deliveries of their own, each with its profile.\nsections: []\n",
    );
    out.push_str(
        "#  - path: Stems\n#    profile: stems\n#  - path: Tracks\n#    profile: tracks\n\n",
    );
    out.push_str("# And write a notes.txt beside the audio, e.g.:\n#   Tempo: 124 BPM\n#   Meter: 4/4\n#   Key: A minor\n#   Format: 48 kHz / 24-bit WAV\n");
    Ok(out)
}
