//! Values between DuckDB and laporan: a DuckDB value becomes a [`Cell`]
//! ([`cell`]), a column type its name ([`type_name`]), and a parameter
//! value the value bound to a statement ([`bound`]). Nothing else in
//! laporan sees a `duckdb` value.

use std::fmt::Write as _;

use duckdb::core::LogicalTypeId;
use duckdb::types::{TimeUnit, Value as DbValue};

use crate::params::{ParamValue, days_since_epoch};
use crate::value::Cell;

/// Converts a DuckDB value; `type_id` is the column's type, which tells a
/// TIMESTAMP WITH TIME ZONE from a plain one.
pub fn cell(value: DbValue, type_id: Option<LogicalTypeId>) -> Cell {
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
        DbValue::List(items) | DbValue::Array(items) => Cell::List(items.into_iter().map(|v| cell(v, None)).collect()),
        DbValue::Struct(fields) => {
            Cell::Struct(fields.iter().map(|(k, v)| (k.clone(), cell(v.clone(), None))).collect())
        }
        DbValue::Map(entries) => Cell::Struct(
            entries.iter().map(|(k, v)| (cell(k.clone(), None).to_text(), cell(v.clone(), None))).collect(),
        ),
        DbValue::Union(inner) => cell(*inner, None),
        other => Cell::Text(format!("{other:?}")),
    }
}

/// The value to bind to a prepared statement for a parameter.
pub fn bound(value: &ParamValue) -> DbValue {
    match value {
        ParamValue::Null => DbValue::Null,
        ParamValue::Date(date) => DbValue::Date32(days_since_epoch(*date)),
        ParamValue::Integer(i) => DbValue::BigInt(*i),
        ParamValue::Double(f) => DbValue::Double(*f),
        ParamValue::Decimal(d) => match duckdb::types::Decimal::new(38, d.scale, d.unscaled) {
            Ok(decimal) => DbValue::Decimal(decimal),
            // Unreachable for parsed input (at most 38 digits); fall back to text.
            Err(_) => DbValue::Text(value.to_string()),
        },
        ParamValue::Text(s) => DbValue::Text(s.clone()),
        ParamValue::Boolean(b) => DbValue::Boolean(*b),
    }
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

    #[test]
    fn db_values_become_cells() {
        assert_eq!(cell(DbValue::Date32(19836), None), Cell::Text("2024-04-23".into()));
        assert_eq!(
            cell(DbValue::Timestamp(TimeUnit::Microsecond, 1_713_866_400_000_000), None),
            Cell::Text("2024-04-23T10:00:00".into())
        );
        assert_eq!(cell(DbValue::Time64(TimeUnit::Microsecond, 3_600_000_000), None), Cell::Text("01:00:00".into()));
        assert_eq!(cell(DbValue::Float(0.1), None), Cell::Float(0.1));
        assert_eq!(cell(DbValue::Blob(vec![b'a', 0]), None), Cell::Text("a\\x00".into()));
        // Dates and times DuckDB holds that other libraries do not.
        assert_eq!(cell(DbValue::Date32(i32::MAX), None), Cell::Text("infinity".into()));
        assert_eq!(cell(DbValue::Date32(10_238_113), None), Cell::Text("+30001-01-01".into()));
        assert_eq!(cell(DbValue::Date32(-719_528), None), Cell::Text("0000-01-01".into()));
        assert_eq!(cell(DbValue::Date32(-719_529), None), Cell::Text("-0001-12-31".into()));
        assert_eq!(cell(DbValue::Timestamp(TimeUnit::Microsecond, i64::MAX), None), Cell::Text("infinity".into()));
        assert_eq!(
            cell(DbValue::Timestamp(TimeUnit::Nanosecond, -1), None),
            Cell::Text("1969-12-31T23:59:59.999999999".into())
        );
        assert_eq!(cell(DbValue::Time64(TimeUnit::Microsecond, 86_400_000_000), None), Cell::Text("24:00:00".into()));
    }
}
