//! Types for a dataset that `laporan.toml` does not declare.
//!
//! The file is first loaded as text; then each column gets the narrowest
//! type that holds every one of its values exactly, or stays text:
//!
//! - `true`/`false` → BOOLEAN;
//! - whole numbers without leading zeros → BIGINT, or HUGEINT beyond 18
//!   digits (a 20-digit number stays exact);
//! - plain decimals → DECIMAL(18, s) or DECIMAL(38, s), s the most decimals
//!   seen (never DOUBLE, which loses digits);
//! - `YYYY-MM-DD` dates that exist → DATE; ISO timestamps → TIMESTAMP (or
//!   dates and timestamps in the column's declared `date_format` and
//!   `timestamp_format`);
//! - anything else, including codes with leading zeros (`007`) and "NA",
//!   stays VARCHAR, verbatim.
//!
//! `laporan schema` prints the result as a declaration to paste into
//! `laporan.toml`, where it can be corrected.

use crate::engine::{Database, quote_ident, quote_literal};
use crate::error::Error;
use crate::sql_type::{IntType, SqlType};

const INTEGER: &str = "[+-]?(0|[1-9][0-9]*)";
const DECIMAL: &str = "[+-]?(0|[1-9][0-9]*)\\.[0-9]+";
const DATE: &str = "[0-9]{4}-[0-9]{2}-[0-9]{2}";
const TIMESTAMP: &str = "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?";

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
    /// How many different texts they are.
    pub distinct: u64,
}

/// The formats a column's dates and timestamps are written in (strftime),
/// when they are not ISO 8601.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Formats {
    pub date: Option<String>,
    pub timestamp: Option<String>,
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
}

/// What a column's values could be, strictest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Candidate {
    Boolean,
    Integer,
    Decimal,
    Date,
    Timestamp,
}

const CANDIDATES: [Candidate; 5] =
    [Candidate::Boolean, Candidate::Integer, Candidate::Decimal, Candidate::Date, Candidate::Timestamp];

impl Candidate {
    /// The SQL condition that the text `c` (not NULL) is not one.
    fn fails(self, c: &str, formats: &Formats) -> String {
        match (self, &formats.date, &formats.timestamp) {
            (Candidate::Date, Some(format), _) | (Candidate::Timestamp, _, Some(format)) => {
                return format!("try_strptime({c}, {}) IS NULL", quote_literal(format));
            }
            _ => {}
        }
        match self {
            Candidate::Boolean => format!("lower({c}) NOT IN ('true', 'false')"),
            Candidate::Integer => format!("NOT regexp_full_match({c}, '{INTEGER}')"),
            Candidate::Decimal => {
                format!("(NOT regexp_full_match({c}, '{INTEGER}') AND NOT regexp_full_match({c}, '{DECIMAL}'))")
            }
            // CASE casts only the texts of the right shape: a failed cast
            // is costly (DuckDB formats its error), and most texts fail.
            Candidate::Date => {
                format!("CASE WHEN regexp_full_match({c}, '{DATE}') THEN TRY_CAST({c} AS DATE) IS NULL ELSE true END")
            }
            Candidate::Timestamp => format!(
                "CASE WHEN regexp_full_match({c}, '{TIMESTAMP}') THEN TRY_CAST({c} AS TIMESTAMP) IS NULL ELSE true END"
            ),
        }
    }

    fn what(self, formats: &Formats) -> String {
        match (self, &formats.date, &formats.timestamp) {
            (Candidate::Boolean, _, _) => "true or false".to_owned(),
            (Candidate::Integer, _, _) => "a whole number".to_owned(),
            (Candidate::Decimal, _, _) => "a number".to_owned(),
            (Candidate::Date, Some(format), _) => format!("a date ({format})"),
            (Candidate::Date, None, _) => "a date (YYYY-MM-DD)".to_owned(),
            (Candidate::Timestamp, _, Some(format)) => format!("a date and time ({format})"),
            (Candidate::Timestamp, _, None) => "a date and time (YYYY-MM-DD HH:MM:SS)".to_owned(),
        }
    }
}

/// Infers a type for each column of `staged` (all VARCHAR), in order.
///
/// A first pass over a sample rules candidates out cheaply (more than a
/// tenth of the values not dates rules DATE out for the column); the full
/// pass then counts, for the candidates left, the values that do not fit,
/// so a text column costs almost nothing, and a column kept text by a few
/// values says which ([`Nearly`]).
pub fn infer_types(
    db: &Database,
    staged: &str,
    columns: &[String],
    formats: &[Formats],
) -> Result<Vec<Inferred>, Error> {
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let all = vec![[true; 5]; columns.len()];
    let rows = db.count(&format!("SELECT count(*) FROM {staged}")).map_err(|e| e.while_trying("infer column types"))?;
    // A table no larger than the sample is counted once, in full.
    let full = if rows <= SAMPLE {
        statistics(db, staged, columns, formats, &all, false)?
    } else {
        let from = format!("(SELECT * FROM {staged} LIMIT {SAMPLE})");
        let sample = statistics(db, &from, columns, formats, &all, true)?;
        let alive: Vec<[bool; 5]> = sample.iter().map(Stats::candidates).collect();
        statistics(db, staged, columns, formats, &alive, false)?
    };
    let mut inferred = Vec::with_capacity(columns.len());
    for ((column, stats), formats) in columns.iter().zip(full).zip(formats) {
        let ty = stats.choose();
        let nearly = match stats.nearly(ty) {
            Some((candidate, would_be)) => Some(examples(db, staged, column, formats, candidate, would_be, &stats)?),
            None => None,
        };
        inferred.push(Inferred { ty, nearly });
    }
    Ok(inferred)
}

/// The first values of `column` that are not `candidate`s, and how many
/// different texts those are.
fn examples(
    db: &Database,
    staged: &str,
    column: &str,
    formats: &Formats,
    candidate: Candidate,
    would_be: SqlType,
    stats: &Stats,
) -> Result<Nearly, Error> {
    let c = quote_ident(column);
    let failing = format!("{c} IS NOT NULL AND {}", candidate.fails(&c, formats));
    let examples = db
        .rows(
            &format!(
                "SELECT rowid - (SELECT min(rowid) FROM {staged}), {c} FROM {staged} WHERE {failing} ORDER BY rowid LIMIT 3"
            ),
            &[],
            |row| Ok((row.int(0)? as u64, row.text(1)?)),
        )
        .map_err(|e| e.while_trying("explain an inferred type"))?;
    let distinct = db
        .count(&format!("SELECT count(DISTINCT {c}) FROM {staged} WHERE {failing}"))
        .map_err(|e| e.while_trying("explain an inferred type"))?;
    let failing = stats.failing[CANDIDATES.iter().position(|c| *c == candidate).expect("a candidate")];
    Ok(Nearly {
        would_be,
        what: candidate.what(formats),
        failing: failing as u64,
        values: stats.values as u64,
        examples,
        distinct,
    })
}

/// The rows of the first pass.
const SAMPLE: u64 = 2048;

/// Columns counted by one query: DuckDB's planning of a query grows faster
/// than its expressions (a 56-column file took 0.6 s in one query, 0.18 s
/// in chunks of eight), and each chunk is one scan of the table.
const COLUMNS_PER_QUERY: usize = 8;

/// Aggregate queries computing, per column, how many values fail each
/// candidate still `alive` (a dead one counts every value as failing).
fn statistics(
    db: &Database,
    from: &str,
    columns: &[String],
    formats: &[Formats],
    alive: &[[bool; 5]],
    sample: bool,
) -> Result<Vec<Stats>, Error> {
    let n = COLUMNS_PER_QUERY;
    let mut stats = Vec::with_capacity(columns.len());
    for ((columns, formats), alive) in columns.chunks(n).zip(formats.chunks(n)).zip(alive.chunks(n)) {
        stats.extend(statistics_of(db, from, columns, formats, alive, sample)?);
    }
    Ok(stats)
}

/// One aggregate query for `columns` (see [`statistics`]).
fn statistics_of(
    db: &Database,
    from: &str,
    columns: &[String],
    formats: &[Formats],
    alive: &[[bool; 5]],
    sample: bool,
) -> Result<Vec<Stats>, Error> {
    let mut select = Vec::new();
    for ((column, alive), formats) in columns.iter().zip(alive).zip(formats) {
        let c = quote_ident(column);
        select.push(format!("count({c})"));
        // A few texts only (the sample of a sorted file may hold nothing
        // but its 'NA's): the full pass counts every candidate.
        select.push(if sample { format!("least(count(DISTINCT {c}), 4)") } else { "4".to_owned() });
        for (candidate, live) in CANDIDATES.iter().zip(alive) {
            select.push(if *live {
                format!("count(*) FILTER (WHERE {c} IS NOT NULL AND {})", candidate.fails(&c, formats))
            } else {
                format!("count({c})")
            });
        }
        let [_, integer, decimal, _, _] = *alive;
        let or_zero = |live: bool, expr: String| if live { expr } else { "0".to_owned() };
        select.push(or_zero(
            integer,
            format!("coalesce(max(length(ltrim({c}, '+-'))) FILTER (WHERE regexp_full_match({c}, '{INTEGER}')), 0)"),
        ));
        select.push(or_zero(
            decimal,
            format!(
                "coalesce(max(length(split_part(ltrim({c}, '+-'), '.', 1))) \
                 FILTER (WHERE regexp_full_match({c}, '{INTEGER}') OR regexp_full_match({c}, '{DECIMAL}')), 0)"
            ),
        ));
        select.push(or_zero(
            decimal,
            format!(
                "coalesce(max(length(split_part({c}, '.', 2))) FILTER (WHERE regexp_full_match({c}, '{DECIMAL}')), 0)"
            ),
        ));
    }
    const PER_COLUMN: usize = 10;
    let sql = format!("SELECT {} FROM {from}", select.join(", "));
    let stats: Vec<i64> = db
        .row(&sql, &[], |row| (0..columns.len() * PER_COLUMN).map(|i| row.int(i)).collect())
        .map_err(|e| e.while_trying("infer column types"))?;
    Ok(stats
        .chunks(PER_COLUMN)
        .map(|s| {
            let [values, distinct, b, i, d, da, t, int_digits, whole_digits, scale] =
                s.try_into().expect("PER_COLUMN values");
            Stats { values, distinct, failing: [b, i, d, da, t], int_digits, whole_digits, scale }
        })
        .collect())
}

/// What one pass found about a column: its values (NULLs aside), how many
/// fail each candidate, and the widest numbers among those that fit.
struct Stats {
    values: i64,
    /// Different values, counted up to 4.
    distinct: i64,
    failing: [i64; 5],
    int_digits: i64,
    whole_digits: i64,
    scale: i64,
}

impl Stats {
    /// The candidates worth counting in full: those that some value of
    /// the sample fits, or all of them when the sample holds three
    /// different texts or fewer (a sorted file may start with its 'NA's).
    fn candidates(&self) -> [bool; 5] {
        let few = self.distinct <= 3;
        self.failing.map(|failing| few || failing < self.values)
    }

    /// The type `candidate` gives the values that fit it.
    fn type_of(&self, candidate: Candidate) -> SqlType {
        match candidate {
            Candidate::Boolean => SqlType::Boolean,
            Candidate::Integer => match self.int_digits {
                0..=18 => SqlType::Int(IntType::BigInt),
                19..=38 => SqlType::Int(IntType::HugeInt),
                _ => SqlType::Varchar,
            },
            Candidate::Decimal => {
                let scale = self.scale as u8;
                match self.whole_digits + self.scale {
                    0..=18 => SqlType::Decimal { precision: 18, scale },
                    19..=38 => SqlType::Decimal { precision: 38, scale },
                    _ => SqlType::Varchar,
                }
            }
            Candidate::Date => SqlType::Date,
            Candidate::Timestamp => SqlType::Timestamp,
        }
    }

    /// The strictest candidate every value fits, or VARCHAR.
    fn choose(&self) -> SqlType {
        if self.values == 0 {
            return SqlType::Varchar;
        }
        CANDIDATES
            .iter()
            .zip(self.failing)
            .filter(|(_, failing)| *failing == 0)
            .map(|(candidate, _)| self.type_of(*candidate))
            .find(|ty| *ty != SqlType::Varchar)
            .unwrap_or(SqlType::Varchar)
    }

    /// For a column that is text: the candidate that the fewest values
    /// fail (at most a tenth of them, and not all), and its type.
    fn nearly(&self, chosen: SqlType) -> Option<(Candidate, SqlType)> {
        if chosen != SqlType::Varchar || self.values == 0 {
            return None;
        }
        CANDIDATES
            .iter()
            .zip(self.failing)
            .filter(|(_, failing)| *failing > 0 && *failing < self.values && failing * 10 <= self.values)
            .min_by_key(|(_, failing)| *failing)
            .map(|(candidate, _)| (*candidate, self.type_of(*candidate)))
            .filter(|(_, ty)| *ty != SqlType::Varchar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Arg;

    fn infer(values: &[Option<&str>]) -> String {
        let db = Database::in_memory().unwrap();
        db.batch("CREATE TABLE t (v VARCHAR)").unwrap();
        for v in values {
            db.execute("INSERT INTO t VALUES (?)", &[v.map_or(Arg::Null, Arg::Text)]).unwrap();
        }
        infer_types(&db, "t", &["v".to_owned()], &[Formats::default()]).unwrap().remove(0).ty.to_string()
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
        assert_eq!(infer(&[Some("NA"), Some("1")]), "VARCHAR", "Namibia stays text");
        assert_eq!(infer(&[None, None]), "VARCHAR");
        assert_eq!(infer(&[Some("1e5")]), "VARCHAR");
    }

    #[test]
    fn a_text_column_says_what_nearly_all_of_it_is() {
        let db = Database::in_memory().unwrap();
        db.batch(
            "CREATE TABLE t AS SELECT CASE WHEN i = 3000 THEN 'NA' ELSE CAST(i AS VARCHAR) || '.5' END AS price, \
             CASE WHEN i % 2 = 0 THEN 'x' ELSE CAST(i AS VARCHAR) END AS half FROM range(1, 5000) r(i)",
        )
        .unwrap();
        let inferred =
            infer_types(&db, "t", &["price".to_owned(), "half".to_owned()], &[Formats::default(), Formats::default()])
                .unwrap();
        assert_eq!(inferred[0].ty, SqlType::Varchar);
        let nearly = inferred[0].nearly.as_ref().expect("nearly decimal");
        assert_eq!(nearly.would_be, SqlType::Decimal { precision: 18, scale: 1 });
        assert_eq!((nearly.failing, nearly.values, nearly.distinct), (1, 4999, 1));
        assert_eq!(nearly.examples, [(2999, "NA".to_owned())]);
        assert_eq!(inferred[1].nearly, None, "half of the values are not numbers: text, nothing to say");
    }

    #[test]
    fn a_value_after_the_sample_still_counts() {
        let db = Database::in_memory().unwrap();
        db.batch(
            "CREATE TABLE t AS SELECT CAST(i AS VARCHAR) AS late_text, CAST(i AS VARCHAR) AS ints FROM range(1, 5000) r(i); \
             INSERT INTO t VALUES ('not a number', '5000');",
        )
        .unwrap();
        let types = infer_types(
            &db,
            "t",
            &["late_text".to_owned(), "ints".to_owned()],
            &[Formats::default(), Formats::default()],
        )
        .unwrap();
        let types: Vec<SqlType> = types.into_iter().map(|i| i.ty).collect();
        assert_eq!(types, [SqlType::Varchar, SqlType::Int(IntType::BigInt)]);
    }
}
