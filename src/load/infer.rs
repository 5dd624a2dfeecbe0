//! Types for the columns of a CSV dataset that `laporan.toml` does not
//! declare, from what the pre-load pass saw of every value
//! ([`super::shapes`]), before DuckDB reads the file. Each column gets the
//! narrowest type that holds every one of its values exactly, or stays
//! text:
//!
//! - `true`/`false` → BOOLEAN;
//! - whole numbers without leading zeros → BIGINT, or HUGEINT beyond 18
//!   digits (a 20-digit number stays exact);
//! - plain decimals → DECIMAL(18, s) or DECIMAL(38, s), s the most decimals
//!   seen (never DOUBLE, which loses digits);
//! - `YYYY-MM-DD` dates that exist → DATE; ISO timestamps (and dates) →
//!   TIMESTAMP;
//! - anything else, including codes with leading zeros (`007`) and "NA",
//!   stays VARCHAR, verbatim.
//!
//! Dates and timestamps in a declared `date_format` or `timestamp_format`
//! are DuckDB's to recognise (its `strptime`): such a column, when it is
//! not a number, is read as text and its type decided afterwards in SQL
//! ([`by_format`]).
//!
//! `laporan schema` prints the result as a declaration to paste into
//! `laporan.toml`, where it can be corrected.

use super::csv::format_shape;
use super::shapes::{CANDIDATES, Candidate, ColumnShape};
use crate::engine::{Database, quote_ident, quote_literal};
use crate::error::Error;
use crate::sql_type::{IntType, SqlType};

/// An inferred column's type, and why it is text when nearly all of its
/// values are of a stricter type.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub ty: SqlType,
    pub nearly: Option<Nearly>,
}

/// A text column whose values are all but a few (at most a tenth) of a
/// stricter type: what it would be, and the values that keep it text.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearly {
    pub would_be: SqlType,
    /// What the other values are: "a number", "a date (YYYY-MM-DD)", …
    pub what: String,
    /// Values that are not, of all values (NULLs aside).
    pub failing: u64,
    pub values: u64,
    /// The first few of them, by row (counted from 0 in the file's order).
    pub examples: Vec<(u64, String)>,
    /// How many different texts they are (counted up to 4).
    pub distinct: u64,
}

/// The formats a column's dates and timestamps are written in (strftime),
/// when they are not ISO 8601.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Formats {
    pub date: Option<String>,
    pub timestamp: Option<String>,
    /// The format is the column's own (`date_format = { column = "…" }`):
    /// laporan.toml says it holds dates, which come first (`%Y%m%d` is
    /// also a whole number).
    pub own: bool,
}

impl Formats {
    /// The expression converting the text `c`, inferred as `ty`.
    pub fn cast(&self, c: &str, ty: SqlType) -> String {
        match (ty, &self.date, &self.timestamp) {
            (SqlType::Date, Some(format), _) => format!("CAST(strptime({c}, {}) AS DATE)", quote_literal(format)),
            (SqlType::Timestamp, _, Some(format)) => format!("strptime({c}, {})", quote_literal(format)),
            _ => format!("CAST({c} AS {ty})"),
        }
    }

    /// The format `candidate` is recognised in, if not ISO 8601.
    fn of(&self, candidate: Candidate) -> Option<&str> {
        match candidate {
            Candidate::Date => self.date.as_deref(),
            Candidate::Timestamp => self.timestamp.as_deref(),
            _ => None,
        }
    }
}

fn what(candidate: Candidate, formats: &Formats) -> String {
    match (candidate, &formats.date, &formats.timestamp) {
        (Candidate::Boolean, _, _) => "true or false".to_owned(),
        (Candidate::Integer, _, _) => "a whole number".to_owned(),
        (Candidate::Decimal, _, _) => "a number".to_owned(),
        (Candidate::Date, Some(format), _) => format!("a date ({format})"),
        (Candidate::Date, None, _) => "a date (YYYY-MM-DD)".to_owned(),
        (Candidate::Timestamp, _, Some(format)) => format!("a date and time ({format})"),
        (Candidate::Timestamp, _, None) => "a date and time (YYYY-MM-DD HH:MM:SS)".to_owned(),
    }
}

/// The type of a column whose values had `shape`; `None` when that takes
/// DuckDB: its values are not numbers and its dates or timestamps have a
/// format (see [`by_format`]).
pub fn from_shape(shape: &ColumnShape, formats: &Formats) -> Option<Inferred> {
    let judged_here = |candidate: &Candidate| formats.of(*candidate).is_none();
    if formats.own {
        return None;
    }
    if !CANDIDATES.iter().all(judged_here)
        && choose(shape, &[Candidate::Boolean, Candidate::Integer, Candidate::Decimal]).is_none()
    {
        return None;
    }
    Some(inferred(shape, formats))
}

fn inferred(shape: &ColumnShape, formats: &Formats) -> Inferred {
    const DATES_FIRST: [Candidate; 5] =
        [Candidate::Date, Candidate::Timestamp, Candidate::Boolean, Candidate::Integer, Candidate::Decimal];
    let order = if formats.own { &DATES_FIRST } else { &CANDIDATES };
    let ty = choose(shape, order).unwrap_or(SqlType::Varchar);
    let nearly = nearly(shape, ty).map(|(candidate, would_be)| {
        let index = index(candidate);
        Nearly {
            would_be,
            what: what(candidate, formats),
            failing: shape.failing[index],
            values: shape.values,
            examples: shape.examples[index].clone(),
            distinct: shape.distinct[index].len() as u64,
        }
    });
    Inferred { ty, nearly }
}

fn index(candidate: Candidate) -> usize {
    CANDIDATES.iter().position(|c| *c == candidate).expect("a candidate")
}

/// The types of the `columns` of `table`, read as text because
/// [`from_shape`] could not tell (dates or timestamps in a format): their
/// values in that format counted by DuckDB, and the columns that are
/// dates or timestamps converted in the table.
pub fn by_format(
    db: &Database,
    table: &str,
    columns: &[(&str, &Formats, &ColumnShape)],
) -> Result<Vec<Inferred>, Error> {
    let mut types = Vec::with_capacity(columns.len());
    for (column, formats, shape) in columns {
        let c = quote_ident(column);
        let mut shape = (*shape).clone();
        for candidate in [Candidate::Date, Candidate::Timestamp] {
            let Some(format) = formats.of(candidate) else { continue };
            let ty = if candidate == Candidate::Date { SqlType::Date } else { SqlType::Timestamp };
            let written = format_shape(format, ty)
                .map(|regex| format!("NOT regexp_full_match({c}, {}) OR ", quote_literal(&regex)))
                .unwrap_or_default();
            let failing =
                format!("{c} IS NOT NULL AND ({written}try_strptime({c}, {}) IS NULL)", quote_literal(format));
            let index = index(candidate);
            shape.failing[index] = db
                .count(&format!("SELECT count(*) FROM {table} WHERE {failing}"))
                .map_err(|e| e.while_trying("infer column types"))?;
            shape.examples[index] = db
                .rows(
                    &format!(
                        "SELECT rowid - (SELECT min(rowid) FROM {table}), {c} FROM {table} WHERE {failing} ORDER BY rowid LIMIT 3"
                    ),
                    &[],
                    |row| Ok((row.int(0)? as u64, row.text(1)?)),
                )
                .map_err(|e| e.while_trying("explain an inferred type"))?;
            shape.distinct[index] = db
                .rows(&format!("SELECT DISTINCT {c} FROM {table} WHERE {failing} LIMIT 4"), &[], |row| row.text(0))
                .map_err(|e| e.while_trying("explain an inferred type"))?;
        }
        let inferred = inferred(&shape, formats);
        if matches!(inferred.ty, SqlType::Date | SqlType::Timestamp) {
            db.batch(&format!(
                "ALTER TABLE {table} ALTER COLUMN {c} SET DATA TYPE {} USING {}",
                inferred.ty,
                formats.cast(&c, inferred.ty)
            ))
            .map_err(|e| e.while_trying("store an inferred type"))?;
        }
        types.push(inferred);
    }
    Ok(types)
}

/// The type `candidate` gives the values that fit it.
fn type_of(shape: &ColumnShape, candidate: Candidate) -> SqlType {
    match candidate {
        Candidate::Boolean => SqlType::Boolean,
        Candidate::Integer => match shape.int_digits {
            0..=18 => SqlType::Int(IntType::BigInt),
            19..=38 => SqlType::Int(IntType::HugeInt),
            _ => SqlType::Varchar,
        },
        Candidate::Decimal => {
            let scale = shape.scale as u8;
            match shape.whole_digits + shape.scale {
                0..=18 => SqlType::Decimal { precision: 18, scale },
                19..=38 => SqlType::Decimal { precision: 38, scale },
                _ => SqlType::Varchar,
            }
        }
        Candidate::Date => SqlType::Date,
        Candidate::Timestamp => SqlType::Timestamp,
    }
}

/// The strictest of `candidates` that every value fits.
fn choose(shape: &ColumnShape, candidates: &[Candidate]) -> Option<SqlType> {
    if shape.values == 0 {
        return None;
    }
    candidates
        .iter()
        .filter(|candidate| shape.failing[index(**candidate)] == 0)
        .map(|candidate| type_of(shape, *candidate))
        .find(|ty| *ty != SqlType::Varchar)
}

/// For a text column: the candidate that the fewest values fail (at most
/// a tenth of them, and not all), and its type.
fn nearly(shape: &ColumnShape, chosen: SqlType) -> Option<(Candidate, SqlType)> {
    if chosen != SqlType::Varchar || shape.values == 0 {
        return None;
    }
    CANDIDATES
        .iter()
        .zip(shape.failing)
        .filter(|(_, failing)| *failing > 0 && *failing < shape.values && failing * 10 <= shape.values)
        .min_by_key(|(_, failing)| *failing)
        .map(|(candidate, _)| (*candidate, type_of(shape, *candidate)))
        .filter(|(_, ty)| *ty != SqlType::Varchar)
}

/// Whether every value of a column seen as `shape` converts exactly to
/// `ty` by DuckDB's reader itself, so that the load need not read it as
/// text and check it (a column without a format of its own).
pub fn reads_directly(shape: &ColumnShape, ty: SqlType) -> bool {
    let fits = |candidate| shape.failing[index(candidate)] == 0;
    match ty {
        SqlType::Int(int) => {
            let digits = match int {
                IntType::TinyInt => 2,
                IntType::SmallInt => 4,
                IntType::Integer => 9,
                IntType::BigInt => 18,
                IntType::HugeInt => 38,
                // A negative number would be refused, not read.
                _ => 0,
            };
            fits(Candidate::Integer) && shape.int_digits <= digits
        }
        SqlType::Decimal { precision, scale } => {
            fits(Candidate::Decimal)
                && shape.scale <= u32::from(scale)
                && shape.whole_digits <= u32::from(precision - scale)
        }
        // Plain decimals, far from the limits of floating point.
        SqlType::Double | SqlType::Float => fits(Candidate::Decimal) && shape.whole_digits + shape.scale <= 30,
        SqlType::Date => fits(Candidate::Date),
        SqlType::Timestamp => fits(Candidate::Timestamp),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::shapes::{ShapeTracker, Shapes};
    use crate::project::CsvOptions;

    fn shapes(csv: &str) -> Shapes {
        let mut tracker = ShapeTracker::new(&CsvOptions::default());
        tracker.feed(csv.as_bytes());
        tracker.finish()
    }

    /// The type inferred for one column of `values` (`None` is empty).
    fn infer(values: &[Option<&str>]) -> String {
        let lines: Vec<&str> = values.iter().map(|v| v.unwrap_or("")).collect();
        let shapes = shapes(&format!("v\n{}\n", lines.join("\n")));
        let shape = shapes.columns.first().cloned().unwrap_or_default();
        from_shape(&shape, &Formats::default()).expect("no format").ty.to_string()
    }

    #[test]
    fn narrowest_exact_type() {
        assert_eq!(infer(&[Some("1"), Some("-20"), None]), "BIGINT");
        assert_eq!(infer(&[Some("12345678901234567890")]), "HUGEINT");
        assert_eq!(infer(&[Some("007"), Some("12")]), "VARCHAR", "leading zeros are a code");
        assert_eq!(infer(&[Some("1.5"), Some("300000000.00"), Some("3")]), "DECIMAL(18,2)");
        assert_eq!(infer(&[Some("12345678901234567890.12")]), "DECIMAL(38,2)");
        assert_eq!(infer(&[Some("true"), Some("FALSE")]), "BOOLEAN");
        assert_eq!(infer(&[Some("2024-02-29"), Some("2024-04-23")]), "DATE");
        assert_eq!(infer(&[Some("2024-02-30")]), "VARCHAR", "not a date that exists");
        assert_eq!(infer(&[Some("0000-00-00")]), "VARCHAR");
        assert_eq!(infer(&[Some("2024-04-23 10:00:00"), Some("2024-04-23T11:30")]), "TIMESTAMP");
        assert_eq!(infer(&[Some("2024-04-23"), Some("2024-04-23 11:30")]), "TIMESTAMP", "a date is midnight");
        assert_eq!(infer(&[Some("NA"), Some("1")]), "VARCHAR", "Namibia stays text");
        assert_eq!(infer(&[None, None]), "VARCHAR");
        assert_eq!(infer(&[Some("1e5")]), "VARCHAR");
    }

    #[test]
    fn a_text_column_says_what_nearly_all_of_it_is() {
        let mut csv = String::from("price,half\n");
        for i in 1..5000 {
            let price = if i == 3000 { "NA".to_owned() } else { format!("{i}.5") };
            let half = if i % 2 == 0 { "x".to_owned() } else { i.to_string() };
            csv.push_str(&format!("{price},{half}\n"));
        }
        let shapes = shapes(&csv);
        let price = from_shape(&shapes.columns[0], &Formats::default()).unwrap();
        assert_eq!(price.ty, SqlType::Varchar);
        let nearly = price.nearly.as_ref().expect("nearly decimal");
        assert_eq!(nearly.would_be, SqlType::Decimal { precision: 18, scale: 1 });
        assert_eq!((nearly.failing, nearly.values, nearly.distinct), (1, 4999, 1));
        assert_eq!(nearly.examples, [(2999, "NA".to_owned())]);
        let half = from_shape(&shapes.columns[1], &Formats::default()).unwrap();
        assert_eq!(half.nearly, None, "half of the values are not numbers: text, nothing to say");
    }

    #[test]
    fn dates_in_a_format_are_for_duckdb_to_recognise() {
        let csv = "n,when,code\n1,23/04/2024,x\n2,01/05/2024,y\n3,NA,z\n";
        let shapes = shapes(csv);
        let formats = Formats { date: Some("%d/%m/%Y".to_owned()), timestamp: None, own: false };
        assert_eq!(from_shape(&shapes.columns[0], &formats).unwrap().ty, SqlType::Int(IntType::BigInt));
        assert_eq!(from_shape(&shapes.columns[1], &formats), None);
        let db = Database::in_memory().unwrap();
        db.batch(
            "CREATE TABLE t AS SELECT * FROM (VALUES ('23/04/2024', 'x'), ('01/05/2024', 'y'), (NULL, 'z')) v(\"when\", code)",
        )
        .unwrap();
        let columns = [("when", &formats, &shapes.columns[1]), ("code", &formats, &shapes.columns[2])];
        let types: Vec<SqlType> = by_format(&db, "t", &columns).unwrap().into_iter().map(|i| i.ty).collect();
        assert_eq!(types, [SqlType::Date, SqlType::Varchar]);
        let stored = db.rows("SELECT typeof(\"when\"), CAST(\"when\" AS VARCHAR) FROM t LIMIT 1", &[], |r| {
            Ok((r.text(0)?, r.text(1)?))
        });
        assert_eq!(stored.unwrap(), [("DATE".to_owned(), "2024-04-23".to_owned())]);
    }

    #[test]
    fn declared_numbers_are_read_directly_only_when_every_value_fits() {
        let shapes = shapes("a,b,c\n1.25,99,2024-01-01\n-3,100,2024-01-02 10:00\n");
        let [a, b, c] = &shapes.columns[..] else { panic!() };
        assert!(reads_directly(a, SqlType::Decimal { precision: 18, scale: 2 }));
        assert!(!reads_directly(a, SqlType::Decimal { precision: 18, scale: 1 }), "it would round");
        assert!(!reads_directly(a, SqlType::Int(IntType::BigInt)));
        assert!(reads_directly(b, SqlType::Int(IntType::SmallInt)));
        assert!(!reads_directly(b, SqlType::Int(IntType::TinyInt)), "three digits may not fit");
        assert!(!reads_directly(b, SqlType::Int(IntType::UInteger)));
        assert!(reads_directly(c, SqlType::Timestamp));
        assert!(!reads_directly(c, SqlType::Date), "a DATE would lose the time");
    }
}
