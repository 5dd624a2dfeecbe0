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
//! - `YYYY-MM-DD` dates that exist → DATE; ISO timestamps → TIMESTAMP;
//! - anything else, including codes with leading zeros (`007`) and "NA",
//!   stays VARCHAR, verbatim.
//!
//! `laporan schema` prints the result as a declaration to paste into
//! `laporan.toml`, where it can be corrected.

use crate::engine::{Database, quote_ident};
use crate::error::Error;
use crate::sql_type::{IntType, SqlType};

const INTEGER: &str = "[+-]?(0|[1-9][0-9]*)";
const DECIMAL: &str = "[+-]?(0|[1-9][0-9]*)\\.[0-9]+";
const DATE: &str = "[0-9]{4}-[0-9]{2}-[0-9]{2}";
const TIMESTAMP: &str = "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?";

/// Infers a type for each column of `staged` (all VARCHAR), in order.
///
/// A first pass over a sample rules candidates out cheaply (one value that
/// is not a date rules DATE out for the column); the full pass then checks
/// only the candidates left, so a text column costs almost nothing.
pub fn infer_types(db: &Database, staged: &str, columns: &[String]) -> Result<Vec<SqlType>, Error> {
    if columns.is_empty() {
        return Ok(Vec::new());
    }
    let all = vec![[true; CANDIDATES]; columns.len()];
    let sample = statistics(db, &format!("(SELECT * FROM {staged} LIMIT 2048)"), columns, &all)?;
    let alive: Vec<[bool; CANDIDATES]> = sample.iter().map(Stats::candidates).collect();
    let full = statistics(db, staged, columns, &alive)?;
    Ok(full.into_iter().map(choose).collect())
}

/// Boolean, integer, decimal, date, timestamp.
const CANDIDATES: usize = 5;

/// One aggregate query computing, per column, how many values fail each
/// candidate still `alive` (a dead one counts as failing).
fn statistics(
    db: &Database,
    from: &str,
    columns: &[String],
    alive: &[[bool; CANDIDATES]],
) -> Result<Vec<Stats>, Error> {
    let mut select = Vec::new();
    for (column, alive) in columns.iter().zip(alive) {
        let c = quote_ident(column);
        let [boolean, integer, number, date, timestamp] = *alive;
        let or_dead = |live: bool, expr: String| if live { expr } else { "1".to_owned() };
        let or_zero = |live: bool, expr: String| if live { expr } else { "0".to_owned() };
        select.push(format!("count({c})"));
        select.push(or_dead(
            boolean,
            format!("count(*) FILTER (WHERE {c} IS NOT NULL AND lower({c}) NOT IN ('true', 'false'))"),
        ));
        select.push(or_dead(
            integer,
            format!("count(*) FILTER (WHERE {c} IS NOT NULL AND NOT regexp_full_match({c}, '{INTEGER}'))"),
        ));
        select.push(or_zero(
            integer,
            format!("coalesce(max(length(ltrim({c}, '+-'))) FILTER (WHERE regexp_full_match({c}, '{INTEGER}')), 0)"),
        ));
        select.push(or_dead(
            number,
            format!(
                "count(*) FILTER (WHERE {c} IS NOT NULL AND NOT regexp_full_match({c}, '{INTEGER}') \
                 AND NOT regexp_full_match({c}, '{DECIMAL}'))"
            ),
        ));
        select.push(or_zero(number, format!("coalesce(max(length(split_part(ltrim({c}, '+-'), '.', 1))), 0)")));
        select.push(or_zero(
            number,
            format!(
                "coalesce(max(length(split_part({c}, '.', 2))) FILTER (WHERE regexp_full_match({c}, '{DECIMAL}')), 0)"
            ),
        ));
        select.push(or_dead(
            date,
            format!(
                "count(*) FILTER (WHERE {c} IS NOT NULL AND (NOT regexp_full_match({c}, '{DATE}') \
                 OR TRY_CAST({c} AS DATE) IS NULL))"
            ),
        ));
        select.push(or_dead(
            timestamp,
            format!(
                "count(*) FILTER (WHERE {c} IS NOT NULL AND (NOT regexp_full_match({c}, '{TIMESTAMP}') \
                 OR TRY_CAST({c} AS TIMESTAMP) IS NULL))"
            ),
        ));
    }
    const PER_COLUMN: usize = 9;
    let sql = format!("SELECT {} FROM {from}", select.join(", "));
    let stats: Vec<i64> = db
        .row(&sql, &[], |row| (0..columns.len() * PER_COLUMN).map(|i| row.int(i)).collect())
        .map_err(|e| e.while_trying("infer column types"))?;
    Ok(stats
        .chunks(PER_COLUMN)
        .map(|s| {
            let [values, not_bool, not_int, int_digits, not_number, whole_digits, scale, not_date, not_timestamp] =
                s.try_into().expect("PER_COLUMN values");
            Stats { values, not_bool, not_int, int_digits, not_number, whole_digits, scale, not_date, not_timestamp }
        })
        .collect())
}

struct Stats {
    values: i64,
    not_bool: i64,
    not_int: i64,
    int_digits: i64,
    not_number: i64,
    whole_digits: i64,
    scale: i64,
    not_date: i64,
    not_timestamp: i64,
}

impl Stats {
    /// Which candidates every value seen so far fits.
    fn candidates(&self) -> [bool; CANDIDATES] {
        [self.not_bool == 0, self.not_int == 0, self.not_number == 0, self.not_date == 0, self.not_timestamp == 0]
    }
}

fn choose(s: Stats) -> SqlType {
    if s.values == 0 {
        return SqlType::Varchar;
    }
    if s.not_bool == 0 {
        return SqlType::Boolean;
    }
    if s.not_int == 0 {
        return match s.int_digits {
            0..=18 => SqlType::Int(IntType::BigInt),
            19..=38 => SqlType::Int(IntType::HugeInt),
            _ => SqlType::Varchar,
        };
    }
    if s.not_number == 0 {
        let precision = s.whole_digits + s.scale;
        let scale = s.scale as u8;
        return match precision {
            0..=18 => SqlType::Decimal { precision: 18, scale },
            19..=38 => SqlType::Decimal { precision: 38, scale },
            _ => SqlType::Varchar,
        };
    }
    if s.not_date == 0 {
        return SqlType::Date;
    }
    if s.not_timestamp == 0 {
        return SqlType::Timestamp;
    }
    SqlType::Varchar
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
        infer_types(&db, "t", &["v".to_owned()]).unwrap().remove(0).to_string()
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
    fn a_value_after_the_sample_still_counts() {
        let db = Database::in_memory().unwrap();
        db.batch(
            "CREATE TABLE t AS SELECT CAST(i AS VARCHAR) AS late_text, CAST(i AS VARCHAR) AS ints FROM range(1, 5000) r(i); \
             INSERT INTO t VALUES ('not a number', '5000');",
        )
        .unwrap();
        let types = infer_types(&db, "t", &["late_text".to_owned(), "ints".to_owned()]).unwrap();
        assert_eq!(types, [SqlType::Varchar, SqlType::Int(IntType::BigInt)]);
    }
}
