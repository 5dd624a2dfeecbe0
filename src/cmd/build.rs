//! `laporan build`: load what changed, render the reports, write them.

use std::path::PathBuf;
use std::time::Instant;

use super::{Ui, counted, parse_param};
use crate::error::Error;
use crate::period::{PERIOD_FORMS, PeriodRange};
use crate::pipeline::{self, BuildArgs, BuildRequest};
use crate::write::Outcome;
use crate::write::output::{Format, chromium};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports to build (default: all)
    #[arg(value_name = "REPORT")]
    reports: Vec<String>,
    /// The reporting period, or a range of them (one folder each)
    #[arg(long, value_name = "PERIOD", value_parser = parse_range, help = format!("The reporting period: {PERIOD_FORMS}; or a range such as 2024-01..2024-12, each period in its own folder"))]
    period: Option<PeriodRange>,
    /// A query parameter, as NAME=VALUE (repeatable)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// The output folder (default: out/ in the project)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Output formats, comma-separated
    #[arg(long, value_name = "FORMATS", value_delimiter = ',', default_value = "md,html")]
    format: Vec<FormatArg>,
    /// Also write the data behind each report into <report>.data/: csv (safe for
    /// spreadsheets), json, or both
    #[arg(long, value_name = "FORMATS", value_delimiter = ',')]
    export: Vec<ExportArg>,
    /// Also print each HTML report to PDF with headless Chromium
    #[arg(long)]
    pdf: bool,
    /// Publish even when data tests fail, reporting the failures as warnings
    #[arg(long)]
    warn_tests: bool,
    /// The build's time, shown in the footer (default: SOURCE_DATE_EPOCH, else now); the same
    /// inputs and --as-of give the same bytes
    #[arg(long, value_name = "TIME", value_parser = pipeline::parse_as_of)]
    as_of: Option<jiff::Timestamp>,
    /// Reload every dataset and render every report, even those up to date
    #[arg(long)]
    force: bool,
}

pub(crate) fn parse_range(text: &str) -> Result<PeriodRange, String> {
    text.parse()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportArg {
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    Md,
    Html,
    /// Word, from Markdown reports
    Docx,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Md => Format::Md,
            FormatArg::Html => Format::Html,
            FormatArg::Docx => Format::Docx,
        }
    }
}

impl ExportArg {
    fn format(self) -> Format {
        match self {
            ExportArg::Csv => Format::Csv,
            ExportArg::Json => Format::Json,
            ExportArg::Xlsx => Format::Xlsx,
        }
    }
}

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    build_once(&args, ui)
}

/// The output folder of a build with `args` (periods are folders in it).
pub fn output_folder(args: &Args, ui: &Ui) -> PathBuf {
    pipeline::output_folder(&ui.project, args.out.as_deref().map(|out| ui.given_path(out)).as_deref())
}

/// The command line and the environment, as the build request's input.
fn build_args(args: &Args, ui: &Ui) -> BuildArgs {
    let mut formats: Vec<Format> = args.format.iter().map(|f| f.format()).collect();
    formats.extend(args.export.iter().map(|f| f.format()));
    if args.pdf {
        formats.push(Format::Pdf);
    }
    BuildArgs {
        reports: args.reports.clone(),
        periods: args.period.map(|range| range.periods()).unwrap_or_default(),
        params: args.params.clone(),
        out: args.out.as_ref().map(|out| (ui.given_path(out), out.clone())),
        formats,
        chromium: args
            .pdf
            .then(|| chromium::find(std::env::var_os("LAPORAN_CHROMIUM"), std::env::var_os("PATH")))
            .flatten(),
        as_of: args.as_of,
        source_date_epoch: std::env::var("SOURCE_DATE_EPOCH").ok(),
        force: args.force,
    }
}

/// One build; `watch` and `serve` call it again after each change.
pub fn build_once(args: &Args, ui: &Ui) -> Result<(), Error> {
    let project = ui.open_project()?;
    let request = BuildRequest::new(&project, build_args(args, ui))?;
    for warning in &request.warnings {
        ui.report(warning, true);
    }
    let loaded = pipeline::load(&project, ui.load_options(args.force))?;
    ui.load_summary(&loaded);
    let started = Instant::now();
    let mut prepared = pipeline::prepare_build(&project, &loaded, &request)?;
    let tests = &prepared.tests;
    ui.detail(&format!(
        "{}; {} passed ({} before, on the same data) ({} ms)",
        if prepared.checked_queries { "saved queries checked" } else { "saved queries sound before, on the same data" },
        counted(tests.passed, "data test", "data tests"),
        tests.passed_before,
        started.elapsed().as_millis()
    ));
    let failures = std::mem::take(&mut prepared.tests.failures);
    if !failures.is_empty() {
        for failure in &failures {
            ui.report(failure, args.warn_tests);
        }
        let count = format!("{} failed", counted(failures.len(), "data test", "data tests"));
        if !args.warn_tests {
            return Err(Error::project(format!("{count}: nothing was published"))
                .help("fix the data (or the tests in laporan.toml), or pass --warn-tests to publish anyway"));
        }
        ui.status(&format!("{count}; publishing anyway (--warn-tests)"));
    }
    let summary = pipeline::build(&project, prepared, &request)?;
    for warning in &summary.skipped {
        ui.report(warning, true);
    }
    for path in &summary.removed {
        ui.status(&format!("removed {} (no report writes it now)", path.display()));
    }
    for (path, outcome) in &summary.files {
        match outcome {
            Outcome::Written => ui.status(&format!("wrote {}", path.display())),
            Outcome::Unchanged => ui.detail(&format!("unchanged {}", path.display())),
        }
    }
    if summary.rendered > 0 {
        ui.detail(&format!(
            "{} rendered in {} ms ({} at a time); {} run, {} from the result cache, {} repeated",
            counted(summary.rendered, "report", "reports"),
            summary.render_time.as_millis(),
            summary.threads,
            counted(summary.stats.executed, "query", "queries"),
            summary.stats.stored,
            summary.stats.cached
        ));
    }
    if summary.up_to_date > 0 {
        let message = format!(
            "{} up to date: inputs unchanged since written (--force renders anyway)",
            counted(summary.up_to_date, "report", "reports")
        );
        if summary.rendered == 0 { ui.status(&message) } else { ui.detail(&message) }
    }
    Ok(())
}
