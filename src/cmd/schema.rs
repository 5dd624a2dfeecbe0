//! `laporan schema [DATASET…]`: the declaration of each dataset in force, as
//! TOML to paste into laporan.toml.

use super::Ui;
use crate::error::Error;
use crate::list;
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Datasets to print (default: all)
    #[arg(value_name = "DATASET")]
    datasets: Vec<String>,
}

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    let project = ui.open_project_in_part()?;
    let loaded = pipeline::load(&project, ui.load_options(false))?;
    ui.load_summary(&loaded);
    let db = crate::engine::Database::reader(&project.engine_place())?;
    ui.print(&crate::error::visible(&list::declarations(&project, &db, &args.datasets)?))
}
