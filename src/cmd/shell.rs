//! `laporan completions SHELL` and `laporan man`: the completion script
//! and the manual page, generated from the same clap definitions as the
//! command line itself (clap_complete, clap_mangen), so they never drift.

use clap::CommandFactory;

use super::{Cli, Ui};
use crate::error::Error;

#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    shell: clap_complete::Shell,
}

pub fn completions(args: CompletionArgs, ui: &Ui) -> Result<(), Error> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "laporan", &mut script);
    ui.print(&String::from_utf8_lossy(&script))
}

pub fn man(ui: &Ui) -> Result<(), Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Error::io("write", std::path::Path::new("the manual page"), e))?;
    ui.print(&String::from_utf8_lossy(&page))
}
