//! `laporan check`: validate the project without rendering, listing every
//! problem.

use super::Ui;
use crate::error::Error;
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, ui: &Ui) -> Result<(), Error> {
    let (project, problems) = ui.open_project_checking()?;
    let loaded = pipeline::load(&project, ui.load_options(false)).map(|(db, summary)| {
        ui.load_summary(&summary);
        db
    });
    let summary = pipeline::check(&project, problems, loaded)?;
    for problem in &summary.problems {
        ui.report(problem, false);
    }
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match summary.problems.len() {
        0 => {
            ui.status(&format!(
                "ok: {}, {}, {} passed",
                plural(summary.queries, "query", "queries"),
                plural(summary.templates, "template", "templates"),
                plural(summary.tests, "data test", "data tests")
            ));
            Ok(())
        }
        n => Err(Error::project(format!("check found {}", plural(n, "problem", "problems")))),
    }
}
