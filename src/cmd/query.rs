//! `laporan query NAME`: run one saved query and print its result.

use super::{PERIOD_HELP, Ui, parse_param, parse_period};
use crate::error::Error;
use crate::period::Period;
use crate::pipeline;
use crate::print::{OutputFormat, format_result};
use crate::project::Project;
use crate::query::Runner;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The saved query (a file name in queries/, without .sql)
    name: String,
    /// A query parameter, as NAME=VALUE (repeatable)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// The reporting period
    #[arg(long, value_name = "PERIOD", value_parser = parse_period, help = format!("The reporting period: {PERIOD_HELP}"))]
    period: Option<Period>,
    /// Output format: table, csv, json or md
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: OutputFormat,
}

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    let project = Project::open(&ui.project)?;
    let Some(saved) = project.queries.get(&args.name) else {
        let known: Vec<&str> = project.queries.keys().map(String::as_str).collect();
        return Err(Error::usage(format!("no saved query named {}", args.name))
            .note(format!("saved queries: {}", if known.is_empty() { "none".to_owned() } else { known.join(", ") })));
    };
    let params = pipeline::resolve_params(&project, &args.params, args.period.as_ref(), Some(saved))?;
    let (db, loaded) = pipeline::load(&project, false)?;
    ui.load_summary(&loaded);
    let runner = Runner::new(db.conn, project.queries.clone(), params);
    let result = runner.run(&args.name, &[])?;
    ui.print(&format_result(&result, args.format, ui.color_stdout()))
}
