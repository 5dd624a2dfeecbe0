//! `csv` and `json` (`--export`): the data behind a report, beside it:
//! each distinct query call while it rendered as `NAME.data/QUERY.csv`
//! (safe for spreadsheets) or `.json`; `QUERY.2.csv` for the same query
//! called again with other parameters.

use std::path::Path;
use std::sync::Arc;

use super::{Output, has_extension};
use crate::error::Error;
use crate::query::QueryCall;
use crate::render::look::is_small;
use crate::render::{Passes, RenderedReport};
use crate::value::{Cell, QueryResult};
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
    exported_results(report)
        .iter()
        .map(|(stem, call)| OutputFile::text(format!("{}.data/{stem}.{extension}", report.name), &write(&call.result)))
        .collect()
}

/// Each query call behind a report, named `QUERY` (`QUERY.2` for a second
/// call), with the small counts its helpers hid hidden here too.
pub(super) fn exported_results(report: &RenderedReport) -> Vec<(String, QueryCall)> {
    let mut used: Vec<&str> = Vec::new();
    let mut results = Vec::new();
    for call in &report.data {
        let name = call.query.as_str();
        let count = used.iter().filter(|n| **n == name).count();
        used.push(name);
        let stem = if count == 0 { name.to_owned() } else { format!("{name}.{}", count + 1) };
        let address = Arc::as_ptr(&call.result) as usize;
        let hidden: Vec<(usize, i64)> =
            report.suppressed.iter().filter(|(a, _, _)| *a == address).map(|(_, c, t)| (*c, *t)).collect();
        let mut call = call.clone();
        if !hidden.is_empty() {
            call.result = Arc::new(suppressed(&call.result, &hidden));
        }
        results.push((stem, call));
    }
    results
}

/// `result` with the small counts a report hid (`suppress=`) as `< N`:
/// an export gives away no more than the report.
fn suppressed(result: &QueryResult, hidden: &[(usize, i64)]) -> QueryResult {
    let rows = result
        .rows
        .iter()
        .map(|row| {
            let mut row = row.clone();
            for &(column, threshold) in hidden {
                if is_small(&row[column], threshold) {
                    row[column] = Cell::Text(format!("< {threshold}"));
                }
            }
            row
        })
        .collect();
    QueryResult::new(result.name.clone(), result.columns.clone(), rows)
}

/// Whether `file` is in a report's `NAME.data/` folder.
pub(super) fn in_data_folder(file: &Path) -> bool {
    file.parent().and_then(|p| p.file_name()).is_some_and(|n| n.to_string_lossy().ends_with(".data"))
}
