//! `laporan new DIR`: a new project that builds at once.

use std::fs;
use std::path::{Path, PathBuf};

use super::Ui;
use crate::error::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create (it may exist if it is empty)
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// The starter project, as (path, contents): small data with a declared
/// schema and data tests, two queries and a monthly report.
const FILES: &[(&str, &str)] = &[
    ("laporan.toml", include_str!("../new_project/laporan.toml")),
    (".gitignore", include_str!("../new_project/gitignore")),
    ("data/meetings.csv", include_str!("../new_project/data/meetings.csv")),
    ("data/countries.csv", include_str!("../new_project/data/countries.csv")),
    ("queries/meetings.sql", include_str!("../new_project/queries/meetings.sql")),
    ("queries/meetings_per_month.sql", include_str!("../new_project/queries/meetings_per_month.sql")),
    ("data_tests/delegates_are_positive.sql", include_str!("../new_project/data_tests/delegates_are_positive.sql")),
    ("report_templates/monthly_report.md.j2", include_str!("../new_project/report_templates/monthly_report.md.j2")),
];

pub fn run(args: Args, ui: &Ui) -> Result<(), Error> {
    // `-C` names where DIR is relative to, as for every other command.
    let dir = if args.dir.is_absolute() { args.dir.clone() } else { ui.project.join(&args.dir) };
    let shown = if ui.project_shown == Path::new(".") { args.dir.clone() } else { ui.project_shown.join(&args.dir) };
    if dir.exists() {
        let empty = fs::read_dir(&dir).map_err(|e| Error::io("read", &shown, e))?.next().is_none();
        if !dir.is_dir() || !empty {
            return Err(Error::usage(format!("{} already exists and is not an empty folder", shown.display()))
                .help("choose a new folder name; laporan new never overwrites files"));
        }
    }
    for (path, contents) in FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("create", &shown.join(path), e))?;
        }
        fs::write(&target, contents).map_err(|e| Error::io("write", &shown.join(path), e))?;
    }
    ui.status(&format!("created {}", shown.display()));
    ui.status(&format!("next: laporan -C {} build   (then open out/monthly_report.html)", shown.display()));
    Ok(())
}
