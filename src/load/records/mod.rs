//! Loading records that laporan read itself, exactly: the records of JSON
//! files ([`super::json`]) and the rows of workbook sheets
//! ([`super::workbook`]).
//!
//! A reader turns its files into [`Records`]: the columns, and each
//! record's fields, each with its [`Kind`] (what the file says the value
//! is: text, a number, a date, …) and its exact text (a number's digits, a
//! date as ISO 8601). From there every format goes the same way:
//!
//! - Declared types are checked value by value ([`types::check_field`]):
//!   numbers only into number columns, with no more digits or decimals than
//!   the type holds; `true`/`false` only into BOOLEAN; text, dates and
//!   times only into DATE, TIME and TIMESTAMP; VARCHAR takes any value as
//!   its text.
//! - Inferred types are the narrowest exact ones, as for CSV
//!   ([`types::infer`]): whole numbers BIGINT or HUGEINT, decimals
//!   DECIMAL(18|38, s), dates DATE, timestamps TIMESTAMP, booleans BOOLEAN,
//!   anything mixed VARCHAR.
//! - The texts are staged in a temporary table of text columns, DuckDB
//!   checks what only it can (dates, times and UUIDs written as text), and
//!   converts them into the table: every conversion is exact, because every
//!   value was checked first.
//!
//! Every problem names where the value is: a JSON file's line (and record),
//! a sheet's cell.

use std::path::PathBuf;

pub mod types;

use super::problems::{MAX_LISTED, Problem, report};
use super::{Input, Loaded, TypeNote};
use crate::engine::{Arg, Database, quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::sql_type::SqlType;
use types::{check_values, column_types, quoted};

/// What a value is, as its file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Bool,
    /// A JSON object or array.
    Nested,
    /// A date cell without a time of day.
    Date,
    /// A date cell with a time of day.
    Timestamp,
    /// A time-of-day cell.
    Time,
}

/// Where the records come from, for the words of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Json,
    Sheet,
}

impl Kind {
    fn name(self, origin: Origin) -> &'static str {
        match (origin, self) {
            (Origin::Json, Kind::Text) => "a JSON string",
            (Origin::Json, Kind::Number) => "a JSON number",
            (Origin::Json, Kind::Bool) => "a JSON boolean",
            (_, Kind::Nested) => "a JSON object or array",
            (Origin::Sheet, Kind::Text) => "a text cell",
            (Origin::Sheet, Kind::Number) => "a number cell",
            (Origin::Sheet, Kind::Bool) => "a TRUE/FALSE cell",
            (_, Kind::Date) => "a date cell",
            (_, Kind::Timestamp) => "a date and time cell",
            (_, Kind::Time) => "a time cell",
        }
    }
}

/// A value as laporan keeps it: its kind and its exact text (and, for a
/// number written otherwise, such as with an exponent, how it was written,
/// for messages).
#[derive(Debug, Clone)]
pub struct Field {
    pub kind: Kind,
    pub text: String,
    pub written: Option<String>,
}

/// Where a record is.
#[derive(Debug, Clone, Copy)]
pub enum Place {
    /// A JSON record: its file, its line, and (in an array) its index.
    Record { file: usize, line: u64, index: Option<u64> },
    /// A sheet's row (counted from 0).
    Row { file: usize, row: u32 },
}

/// Every record of a dataset's files: its fields by column index (a
/// missing key or an empty cell is no field), and where it is.
pub struct Records {
    pub origin: Origin,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<(usize, Field)>>,
    pub places: Vec<Place>,
    /// For sheets: each file's sheet name, and the sheet column of each
    /// column of the records (counted from 0).
    pub sheets: Vec<(String, Vec<u32>)>,
}

impl Records {
    pub fn new(origin: Origin) -> Records {
        Records { origin, columns: Vec::new(), rows: Vec::new(), places: Vec::new(), sheets: Vec::new() }
    }

    /// Where a value of record `record` in `column` is (the record itself
    /// without a column): the file's location, and how a message about it
    /// starts (`(record 3) `, `sheet "2024", cell C14: `).
    pub fn at(&self, record: usize, column: Option<usize>, shown: &[PathBuf]) -> (Location, String) {
        match self.places[record] {
            Place::Record { file, line, index } => {
                let location = Location { line: Some(line as usize), ..Location::file(&shown[file]) };
                (location, index.map_or(String::new(), |i| format!("(record {}) ", i + 1)))
            }
            Place::Row { file, row } => {
                let (sheet, columns) = &self.sheets[file];
                let place = match column.and_then(|c| columns.get(c)) {
                    Some(column) => format!("cell {}", cell_name(row, *column)),
                    None => format!("row {}", row + 1),
                };
                (Location::file(&shown[file]), format!("sheet \"{sheet}\", {place}: "))
            }
        }
    }

    /// A problem with the value of record `record` in `column`.
    pub fn problem(&self, record: usize, column: Option<usize>, text: String, shown: &[PathBuf]) -> Problem {
        let (location, start) = self.at(record, column, shown);
        Problem {
            file: location.path.clone(),
            line: location.line.map_or(0, |l| l as u64),
            text: format!("{start}{text}"),
            source_line: None,
        }
    }

    /// Why a column is text (see [`types::Nearly`]), and how to read it
    /// as the stricter type.
    fn type_note(&self, near: &types::Nearly<'_>, dataset: &str, nulls: &[String], shown: &[PathBuf]) -> TypeNote {
        let mut at = None;
        let mut listed = Vec::new();
        for (record, text) in &near.examples {
            let (location, start) = self.at(*record, Some(near.column), shown);
            at.get_or_insert(location);
            listed.push(format!("{start}{}", quoted(text, Kind::Text)));
        }
        let kind = Kind::Text.name(self.origin);
        let why = if near.texts == 1 {
            format!("{} is {kind}, not {} (1 of {} values)", listed.join(""), near.what, near.values)
        } else {
            format!(
                "{} of {} values are {kind}, not {}, such as {}",
                near.texts,
                near.values,
                near.what,
                listed.join("; ")
            )
        };
        let mut texts: Vec<&str> = Vec::new();
        for (_, text) in &near.examples {
            if !texts.contains(text) {
                texts.push(text);
            }
        }
        let fix = if self.origin == Origin::Sheet && near.distinct == texts.len() {
            let nulls: Vec<String> = nulls
                .iter()
                .map(String::as_str)
                .chain(texts)
                .map(|t| toml_edit::Value::from(t).to_string().trim().to_owned())
                .collect();
            format!(
                "to read it as {}, set null = [{}] for [datasets.{dataset}] in laporan.toml",
                near.would_be,
                nulls.join(", ")
            )
        } else {
            format!(
                "to read it as {}, correct those values (an empty cell, or JSON's null, is a missing value)",
                near.would_be
            )
        };
        TypeNote {
            column: self.columns[near.column].clone(),
            why,
            fix,
            rare: near.texts * 100 < near.values,
            at: at.unwrap_or_else(|| Location::file(&shown[0])),
        }
    }

    /// How a failed load counts what it could not load.
    fn unit(&self) -> &'static str {
        match self.origin {
            Origin::Json => "record",
            Origin::Sheet => "row",
        }
    }
}

/// Where each record of a loaded table is (see [`super::Loaded::places`]).
#[derive(Debug, Clone)]
pub struct Places {
    pub places: Vec<Place>,
    /// Each file's sheet name (for sheets).
    pub sheets: Vec<String>,
}

impl Places {
    /// Record `record`'s place as (where, unit, number): `("", "line",
    /// 7)`, `("sheet \"2024\", ", "row", 14)`, after its file's name when
    /// a dataset has several.
    pub fn describe(&self, record: usize, files: &[PathBuf]) -> (String, &'static str, u64) {
        let (file, sheet, unit, number) = match self.places.get(record) {
            Some(Place::Record { file, line, .. }) => (*file, String::new(), "line", *line),
            Some(Place::Row { file, row }) => {
                let sheet = self.sheets.get(*file).map_or("", String::as_str);
                (*file, format!("sheet \"{sheet}\", "), "row", u64::from(*row) + 1)
            }
            None => return (String::new(), "row", record as u64 + 1),
        };
        match files {
            [_] | [] => (sheet, unit, number),
            _ => (format!("{}, {sheet}", files[file].display()), unit, number),
        }
    }
}

/// A cell's name: `C14` for row 13 and column 2, counted from 0.
pub fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

const STAGE: &str = "temp.laporan_records_stage";

/// Loads `records` into the input's table, by the declared types or the
/// inferred ones (see the module's notes); returns the rows.
pub fn load(input: &Input<'_>, records: Records, shown_files: &[PathBuf]) -> Result<Loaded, Error> {
    let Input { db, table, dataset, shown, .. } = *input;
    let (types, nearly) = column_types(&records, dataset, &shown(&dataset.source), shown_files)?;
    let notes =
        nearly.iter().map(|near| records.type_note(near, &dataset.name, &dataset.csv.nulls, shown_files)).collect();
    check_values(&records, &types, shown_files)?;
    stage(db, &records)?;
    let problems = check_in_sql(db, &records, &types, shown_files);
    let result = problems.and_then(|()| {
        let select: Vec<String> = records
            .columns
            .iter()
            .zip(&types)
            .enumerate()
            .map(|(i, (name, ty))| format!("CAST(c{i} AS {ty}) AS {}", quote_ident(name)))
            .collect();
        db.batch(&format!(
            "CREATE OR REPLACE TABLE {table} AS SELECT {} FROM {STAGE} ORDER BY record",
            if select.is_empty() { "NULL AS empty".to_owned() } else { select.join(", ") }
        ))
        .map_err(|e| e.while_trying("store the records"))
    });
    let dropped = db.batch(&format!("DROP TABLE IF EXISTS {STAGE}"));
    result?;
    dropped.map_err(|e| e.while_trying("clean up"))?;
    let rows = records.rows.len() as u64;
    let Records { places, sheets, .. } = records;
    let places = Places { places, sheets: sheets.into_iter().map(|(sheet, _)| sheet).collect() };
    Ok(Loaded { rows, notes, places: Some(places) })
}

/// Copies the records' texts into a temporary table of text columns
/// (`c0`, `c1`, …, and `record`, the record's position).
fn stage(db: &Database, records: &Records) -> Result<(), Error> {
    let mut columns: Vec<String> = (0..records.columns.len()).map(|i| format!("c{i} VARCHAR")).collect();
    columns.push("record BIGINT".to_owned());
    db.batch(&format!("CREATE OR REPLACE TEMP TABLE laporan_records_stage ({})", columns.join(", ")))
        .map_err(|e| e.while_trying("stage the records"))?;
    let rows = records.rows.iter().enumerate().map(|(number, row)| {
        let mut values = vec![Arg::Null; records.columns.len()];
        for (column, field) in row {
            values[*column] = Arg::Text(&field.text);
        }
        values.push(Arg::Int(number as i64));
        values
    });
    db.append_temp("laporan_records_stage", rows).map_err(|e| e.while_trying("stage the records"))
}

/// Dates, times and UUIDs written as text are converted by DuckDB; the
/// texts it would not convert (or would only by guessing, such as
/// `2024-1-5`) are listed.
fn check_in_sql(db: &Database, records: &Records, types: &[SqlType], shown: &[PathBuf]) -> Result<(), Error> {
    let mut problems = Vec::new();
    let mut total = 0;
    for (i, ty) in types.iter().enumerate() {
        // ISO text only: DuckDB's casts drop an offset or a time they do
        // not keep (see `SqlType::iso_shape`).
        if !matches!(ty, SqlType::Date | SqlType::Time | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Uuid) {
            continue;
        }
        let shape = ty.iso_shape();
        let shape_fails =
            shape.map_or(String::new(), |s| format!("NOT regexp_full_match(c{i}, {}) OR ", quote_literal(s)));
        let sql = format!(
            "SELECT record, c{i}, count(*) OVER () FROM {STAGE} \
             WHERE c{i} IS NOT NULL AND ({shape_fails}TRY_CAST(c{i} AS {ty}) IS NULL) ORDER BY record LIMIT {MAX_LISTED}"
        );
        let bad = db
            .rows(&sql, &[], |row| Ok((row.int(0)?, row.text(1)?, row.int(2)?)))
            .map_err(|e| e.while_trying("check the values"))?;
        total += bad.first().map_or(0, |b| b.2 as usize);
        for (record, value, _) in bad {
            let record = record as usize;
            let kind = records.rows[record].iter().find(|(c, _)| *c == i).map_or(Kind::Text, |(_, f)| f.kind);
            let text =
                format!("column {}: {} is not {}", records.columns[i], quoted(&value, kind), ty.expected(None, None));
            problems.push((record, records.problem(record, Some(i), text, shown)));
        }
    }
    problems.sort_by_key(|(record, _)| *record);
    let problems: Vec<Problem> = problems.into_iter().map(|(_, p)| p).take(MAX_LISTED).collect();
    if problems.is_empty() { Ok(()) } else { Err(report(problems, total, false, records.unit())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_spreadsheets_name_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(13, 2), "C14");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(9, 16383), "XFD10");
    }
}
