//! The type of each JSON column: declared types checked value by value,
//! or the narrowest exact type inferred, by the same rules as CSV.

use std::path::{Path, PathBuf};

use super::{Field, Kind, Place, Records};
use crate::error::{Error, Location};
use crate::load::problems::{MAX_LISTED, NamesFrom, Problem, check_declared, report, shorten};
use crate::project::Dataset;
use crate::sql_type::{IntType, SqlType};

/// The declared types, in the records' column order, or inferred ones.
pub(super) fn column_types(
    records: &Records,
    dataset: &Dataset,
    shown_source: &Path,
    shown: &[PathBuf],
) -> Result<Vec<SqlType>, Error> {
    if dataset.columns.is_none() {
        return infer(records, shown);
    }
    let from = NamesFrom { place: "in no record", have: "the records have", at: Location::file(shown_source) };
    check_declared(dataset, records.columns.iter().map(String::as_str), from)?;
    Ok(records.columns.iter().map(|name| dataset.column(name).expect("checked above").ty).collect())
}

/// What the values of one column were, for inferring its type.
pub(super) struct Seen<'r> {
    kinds: Vec<Kind>,
    exponent: bool,
    fraction: bool,
    whole_digits: usize,
    scale: usize,
    dates: bool,
    timestamps: bool,
    /// The number with the most digits, and where it is.
    widest: Option<(usize, &'r Field, &'r Place)>,
}

impl<'r> Seen<'r> {
    fn new() -> Seen<'r> {
        Seen {
            kinds: Vec::new(),
            exponent: false,
            fraction: false,
            whole_digits: 0,
            scale: 0,
            dates: true,
            timestamps: true,
            widest: None,
        }
    }

    fn add(&mut self, field: &'r Field, place: &'r Place) {
        if !self.kinds.contains(&field.kind) {
            self.kinds.push(field.kind);
        }
        match field.kind {
            Kind::Number => {
                let Some(number) = NumberText::parse(&field.text) else { return };
                self.exponent |= number.exponent.is_some();
                self.fraction |= !number.fraction.is_empty();
                self.whole_digits = self.whole_digits.max(number.whole_digits());
                self.scale = self.scale.max(number.fraction.len());
                let width =
                    if number.exponent.is_some() { usize::MAX } else { number.whole_digits() + number.fraction.len() };
                if self.widest.is_none_or(|(w, _, _)| width > w) {
                    self.widest = Some((width, field, place));
                }
            }
            Kind::Text => {
                self.dates &= is_date(&field.text);
                self.timestamps &= is_timestamp(&field.text);
            }
            Kind::Bool | Kind::Nested => {}
        }
    }
}

/// The narrowest exact type of every column (see the module's notes), in
/// one pass over the records.
pub(super) fn infer(records: &Records, shown: &[PathBuf]) -> Result<Vec<SqlType>, Error> {
    let mut seen: Vec<Seen<'_>> = records.columns.iter().map(|_| Seen::new()).collect();
    for (row, place) in records.rows.iter().zip(&records.places) {
        for (column, field) in row {
            seen[*column].add(field, place);
        }
    }
    seen.into_iter().enumerate().map(|(index, seen)| narrowest(records, index, seen, shown)).collect()
}

pub(super) fn narrowest(records: &Records, index: usize, seen: Seen<'_>, shown: &[PathBuf]) -> Result<SqlType, Error> {
    let Seen { kinds, exponent, fraction, whole_digits, scale, dates, timestamps, widest } = seen;
    Ok(match kinds[..] {
        [] => SqlType::Varchar,
        [Kind::Bool] => SqlType::Boolean,
        [Kind::Text] if dates => SqlType::Date,
        [Kind::Text] if timestamps => SqlType::Timestamp,
        [Kind::Number] => {
            // A number whose exponent is too large to write out has more
            // digits than any exact type too.
            let digits = if exponent { usize::MAX } else { whole_digits + scale };
            if digits > 38 {
                let (_, field, place) = widest.expect("a number was seen");
                let file = &shown[place.file];
                let what = if exponent {
                    "more digits than an exact number type holds (38)".to_owned()
                } else {
                    format!("{digits} digits, more than an exact number type holds (38)")
                };
                return Err(Error::project(format!(
                    "{}: column {} holds a number with {what}",
                    file.display(),
                    records.columns[index]
                ))
                .at(Location { line: Some(place.line as usize), ..Location::file(file) })
                .note(format!("the number: {}", shorten(field.written.as_ref().unwrap_or(&field.text), 60)))
                .help(format!(
                    "declare the column in laporan.toml: DOUBLE keeps it approximately, VARCHAR keeps its digits as text \
                     ([datasets.NAME.columns] {} = \"VARCHAR\")",
                    records.columns[index]
                )));
            }
            match (fraction, digits) {
                (false, 0..=18) => SqlType::Int(IntType::BigInt),
                (false, _) => SqlType::Int(IntType::HugeInt),
                (true, 0..=18) => SqlType::Decimal { precision: 18, scale: scale as u8 },
                (true, _) => SqlType::Decimal { precision: 38, scale: scale as u8 },
            }
        }
        _ => SqlType::Varchar,
    })
}

/// A JSON number literal taken apart: `-12.50e3` → sign, "12", "50", 3.
#[derive(Debug, PartialEq)]
pub(super) struct NumberText<'a> {
    negative: bool,
    whole: &'a str,
    fraction: &'a str,
    exponent: Option<i64>,
}

impl<'a> NumberText<'a> {
    pub(super) fn parse(text: &'a str) -> Option<NumberText<'a>> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(rest[at + 1..].parse::<i64>().unwrap_or(i64::MAX))),
            None => (rest, None),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        (!whole.is_empty() && digits(whole) && digits(fraction)).then_some(NumberText {
            negative,
            whole,
            fraction,
            exponent,
        })
    }

    /// Digits before the point, without leading zeros.
    fn whole_digits(&self) -> usize {
        self.whole.trim_start_matches('0').len()
    }

    /// The number written without an exponent, every digit kept
    /// (`-1.25e2` → `-125`, `5e-3` → `0.005`); `None` without an exponent,
    /// or with one so large that the digits would not be worth writing.
    pub(super) fn plain(&self) -> Option<String> {
        let exponent = self.exponent?;
        if !self.nonzero() {
            return Some("0".to_owned());
        }
        if exponent.unsigned_abs() > 400 {
            return None;
        }
        let digits = format!("{}{}", self.whole, self.fraction);
        let point = self.whole.len() as i64 + exponent; // where the point goes in `digits`
        let (whole, fraction) = if point <= 0 {
            (String::from("0"), format!("{}{digits}", "0".repeat(point.unsigned_abs() as usize)))
        } else if point as usize >= digits.len() {
            (format!("{digits}{}", "0".repeat(point as usize - digits.len())), String::new())
        } else {
            (digits[..point as usize].to_owned(), digits[point as usize..].to_owned())
        };
        let whole = match whole.trim_start_matches('0') {
            "" => "0",
            trimmed => trimmed,
        };
        let fraction = fraction.trim_end_matches('0');
        let sign = if self.negative { "-" } else { "" };
        Some(if fraction.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") })
    }

    /// Whether any digit is not zero.
    fn nonzero(&self) -> bool {
        self.whole.bytes().chain(self.fraction.bytes()).any(|b| b != b'0')
    }
}

/// Why `field` cannot be a value of `ty` (checked here; dates, times and
/// UUIDs are checked by DuckDB's casts afterwards).
pub(super) fn check_field(field: &Field, ty: SqlType) -> Option<String> {
    let wrong_kind = |wanted: &str| Some(format!("is {}, not {wanted}", field.kind.name()));
    match ty {
        SqlType::Varchar => None,
        SqlType::Boolean if field.kind != Kind::Bool => wrong_kind("true or false"),
        SqlType::Boolean => None,
        SqlType::Date | SqlType::Time | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Uuid => {
            (field.kind != Kind::Text).then(|| format!("is {}, not a string", field.kind.name()))
        }
        _ if field.kind != Kind::Number => wrong_kind("a number"),
        SqlType::Float | SqlType::Double => {
            let value: f64 = field.text.parse().unwrap_or(f64::INFINITY);
            let (finite, zero) = if ty == SqlType::Float {
                ((value as f32).is_finite(), value as f32 == 0.0)
            } else {
                (value.is_finite(), value == 0.0)
            };
            let nonzero = NumberText::parse(&field.text).is_some_and(|n| n.nonzero());
            if !finite {
                Some(format!("is too large for {ty}"))
            } else if zero && nonzero {
                Some(format!("is too small for {ty}: it would become 0"))
            } else {
                None
            }
        }
        SqlType::Int(int) => {
            let number = NumberText::parse(&field.text)?;
            if number.exponent.is_some() || !number.fraction.is_empty() || !fits(&number, int) {
                return Some(format!("is not {}", ty.expected(None, None)));
            }
            None
        }
        SqlType::Decimal { precision, scale } => {
            let number = NumberText::parse(&field.text)?;
            let fits = number.exponent.is_none()
                && number.fraction.len() <= usize::from(scale)
                && number.whole_digits() <= usize::from(precision - scale);
            (!fits).then(|| format!("is not {}", ty.expected(None, None)))
        }
    }
}

/// Whether a whole number fits an integer type.
pub(super) fn fits(number: &NumberText<'_>, int: IntType) -> bool {
    let magnitude: u128 = match number.whole.parse() {
        Ok(m) => m,
        Err(_) => return false,
    };
    let (low, high): (u128, u128) = match int {
        IntType::TinyInt => (128, 127),
        IntType::SmallInt => (32_768, 32_767),
        IntType::Integer => (2_147_483_648, 2_147_483_647),
        IntType::BigInt => (9_223_372_036_854_775_808, 9_223_372_036_854_775_807),
        IntType::HugeInt => (1 << 127, (1 << 127) - 1),
        IntType::UTinyInt => (0, 255),
        IntType::USmallInt => (0, 65_535),
        IntType::UInteger => (0, 4_294_967_295),
        IntType::UBigInt => (0, 18_446_744_073_709_551_615),
        IntType::UHugeInt => (0, u128::MAX),
    };
    if number.negative { magnitude <= low } else { magnitude <= high }
}

pub(super) fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && text.parse::<jiff::civil::Date>().is_ok()
}

pub(super) fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 16 && b.len() <= 26 && matches!(b[10], b' ' | b'T') && is_date(&text[..10]) && {
        text.replacen(' ', "T", 1).parse::<jiff::civil::DateTime>().is_ok()
    }
}

/// Checks every value against its column's type; lists the bad ones.
pub(super) fn check_values(records: &Records, types: &[SqlType], shown: &[PathBuf]) -> Result<(), Error> {
    let mut problems = Vec::new();
    let mut total = 0;
    for (row, place) in records.rows.iter().zip(&records.places) {
        let mut bad = None;
        for (column, field) in row {
            if let Some(why) = check_field(field, types[*column]) {
                let name = &records.columns[*column];
                bad = Some(format!(
                    "column {name}: {} {why}",
                    quoted(field.written.as_ref().unwrap_or(&field.text), field.kind)
                ));
                break;
            }
        }
        if let Some(text) = bad {
            total += 1;
            if problems.len() < MAX_LISTED {
                problems.push(problem(place, text, shown));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(report(problems, total, false, "record")) }
}

pub(super) fn problem(place: &Place, text: String, shown: &[PathBuf]) -> Problem {
    let text = match place.index {
        Some(index) => format!("(record {}) {text}", index + 1),
        None => text,
    };
    Problem { file: shown[place.file].clone(), line: place.line, text, source_line: None }
}

pub(super) fn quoted(text: &str, kind: Kind) -> String {
    let short = shorten(text, 40);
    if kind == Kind::Text { format!("\"{short}\"") } else { short }
}
