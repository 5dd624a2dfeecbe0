//! `laporan list`: datasets, saved queries and reports.

use super::Ui;
use crate::error::Error;
use crate::list;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, ui: &Ui) -> Result<(), Error> {
    let project = ui.open_project_in_part()?;
    ui.print(&crate::error::visible(&list::describe(&project)?))
}
