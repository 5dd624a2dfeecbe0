//! The data behind a report, exported beside it: each distinct query call
//! as `<report>.data/<query>.csv` (safe for spreadsheets) and `.json`.

use std::sync::Arc;

use crate::render::{Formats, RenderedFile};
use crate::value::QueryResult;

/// The data behind one report: each distinct query call while it rendered,
/// as `<report>.data/<query>.csv` and `.json` (`<query>.2.csv` for the same
/// query with other parameters).
pub fn data_files(report: &str, calls: &[(String, Arc<QueryResult>)], formats: Formats) -> Vec<RenderedFile> {
    let mut files = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for (name, result) in calls {
        let count = used.iter().filter(|n| **n == name.as_str()).count();
        used.push(name);
        let stem = if count == 0 { name.clone() } else { format!("{name}.{}", count + 1) };
        if formats.data_csv {
            files.push(RenderedFile {
                file_name: format!("{report}.data/{stem}.csv"),
                contents: crate::print::csv_for_spreadsheets(result),
            });
        }
        if formats.data_json {
            files.push(RenderedFile {
                file_name: format!("{report}.data/{stem}.json"),
                contents: crate::print::json(result),
            });
        }
    }
    files
}
