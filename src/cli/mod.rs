//! The command line: arguments, progress, choosing a renderer, exit codes. The only place
//! that prints.

// The CLI is the one place that prints (clippy.toml bans printing everywhere else).
#![allow(clippy::disallowed_macros)]

pub mod args;
mod progress;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::CommandFactory;

use args::{
    CacheAction, CheckArgs, ColorChoice, Command, DiffArgs, DiffFormat, FailOn, SessionArgs,
};
use progress::Progress;
use stemlint::diagnostic::Severity;
use stemlint::render::{self, human, Format};
use stemlint::{docs, profile, rules, Options, ScanMode};

pub fn main() -> ExitCode {
    // A decoder panic on one file is caught and reported as `file/corrupt` on that file: keep
    // its message out of the report. Any other panic is a bug and prints as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !stemlint::media::panic_is_guarded() {
            default_hook(info);
        }
    }));
    let cli = args::parse();
    // `--quiet` is global: after any subcommand it lands here too. It silences the status lines
    // ("wrote …", "removed …"); what went wrong is still said.
    let quiet = cli.check.quiet;
    let result = match cli.command {
        Some(Command::Check(args)) => check(with_env_color(args)),
        None => check(with_env_color(cli.check)),
        Some(Command::Rules { markdown }) => list_rules(markdown),
        Some(Command::Explain { rule }) => explain(&rule),
        Some(Command::Profiles) => list_profiles(),
        Some(Command::Cache { action }) => cache(action, quiet),
        Some(Command::Init { path, profile }) => init(path, &profile, quiet),
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Manpage) => manpage(),
        Some(Command::Diff(args)) => diff(args),
        Some(Command::Session(args)) => session(args, quiet),
    };
    match result {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

/// `--color auto` settled by NO_COLOR and CLICOLOR_FORCE.
fn with_env_color(mut args: CheckArgs) -> CheckArgs {
    let var = |name| std::env::var(name).ok();
    args.color = args
        .color
        .with_env(var("NO_COLOR").as_deref(), var("CLICOLOR_FORCE").as_deref());
    args
}

fn check(args: CheckArgs) -> miette::Result<ExitCode> {
    let series = args.series || args.report.is_some() || args.format == Format::Html;
    let options = Options {
        profile: args.profile.clone(),
        config: args.config.clone(),
        mode: if args.fast {
            ScanMode::Fast
        } else {
            ScanMode::Full
        },
        jobs: args.jobs,
        // The curves are measured only for what shows them: the HTML page, `--series`; the
        // result cache does not keep them, so such a run reads every file.
        series,
        cache: if args.no_cache || series {
            None
        } else {
            stemlint::cache::default_dir()
        },
    };
    // Machine formats are read by programs, which want no bar on their stderr either.
    let show_progress = args.format == Format::Human
        && !args.quiet
        && !args.no_progress
        && std::io::stderr().is_terminal();
    let report = if show_progress {
        let progress = Progress::on_stderr();
        let report = stemlint::check_observed(&args.paths, &options, &progress);
        progress.clear();
        report
    } else {
        stemlint::check(&args.paths, &options)
    }?;

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let human = human::Options {
        style: human::Style {
            color,
            width: terminal_width(),
        },
        statistics: args.statistics,
        quiet: args.quiet,
    };
    let options = render::Options {
        human,
        series: args.series,
        run: render::Run {
            command_line: command_line(),
            date: utc_now(),
        },
    };
    if let Some(path) = &args.report {
        let page = Format::Html.render(&report, &options);
        std::fs::write(path, page).map_err(|error| stemlint::Error::Io {
            path: path.display().to_string(),
            message: format!("cannot write the report: {error}"),
        })?;
    }
    let mut text = args.format.render(&report, &options);
    if args.table && args.format == Format::Human {
        text.insert_str(0, &render::table::render(&report, terminal_width()));
    }
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`stemlint | head`) is not a failure of the check.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();

    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    Ok(match report.worst() {
        Some(worst) if worst >= threshold => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// The command line as typed, for the report (arguments with spaces quoted).
fn command_line() -> String {
    std::env::args()
        .enumerate()
        .map(|(index, argument)| {
            let argument = if index == 0 {
                "stemlint".to_owned()
            } else {
                argument
            };
            if argument.contains([' ', '\'', '"']) {
                format!("'{}'", argument.replace('\'', "'\\''"))
            } else {
                argument
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `2026-11-27 04:46 UTC`, from the system clock (civil date from days since 1970).
fn utc_now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (days, rest) = ((seconds / 86_400) as i64, seconds % 86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .filter(|columns: &usize| *columns >= 40)
        .unwrap_or(100)
}

fn list_rules(markdown: bool) -> miette::Result<ExitCode> {
    if markdown {
        print!("{}", docs::markdown_table());
        return Ok(ExitCode::SUCCESS);
    }
    let profiles: Vec<profile::Profile> = profile::builtin_names()
        .into_iter()
        .map(|name| profile::load(name, None))
        .collect::<Result<_, _>>()?;
    let mut out = format!("{:<26}", "rule");
    for profile in &profiles {
        out.push_str(&format!(" {:<11}", profile.name));
    }
    out.push_str(" summary\n");
    for id in rules::ids() {
        let rule = rules::find(id).expect("ids() lists registered rules");
        out.push_str(&format!("{id:<26}"));
        for profile in &profiles {
            out.push_str(&format!(" {:<11}", profile.level(id).as_str()));
        }
        out.push_str(rule.meta().summary);
        out.push('\n');
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn explain(id: &str) -> miette::Result<ExitCode> {
    let Some(rule) = rules::find(id) else {
        eprintln!("unknown rule `{id}`; `stemlint rules` lists every rule");
        return Ok(ExitCode::from(2));
    };
    print!("{}", docs::explain_text(rule.meta()));
    Ok(ExitCode::SUCCESS)
}

fn cache(action: CacheAction, quiet: bool) -> miette::Result<ExitCode> {
    let Some(dir) = stemlint::cache::default_dir() else {
        eprintln!("no cache directory: set STEMLINT_CACHE_DIR, XDG_CACHE_HOME or HOME");
        return Ok(ExitCode::from(2));
    };
    match action {
        CacheAction::Dir => println!("{}", dir.display()),
        CacheAction::Clean => {
            let removed = stemlint::cache::clean(&dir).map_err(|error| stemlint::Error::Io {
                path: dir.display().to_string(),
                message: error.to_string(),
            })?;
            if !quiet {
                println!("removed {removed} cached results from {}", dir.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Completions from the same clap definitions as the parser, so they cannot drift.
fn completions(shell: clap_complete::Shell) -> miette::Result<ExitCode> {
    let mut command = args::Cli::command();
    let mut stdout = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "stemlint", &mut stdout);
    Ok(ExitCode::SUCCESS)
}

/// The man page, from the same definitions (clap_mangen).
fn manpage() -> miette::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(args::Cli::command())
        .render(&mut page)
        .map_err(|error| stemlint::Error::Io {
            path: "stdout".to_owned(),
            message: error.to_string(),
        })?;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`stemlint manpage | head`) is not a failure.
    let _ = stdout.write_all(&page);
    Ok(ExitCode::SUCCESS)
}

fn list_profiles() -> miette::Result<ExitCode> {
    for name in profile::builtin_names() {
        let profile = profile::load(name, None)?;
        println!("{:<12} {}", profile.name, profile.description);
    }
    Ok(ExitCode::SUCCESS)
}

fn init(
    path: Option<std::path::PathBuf>,
    profile_name: &str,
    quiet: bool,
) -> miette::Result<ExitCode> {
    let text = profile::init_template(profile_name)?;
    match path {
        None => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Some(folder) => {
            let target = folder.join("stemlint.yaml");
            if target.exists() {
                eprintln!("{} exists already: not overwriting it", target.display());
                return Ok(ExitCode::from(2));
            }
            std::fs::write(&target, text).map_err(|error| stemlint::Error::Io {
                path: target.display().to_string(),
                message: error.to_string(),
            })?;
            if !quiet {
                eprintln!("wrote {}", target.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn diff(args: DiffArgs) -> miette::Result<ExitCode> {
    let options = stemlint::diff::DiffOptions {
        profile: args.profile,
        config: args.config,
        expect_changed: args.expect_changed,
        jobs: args.jobs,
    };
    let report = stemlint::diff::diff(&args.old, &args.new, &options)?;
    let text = match args.format {
        DiffFormat::Human => stemlint::render::diff_human::render(&report),
        DiffFormat::Json => stemlint::render::diff_json::render(&report),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    Ok(if report.unexpected().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn session(args: SessionArgs, quiet: bool) -> miette::Result<ExitCode> {
    let options = Options {
        profile: args.profile,
        config: args.config,
        ..Options::default()
    };
    // Refuse before reading a single file.
    if args.reaper.exists() && !args.force {
        eprintln!(
            "{} exists already: not overwriting it (--force replaces it)",
            args.reaper.display()
        );
        return Ok(ExitCode::from(2));
    }
    let built = stemlint::session::build(&args.delivery, &args.reaper, &options)?;
    let text = stemlint::session::reaper::write(&built.session);
    stemlint::session::write_project(&args.reaper, &text, args.force)?;
    for (rel, why) in &built.skipped {
        eprintln!("left out {rel}: {why}");
    }
    if !quiet {
        eprintln!(
            "wrote {}: {} tracks at {} Hz",
            args.reaper.display(),
            built.session.tracks.len(),
            built.session.sample_rate
        );
    }
    Ok(ExitCode::SUCCESS)
}
