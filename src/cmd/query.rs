//! `laporan query NAME`: run one saved query and print its result.

use super::{PERIOD_HELP, Ui, parse_param, parse_period};
use crate::engine::Database;
use crate::error::Error;
use crate::period::Period;
use crate::pipeline;
use crate::print::{OutputFormat, format_result};
use crate::query::{BuildParams, Runner};
use crate::value::QueryResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The saved query (a file name in queries/, without .sql)
    #[arg(required_unless_present = "sql", conflicts_with = "sql")]
    name: Option<String>,
    /// Run this read-only SQL instead of a saved query
    #[arg(long, value_name = "SQL", conflicts_with_all = ["params", "period"])]
    sql: Option<String>,
    /// A query parameter, as NAME=VALUE (repeatable)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// The reporting period
    #[arg(long, value_name = "PERIOD", value_parser = parse_period, help = format!("The reporting period: {PERIOD_HELP}"))]
    period: Option<Period>,
    /// Query the database as last loaded, without loading what changed in data/
    #[arg(long)]
    no_load: bool,
    /// Print at most N rows (the count of all rows goes to stderr)
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Output format: table, csv, json or md
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: OutputFormat,
}

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    let project = ui.open_project()?;
    let open = |params: BuildParams| -> Result<Runner, Error> {
        let datasets = if args.no_load {
            let db = Database::open(&project.engine_place())?;
            crate::load::loaded(&db)?
        } else {
            let loaded = pipeline::load(&project, ui.load_options(false))?;
            ui.load_summary(&loaded);
            loaded.datasets
        };
        Ok(pipeline::open_runner(&project, &datasets, params, false))
    };
    let result = match (&args.name, &args.sql) {
        (_, Some(sql)) => std::sync::Arc::new(open(BuildParams::new())?.run_sql(sql)?),
        (Some(name), None) => {
            let Some(saved) = project.queries.get(name) else {
                let known: Vec<&str> = project.queries.keys().map(String::as_str).collect();
                let list = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                return Err(Error::usage(format!("no saved query named {name}")).note(format!("saved queries: {list}")));
            };
            let params = pipeline::resolve_params(&project, &args.params, args.period.as_ref(), Some(saved))?;
            let runner = open(params)?;
            let result = runner.run(name, &[])?;
            runner.trim_cache();
            result
        }
        (None, None) => unreachable!("clap requires a name or --sql"),
    };
    let total = result.rows.len();
    // CSV is data, byte for byte; on a terminal its control characters are
    // shown, not obeyed (the table and Markdown formats always show them).
    let shown_raw = args.format == OutputFormat::Csv && std::io::IsTerminal::is_terminal(&std::io::stdout());
    let print = |text: String| {
        if shown_raw { ui.print(&crate::error::visible(&text)) } else { ui.print(&text) }
    };
    match args.limit {
        Some(limit) if limit < total => {
            let rows = result.rows[..limit].to_vec();
            let shown = QueryResult::new(result.name.clone(), result.columns.clone(), rows);
            print(format_result(&shown, args.format, ui.color_stdout()))?;
            ui.status(&format!("showing {limit} of {total} rows (--limit {limit})"));
            Ok(())
        }
        _ => print(format_result(&result, args.format, ui.color_stdout())),
    }
}
