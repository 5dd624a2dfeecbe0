//! Column types a dataset may declare, parsed once into a value.
//!
//! `laporan.toml` declares columns as text (`assets = "DECIMAL(18,2)"`).
//! That text is parsed here into a [`SqlType`] and never used again: every
//! piece of SQL that names a type is rendered from the value
//! ([`SqlType`]'s `Display`), so a declaration cannot smuggle SQL into the
//! load. Anything that is not one of these types is an error, which the
//! project step places on its line of `laporan.toml`.
//!
//! The same value says how a column is read: which texts are acceptable
//! numbers ([`SqlType::scale`]), and what a value is expected to look like
//! in error messages ([`SqlType::expected`]).

use std::fmt;
use std::str::FromStr;

/// A column type laporan loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    Boolean,
    Int(IntType),
    Float,
    Double,
    /// `DECIMAL(precision, scale)`: 1 ≤ precision ≤ 38, scale ≤ precision.
    Decimal {
        precision: u8,
        scale: u8,
    },
    Varchar,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
}

/// DuckDB's integer types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntType {
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    HugeInt,
    UTinyInt,
    USmallInt,
    UInteger,
    UBigInt,
    UHugeInt,
}

impl IntType {
    const ALL: [IntType; 10] = [
        IntType::TinyInt,
        IntType::SmallInt,
        IntType::Integer,
        IntType::BigInt,
        IntType::HugeInt,
        IntType::UTinyInt,
        IntType::USmallInt,
        IntType::UInteger,
        IntType::UBigInt,
        IntType::UHugeInt,
    ];

    fn name(self) -> &'static str {
        match self {
            IntType::TinyInt => "TINYINT",
            IntType::SmallInt => "SMALLINT",
            IntType::Integer => "INTEGER",
            IntType::BigInt => "BIGINT",
            IntType::HugeInt => "HUGEINT",
            IntType::UTinyInt => "UTINYINT",
            IntType::USmallInt => "USMALLINT",
            IntType::UInteger => "UINTEGER",
            IntType::UBigInt => "UBIGINT",
            IntType::UHugeInt => "UHUGEINT",
        }
    }
}

impl SqlType {
    /// The types as listed in error messages.
    pub const NAMES: &'static str = "BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, HUGEINT (and their unsigned \
         UTINYINT … UHUGEINT), FLOAT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, UUID";

    /// DuckDB's `DECIMAL` without arguments.
    pub const DEFAULT_DECIMAL: SqlType = SqlType::Decimal { precision: 18, scale: 3 };

    /// For numbers read from text: how many decimals a value may have
    /// (`Some(0)` for integers), or `None` for floating point. Not a number
    /// type: `None` too; see [`SqlType::is_number`].
    pub fn scale(self) -> Option<u32> {
        match self {
            SqlType::Int(_) => Some(0),
            SqlType::Decimal { scale, .. } => Some(u32::from(scale)),
            _ => None,
        }
    }

    pub fn is_number(self) -> bool {
        matches!(self, SqlType::Int(_) | SqlType::Decimal { .. } | SqlType::Float | SqlType::Double)
    }

    /// For dates and times, the ISO 8601 text a value must be written as
    /// (a regular expression matched in full): DuckDB's casts accept more
    /// and drop what they do not keep (an offset from a TIMESTAMP or TIME,
    /// a time from a DATE, digits past the microsecond) or move it (24:00 to
    /// the next day). `None` for other types.
    pub fn iso_shape(self) -> Option<&'static str> {
        // DuckDB's infinite dates and timestamps are written as words.
        Some(match self {
            SqlType::Date => " *(-?[0-9]{4,}-[0-9]{2}-[0-9]{2}|[+-]?infinity) *",
            SqlType::Time => {
                " *(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?|24:00(:00([.]0{1,6})?)?) *"
            }
            SqlType::Timestamp => {
                " *(-?[0-9]{4,}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?)?|[+-]?infinity) *"
            }
            SqlType::TimestampTz => {
                " *(-?[0-9]{4,}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?)? *(Z|[+-][0-9]{2}(:?[0-9]{2})?)?|[+-]?infinity) *"
            }
            _ => return None,
        })
    }

    /// What a value of this type looks like, for "… is not …" messages.
    pub fn expected(self, date_format: Option<&str>, timestamp_format: Option<&str>) -> String {
        match self {
            SqlType::Date => format!("a valid date ({})", date_format.unwrap_or("YYYY-MM-DD")),
            SqlType::Timestamp => {
                format!("a valid timestamp ({})", timestamp_format.unwrap_or("YYYY-MM-DD HH:MM:SS, no time zone"))
            }
            SqlType::TimestampTz => {
                format!(
                    "a valid timestamp ({})",
                    timestamp_format.unwrap_or("YYYY-MM-DD HH:MM:SS, and a zone such as +07:00 or Z")
                )
            }
            SqlType::Time => "a valid time (HH:MM:SS, no time zone)".to_owned(),
            SqlType::Int(_) => format!("a whole number that fits {self}"),
            SqlType::Decimal { scale, .. } => format!("a number with at most {scale} decimals that fits {self}"),
            SqlType::Boolean => "true or false".to_owned(),
            other => format!("a {other}"),
        }
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Boolean => f.write_str("BOOLEAN"),
            SqlType::Int(int) => f.write_str(int.name()),
            SqlType::Float => f.write_str("FLOAT"),
            SqlType::Double => f.write_str("DOUBLE"),
            SqlType::Decimal { precision, scale } => write!(f, "DECIMAL({precision},{scale})"),
            SqlType::Varchar => f.write_str("VARCHAR"),
            SqlType::Date => f.write_str("DATE"),
            SqlType::Time => f.write_str("TIME"),
            SqlType::Timestamp => f.write_str("TIMESTAMP"),
            SqlType::TimestampTz => f.write_str("TIMESTAMP WITH TIME ZONE"),
            SqlType::Uuid => f.write_str("UUID"),
        }
    }
}

impl FromStr for SqlType {
    type Err = String;

    /// Parses a type as written in `laporan.toml`: case and spacing are
    /// free, the usual aliases are accepted (`INT`, `TEXT`, `NUMERIC(10,2)`,
    /// `DATETIME`, `TIMESTAMP WITH TIME ZONE`).
    fn from_str(text: &str) -> Result<SqlType, String> {
        let unknown = || format!("'{text}' is not a column type laporan loads: use one of {}", SqlType::NAMES);
        let upper = text.trim().to_ascii_uppercase();
        // Words separated by single spaces, and the arguments in parentheses.
        let (head, args) = match upper.split_once('(') {
            Some((head, rest)) => {
                let inner = rest.strip_suffix(')').ok_or_else(unknown)?;
                (head.trim_end(), Some(inner))
            }
            None => (upper.as_str(), None),
        };
        let words: Vec<&str> = head.split_whitespace().collect();
        let name = words.join(" ");
        let plain = |ty: SqlType| if args.is_none() { Ok(ty) } else { Err(unknown()) };
        match name.as_str() {
            "BOOLEAN" | "BOOL" | "LOGICAL" => plain(SqlType::Boolean),
            "TINYINT" | "INT1" => plain(SqlType::Int(IntType::TinyInt)),
            "SMALLINT" | "INT2" | "SHORT" => plain(SqlType::Int(IntType::SmallInt)),
            "INTEGER" | "INT" | "INT4" | "SIGNED" => plain(SqlType::Int(IntType::Integer)),
            "BIGINT" | "INT8" | "LONG" => plain(SqlType::Int(IntType::BigInt)),
            "HUGEINT" | "INT128" => plain(SqlType::Int(IntType::HugeInt)),
            "FLOAT" | "FLOAT4" | "REAL" => plain(SqlType::Float),
            "DOUBLE" | "FLOAT8" | "DOUBLE PRECISION" => plain(SqlType::Double),
            "DATE" => plain(SqlType::Date),
            "TIME" => plain(SqlType::Time),
            "TIMESTAMP" | "DATETIME" => plain(SqlType::Timestamp),
            "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => plain(SqlType::TimestampTz),
            "UUID" => plain(SqlType::Uuid),
            // DuckDB ignores a VARCHAR's length; so does laporan.
            "VARCHAR" | "TEXT" | "STRING" | "CHAR" | "BPCHAR" => match args {
                None => Ok(SqlType::Varchar),
                Some(length) if length.trim().parse::<u32>().is_ok() => Ok(SqlType::Varchar),
                Some(_) => Err(unknown()),
            },
            "DECIMAL" | "NUMERIC" => decimal(args).ok_or_else(|| {
                format!(
                    "'{text}' is not a valid DECIMAL: write DECIMAL(precision, scale) with a precision from 1 to 38 \
                     and a scale from 0 to the precision, such as DECIMAL(18,2)"
                )
            }),
            _ => IntType::ALL
                .iter()
                .find(|int| int.name() == name)
                .map_or_else(|| Err(unknown()), |int| plain(SqlType::Int(*int))),
        }
    }
}

fn decimal(args: Option<&str>) -> Option<SqlType> {
    let Some(args) = args else { return Some(SqlType::DEFAULT_DECIMAL) };
    let parts: Vec<&str> = args.split(',').map(str::trim).collect();
    let number = |text: &str| -> Option<u8> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || text.len() > 2 {
            return None;
        }
        text.parse().ok()
    };
    let (precision, scale) = match parts[..] {
        [p] => (number(p)?, 0),
        [p, s] => (number(p)?, number(s)?),
        _ => return None,
    };
    ((1..=38).contains(&precision) && scale <= precision).then_some(SqlType::Decimal { precision, scale })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_aliases_into_one_spelling() {
        for (text, shown) in [
            ("varchar", "VARCHAR"),
            (" Text ", "VARCHAR"),
            ("VARCHAR(20)", "VARCHAR"),
            ("int", "INTEGER"),
            ("int8", "BIGINT"),
            ("ubigint", "UBIGINT"),
            ("numeric(10, 2)", "DECIMAL(10,2)"),
            ("DECIMAL", "DECIMAL(18,3)"),
            ("decimal(38)", "DECIMAL(38,0)"),
            ("datetime", "TIMESTAMP"),
            ("timestamp  with time zone", "TIMESTAMP WITH TIME ZONE"),
            ("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"),
            ("bool", "BOOLEAN"),
            ("double precision", "DOUBLE"),
        ] {
            assert_eq!(text.parse::<SqlType>().map(|t| t.to_string()).as_deref(), Ok(shown), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "VARCHAR) AS a FROM (SELECT content AS a FROM read_text('/etc/passwd')); SELECT CAST(1 AS VARCHAR",
            "INTEGER; DROP TABLE events",
            "DECIMAL(18,2) --",
            "DECIMAL(39,2)",
            "DECIMAL(2,3)",
            "DECIMAL(0)",
            "DECIMAL(+5,1)",
            "DECIMAL(18,2",
            "DECIMAL(18,2)) x",
            "VARCHAR(x)",
            "INTEGER(4)",
            "INTEGER[]",
            "STRUCT(a INT)",
            "MONEY",
            "DATE DATE",
            "\"INTEGER\"",
        ] {
            assert!(text.parse::<SqlType>().is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn dates_and_times_are_iso_text_of_what_the_type_keeps() {
        let matches = |ty: SqlType, text: &str| full_match(ty.iso_shape().unwrap(), text);
        for (ty, good, bad) in [
            (SqlType::Date, "2024-02-29", "2024-02-29 10:00"),
            (SqlType::Timestamp, "2024-02-29 23:59:59.123456", "2024-02-29 23:59:59.1234567"),
            (SqlType::Timestamp, "2024-02-29T10:00", "2024-02-29 24:00:00"),
            (SqlType::Timestamp, "infinity", "2024-02-29 10:00:00+07:00"),
            (SqlType::TimestampTz, "2024-02-29 10:00:00+07:00", "2024-02-29 10:00:00+07:00:00"),
            (SqlType::Time, "24:00:00", "24:00:01"),
            (SqlType::Time, "23:59:59.999999", "12:00:00+07"),
        ] {
            assert!(matches(ty, good), "{ty} takes {good}");
            assert!(!matches(ty, bad), "{ty} refuses {bad}");
        }
    }

    /// The shapes are run by DuckDB's `regexp_full_match`; here too.
    fn full_match(pattern: &str, text: &str) -> bool {
        let db = crate::engine::Database::in_memory().unwrap();
        db.row("SELECT regexp_full_match(?, ?)", &[text.into(), pattern.into()], |row| row.bool(0)).unwrap()
    }

    #[test]
    fn rendering_parses_back_to_the_same_type() {
        for text in ["TINYINT", "UHUGEINT", "DECIMAL(38,38)", "TIMESTAMP WITH TIME ZONE", "UUID", "FLOAT"] {
            let ty: SqlType = text.parse().unwrap();
            assert_eq!(ty.to_string().parse::<SqlType>(), Ok(ty));
        }
    }
}
