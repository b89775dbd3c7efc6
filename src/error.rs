//! Failures that stop a run (exit code 2): a path that does not exist, a config that does not
//! parse. A bad audio file is never one of these: it is a finding.

use miette::{NamedSource, SourceSpan};

/// Why a run stopped before it could report (the CLI prints it with miette and exits 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("{path}: no such file or directory")]
    #[diagnostic(
        code(stemlint::path),
        help("give the folder of a delivery (tracks or stems), or run stemlint inside it")
    )]
    /// A PATH given on the command line does not exist.
    PathNotFound {
        /// The PATH as given.
        path: String,
    },

    #[error("{path}: {message}")]
    #[diagnostic(code(stemlint::io))]
    /// A file the run needs (a config, a profile) cannot be read, or the run cannot start
    /// (a bad glob, worker threads that cannot be spawned).
    Io {
        /// What failed: the file, or the option.
        path: String,
        /// Why.
        message: String,
    },

    #[error("unknown profile `{name}`")]
    #[diagnostic(
        code(stemlint::profile),
        help("built-in profiles: {known}; or give the path of a profile YAML file")
    )]
    /// `--profile` or `profile:` names neither a built-in profile nor a file.
    UnknownProfile {
        /// The name given.
        name: String,
        /// The built-in profiles, comma-separated.
        known: String,
    },

    /// Boxed: it carries the config's text for miette, and errors travel by value.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(Box<ConfigError>),
}

/// A config or profile that does not parse or names something that does not exist, with the
/// place in its text.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(stemlint::config))]
pub struct ConfigError {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

impl Error {
    /// A configuration error pointing at `offset..offset+length` of the YAML text `name`.
    pub fn config(
        name: &str,
        text: &str,
        message: impl Into<String>,
        span: Option<(usize, usize)>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        Error::Config(Box::new(ConfigError {
            message: format!("{name}: {}", message.into()),
            source_code: NamedSource::new(name, text.to_owned()),
            span: span.map(|(offset, length)| SourceSpan::new(offset.into(), length)),
            label: label.into(),
            help,
        }))
    }
}
