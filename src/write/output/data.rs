//! `csv` and `json` (`--export`): the data behind a report, beside it:
//! each distinct query call while it rendered as `NAME.data/QUERY.csv`
//! (safe for spreadsheets) or `.json`; `QUERY.2.csv` for the same query
//! called again with other parameters.

use std::path::Path;

use super::{Output, has_extension};
use crate::error::Error;
use crate::render::{Passes, RenderedReport};
use crate::value::QueryResult;
use crate::write::OutputFile;

pub struct Export {
    pub extension: &'static str,
    /// A query result as the file's text.
    pub write: fn(&QueryResult) -> String,
}

impl Output for Export {
    fn passes(&self) -> Passes {
        Passes::default()
    }

    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        Ok(exported(report, self.extension, self.write))
    }

    fn owns(&self, file: &Path) -> bool {
        in_data_folder(file) && has_extension(file, self.extension)
    }
}

/// One file per query call: `NAME.data/QUERY.EXT`, `QUERY.2.EXT` for the
/// second call of a query.
fn exported(report: &RenderedReport, extension: &str, write: fn(&QueryResult) -> String) -> Vec<OutputFile> {
    let mut used: Vec<&str> = Vec::new();
    let mut files = Vec::new();
    for (name, result) in &report.data {
        let count = used.iter().filter(|n| **n == name.as_str()).count();
        used.push(name);
        let stem = if count == 0 { name.clone() } else { format!("{name}.{}", count + 1) };
        files.push(OutputFile::text(format!("{}.data/{stem}.{extension}", report.name), &write(result)));
    }
    files
}

/// Whether `file` is in a report's `NAME.data/` folder.
fn in_data_folder(file: &Path) -> bool {
    file.parent().and_then(|p| p.file_name()).is_some_and(|n| n.to_string_lossy().ends_with(".data"))
}
