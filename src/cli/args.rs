//! Command-line arguments.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use stemlint::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "stemlint",
    version,
    about = "A linter for audio deliveries: tracks and stems checked before the mixing engineer does",
    after_help = "Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage, configuration or I/O failure.\nWith no subcommand, stemlint runs `check`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check deliveries (the default command)
    Check(CheckArgs),
    /// List every rule with its level in each built-in profile
    Rules {
        /// As the Markdown table the README carries
        #[arg(long)]
        markdown: bool,
    },
    /// What a rule checks, why it matters, how to fix it, and its parameters
    Explain {
        /// A rule id, e.g. `format/sample-rate`
        rule: String,
    },
    /// List the built-in profiles
    Profiles,
    /// The result cache: where it is, or empty it
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// What changed between two versions of a delivery, file by file
    Diff(DiffArgs),
    /// Write a DAW session that imports a delivery (REAPER .rpp)
    Session(SessionArgs),
    /// Print a commented stemlint.yaml (or write it into PATH, which must not have one)
    Init {
        /// Folder to write stemlint.yaml into; prints it when absent
        path: Option<PathBuf>,
        /// Profile the new config starts from
        #[arg(long, default_value = "tracks")]
        profile: String,
    },
    /// Print the completion script for a shell (e.g. `stemlint completions bash > /etc/bash_completion.d/stemlint`)
    Completions {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
    /// Print the manual page, in roff (e.g. `stemlint manpage > stemlint.1`)
    Manpage,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Delivery folders to check (default: the current folder)
    pub paths: Vec<PathBuf>,
    /// Built-in profile name (tracks, stems, stems-film) or a profile YAML file
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Use this config file instead of each delivery's stemlint.yaml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Headers only: no sample decode, no signal rules
    #[arg(long)]
    pub fast: bool,
    /// Worker threads (default: all cores)
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Which severity makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    // The three global options: accepted before or after any subcommand, as in ruff.
    /// Print diagnostics only: no summary line, no progress
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// No progress bar on stderr (it is drawn only on a terminal, for the human format)
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// Colour in human output; `auto` honours NO_COLOR and CLICOLOR_FORCE
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// After the report, count the findings per rule
    #[arg(long)]
    pub statistics: bool,
    /// Analyse every file again instead of reusing the result cache (kept in the user's cache
    /// directory, `STEMLINT_CACHE_DIR` to move it)
    #[arg(long)]
    pub no_cache: bool,
    /// Also write the HTML report (one self-contained page) to FILE; stdout is unchanged
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print the per-file measurements table before the findings (human format)
    #[arg(long)]
    pub table: bool,
    /// JSON: include each file's waveform overview and short-term loudness curve
    #[arg(long)]
    pub series: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum CacheAction {
    /// Print the cache directory
    Dir,
    /// Remove every cached result
    Clean,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 nothing changed, or only files --expect-changed allows; 1 another file changed, was added, removed or renamed; 2 usage or I/O failure."
)]
pub struct DiffArgs {
    /// The delivery as it was
    pub old: PathBuf,
    /// The delivery as it is now
    pub new: PathBuf,
    /// A file meant to change (glob on its path or name, in OLD or NEW); repeatable
    #[arg(long, value_name = "GLOB")]
    pub expect_changed: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Built-in profile name or a profile YAML file (its mix pattern finds the mix)
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Use this config file instead of each delivery's stemlint.yaml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores)
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DiffFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct SessionArgs {
    /// The delivery folder
    pub delivery: PathBuf,
    /// Write a REAPER project here (item paths relative to it)
    #[arg(long, value_name = "OUT.rpp")]
    pub reaper: PathBuf,
    /// Replace OUT if it exists
    #[arg(long)]
    pub force: bool,
    /// Built-in profile name or a profile YAML file
    #[arg(long, value_name = "NAME|FILE")]
    pub profile: Option<String>,
    /// Use this config file instead of the delivery's stemlint.yaml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// `auto` settled by the environment, as anstream and most CLIs read it: a non-empty
    /// `NO_COLOR` turns colour off (no-color.org), else a `CLICOLOR_FORCE` other than `0`
    /// turns it on (bixense.com/clicolors). What is left of `auto` asks the terminal.
    pub fn with_env(self, no_color: Option<&str>, clicolor_force: Option<&str>) -> ColorChoice {
        match self {
            ColorChoice::Auto if no_color.is_some_and(|value| !value.is_empty()) => {
                ColorChoice::Never
            }
            ColorChoice::Auto
                if clicolor_force.is_some_and(|value| !value.is_empty() && value != "0") =>
            {
                ColorChoice::Always
            }
            choice => choice,
        }
    }
}

/// Parse the command line. The check options may also stand before the subcommand
/// (`stemlint PATH --fast` runs `check`), so `stemlint --fast check x` would drop `--fast` in
/// silence: a check option other than the global ones before a subcommand is a usage error
/// (exit 2).
pub fn parse() -> Cli {
    let mut command = Cli::command();
    let matches = command.get_matches_mut();
    if let Some((name, _)) = matches.subcommand() {
        let check_options = CheckArgs::augment_args(clap::Command::new("check"));
        let misplaced = check_options
            .get_arguments()
            .filter(|arg| !arg.is_global_set())
            .find(|arg| {
                matches.value_source(arg.get_id().as_str()) == Some(ValueSource::CommandLine)
            });
        if let Some(arg) = misplaced {
            let shown = match arg.get_long() {
                Some(long) => format!("--{long}"),
                None => "PATH".to_owned(),
            };
            command
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!(
                        "`{shown}` goes after the subcommand (`stemlint {name} {shown}`), or \
                         leave the subcommand out to run `check`"
                    ),
                )
                .exit();
        }
    }
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}
