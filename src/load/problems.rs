//! What every format reports when a file does not load: its columns
//! against the declaration, and the values or lines that cannot be loaded,
//! the first [`MAX_LISTED`] of them with where each is.

use std::path::PathBuf;

use crate::error::{Error, Location};
use crate::project::Dataset;

/// How many problems a failed load lists.
pub const MAX_LISTED: usize = 10;

/// Where a format read its columns' names, for the errors about them.
pub struct NamesFrom<'a> {
    /// The place, as in "declared column x is not in the file's header".
    pub place: &'a str,
    /// The note's opening, as in "the header has: a, b".
    pub have: &'a str,
    pub at: Location,
}

/// Matches the columns a dataset's file has against its declaration: each
/// declared one among them (the file's other columns are inferred). Every
/// format checks its names here, so the errors read alike.
pub fn check_declared<'n>(
    dataset: &Dataset,
    names: impl Iterator<Item = &'n str> + Clone,
    from: NamesFrom<'_>,
) -> Result<(), Error> {
    let Some(declared) = &dataset.columns else { return Ok(()) };
    let shown = from.at.path.clone();
    if let Some(missing) = declared.iter().find(|c| !names.clone().any(|name| name == c.name)) {
        return Err(Error::project(format!("{}: declared column {} is {}", shown.display(), missing.name, from.place))
            .at(from.at)
            .note(format!("{}: {}", from.have, names.collect::<Vec<_>>().join(", ")))
            .help("check the column name (it must match exactly), or remove it from laporan.toml"));
    }
    Ok(())
}

/// A problem with one line of a CSV file, record of a JSON file, or row of
/// a Parquet file (`line` 0: the text says which row group and row).
pub struct Problem {
    pub file: PathBuf,
    pub line: u64,
    pub text: String,
    pub source_line: Option<String>,
}

/// The error for a load's problems (the first [`MAX_LISTED`]), `total` in
/// all, each a `unit` ("line", "record") that cannot be loaded.
pub fn report(problems: Vec<Problem>, total: usize, limit_hit: bool, unit: &str) -> Error {
    let first = &problems[0];
    let files: Vec<&PathBuf> = {
        let mut files: Vec<&PathBuf> = problems.iter().map(|p| &p.file).collect();
        files.dedup();
        files
    };
    let what = if total == 1 {
        format!("a {unit} that cannot be loaded")
    } else if limit_hit {
        format!("at least {total} {unit}s that cannot be loaded")
    } else {
        format!("{total} {unit}s that cannot be loaded")
    };
    // A line of 0: the problem has no line (a row of a Parquet file).
    let mut location =
        Location { line: (first.line > 0).then_some(first.line as usize), ..Location::file(&first.file) };
    location.source_line = first.source_line.as_ref().map(|l| shorten(l, 100));
    let mut error = Error::project(format!(
        "{} has {what}",
        files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    ))
    .at(location);
    let mut notes: Vec<String> = problems
        .iter()
        .take(MAX_LISTED)
        .map(|p| match (files.len() > 1, p.line) {
            (true, 0) => format!("{}: {}", p.file.display(), p.text),
            (true, line) => format!("{}:{line}: {}", p.file.display(), p.text),
            (false, 0) => p.text.clone(),
            (false, line) => format!("line {line}: {}", p.text),
        })
        .collect();
    if total > notes.len() {
        notes.push(format!("… and {} more", total - notes.len()));
    }
    error = error.note(notes.join("\n"));
    error.help("fix the file and run laporan load again; the database was not changed")
}

/// Shortens text for a message, keeping it on one line.
pub fn shorten(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c == '\n' || c == '\r' { '⏎' } else { c }).collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}
