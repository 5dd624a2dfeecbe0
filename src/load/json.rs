//! Reading JSON strictly: records of an array, or one object per line,
//! every value kept as written or the load refused, every problem placed
//! on its line. The records load as all records laporan reads itself do
//! ([`super::records`]).
//!
//! DuckDB's JSON reader is made for exploring: it reads numbers as doubles
//! (a 23-digit integer loses digits, `123.4500` becomes `123.45`), turns a
//! mixed column into JSON text with its quotes, and rounds `1.5` into a
//! declared INTEGER. So laporan parses the files itself (serde_json, keeping
//! each value's raw text), checks every value against its column's type by
//! the same rules as CSV, and gives DuckDB only text it converts exactly.
//!
//! - A JSON string gives its content; a number its digits as written; a
//!   nested object or array its JSON text. A missing key is NULL.
//! - Declared types: numbers only into number columns (with no more digits
//!   or decimals than the type holds), `true`/`false` only into BOOLEAN,
//!   strings only into DATE, TIME, TIMESTAMP and UUID; VARCHAR takes any
//!   value as its text.
//! - Inferred types: the narrowest exact type, as for CSV: whole numbers
//!   BIGINT or HUGEINT, decimals DECIMAL(18|38, s) (a number written with an
//!   exponent is written out first: `1.5e3` is `1500`), strings that are all
//!   dates DATE (or timestamps TIMESTAMP), booleans BOOLEAN, anything else
//!   VARCHAR. A quoted `"123"` stays text.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::value::RawValue;

use super::problems::shorten;
use super::records::types::NumberText;
use super::records::{Field, Kind, Origin, Place, Records};
use super::{Input, Loaded, ReadableFile};
use crate::error::{Error, Location};

/// Loads a JSON dataset (see [`Input`]).
pub fn load(input: &Input<'_>) -> Result<Loaded, Error> {
    let shown_files: Vec<PathBuf> = input.files.iter().map(|f| (input.shown)(&f.file)).collect();
    let mut records = read_records(input.files, &shown_files)?;
    records.columns = (input.renamed)(&(input.shown)(&input.dataset.source), std::mem::take(&mut records.columns))?;
    super::records::load(input, records, &shown_files)
}

/// More keys than this across a dataset's records is not a table (records
/// whose keys are ids, say): an error, not thousands of columns.
const MAX_COLUMNS: usize = 2000;

/// Parses every file: an array of objects, or objects one after the other
/// (one per line, as in `.jsonl`).
fn read_records(files: &[ReadableFile], shown: &[PathBuf]) -> Result<Records, Error> {
    let mut records = Records::new(Origin::Json);
    // Each column's position, and the last record that had it.
    let mut column_of: HashMap<String, usize> = HashMap::new();
    let mut last_seen: Vec<Option<usize>> = Vec::new();
    for (file_index, file) in files.iter().enumerate() {
        let shown = &shown[file_index];
        let bytes = std::fs::read(&file.path).map_err(|e| Error::io("read", shown, e))?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let text = String::from_utf8_lossy(bytes);
            Error::project(format!("{} is not valid UTF-8", shown.display()))
                .at(Location::at_offset(shown, &text, e.valid_up_to()))
                .help("JSON files are UTF-8: save the file as UTF-8")
        })?;
        let syntax = |error: serde_json::Error| {
            Error::project(format!("{} is not valid JSON: {error}", shown.display())).at(Location::in_source(
                shown,
                text,
                error.line(),
                Some(error.column()),
            ))
        };
        let start = text.len() - text.trim_start().len();
        let mut found = Vec::new();
        match text.as_bytes().get(start) {
            None => {
                return Err(Error::project(format!("{} is empty", shown.display()))
                    .at(Location { line: Some(1), ..Location::file(shown) })
                    .help("a JSON dataset needs records: an array of objects, or one object per line; remove the file if the dataset has no data"));
            }
            Some(b'[') => {
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(syntax)?;
                for (index, item) in items.into_iter().enumerate() {
                    found.push((item, Some(index as u64)));
                }
            }
            Some(_) => {
                let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
                for item in stream.by_ref() {
                    found.push((item.map_err(syntax)?, None));
                }
            }
        }
        // Records come in the order of the text: lines are counted on from
        // the last record's.
        let (mut counted, mut line) = (0, 1);
        for (raw, index) in found {
            let offset = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            line += text.as_bytes()[counted..offset].iter().filter(|&&b| b == b'\n').count() as u64;
            counted = offset;
            let place = Place::Record { file: file_index, line, index };
            let at_record = || Location::in_source(shown, text, line as usize, None);
            let Entries(entries) = serde_json::from_str(raw.get()).map_err(|_| {
                let what = match raw.get().trim_start().as_bytes().first() {
                    Some(b'[') => "a JSON array",
                    Some(b'"') => "a JSON string",
                    Some(b'n') => "null",
                    Some(b't' | b'f') => "a JSON boolean",
                    _ => "a JSON number",
                };
                Error::project(format!("{}: a record is {what}, not an object", shown.display()))
                    .at(Location::in_source(shown, text, line as usize, None))
                    .help(
                        "a JSON dataset is an array of objects, or one object per line, each with the columns as keys",
                    )
            })?;
            let mut row = Vec::with_capacity(entries.len());
            let record = records.rows.len();
            for (key, value) in entries {
                if key.is_empty() {
                    return Err(Error::project(format!("{}: a record has an empty key", shown.display()))
                        .at(at_record())
                        .help("each key names a column: give it a name"));
                }
                let column = match column_of.get(&key) {
                    Some(&column) => column,
                    None => {
                        if let Some(other) = records.columns.iter().find(|c| c.eq_ignore_ascii_case(&key)) {
                            return Err(Error::project(format!(
                                "{}: keys {other} and {key} would be the same column",
                                shown.display()
                            ))
                            .at(at_record())
                            .help("column names must be unique (SQL does not tell upper from lower case)"));
                        }
                        if records.columns.len() == MAX_COLUMNS {
                            return Err(Error::project(format!(
                                "{}: the records have more than {MAX_COLUMNS} different keys",
                                shown.display()
                            ))
                            .at(at_record())
                            .help("a dataset's records share their keys, which are its columns; keep values such as ids out of the keys"));
                        }
                        records.columns.push(key.clone());
                        last_seen.push(None);
                        column_of.insert(key.clone(), records.columns.len() - 1);
                        records.columns.len() - 1
                    }
                };
                if last_seen[column].replace(record) == Some(record) {
                    return Err(Error::project(format!("{}: a record has key {key} twice", shown.display()))
                        .at(at_record())
                        .help("each key names one column: remove or rename the second"));
                }
                match field_of(value) {
                    Ok(Some(field)) => row.push((column, field)),
                    Ok(None) => {}
                    Err(why) => {
                        return Err(Error::project(format!("{}: the value of {key} {why}", shown.display()))
                            .at(at_record())
                            .help("fix the file: laporan keeps text exactly, so it does not guess what was meant"));
                    }
                }
            }
            records.rows.push(row);
            records.places.push(place);
        }
        if records.rows.is_empty() && file_index + 1 == files.len() {
            return Err(Error::project(format!("{} holds no records", shown.display()))
                .at(Location { line: Some(1), ..Location::file(shown) })
                .help("remove the file if the dataset has no data"));
        }
    }
    Ok(records)
}

/// An object's entries in order, duplicates kept (so they can be refused).
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Entries<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Entries<'a>, M::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// The field for a raw JSON value; `None` for `null`. A number is kept as
/// its digits, written out without an exponent (`1.5e3` is `1500`) so that
/// it converts exactly; a string that is not text (a lone surrogate such as
/// `\ud800`) is an error.
fn field_of(raw: &RawValue) -> Result<Option<Field>, String> {
    let text = raw.get().trim();
    let Some(first) = text.as_bytes().first() else { return Ok(None) };
    let kind = match first {
        b'n' => return Ok(None),
        b'"' => Kind::Text,
        b't' | b'f' => Kind::Bool,
        b'{' | b'[' => Kind::Nested,
        _ => Kind::Number,
    };
    let plain = match kind {
        Kind::Number => NumberText::parse(text).and_then(|n| n.plain()),
        _ => None,
    };
    let value = match (kind, &plain) {
        (Kind::Text, _) => serde_json::from_str::<String>(text)
            .map_err(|_| format!("is not text: {} holds an escape that is no character", shorten(text, 40)))?,
        (_, Some(plain)) => plain.clone(),
        _ => text.to_owned(),
    };
    let written = plain.map(|_| text.to_owned());
    Ok(Some(Field { kind, text: value, written }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::records::types::{check_field, is_date, is_timestamp};
    use crate::sql_type::IntType;
    use crate::sql_type::SqlType;

    fn check(field: &Field, ty: SqlType) -> Option<String> {
        check_field(field, ty, Origin::Json)
    }

    fn field(text: &str) -> Field {
        field_of(&RawValue::from_string(text.to_owned()).unwrap()).unwrap().unwrap()
    }

    #[test]
    fn numbers_fit_their_declared_type_exactly_or_not_at_all() {
        let int = SqlType::Int(IntType::Integer);
        assert_eq!(check(&field("7"), int), None);
        assert_eq!(check(&field("-2147483648"), int), None);
        assert!(check(&field("2147483648"), int).is_some());
        assert!(check(&field("1.5"), int).is_some());
        assert!(check(&field("1.0"), int).is_some(), "a point is a fraction");
        assert_eq!(check(&field("1e3"), int), None, "1e3 is 1000 exactly");
        assert!(check(&field("1.5e0"), int).is_some());
        assert!(check(&field("1e-400"), SqlType::Double).is_some(), "underflow is not 0");
        assert!(check(&field("1e-50"), SqlType::Float).is_some());
        assert_eq!(check(&field("0e-400"), SqlType::Double), None, "zero is zero");
        assert!(check(&field("\"7\""), int).is_some(), "a string is not a number");
        let money = SqlType::Decimal { precision: 18, scale: 2 };
        assert_eq!(check(&field("123.45"), money), None);
        assert!(check(&field("123.456"), money).is_some());
        assert!(check(&field("12345678901234567.8"), money).is_some(), "17 whole digits in DECIMAL(18,2)");
        assert_eq!(check(&field("7"), SqlType::Varchar), None, "text takes a number's digits");
        assert!(check(&field("\"true\""), SqlType::Boolean).is_some());
        assert!(check(&field("1e999"), SqlType::Double).is_some());
        assert!(check(&field("-1"), SqlType::Int(IntType::UTinyInt)).is_some());
        assert_eq!(check(&field("-0"), SqlType::Int(IntType::UTinyInt)), None);
    }

    #[test]
    fn values_keep_their_text() {
        assert_eq!(field("\"007\"").text, "007");
        assert_eq!(field("123.4500").text, "123.4500");
        assert_eq!(field("12345678901234567890123").text, "12345678901234567890123");
        assert_eq!(field("{\"a\": [1, 2]}").text, "{\"a\": [1, 2]}");
        assert!(field_of(&RawValue::from_string("null".into()).unwrap()).unwrap().is_none());
        assert_eq!(field("-1.25e2").text, "-125");
        assert_eq!(field("5E-3").text, "0.005");
        assert_eq!(field("6.02e23").text, "602000000000000000000000");
        assert_eq!(field("1.23456789012345678901234e5").text, "123456.789012345678901234");
        assert!(field_of(&RawValue::from_string("\"\\ud800x\"".into()).unwrap()).is_err(), "a lone surrogate");
    }

    #[test]
    fn dates_and_timestamps_must_exist() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-1-5"));
        assert!(is_timestamp("2024-04-23 10:00:00"));
        assert!(is_timestamp("2024-04-23T10:00"));
        assert!(!is_timestamp("2024-04-23"));
        assert!(!is_timestamp("2024-04-23 25:00"));
    }
}
