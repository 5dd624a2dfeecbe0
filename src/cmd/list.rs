//! `laporan list`: datasets, saved queries and reports.

use super::Ui;
use crate::error::Error;
use crate::list;
use crate::project::Project;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, ui: &Ui) -> Result<(), Error> {
    let project = Project::open(&ui.project)?;
    ui.print(&list::describe(&project)?)
}
