//! How each column is read, and the SQL that checks and converts what is
//! not read directly: DuckDB's reader and casts accept more than a value of
//! the type (they round `1.5` into an INTEGER, read `1e3`, `0x10` and `1_000`
//! as numbers, a third decimal into DECIMAL(18,2), `24` as the year 24 with
//! `%Y`, `1e400` as infinity, and drop an offset from a TIMESTAMP). Such a
//! column is read as text, its text must have the exact shape of a value
//! (a regular expression matched in full), and it is then cast.

use super::Layout;
use crate::engine::quote_literal;
use crate::project::CsvOptions;
use crate::sql_type::SqlType;

/// How a column is read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// DuckDB's reader reads it as its type: text, booleans, and columns
    /// whose every value the pre-load scan saw to have its exact shape.
    Direct,
    /// Read as text. `bad` is the SQL condition that a text (not NULL) is
    /// not a value of the type; `cast` converts one that is (NULL if the
    /// value is out of range).
    Checked { bad: String, cast: String },
}

impl Layout {
    /// How column `name` (quoted as `column` in SQL) of type `ty` is read.
    pub fn reading(&self, name: &str, column: &str, ty: SqlType, options: &CsvOptions) -> Reading {
        if self.direct.iter().any(|d| d == name) {
            return Reading::Direct;
        }
        checked(name, column, ty, options)
    }
}

/// How a column is read when the pre-load scan did not vouch for it.
pub fn checked(name: &str, column: &str, ty: SqlType, options: &CsvOptions) -> Reading {
    let matches = |shape: &str| format!("NOT regexp_full_match({column}, {})", quote_literal(shape));
    if let Some(format) = options.format_of(name, ty) {
        let bad = format_shape(format, ty).map_or_else(|| "false".to_owned(), |shape| matches(&shape));
        let cast = format!("CAST(try_strptime({column}, {}) AS {ty})", quote_literal(format));
        return Reading::Checked { bad, cast };
    }
    let cast =
        format!("TRY_CAST({} AS {ty})", if ty.is_number() { normalised(column, options) } else { column.to_owned() });
    let bad = match ty {
        SqlType::Float | SqlType::Double => {
            let shape = matches(&float_shape(options));
            // A number written with digits too large for the type becomes
            // infinity: refused (`inf` written as such is infinity).
            let overflow = format!("(isinf({cast}) AND regexp_matches({column}, '[0-9]'))");
            format!("({shape} OR {overflow} OR {})", underflow(column, ty, options))
        }
        _ if ty.is_number() => matches(&number_shape(ty.scale().unwrap_or(0), options)),
        _ => match ty.iso_shape() {
            Some(shape) => matches(shape),
            None => return Reading::Direct,
        },
    };
    Reading::Checked { bad, cast }
}

/// The SQL condition that the text `column` of a checked column is not a
/// value of its type (for finding the bad values after a load stopped).
pub fn bad_value(reading: &Reading) -> Option<String> {
    match reading {
        Reading::Direct => None,
        Reading::Checked { bad, cast } => Some(format!("({bad} OR {cast} IS NULL)")),
    }
}

/// The `SELECT` expression of a column, stopping the load on a bad value.
pub fn select(reading: &Reading, column: &str, name: &str) -> String {
    let Reading::Checked { bad, cast } = reading else { return column.to_owned() };
    let stop = format!("error({})", quote_literal(&format!("laporan: bad value in column {name}")));
    format!("CASE WHEN {column} IS NULL THEN NULL WHEN {bad} THEN {stop} ELSE coalesce({cast}, {stop}) END AS {column}")
}

/// A text value as a number: separators normalised to `1234.5`.
fn normalised(column: &str, options: &CsvOptions) -> String {
    let mut expr = column.to_owned();
    if let Some(t) = options.thousands_separator {
        expr = format!("replace({expr}, {}, '')", quote_literal(&(t as char).to_string()));
    }
    if options.decimal_separator == b',' {
        expr = format!("replace({expr}, ',', '.')");
    }
    expr
}

/// A character class holding the byte `c`.
fn class(c: u8) -> String {
    match c {
        b']' | b'\\' | b'^' | b'-' => format!("[\\{}]", c as char),
        _ => format!("[{}]", c as char),
    }
}

/// Digits of a whole part, grouped by the thousands separator or not.
fn whole(options: &CsvOptions) -> String {
    match options.thousands_separator {
        Some(t) => format!("([0-9]{{1,3}}({}[0-9]{{3}})+|[0-9]+)", class(t)),
        None => "[0-9]+".to_owned(),
    }
}

/// An exact number: plain digits with an optional sign, the declared
/// separators, no more decimals than `scale`; no exponent, hex, binary or
/// `_`.
fn number_shape(scale: u32, options: &CsvOptions) -> String {
    let whole = whole(options);
    let number = if scale == 0 {
        whole
    } else {
        let point = class(options.decimal_separator);
        format!("({whole}({point}[0-9]{{0,{scale}}})?|{point}[0-9]{{1,{scale}}})")
    };
    format!(" *[+-]?{number} *")
}

/// A floating-point number: digits, a decimal part, an exponent, or the
/// words `inf`, `infinity` and `nan`; not hex or `_`.
fn float_shape(options: &CsvOptions) -> String {
    let point = class(options.decimal_separator);
    format!(" *[+-]?(({}({point}[0-9]*)?|{point}[0-9]+)([eE][+-]?[0-9]+)?|(?i:inf|infinity|nan)) *", whole(options))
}

/// The SQL condition that a floating-point column's text is a number too
/// small for the type, which the cast would turn into 0 (`1e-400` in a
/// DOUBLE): a digit that is not zero before any exponent, and a zero.
fn underflow(column: &str, ty: SqlType, options: &CsvOptions) -> String {
    format!(
        "(TRY_CAST({} AS {ty}) = 0 AND regexp_matches(regexp_replace({column}, '[eE].*$', ''), '[1-9]'))",
        normalised(column, options)
    )
}

/// The regular expression that a date or timestamp written in the strftime
/// `format` matches in full: `%Y` four digits (DuckDB's `strptime` reads
/// `24` as the year 24), `%d` one or two, names letters, other characters
/// as they are. A time zone (`%z`, `%Z`) only for TIMESTAMPTZ, which keeps
/// it. `None` when the format has a specifier not listed here: the cast
/// alone decides.
pub fn format_shape(format: &str, ty: SqlType) -> Option<String> {
    let mut shape = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            shape.push_str(&regex_literal(c));
            continue;
        }
        let mut spec = chars.next()?;
        if spec == '-' {
            spec = chars.next()?;
        }
        shape.push_str(match spec {
            // A time of day in a DATE, or nanoseconds in a TIMESTAMP,
            // would be dropped: no value fits.
            'H' | 'I' | 'M' | 'S' | 'p' | 'f' | 'g' | 'n' | 'z' | 'Z' if ty == SqlType::Date => "[^\\s\\S]",
            'n' => "[^\\s\\S]",
            'Y' => "[0-9]{4}",
            'y' | 'm' | 'd' | 'e' | 'H' | 'I' | 'M' | 'S' | 'U' | 'W' => "[0-9]{1,2}",
            'j' => "[0-9]{1,3}",
            'f' => "[0-9]{1,6}",
            'g' => "[0-9]{1,3}",
            'w' => "[0-6]",
            'u' => "[1-7]",
            'b' | 'B' | 'a' | 'A' | 'h' => "[A-Za-z]+",
            'p' => "[AaPp][Mm]",
            'z' if ty == SqlType::TimestampTz => "(Z|[+-][0-9]{2}(:?[0-9]{2})?)",
            'Z' if ty == SqlType::TimestampTz => "[A-Za-z_/+-]+",
            // A zone in a type that keeps none: no value fits.
            'z' | 'Z' => "[^\\s\\S]",
            '%' => "%",
            _ => return None,
        });
    }
    Some(shape)
}

/// `c` matched literally in a regular expression.
fn regex_literal(c: char) -> String {
    if c.is_ascii_alphanumeric() || c == ' ' || !c.is_ascii() { c.to_string() } else { format!("\\{c}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_of_formats() {
        assert_eq!(format_shape("%d/%m/%Y", SqlType::Date).unwrap(), "[0-9]{1,2}\\/[0-9]{1,2}\\/[0-9]{4}");
        assert_eq!(format_shape("%-d %B %Y", SqlType::Date).unwrap(), "[0-9]{1,2} [A-Za-z]+ [0-9]{4}");
        assert_eq!(format_shape("%c", SqlType::Timestamp), None);
        let zoned = format_shape("%Y-%m-%d %H:%M %z", SqlType::Timestamp).unwrap();
        assert!(zoned.ends_with("[^\\s\\S]"), "no zone in a TIMESTAMP: {zoned}");
        assert!(format_shape("%d/%m/%Y %H:%M", SqlType::Date).unwrap().contains("[^\\s\\S]"), "no time in a DATE");
        assert!(format_shape("%H:%M:%S.%n", SqlType::Timestamp).unwrap().contains("[^\\s\\S]"), "no nanoseconds");
    }
}
