//! `laporan load`: load data/ into the database.

use super::Ui;
use crate::error::Error;
use crate::pipeline;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Reload every dataset, changed or not
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    let project = ui.open_project_in_part()?;
    let summary = pipeline::load(&project, ui.load_options(args.force))?;
    ui.load_summary(&summary);
    Ok(())
}
