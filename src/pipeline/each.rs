//! `[reports.NAME] each = "QUERY"`: one page per row of a saved query.
//!
//! Each row of the query is an entity: its columns are bound as parameters
//! (over any other value of the same name), and its key (the `key` column,
//! else the first) names its files, `NAME/KEY.html`, made safe to be a file
//! name by [`file_stem`]. A key that is NULL or empty, or has nothing left
//! once made safe, and two keys that give the same file name (letter case
//! aside, as file systems on Windows and macOS see them) are errors that
//! name the rows: a page must never silently replace another.

use crate::error::{Error, Location};
use crate::params::{Decimal, ParamValue};
use crate::project::saved_query::SavedQuery;
use crate::project::{Each, Project, Report};
use crate::query::{BuildParam, BuildParams, Runner};
use crate::value::{Cell, QueryResult};

/// One row of an `each` query: a page of its own.
#[derive(Debug, Clone)]
pub struct Entity {
    /// The key as text, as the query gave it.
    pub key: String,
    /// The file name it gives (see [`file_stem`]).
    pub stem: String,
    /// The row's columns, as parameters.
    pub params: BuildParams,
}

/// The longest file name [`file_stem`] makes, in characters, and in bytes
/// (file systems count bytes: 255 at most, with room for `.LOCALE.html`
/// and the temporary name laporan writes first).
pub const MAX_STEM: usize = 80;
pub const MAX_STEM_BYTES: usize = 120;

/// A key made into a file name, by one rule (the README states it):
/// letters and digits of any script, `-`, `_` and `.` are kept, every other
/// character (spaces, `/`, `\`, `:`, control characters, …) becomes `-`;
/// runs of `-` and of `.` become one; `-` and `.` are removed at both ends
/// (so no hidden file and never `..`); at most [`MAX_STEM`] characters and
/// [`MAX_STEM_BYTES`] bytes; a
/// name Windows reserves for a device (`CON`, `NUL`, `COM1`, …) gets `_`
/// appended. `None` when nothing is left.
pub fn file_stem(key: &str) -> Option<String> {
    let mut stem = String::with_capacity(key.len());
    for c in key.chars() {
        let c = if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '-' };
        if matches!(c, '-' | '.') && stem.ends_with(c) {
            continue;
        }
        stem.push(c);
    }
    let mut bytes = 0;
    let stem: String = stem
        .trim_matches(['-', '.'])
        .chars()
        .take(MAX_STEM)
        .take_while(|c| {
            bytes += c.len_utf8();
            bytes <= MAX_STEM_BYTES
        })
        .collect();
    let stem = stem.trim_end_matches(['-', '.']).to_owned();
    if stem.is_empty() {
        return None;
    }
    let base = stem.split('.').next().unwrap_or_default().to_ascii_uppercase();
    let reserved = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && base.as_bytes()[3].is_ascii_digit());
    Some(if reserved { format!("{stem}_") } else { stem })
}

/// The parameters of `report`'s pages: the build's (`given`), then the
/// report's defaults for those not given.
pub fn report_params(report: &Report, given: &BuildParams) -> BuildParams {
    let mut params = given.clone();
    for (name, text) in &report.params {
        params.entry(name.clone()).or_insert_with(|| BuildParam::Text(text.clone()));
    }
    params
}

/// The rows of `report`'s `each` query run with `params`: its key column
/// and its entities. An error with [`Error::needed_param`] is a parameter
/// the query needs and no one gave.
pub fn rows(
    project: &Project,
    runner: &Runner,
    report: &Report,
    each: &Each,
    params: &BuildParams,
) -> Result<(Option<String>, Vec<Entity>), Error> {
    let result = runner.fork(params.clone()).run(&each.query, &[])?;
    let key_place = project.setting_place(&format!("reports.{}", report.name), "key");
    let entities = entities(&result, each, &report.name, &project.queries[&each.query], key_place)?;
    let key_column = each.key.clone().or_else(|| result.columns.first().map(|c| c.name.clone()));
    Ok((key_column, entities))
}

/// The entities of `result`, the rows of the `each` query of report
/// `report`.
/// `key_place` is where laporan.toml sets `key`.
fn entities(
    result: &QueryResult,
    each: &Each,
    report: &str,
    query: &SavedQuery,
    key_place: Location,
) -> Result<Vec<Entity>, Error> {
    let at = || Location::file(&query.path);
    let columns: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    let key_column = match &each.key {
        Some(key) => columns.iter().position(|c| c == key).ok_or_else(|| {
            Error::project(format!("report {report}: query {} has no column {key}, its key", each.query))
                .at(key_place.clone())
                .note(format!("its columns: {}", columns.join(", ")))
                .help(format!("set [reports.{report}] key to one of its columns"))
        })?,
        None if columns.is_empty() => {
            return Err(Error::project(format!("report {report}: query {} returns no columns", each.query)).at(at()));
        }
        None => 0,
    };
    let key_name = columns[key_column];
    let row_text = |row: &[Cell]| {
        let values: Vec<String> =
            row.iter().zip(&columns).map(|(cell, name)| format!("{name} = {}", shown(cell))).collect();
        values.join(", ")
    };
    let mut entities: Vec<Entity> = Vec::with_capacity(result.rows.len());
    let mut rows_of: Vec<usize> = Vec::with_capacity(result.rows.len());
    for (index, row) in result.rows.iter().enumerate() {
        let number = index + 1;
        let key = row[key_column].to_text();
        let problem = |what: &str| {
            Error::project(format!("report {report}: row {number} of query {} {what}", each.query))
                .at(at())
                .note(format!("row {number}: {}", row_text(row)))
        };
        if row[key_column].is_null() || key.trim().is_empty() {
            let what = if row[key_column].is_null() { "NULL" } else { "empty" };
            return Err(problem(&format!("has no key: {key_name} is {what}"))
                .help(format!("every row needs a {key_name} to name its page: filter such rows out in the query")));
        }
        let Some(stem) = file_stem(&key) else {
            return Err(problem(&format!("has key '{key}', which has no letter or digit to name a file"))
                .help("choose a key column with letters or digits, such as a code"));
        };
        if let Some(other) = entities.iter().position(|e| folded(&e.stem) == folded(&stem)) {
            let first = rows_of[other];
            return Err(Error::project(format!(
                "report {report}: rows {first} and {number} of query {} would both be page {}",
                each.query, entities[other].stem
            ))
            .at(at())
            .note(format!("row {first}: {}", row_text(&result.rows[first - 1])))
            .note(format!("row {number}: {}", row_text(row)))
            .help(format!(
                "a key names a file: keys that differ only in letter case or in characters other than letters and \
                 digits give the same name. Make {key_name} unique, or choose another key column"
            )));
        }
        let params = columns.iter().zip(row).map(|(name, cell)| ((*name).to_owned(), as_param(cell))).collect();
        entities.push(Entity { key, stem, params });
        rows_of.push(number);
    }
    Ok(entities)
}

/// A file name as a file system that ignores letter case compares it
/// (Greek final sigma is a sigma).
pub fn folded(stem: &str) -> String {
    stem.to_lowercase().replace('ς', "σ")
}

/// A value as an error message quotes it.
fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Null => "NULL".to_owned(),
        Cell::Text(text) => format!("'{text}'"),
        other => other.to_text(),
    }
}

/// A row's value bound as a parameter: typed as it came, converted to the
/// type each query declares.
fn as_param(cell: &Cell) -> BuildParam {
    BuildParam::Value(match cell {
        Cell::Null => ParamValue::Null,
        Cell::Bool(b) => ParamValue::Boolean(*b),
        Cell::Int(i) => i64::try_from(*i).map_or_else(|_| ParamValue::Text(i.to_string()), ParamValue::Integer),
        Cell::Float(f) => ParamValue::Double(*f),
        Cell::Decimal { unscaled, scale } => ParamValue::Decimal(Decimal { unscaled: *unscaled, scale: *scale }),
        other => ParamValue::Text(other.to_text()),
    })
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn keys_become_file_names_inside_their_folder() {
        let cases = [
            ("FRA", Some("FRA")),
            ("Côte d'Ivoire", Some("Côte-d-Ivoire")),
            ("../../etc/passwd", Some("etc-passwd")),
            ("..", None),
            ("/", None),
            ("a/b\\c", Some("a-b-c")),
            (".hidden", Some("hidden")),
            ("a..b", Some("a.b")),
            ("tab\there\nnewline", Some("tab-here-newline")),
            ("  spaced  out  ", Some("spaced-out")),
            ("Türkiye", Some("Türkiye")),
            ("北京", Some("北京")),
            ("con", Some("con_")),
            ("COM1.txt", Some("COM1.txt_")),
            ("COMX", Some("COMX")),
            ("2024-Q2", Some("2024-Q2")),
            ("---", None),
            ("a\u{0}b", Some("a-b")),
        ];
        for (key, stem) in cases {
            assert_eq!(file_stem(key).as_deref(), stem, "{key:?}");
        }
        let wide = "\u{20000}".repeat(79) + "Z";
        assert!(file_stem(&wide).unwrap().len() <= super::MAX_STEM_BYTES, "a name is short in bytes too");
        assert_eq!(super::folded("ΟΔΟΣ"), super::folded("οδος"));
        let long = "x".repeat(300);
        assert_eq!(file_stem(&long).unwrap().chars().count(), super::MAX_STEM);
        assert_eq!(file_stem(&format!("{}.....y", "x".repeat(79))).unwrap(), "x".repeat(79));
    }
}
