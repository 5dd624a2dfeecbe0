//! Query results as laporan sees them, and their conversions.
//!
//! This is the one place where DuckDB values become something else: a
//! [`Cell`] is built from a DuckDB value once, and every output (template
//! values, JSON, CSV, text tables) is derived from cells here. Numbers keep
//! their exact digits: HUGEINT sums stay 128-bit integers, DECIMAL keeps its
//! scale, and JSON gets them as numbers written out in full.

use std::fmt::Write as _;
use std::sync::OnceLock;

use duckdb::core::LogicalTypeId;
use duckdb::types::{TimeUnit, Value as DbValue};
use minijinja::Value;

use crate::params::format_decimal;

/// One value of a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i128),
    /// Only for UHUGEINT values above `i128::MAX`.
    BigUnsigned(u128),
    Float(f64),
    Decimal {
        unscaled: i128,
        scale: u8,
    },
    /// Text, and dates and times as ISO 8601 text.
    Text(String),
    List(Vec<Cell>),
    Struct(Vec<(String, Cell)>),
}

/// A result column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// The SQL type as DuckDB names it: `VARCHAR`, `DECIMAL(38,2)`, `DATE`, …
    pub type_name: String,
}

/// What a query returned.
#[derive(Debug)]
pub struct QueryResult {
    /// The saved query's name, or `sql` for ad-hoc SQL.
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows as template values, made on first use (see [`crate::render::rows`]).
    pub(crate) template_rows: OnceLock<Vec<Value>>,
}

impl QueryResult {
    pub fn new(name: String, columns: Vec<Column>, rows: Vec<Vec<Cell>>) -> QueryResult {
        QueryResult { name, columns, rows, template_rows: OnceLock::new() }
    }

    /// Whether column `index` holds numbers (right-aligned in tables).
    pub fn is_numeric(&self, index: usize) -> bool {
        let type_name = self.columns[index].type_name.as_str();
        let numeric_type = [
            "TINYINT",
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "HUGEINT",
            "UTINYINT",
            "USMALLINT",
            "UINTEGER",
            "UBIGINT",
            "UHUGEINT",
            "FLOAT",
            "DOUBLE",
        ]
        .contains(&type_name)
            || type_name.starts_with("DECIMAL");
        numeric_type
            || (!self.rows.is_empty()
                && self.rows.iter().all(|row| {
                    matches!(
                        row[index],
                        Cell::Null | Cell::Int(_) | Cell::Float(_) | Cell::Decimal { .. } | Cell::BigUnsigned(_)
                    )
                }))
    }
}

impl Cell {
    /// Converts a DuckDB value; `type_id` is the column's type, which tells a
    /// TIMESTAMP WITH TIME ZONE from a plain one.
    pub fn from_db(value: DbValue, type_id: Option<LogicalTypeId>) -> Cell {
        match value {
            DbValue::Null => Cell::Null,
            DbValue::Boolean(b) => Cell::Bool(b),
            DbValue::TinyInt(i) => Cell::Int(i.into()),
            DbValue::SmallInt(i) => Cell::Int(i.into()),
            DbValue::Int(i) => Cell::Int(i.into()),
            DbValue::BigInt(i) => Cell::Int(i.into()),
            DbValue::HugeInt(i) => Cell::Int(i),
            DbValue::UTinyInt(i) => Cell::Int(i.into()),
            DbValue::USmallInt(i) => Cell::Int(i.into()),
            DbValue::UInt(i) => Cell::Int(i.into()),
            DbValue::UBigInt(i) => Cell::Int(i.into()),
            DbValue::UHugeInt(i) => i128::try_from(i).map_or(Cell::BigUnsigned(i), Cell::Int),
            DbValue::Float(f) => Cell::Float(shortest_f32_as_f64(f)),
            DbValue::Double(f) => Cell::Float(f),
            DbValue::Decimal(d) => Cell::Decimal { unscaled: d.value(), scale: d.scale() },
            DbValue::Text(s) | DbValue::Enum(s) => Cell::Text(s),
            DbValue::Blob(bytes) | DbValue::Geometry(bytes) => Cell::Text(blob_text(&bytes)),
            DbValue::Date32(days) => Cell::Text(date_text(i64::from(days))),
            DbValue::Timestamp(unit, amount) => {
                let zoned = type_id == Some(LogicalTypeId::TimestampTZ);
                Cell::Text(timestamp_text(unit, amount, zoned))
            }
            DbValue::Time64(unit, amount) => Cell::Text(time_text(unit, amount)),
            DbValue::Interval { months, days, nanos } => Cell::Text(interval_text(months, days, nanos)),
            DbValue::List(items) | DbValue::Array(items) => {
                Cell::List(items.into_iter().map(|v| Cell::from_db(v, None)).collect())
            }
            DbValue::Struct(fields) => {
                Cell::Struct(fields.iter().map(|(k, v)| (k.clone(), Cell::from_db(v.clone(), None))).collect())
            }
            DbValue::Map(entries) => Cell::Struct(
                entries
                    .iter()
                    .map(|(k, v)| (Cell::from_db(k.clone(), None).to_text(), Cell::from_db(v.clone(), None)))
                    .collect(),
            ),
            DbValue::Union(inner) => Cell::from_db(*inner, None),
            other => Cell::Text(format!("{other:?}")),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// A number as the nearest float (for drawing charts); `None` for
    /// anything that is not a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::BigUnsigned(u) => Some(*u as f64),
            Cell::Float(f) => Some(*f),
            Cell::Decimal { unscaled, scale } => format_decimal(*unscaled, *scale).parse().ok(),
            _ => None,
        }
    }

    /// The value as a template sees it. Integers stay integers (up to 128
    /// bits); a DECIMAL with a fractional part becomes the nearest float,
    /// which the formatting filters print exactly at report precision.
    pub fn to_template(&self) -> Value {
        match self {
            Cell::Null => Value::from(()),
            Cell::Bool(b) => Value::from(*b),
            Cell::Int(i) => match i64::try_from(*i) {
                Ok(small) => Value::from(small),
                Err(_) => Value::from(*i),
            },
            Cell::BigUnsigned(u) => Value::from(*u),
            Cell::Float(f) => Value::from(*f),
            Cell::Decimal { unscaled, scale: 0 } => Cell::Int(*unscaled).to_template(),
            Cell::Decimal { unscaled, scale } => {
                Value::from(format_decimal(*unscaled, *scale).parse::<f64>().unwrap_or(f64::NAN))
            }
            Cell::Text(s) => Value::from(s.clone()),
            Cell::List(items) => Value::from(items.iter().map(Cell::to_template).collect::<Vec<_>>()),
            Cell::Struct(fields) => Value::from_iter(fields.iter().map(|(k, v)| (k.clone(), v.to_template()))),
        }
    }

    /// Plain text: exact digits, no quoting; NULL is the empty string.
    pub fn to_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Float(f) => float_text(*f),
            Cell::List(_) | Cell::Struct(_) => {
                let mut out = String::new();
                self.write_json(&mut out);
                out
            }
            other => {
                let mut out = String::new();
                other.write_json(&mut out);
                out
            }
        }
    }

    /// Appends this value as JSON. Numbers are written with all their digits;
    /// a non-finite float (NaN, ±inf), which JSON cannot hold, becomes null.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Cell::Null => out.push_str("null"),
            Cell::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Cell::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Cell::BigUnsigned(u) => {
                let _ = write!(out, "{u}");
            }
            Cell::Float(f) if f.is_finite() => {
                let _ = write!(out, "{f}");
            }
            // JSON has no NaN or infinity: they are written as text, not
            // turned into a silent null.
            Cell::Float(f) => write_json_string(out, &float_text(*f)),
            Cell::Decimal { unscaled, scale } => out.push_str(&format_decimal(*unscaled, *scale)),
            Cell::Text(s) => write_json_string(out, s),
            Cell::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Cell::Struct(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_json_string(out, key);
                    out.push_str(": ");
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// The exact sum of the numbers among `cells` (NULLs and text skipped), as
/// decimal text: integers of any size and decimals of any scale, never
/// overflowing. `Err` with the sum as a float when a float is among them
/// (floats are approximate already).
pub fn exact_sum<'a>(cells: impl Iterator<Item = &'a Cell>) -> Result<String, f64> {
    use num_bigint::BigInt;
    // Each number as an unscaled integer and its scale.
    let mut numbers: Vec<(BigInt, u8)> = Vec::new();
    let (mut approximate, mut has_float) = (0.0, false);
    for cell in cells {
        match cell {
            Cell::Int(i) => numbers.push((BigInt::from(*i), 0)),
            Cell::BigUnsigned(u) => numbers.push((BigInt::from(*u), 0)),
            Cell::Decimal { unscaled, scale } => numbers.push((BigInt::from(*unscaled), *scale)),
            Cell::Float(_) => has_float = true,
            _ => continue,
        }
        approximate += cell.as_f64().unwrap_or(0.0);
    }
    if has_float {
        return Err(approximate);
    }
    let scale = numbers.iter().map(|(_, s)| *s).max().unwrap_or(0);
    let sum: BigInt = numbers.into_iter().map(|(n, s)| n * BigInt::from(10u8).pow(u32::from(scale - s))).sum();
    Ok(crate::params::scaled_text(sum.sign() == num_bigint::Sign::Minus, &sum.magnitude().to_string(), scale))
}

/// A float as text: its shortest exact digits, or `NaN`, `Infinity`,
/// `-Infinity`.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        f.to_string()
    }
}

pub fn write_json_string(out: &mut String, text: &str) {
    // serde_json escapes exactly what JSON requires.
    out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// An f32 widened to the f64 that prints the same shortest digits
/// (0.1f32 → 0.1, not 0.10000000149011612).
fn shortest_f32_as_f64(f: f32) -> f64 {
    f.to_string().parse().unwrap_or(f as f64)
}

fn blob_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4);
    for b in bytes {
        if b.is_ascii_graphic() || *b == b' ' {
            out.push(*b as char);
        } else {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

fn to_nanos(unit: TimeUnit, amount: i64) -> i128 {
    let amount = amount as i128;
    match unit {
        TimeUnit::Second => amount * 1_000_000_000,
        TimeUnit::Millisecond => amount * 1_000_000,
        TimeUnit::Microsecond => amount * 1_000,
        TimeUnit::Nanosecond => amount,
    }
}

/// DuckDB's infinite dates and timestamps are stored as the extreme values.
const INFINITY_DAYS: i64 = i32::MAX as i64;

/// A date from days since 1970-01-01, as ISO 8601 for any year DuckDB holds
/// (years beyond 9999 get more digits, years before 1 a sign), or
/// `infinity` / `-infinity`.
fn date_text(days: i64) -> String {
    if days == INFINITY_DAYS {
        return "infinity".to_owned();
    }
    if days == -INFINITY_DAYS {
        return "-infinity".to_owned();
    }
    let (year, month, day) = civil_from_days(days);
    if (0..=9999).contains(&year) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:+05}-{month:02}-{day:02}")
    }
}

/// The proleptic Gregorian date of a day count from 1970-01-01, for any
/// count (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn timestamp_text(unit: TimeUnit, amount: i64, zoned: bool) -> String {
    // DuckDB's infinite timestamps, in any unit.
    if amount == i64::MAX {
        return "infinity".to_owned();
    }
    if amount == -i64::MAX {
        return "-infinity".to_owned();
    }
    let nanos = to_nanos(unit, amount);
    let day = 86_400_000_000_000i128;
    let days = nanos.div_euclid(day) as i64;
    let time = time_of_day(nanos.rem_euclid(day) as i64);
    format!("{}T{time}{}", date_text(days), if zoned { "Z" } else { "" })
}

/// `HH:MM:SS`, with the fraction of a second when there is one.
fn time_of_day(nanos: i64) -> String {
    let (seconds, fraction) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    let text = format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    if fraction == 0 {
        return text;
    }
    let digits = format!("{fraction:09}");
    format!("{text}.{}", digits.trim_end_matches('0'))
}

fn time_text(unit: TimeUnit, amount: i64) -> String {
    let nanos = to_nanos(unit, amount);
    // DuckDB's TIME runs to 24:00:00 inclusive.
    if !(0..=86_400_000_000_000i128).contains(&nanos) {
        return format!("{amount} {unit:?}s");
    }
    time_of_day(nanos as i64)
}

fn interval_text(months: i32, days: i32, nanos: i64) -> String {
    let span =
        jiff::Span::new().try_months(months).and_then(|s| s.try_days(days)).and_then(|s| s.try_nanoseconds(nanos));
    match span {
        Ok(span) => span.to_string(),
        Err(_) => format!("{months} months {days} days {nanos} ns"),
    }
}

/// Whether values of this type can be read through the `duckdb` crate.
///
/// The crate panics on some types (a column of type NULL, such as `SELECT
/// NULL AS note`, or a list of them; TIME_NS; TIME WITH TIME ZONE). Only
/// the types listed here, and lists, arrays, structs, maps and unions of
/// them, are read directly; a column of any other type is read as its text
/// (the query step casts it to VARCHAR), so no value can panic laporan.
pub fn readable(handle: &duckdb::core::LogicalTypeHandle) -> bool {
    use LogicalTypeId as T;
    match handle.try_id() {
        Ok(
            T::Boolean
            | T::Tinyint
            | T::Smallint
            | T::Integer
            | T::Bigint
            | T::Hugeint
            | T::UTinyint
            | T::USmallint
            | T::UInteger
            | T::UBigint
            | T::UHugeint
            | T::Float
            | T::Double
            | T::Decimal
            | T::Varchar
            | T::Blob
            | T::Date
            | T::Time
            | T::Timestamp
            | T::TimestampS
            | T::TimestampMs
            | T::TimestampNs
            | T::TimestampTZ
            | T::Interval
            | T::Uuid
            | T::Enum,
        ) => true,
        Ok(T::List | T::Array | T::Struct | T::Map | T::Union) => {
            (0..handle.num_children()).all(|i| readable(&handle.child(i)))
        }
        _ => false,
    }
}

/// DuckDB's name for a column type.
pub fn type_name(handle: &duckdb::core::LogicalTypeHandle) -> String {
    use LogicalTypeId as T;
    let id = match handle.try_id() {
        Ok(id) => id,
        Err(raw) => return format!("TYPE#{raw}"),
    };
    match id {
        T::Boolean => "BOOLEAN".into(),
        T::Tinyint => "TINYINT".into(),
        T::Smallint => "SMALLINT".into(),
        T::Integer => "INTEGER".into(),
        T::Bigint => "BIGINT".into(),
        T::Hugeint => "HUGEINT".into(),
        T::UTinyint => "UTINYINT".into(),
        T::USmallint => "USMALLINT".into(),
        T::UInteger => "UINTEGER".into(),
        T::UBigint => "UBIGINT".into(),
        T::UHugeint => "UHUGEINT".into(),
        T::Float => "FLOAT".into(),
        T::Double => "DOUBLE".into(),
        T::Decimal => format!("DECIMAL({},{})", handle.decimal_width(), handle.decimal_scale()),
        T::Varchar => "VARCHAR".into(),
        T::Blob => "BLOB".into(),
        T::Date => "DATE".into(),
        T::Time => "TIME".into(),
        T::TimeTZ => "TIME WITH TIME ZONE".into(),
        T::Timestamp | T::TimestampS | T::TimestampMs | T::TimestampNs => "TIMESTAMP".into(),
        T::TimestampTZ => "TIMESTAMP WITH TIME ZONE".into(),
        T::Interval => "INTERVAL".into(),
        T::Uuid => "UUID".into(),
        T::Enum => "ENUM".into(),
        T::List => format!("{}[]", type_name(&handle.child(0))),
        T::Array => format!("{}[]", type_name(&handle.child(0))),
        T::Struct => "STRUCT".into(),
        T::Map => "MAP".into(),
        T::Union => "UNION".into(),
        T::SqlNull => "NULL".into(),
        T::TimeNs => "TIME_NS".into(),
        T::Bit => "BIT".into(),
        T::Bignum => "BIGNUM".into(),
        other => format!("{other:?}").to_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(cell: Cell) -> String {
        let mut out = String::new();
        cell.write_json(&mut out);
        out
    }

    #[test]
    fn json_numbers_keep_every_digit() {
        assert_eq!(json(Cell::Int(170141183460469231731687303715884105727)), "170141183460469231731687303715884105727");
        assert_eq!(json(Cell::Decimal { unscaled: 30000000000, scale: 2 }), "300000000.00");
        assert_eq!(json(Cell::Float(0.1)), "0.1");
        assert_eq!(json(Cell::Float(f64::NAN)), "\"NaN\"", "not a silent null");
        assert_eq!(json(Cell::Float(f64::NEG_INFINITY)), "\"-Infinity\"");
        assert_eq!(json(Cell::Text("a\"b\n".into())), r#""a\"b\n""#);
        assert_eq!(
            json(Cell::Struct(vec![("k".into(), Cell::List(vec![Cell::Int(1), Cell::Null]))])),
            r#"{"k": [1, null]}"#
        );
    }

    #[test]
    fn db_values_become_cells() {
        assert_eq!(Cell::from_db(DbValue::Date32(19836), None), Cell::Text("2024-04-23".into()));
        assert_eq!(
            Cell::from_db(DbValue::Timestamp(TimeUnit::Microsecond, 1_713_866_400_000_000), None),
            Cell::Text("2024-04-23T10:00:00".into())
        );
        assert_eq!(
            Cell::from_db(DbValue::Time64(TimeUnit::Microsecond, 3_600_000_000), None),
            Cell::Text("01:00:00".into())
        );
        assert_eq!(Cell::from_db(DbValue::Float(0.1), None), Cell::Float(0.1));
        assert_eq!(Cell::from_db(DbValue::Blob(vec![b'a', 0]), None), Cell::Text("a\\x00".into()));
        // Dates and times DuckDB holds that other libraries do not.
        assert_eq!(Cell::from_db(DbValue::Date32(i32::MAX), None), Cell::Text("infinity".into()));
        assert_eq!(Cell::from_db(DbValue::Date32(10_238_113), None), Cell::Text("+30001-01-01".into()));
        assert_eq!(Cell::from_db(DbValue::Date32(-719_528), None), Cell::Text("0000-01-01".into()));
        assert_eq!(Cell::from_db(DbValue::Date32(-719_529), None), Cell::Text("-0001-12-31".into()));
        assert_eq!(
            Cell::from_db(DbValue::Timestamp(TimeUnit::Microsecond, i64::MAX), None),
            Cell::Text("infinity".into())
        );
        assert_eq!(
            Cell::from_db(DbValue::Timestamp(TimeUnit::Nanosecond, -1), None),
            Cell::Text("1969-12-31T23:59:59.999999999".into())
        );
        assert_eq!(
            Cell::from_db(DbValue::Time64(TimeUnit::Microsecond, 86_400_000_000), None),
            Cell::Text("24:00:00".into())
        );
    }

    #[test]
    fn sums_are_exact_at_any_size() {
        let sum = |cells: &[Cell]| exact_sum(cells.iter());
        let max = i128::MAX;
        assert_eq!(sum(&[Cell::Int(max), Cell::Int(max)]), Ok("340282366920938463463374607431768211454".into()));
        assert_eq!(
            sum(&[Cell::BigUnsigned(u128::MAX), Cell::Int(1)]),
            Ok("340282366920938463463374607431768211456".into())
        );
        assert_eq!(sum(&[Cell::Int(-5), Cell::Decimal { unscaled: 250, scale: 2 }]), Ok("-2.50".into()));
        assert_eq!(
            sum(&[Cell::Decimal { unscaled: -1, scale: 3 }, Cell::Decimal { unscaled: 1, scale: 1 }]),
            Ok("0.099".into())
        );
        assert_eq!(sum(&[Cell::Int(3), Cell::Int(-3)]), Ok("0".into()));
        assert_eq!(sum(&[Cell::Null, Cell::Text("x".into())]), Ok("0".into()));
        assert_eq!(sum(&[Cell::Float(0.5), Cell::Int(1)]), Err(1.5));
    }

    #[test]
    fn template_values() {
        assert_eq!(Cell::Decimal { unscaled: 12345, scale: 2 }.to_template(), Value::from(123.45));
        assert_eq!(Cell::Decimal { unscaled: 7, scale: 0 }.to_template(), Value::from(7));
        assert_eq!(Cell::Int(i128::MAX).to_template(), Value::from(i128::MAX));
    }
}
