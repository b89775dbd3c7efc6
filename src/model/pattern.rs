//! A regular-expression parameter of a rule or a stage, compiled when the profile is read.

/// A regular expression parameter, compiled when the profile is read (a bad pattern is a
/// configuration error, not a finding).
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex);

impl Pattern {
    /// A built-in pattern from its regex (the one source that is never user text: it panics
    /// on an invalid regex; user patterns go through `Deserialize`).
    pub fn new(pattern: &str) -> Self {
        Pattern(regex::Regex::new(pattern).expect("built-in patterns are valid regexes"))
    }
}

impl<'de> serde::Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        regex::Regex::new(&text)
            .map(Pattern)
            .map_err(|error| serde::de::Error::custom(format!("bad regular expression: {error}")))
    }
}

impl Pattern {
    /// Does the pattern match the file name of `rel` (its last path component) without its
    /// extension? `AB_Song_Mix_48k24` for `Mix/AB_Song_Mix_48k24.wav`.
    pub fn matches_stem_of(&self, rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let stem = match name.rfind('.') {
            Some(dot) if dot > 0 => &name[..dot],
            _ => name,
        };
        self.0.is_match(stem)
    }
}
