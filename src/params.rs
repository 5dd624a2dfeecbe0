//! Typed query parameters: the types a saved query may declare with
//! `@param NAME TYPE [= DEFAULT]`, and the values bound to them.
//!
//! Values arrive as text (`--param K=V`, defaults in `.sql` files) or as
//! template values (`query("name", year=2024)`); this module parses them into
//! a [`ParamValue`] of the declared type, which the query step binds as a
//! prepared-statement parameter. Nothing here touches SQL text: parameters are
//! never spliced into a query.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

/// A parameter type a saved query can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Date,
    Integer,
    Double,
    Decimal,
    Varchar,
    Boolean,
}

impl ParamType {
    /// The names accepted in `@param` lines (case-insensitive), listed in
    /// error messages.
    pub const NAMES: &'static str = "DATE, INTEGER (BIGINT), DOUBLE, DECIMAL, VARCHAR (TEXT), BOOLEAN";

    /// What a value of this type looks like, for "expected …" messages.
    pub fn expected(self) -> &'static str {
        match self {
            ParamType::Date => "a date as YYYY-MM-DD",
            ParamType::Integer => "a whole number such as 42",
            ParamType::Double => "a number such as 3.5",
            ParamType::Decimal => "a decimal number such as 1250.75",
            ParamType::Varchar => "text",
            ParamType::Boolean => "true or false",
        }
    }

    /// Parses `text` as a value of this type; the error says what was expected.
    pub fn parse(self, text: &str) -> Result<ParamValue, String> {
        let bad = || format!("expected {}, got '{text}'", self.expected());
        let trimmed = text.trim();
        Ok(match self {
            ParamType::Varchar => ParamValue::Text(text.to_owned()),
            ParamType::Date => ParamValue::Date(parse_date(trimmed).ok_or_else(bad)?),
            ParamType::Integer => ParamValue::Integer(trimmed.parse().map_err(|_| bad())?),
            ParamType::Double => {
                let value: f64 = trimmed.parse().map_err(|_| bad())?;
                if !value.is_finite() {
                    return Err(bad());
                }
                ParamValue::Double(value)
            }
            ParamType::Decimal => ParamValue::Decimal(parse_decimal(trimmed).ok_or_else(bad)?),
            ParamType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => ParamValue::Boolean(true),
                "false" | "no" | "0" => ParamValue::Boolean(false),
                _ => return Err(bad()),
            },
        })
    }

    /// Converts a template value (`query("x", year=2024)`) to this type.
    pub fn from_template(self, value: &minijinja::Value) -> Result<ParamValue, String> {
        use minijinja::value::ValueKind;
        match value.kind() {
            ValueKind::Undefined | ValueKind::None => Ok(ParamValue::Null),
            ValueKind::Bool if self == ParamType::Boolean => Ok(ParamValue::Boolean(value.is_true())),
            ValueKind::Number | ValueKind::String => self.parse(&value.to_string()),
            _ => Err(format!("expected {}, got {value}", self.expected())),
        }
    }
}

impl FromStr for ParamType {
    type Err = String;

    fn from_str(name: &str) -> Result<ParamType, String> {
        Ok(match name.to_ascii_uppercase().as_str() {
            "DATE" => ParamType::Date,
            "INTEGER" | "INT" | "BIGINT" => ParamType::Integer,
            "DOUBLE" | "FLOAT" | "REAL" => ParamType::Double,
            "DECIMAL" | "NUMERIC" => ParamType::Decimal,
            "VARCHAR" | "TEXT" | "STRING" => ParamType::Varchar,
            "BOOLEAN" | "BOOL" => ParamType::Boolean,
            _ => return Err(format!("unknown parameter type '{name}': use one of {}", ParamType::NAMES)),
        })
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParamType::Date => "DATE",
            ParamType::Integer => "INTEGER",
            ParamType::Double => "DOUBLE",
            ParamType::Decimal => "DECIMAL",
            ParamType::Varchar => "VARCHAR",
            ParamType::Boolean => "BOOLEAN",
        })
    }
}

/// A decimal kept as its exact digits: `unscaled × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    pub unscaled: i128,
    pub scale: u8,
}

/// A typed parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Null,
    Date(Date),
    Integer(i64),
    Double(f64),
    Decimal(Decimal),
    Text(String),
    Boolean(bool),
}

impl ParamValue {
    /// The kind of value, for keys.
    pub fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Null => "null",
            ParamValue::Date(_) => "date",
            ParamValue::Integer(_) => "integer",
            ParamValue::Double(_) => "double",
            ParamValue::Decimal(_) => "decimal",
            ParamValue::Text(_) => "text",
            ParamValue::Boolean(_) => "boolean",
        }
    }

    /// The value as templates see it in `params`: dates as ISO text.
    pub fn to_template(&self) -> minijinja::Value {
        use minijinja::Value;
        match self {
            ParamValue::Null => Value::from(()),
            ParamValue::Integer(i) => Value::from(*i),
            ParamValue::Double(f) => Value::from(*f),
            ParamValue::Boolean(b) => Value::from(*b),
            ParamValue::Date(_) | ParamValue::Decimal(_) | ParamValue::Text(_) => Value::from(self.to_string()),
        }
    }
}

impl fmt::Display for ParamValue {
    /// The canonical text: what `--param` would accept, and the cache key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Null => f.write_str("NULL"),
            ParamValue::Date(d) => write!(f, "{d}"),
            ParamValue::Integer(i) => write!(f, "{i}"),
            ParamValue::Double(x) => write!(f, "{x}"),
            ParamValue::Decimal(d) => f.write_str(&format_decimal(d.unscaled, d.scale)),
            ParamValue::Text(s) => f.write_str(s),
            ParamValue::Boolean(b) => write!(f, "{b}"),
        }
    }
}

/// Days since 1970-01-01, DuckDB's DATE representation.
pub fn days_since_epoch(date: Date) -> i32 {
    let epoch = Date::constant(1970, 1, 1);
    // A civil date span in days always fits an i32 for years 1..=9999.
    (date - epoch).get_days()
}

/// The civil date `days` after 1970-01-01, if it is in jiff's range.
pub fn date_from_days(days: i32) -> Option<Date> {
    let span = jiff::Span::new().try_days(i64::from(days)).ok()?;
    Date::constant(1970, 1, 1).checked_add(span).ok()
}

/// Parses exactly `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i16> {
        let part = &text[range];
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    Date::new(digits(0..4)?, digits(5..7)? as i8, digits(8..10)? as i8).ok()
}

/// Parses a plain decimal (`-1250.75`, `300000000`), exactly. No exponent,
/// no thousands separators, at most 38 significant digits.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int_part}{frac_part}");
    let significant = digits.trim_start_matches('0');
    if significant.len() > 38 || frac_part.len() > 38 {
        return None;
    }
    let magnitude: i128 = if significant.is_empty() { 0 } else { significant.parse().ok()? };
    Some(Decimal { unscaled: if negative { -magnitude } else { magnitude }, scale: frac_part.len() as u8 })
}

/// Exact text of `unscaled × 10^-scale`.
pub fn format_decimal(unscaled: i128, scale: u8) -> String {
    scaled_text(unscaled < 0, &unscaled.unsigned_abs().to_string(), scale)
}

/// A decimal's text from the digits of its unscaled magnitude and its
/// scale: `("5", 2)` is `0.05`.
pub fn scaled_text(negative: bool, digits: &str, scale: u8) -> String {
    let scale = usize::from(scale);
    let sign = if negative { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int_part, frac_part) = padded.split_at(padded.len() - scale);
    format!("{sign}{int_part}.{frac_part}")
}

/// Splits a `--param` argument `NAME=VALUE`.
pub fn split_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if is_identifier(name.trim()) => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(format!("'{text}' is not NAME=VALUE (for example --param country=IDN)")),
    }
}

/// A parameter or query name: a letter or underscore, then letters, digits or
/// underscores.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_case_insensitive_with_aliases() {
        assert_eq!("date".parse::<ParamType>(), Ok(ParamType::Date));
        assert_eq!("BIGINT".parse::<ParamType>(), Ok(ParamType::Integer));
        assert_eq!("text".parse::<ParamType>(), Ok(ParamType::Varchar));
        assert_eq!(
            "MONEY".parse::<ParamType>().unwrap_err(),
            format!("unknown parameter type 'MONEY': use one of {}", ParamType::NAMES)
        );
    }

    #[test]
    fn parses_values_of_each_type() {
        assert_eq!(ParamType::Date.parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert_eq!(ParamType::Integer.parse(" 42 ").unwrap(), ParamValue::Integer(42));
        assert_eq!(ParamType::Double.parse("3.5").unwrap(), ParamValue::Double(3.5));
        assert_eq!(ParamType::Boolean.parse("yes").unwrap(), ParamValue::Boolean(true));
        assert_eq!(
            ParamType::Varchar.parse(" IDN ").unwrap(),
            ParamValue::Text(" IDN ".into()),
            "text is kept verbatim"
        );
        assert_eq!(ParamType::Decimal.parse("-1250.75").unwrap().to_string(), "-1250.75");
        assert_eq!(ParamType::Decimal.parse("0.05").unwrap().to_string(), "0.05");
    }

    #[test]
    fn says_what_was_expected() {
        assert_eq!(ParamType::Date.parse("2024-02-30").unwrap_err(), "expected a date as YYYY-MM-DD, got '2024-02-30'");
        assert_eq!(ParamType::Date.parse("23/04/2024").unwrap_err(), "expected a date as YYYY-MM-DD, got '23/04/2024'");
        assert_eq!(ParamType::Integer.parse("12.5").unwrap_err(), "expected a whole number such as 42, got '12.5'");
        assert_eq!(ParamType::Double.parse("NaN").unwrap_err(), "expected a number such as 3.5, got 'NaN'");
        assert!(ParamType::Decimal.parse("1e5").is_err());
        assert!(ParamType::Decimal.parse("1,000").is_err());
        assert!(ParamType::Decimal.parse(".").is_err());
        assert!(ParamType::Boolean.parse("maybe").is_err());
    }

    #[test]
    fn dates_round_trip_through_duckdb_days() {
        let date = parse_date("2024-04-23").unwrap();
        assert_eq!(days_since_epoch(date), 19836);
        assert_eq!(date_from_days(19836), Some(date));
        assert_eq!(date_from_days(-1).unwrap().to_string(), "1969-12-31");
    }

    #[test]
    fn decimals_keep_their_digits() {
        assert_eq!(format_decimal(30000000000, 2), "300000000.00");
        assert_eq!(format_decimal(-5, 3), "-0.005");
        assert_eq!(format_decimal(12345678901234567890, 0), "12345678901234567890");
    }

    #[test]
    fn splits_assignments() {
        assert_eq!(split_assignment("country=IDN"), Ok(("country".into(), "IDN".into())));
        assert_eq!(split_assignment("note=a=b"), Ok(("note".into(), "a=b".into())));
        assert!(split_assignment("country").is_err());
        assert!(split_assignment("=IDN").is_err());
        assert!(split_assignment("1x=2").is_err());
    }
}
