//! `laporan check`: everything a build would reject, listed at once,
//! without writing anything.

use super::{Ui, counted, parse_param};
use crate::error::Error;
use crate::period::{PERIOD_FORMS, PeriodRange};
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Check the reports as a build for this period (or range) would render them
    #[arg(long, value_name = "PERIOD", value_parser = super::build::parse_range, help = format!("Render the reports as a build for this period would: {PERIOD_FORMS}; or a range such as 2024-01..2024-12"))]
    period: Option<PeriodRange>,
    /// A query parameter, as NAME=VALUE (repeatable), as for build
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
}

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    let (project, problems) = ui.open_project_checking()?;
    let periods: Vec<_> = match &args.period {
        Some(range) => range.periods().into_iter().map(Some).collect(),
        None => vec![None],
    };
    let periods = periods
        .into_iter()
        .map(|period| Ok((period, pipeline::resolve_params(&project, &args.params, period.as_ref(), None)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let loaded = pipeline::load(&project, ui.load_options(false)).inspect(|summary| ui.load_summary(summary));
    let summary = pipeline::check(&project, problems, loaded, &periods)?;
    for warning in &summary.warnings {
        ui.report(warning, true);
    }
    for problem in &summary.problems {
        ui.report(problem, false);
    }
    match summary.problems.len() {
        0 => {
            ui.status(&format!(
                "ok: {}, {}, {} passed, {}",
                counted(summary.queries, "query", "queries"),
                counted(summary.templates, "template", "templates"),
                counted(summary.tests, "data test", "data tests"),
                counted(summary.rendered, "report rendered", "reports rendered"),
            ));
            Ok(())
        }
        n => Err(Error::project(format!("check found {}", counted(n, "problem", "problems")))),
    }
}
