//! The command line: global options, one module per command, and the
//! messages a command prints on its way.
//!
//! Each command module is two things: its arguments (a clap struct) and a
//! short `run` that calls into [`crate::pipeline`]. Arguments are parsed and
//! validated here, once; nothing else in the crate reads them.

mod build;
mod check;
mod list;
mod load;
mod new;
mod query;
mod schema;
mod shell;
mod watch;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::Error;
use crate::period::{PERIOD_FORMS, Period};
use crate::project::Project;

#[derive(Debug, Parser)]
#[command(
    name = "laporan",
    version,
    about = "Reports from CSV data, saved SQL and templates: DuckDB inside, Markdown and HTML out.",
    after_help = "Run `laporan build` in a project folder (data/, queries/, report_templates/) to render its reports."
)]
pub struct Cli {
    /// The project directory
    #[arg(short = 'C', long = "project", global = true, value_name = "DIR", default_value = ".")]
    project: PathBuf,
    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more about what happens
    #[arg(short, long, global = true)]
    verbose: bool,
    /// When to use colours (NO_COLOR is respected)
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load what changed and render the reports
    Build(build::Args),
    /// Load data/ into the database
    Load(load::Args),
    /// Check the configuration, queries, templates and data tests without rendering
    Check(check::Args),
    /// Run one saved query and print its result
    Query(query::Args),
    /// Show the datasets, saved queries and reports
    List(list::Args),
    /// Print each dataset's schema as a declaration for laporan.toml
    Schema(schema::Args),
    /// Create a new project that builds at once
    New(new::Args),
    /// Build, then rebuild whenever data, queries, templates or laporan.toml change
    Watch(watch::WatchArgs),
    /// Serve the reports on 127.0.0.1, rebuilding and reloading the open pages on each change
    Serve(watch::ServeArgs),
    /// Print a completion script for a shell (bash, zsh, fish, powershell, elvish)
    Completions(shell::CompletionArgs),
    /// Print laporan's manual page (roff), such as `laporan man > laporan.1`
    Man,
}

/// How a command talks to the user: progress on stderr, results on stdout.
/// It also knows where the command runs: the project folder (the process
/// works from inside it) and the folder laporan was started in.
pub struct Ui {
    /// The project folder, absolute.
    pub project: PathBuf,
    /// The project folder as the user named it, for messages.
    pub project_shown: PathBuf,
    /// The working folder laporan was started in: paths given on the
    /// command line (`--out`, `new DIR`) are relative to it.
    pub cwd: PathBuf,
    quiet: bool,
    verbose: bool,
    color_stderr: bool,
    color_stdout: bool,
}

impl Ui {
    /// A progress line on stderr, unless `--quiet`.
    /// Names in it (files, reports, datasets) come from the project: their
    /// control characters are shown, not obeyed (see [`crate::error::visible`]).
    pub fn status(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}", crate::error::visible(text));
        }
    }

    /// A detail on stderr, only with `--verbose`.
    pub fn detail(&self, text: &str) {
        if self.verbose {
            eprintln!("{}", crate::error::visible(text));
        }
    }

    /// Output on stdout. A closed pipe (`| head`) is not an error.
    pub fn print(&self, text: &str) -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Error::project("cannot write to standard output").caused_by(e)),
        }
    }

    /// An error that does not end the command (`check` lists them all), or
    /// a warning, on stderr.
    pub fn report(&self, error: &Error, warning: bool) {
        if warning {
            if !self.quiet {
                eprint!("{}", error.render_warning(self.color_stderr));
            }
        } else {
            eprint!("{}", error.render(self.color_stderr));
        }
    }

    pub fn color_stdout(&self) -> bool {
        self.color_stdout
    }

    /// Reads the project, failing when it has problems (all of them listed), and prints its
    /// warnings.
    pub fn open_project(&self) -> Result<Project, Error> {
        let (project, mut problems) = self.open_project_checking()?;
        // Every problem is listed, the last one as the command's error.
        match problems.pop() {
            None => Ok(project),
            Some(last) => {
                for problem in &problems {
                    self.report(problem, false);
                }
                Err(last)
            }
        }
    }

    /// Reads the project for a command that needs only part of it (`load`
    /// needs the data, `schema` the datasets, `list` what is sound): a
    /// broken query or data test is left out, with a warning, rather than
    /// stopping the command.
    pub fn open_project_in_part(&self) -> Result<Project, Error> {
        let (project, problems) = self.open_project_checking()?;
        let (parts, mut whole): (Vec<Error>, Vec<Error>) = problems.into_iter().partition(Error::is_in_part);
        // laporan.toml's problems stop every command (all of them listed).
        if let Some(last) = whole.pop() {
            for problem in whole.iter().chain(&parts) {
                self.report(problem, false);
            }
            return Err(last);
        }
        for problem in &parts {
            self.report(problem, true);
        }
        Ok(project)
    }

    /// Reads the project, listing its problems instead of failing on them
    /// (for `check`), and prints its warnings.
    pub fn open_project_checking(&self) -> Result<(Project, Vec<Error>), Error> {
        let (project, problems) = Project::open_checking_as(&self.project, &self.project_shown)?;
        self.warn(&project);
        Ok((project, problems))
    }

    fn warn(&self, project: &Project) {
        for warning in &project.warnings {
            self.report(warning, true);
        }
    }

    /// A path given on the command line, made absolute against the folder
    /// laporan was started in.
    pub fn given_path(&self, path: &std::path::Path) -> PathBuf {
        if path.is_absolute() { path.to_path_buf() } else { self.cwd.join(path) }
    }

    /// How to load: a progress bar only on a terminal and without `--quiet`.
    pub fn load_options(&self, force: bool) -> crate::load::LoadOptions {
        crate::load::LoadOptions { force, progress: !self.quiet && std::io::stderr().is_terminal() }
    }

    /// Reports what a load did.
    pub fn load_summary(&self, summary: &crate::load::LoadSummary) {
        for (dataset, step, took) in &summary.timings {
            let what = if dataset.is_empty() { (*step).to_owned() } else { format!("{dataset}: {step}") };
            self.detail(&format!("{what}: {:.2} s", took.as_secs_f64()));
        }
        for (name, rows) in &summary.loaded {
            self.status(&format!("loaded {name} ({})", counted(*rows as usize, "row", "rows")));
        }
        // Why a column is text: always when a few values in a hundred or
        // fewer keep it from a stricter type, else with --verbose.
        for (dataset, note) in &summary.notes {
            if note.rare || self.verbose {
                let warning = Error::project(format!(
                    "dataset {dataset}: column {} is text (VARCHAR): {}",
                    note.column, note.why
                ))
                .at(note.at.clone())
                .help(note.fix.clone());
                self.report(&warning, true);
            }
        }
        for name in &summary.removed {
            self.status(&format!("removed {name} (its file is gone)"));
        }
        if !summary.unchanged.is_empty() {
            if summary.loaded.is_empty() && summary.removed.is_empty() {
                self.detail(&format!("data unchanged, not reloaded ({} datasets)", summary.unchanged.len()));
            } else {
                self.detail(&format!("unchanged, not reloaded: {}", summary.unchanged.join(", ")));
            }
        }
    }
}

/// "1 report", "2 reports".
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Parses `--period`.
pub(crate) fn parse_period(text: &str) -> Result<Period, String> {
    text.parse()
}

/// Parses `--param NAME=VALUE`.
pub(crate) fn parse_param(text: &str) -> Result<(String, String), String> {
    crate::params::split_assignment(text)
}

pub(crate) const PERIOD_HELP: &str = PERIOD_FORMS;

/// Runs laporan with the process arguments; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with code 0; usage errors exit 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    let stderr_color = use_color(cli.color, std::io::stderr().is_terminal());
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut ui = Ui {
        project: cwd.join(&cli.project),
        project_shown: cli.project.clone(),
        cwd,
        quiet: cli.quiet,
        verbose: cli.verbose,
        color_stderr: stderr_color,
        color_stdout: use_color(cli.color, std::io::stdout().is_terminal()),
    };
    // Every command but `new` works inside the project: DuckDB resolves
    // relative paths in SQL (`read_csv('data/extra.csv')`) against the
    // working folder, and checks its sandbox against the result.
    if !matches!(cli.command, Command::New(_) | Command::Completions(_) | Command::Man)
        && let Err(error) = enter_project(&mut ui)
    {
        ui.report(&error, false);
        return error.exit_code();
    }
    let result = match cli.command {
        Command::Build(args) => build::run(args, &ui),
        Command::Load(args) => load::run(args, &ui),
        Command::Check(args) => check::run(args, &ui),
        Command::Query(args) => query::run(args, &ui),
        Command::List(args) => list::run(args, &ui),
        Command::Schema(args) => schema::run(args, &ui),
        Command::New(args) => new::run(args, &ui),
        Command::Watch(args) => watch::watch(args, &ui),
        Command::Serve(args) => watch::serve(args, &ui),
        Command::Completions(args) => shell::completions(args, &ui),
        Command::Man => shell::man(&ui),
    };
    match result {
        Ok(()) => 0,
        Err(error) => {
            ui.report(&error, false);
            error.exit_code()
        }
    }
}

/// Makes the project folder the working folder, with `ui.project` its
/// absolute, canonical path.
fn enter_project(ui: &mut Ui) -> Result<(), Error> {
    let root = crate::project::real_root(&ui.project, &ui.project_shown)?;
    std::env::set_current_dir(&root).map_err(|e| Error::io("enter", &ui.project_shown, e))?;
    ui.project = root;
    Ok(())
}

fn use_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}
