//! `laporan build`: load what changed, render the reports, write them.

use std::path::PathBuf;

use super::{PERIOD_HELP, Ui, parse_param, parse_period};
use crate::error::Error;
use crate::period::Period;
use crate::pipeline::{self, BuildRequest};
use crate::project::Project;
use crate::render::Formats;
use crate::write::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reports to build (default: all)
    #[arg(value_name = "REPORT")]
    reports: Vec<String>,
    /// The reporting period
    #[arg(long, value_name = "PERIOD", value_parser = parse_period, help = format!("The reporting period: {PERIOD_HELP}"))]
    period: Option<Period>,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportArg {
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    Md,
    Html,
}

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    build_once(&args, ui)
}

/// The output folder of a build with `args` (periods are folders in it).
pub fn output_folder(args: &Args, ui: &Ui) -> PathBuf {
    pipeline::output_folder(&ui.project, args.out.as_deref())
}

/// One build; `watch` and `serve` call it again after each change.
pub fn build_once(args: &Args, ui: &Ui) -> Result<(), Error> {
    let project = Project::open(&ui.project)?;
    let formats = Formats {
        markdown: args.format.contains(&FormatArg::Md),
        html: args.format.contains(&FormatArg::Html),
        data_csv: args.export.contains(&ExportArg::Csv),
        data_json: args.export.contains(&ExportArg::Json),
        pdf: args.pdf,
    };
    let request = BuildRequest::new(
        &project,
        args.reports.clone(),
        args.period,
        &args.params,
        args.out.clone(),
        formats,
        args.as_of,
    )?;
    let (db, loaded) = pipeline::load(&project, ui.load_options(false))?;
    ui.load_summary(&loaded);
    let mut prepared = pipeline::prepare_build(&project, db, &request)?;
    let failures = std::mem::take(&mut prepared.tests.failures);
    if !failures.is_empty() {
        for failure in &failures {
            ui.report(failure, args.warn_tests);
        }
        let count = format!("{} data test{} failed", failures.len(), if failures.len() == 1 { "" } else { "s" });
        if !args.warn_tests {
            return Err(Error::project(format!("{count}: nothing was published"))
                .help("fix the data (or the tests in laporan.toml), or pass --warn-tests to publish anyway"));
        }
        ui.status(&format!("{count}; publishing anyway (--warn-tests)"));
    }
    let summary = pipeline::build(&project, prepared, &request)?;
    for (path, outcome) in &summary.files {
        match outcome {
            Outcome::Written => ui.status(&format!("wrote {}", path.display())),
            Outcome::Unchanged => ui.detail(&format!("unchanged {}", path.display())),
        }
    }
    ui.detail(&format!("{} queries run, {} answered from cache", summary.stats.executed, summary.stats.cached));
    Ok(())
}
