//! Query results as laporan sees them, and their conversions.
//!
//! A [`Cell`] is built from a DuckDB value once, by the engine
//! ([`crate::engine`]), and every output (template values, JSON, CSV, text
//! tables) is derived from cells here. Numbers keep
//! their exact digits: HUGEINT sums stay 128-bit integers, DECIMAL keeps its
//! scale, and JSON gets them as numbers written out in full.

use std::fmt::Write as _;
use std::sync::OnceLock;

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
