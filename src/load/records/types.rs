//! The type of each column of [`Records`]: declared types checked value by
//! value, or the narrowest exact type inferred, by the same rules as CSV.

use std::path::{Path, PathBuf};

use super::{Field, Kind, Origin, Records};
use crate::error::{Error, Location};
use crate::load::problems::{MAX_LISTED, NamesFrom, check_declared, report, shorten};
use crate::project::Dataset;
use crate::sql_type::{IntType, SqlType};

/// Each column's type, in the records' column order: as declared, or the
/// narrowest exact one (for the columns not declared).
pub(crate) fn column_types<'r>(
    records: &'r Records,
    dataset: &Dataset,
    shown_source: &Path,
    shown: &[PathBuf],
) -> Result<(Vec<SqlType>, Vec<Nearly<'r>>), Error> {
    let place = match records.origin {
        Origin::Json => "in no record",
        Origin::Sheet => "not in the sheet's header",
    };
    let from = NamesFrom { place, have: "the records have", at: Location::file(shown_source) };
    check_declared(dataset, records.columns.iter().map(String::as_str), from)?;
    infer(records, shown, &|name| dataset.column(name).map(|c| c.ty))
}

/// A text column whose values are all but a few (at most a tenth) of one
/// stricter kind: the type it would be, and the texts that keep it text.
pub(crate) struct Nearly<'r> {
    pub column: usize,
    pub would_be: SqlType,
    pub what: &'static str,
    pub texts: u64,
    pub values: u64,
    /// The first few texts, by record.
    pub examples: Vec<(usize, &'r str)>,
    /// Different texts, counted up to 4.
    pub distinct: usize,
}

/// What the values of one column were, for inferring its type.
pub(crate) struct Seen<'r> {
    kinds: Vec<Kind>,
    values: u64,
    texts: u64,
    text_examples: Vec<(usize, &'r str)>,
    distinct_texts: Vec<&'r str>,
    exponent: bool,
    fraction: bool,
    whole_digits: usize,
    scale: usize,
    dates: bool,
    timestamps: bool,
    /// The number with the most digits, and its record.
    widest: Option<(usize, &'r Field, usize)>,
    /// Date cells, and date and time cells.
    date_cells: bool,
    timestamp_cells: bool,
}

impl<'r> Seen<'r> {
    fn new() -> Seen<'r> {
        Seen {
            kinds: Vec::new(),
            values: 0,
            texts: 0,
            text_examples: Vec::new(),
            distinct_texts: Vec::new(),
            exponent: false,
            fraction: false,
            whole_digits: 0,
            scale: 0,
            dates: true,
            timestamps: true,
            widest: None,
            date_cells: false,
            timestamp_cells: false,
        }
    }

    fn add(&mut self, field: &'r Field, record: usize) {
        if !self.kinds.contains(&field.kind) {
            self.kinds.push(field.kind);
        }
        self.values += 1;
        if field.kind == Kind::Text {
            self.texts += 1;
            if self.text_examples.len() < 3 {
                self.text_examples.push((record, &field.text));
            }
            if self.distinct_texts.len() < 4 && !self.distinct_texts.contains(&field.text.as_str()) {
                self.distinct_texts.push(&field.text);
            }
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
                    self.widest = Some((width, field, record));
                }
            }
            Kind::Text => {
                self.dates &= is_date(&field.text);
                self.timestamps &= is_timestamp(&field.text);
            }
            Kind::Date => self.date_cells = true,
            Kind::Timestamp => self.timestamp_cells = true,
            Kind::Bool | Kind::Nested | Kind::Time => {}
        }
    }
}

/// The narrowest exact type of every column not `declared` (see the
/// module's notes), in one pass over the records; and the columns that
/// are text because of a few texts among values of a stricter kind.
pub(crate) fn infer<'r>(
    records: &'r Records,
    shown: &[PathBuf],
    declared: &dyn Fn(&str) -> Option<SqlType>,
) -> Result<(Vec<SqlType>, Vec<Nearly<'r>>), Error> {
    let mut seen: Vec<Option<Seen<'_>>> =
        records.columns.iter().map(|name| declared(name).is_none().then(Seen::new)).collect();
    for (record, row) in records.rows.iter().enumerate() {
        for (column, field) in row {
            if let Some(seen) = &mut seen[*column] {
                seen.add(field, record);
            }
        }
    }
    let (mut types, mut nearly) = (Vec::new(), Vec::new());
    for (index, (name, seen)) in records.columns.iter().zip(seen).enumerate() {
        let Some(seen) = seen else {
            types.push(declared(name).expect("declared"));
            continue;
        };
        let ty = narrowest(records, index, &seen, &seen.kinds, shown)?;
        if ty == SqlType::Varchar
            && let Some(near) = nearly_of(records, index, &seen, shown)
        {
            nearly.push(near);
        }
        types.push(ty);
    }
    Ok((types, nearly))
}

/// For a text column: the type its values but its texts would have, when
/// the texts are a tenth of the values or fewer, the rest of one kind.
fn nearly_of<'r>(records: &Records, column: usize, seen: &Seen<'r>, shown: &[PathBuf]) -> Option<Nearly<'r>> {
    if seen.texts == 0 || seen.texts * 10 > seen.values {
        return None;
    }
    let others: Vec<Kind> = seen.kinds.iter().copied().filter(|k| *k != Kind::Text).collect();
    let what = match others[..] {
        [Kind::Number] => "a number",
        [Kind::Date] => "a date",
        [Kind::Timestamp] | [Kind::Date, Kind::Timestamp] | [Kind::Timestamp, Kind::Date] => "a date and time",
        [Kind::Bool] => "true or false",
        _ => return None,
    };
    let (examples, distinct, texts, values) =
        (seen.text_examples.clone(), seen.distinct_texts.len(), seen.texts, seen.values);
    let would_be = narrowest(records, column, seen, &others, shown).ok()?;
    (would_be != SqlType::Varchar).then_some(Nearly { column, would_be, what, texts, values, examples, distinct })
}

/// The narrowest exact type of column `index`, whose values were `seen`
/// and are of `kinds` (all of them, or all but its texts).
pub(crate) fn narrowest(
    records: &Records,
    index: usize,
    seen: &Seen<'_>,
    kinds: &[Kind],
    shown: &[PathBuf],
) -> Result<SqlType, Error> {
    let &Seen { exponent, fraction, whole_digits, scale, dates, timestamps, widest, .. } = seen;
    Ok(match kinds {
        [] => SqlType::Varchar,
        [Kind::Bool] => SqlType::Boolean,
        [Kind::Date] => SqlType::Date,
        [Kind::Time] => SqlType::Time,
        [Kind::Timestamp] | [Kind::Date, Kind::Timestamp] | [Kind::Timestamp, Kind::Date] => SqlType::Timestamp,
        [Kind::Text] if dates => SqlType::Date,
        [Kind::Text] if timestamps => SqlType::Timestamp,
        [Kind::Number] => {
            // A number whose exponent is too large to write out has more
            // digits than any exact type too.
            let digits = if exponent { usize::MAX } else { whole_digits + scale };
            if digits > 38 {
                let (_, field, record) = widest.expect("a number was seen");
                let (location, start) = records.at(record, Some(index), shown);
                let what = if exponent {
                    "more digits than an exact number type holds (38)".to_owned()
                } else {
                    format!("{digits} digits, more than an exact number type holds (38)")
                };
                return Err(Error::project(format!(
                    "{}: {start}column {} holds a number with {what}",
                    location.path.display(),
                    records.columns[index]
                ))
                .at(location)
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
pub(crate) struct NumberText<'a> {
    negative: bool,
    whole: &'a str,
    fraction: &'a str,
    exponent: Option<i64>,
}

impl<'a> NumberText<'a> {
    pub(crate) fn parse(text: &'a str) -> Option<NumberText<'a>> {
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
    pub(crate) fn plain(&self) -> Option<String> {
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
pub(crate) fn check_field(field: &Field, ty: SqlType, origin: Origin) -> Option<String> {
    let wrong_kind = |wanted: &str| Some(format!("is {}, not {wanted}", field.kind.name(origin)));
    // What the column takes: for JSON, text to convert; for a sheet, the
    // cells of its type (or text written as one).
    let text = match (origin, ty) {
        (Origin::Json, _) => "a string",
        (Origin::Sheet, SqlType::Date) => "a date cell (or a date written as text)",
        (Origin::Sheet, SqlType::Time) => "a time cell (or a time written as text)",
        (Origin::Sheet, SqlType::Timestamp | SqlType::TimestampTz) => {
            "a date or date and time cell (or one written as text)"
        }
        (Origin::Sheet, _) => "text",
    };
    match (ty, field.kind) {
        (SqlType::Varchar, _) => None,
        (SqlType::Boolean, Kind::Bool) => None,
        (SqlType::Boolean, _) => wrong_kind("true or false"),
        // Written as text: DuckDB's cast checks it.
        (SqlType::Date | SqlType::Time | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Uuid, Kind::Text) => None,
        (SqlType::Date, Kind::Date)
        | (SqlType::Time, Kind::Time)
        | (SqlType::Timestamp | SqlType::TimestampTz, Kind::Date | Kind::Timestamp) => None,
        (SqlType::Date, Kind::Timestamp) => Some(format!("is {}: a DATE would lose its time", field.kind.name(origin))),
        (SqlType::Date | SqlType::Time | SqlType::Timestamp | SqlType::TimestampTz | SqlType::Uuid, _) => {
            Some(format!("is {}, not {text}", field.kind.name(origin)))
        }
        _ => check_number(field, ty, origin),
    }
}

/// Why a number `field` cannot be a value of the number type `ty`.
fn check_number(field: &Field, ty: SqlType, origin: Origin) -> Option<String> {
    let wrong_kind = |wanted: &str| Some(format!("is {}, not {wanted}", field.kind.name(origin)));
    match ty {
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
        // The other types were checked by the caller.
        _ => None,
    }
}

/// Whether a whole number fits an integer type.
pub(crate) fn fits(number: &NumberText<'_>, int: IntType) -> bool {
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

pub(crate) fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && text.parse::<jiff::civil::Date>().is_ok()
}

pub(crate) fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 16 && b.len() <= 26 && matches!(b[10], b' ' | b'T') && is_date(&text[..10]) && {
        text.replacen(' ', "T", 1).parse::<jiff::civil::DateTime>().is_ok()
    }
}

/// Checks every value against its column's type; lists the bad ones.
pub(crate) fn check_values(records: &Records, types: &[SqlType], shown: &[PathBuf]) -> Result<(), Error> {
    let mut problems = Vec::new();
    let mut total = 0;
    for (record, row) in records.rows.iter().enumerate() {
        let mut bad = None;
        for (column, field) in row {
            if let Some(why) = check_field(field, types[*column], records.origin) {
                let name = &records.columns[*column];
                bad = Some((
                    *column,
                    format!(
                        "column {name}: {} {why}",
                        quoted(field.written.as_ref().unwrap_or(&field.text), field.kind)
                    ),
                ));
                break;
            }
        }
        if let Some((column, text)) = bad {
            total += 1;
            if problems.len() < MAX_LISTED {
                problems.push(records.problem(record, Some(column), text, shown));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(report(problems, total, false, records.unit())) }
}

pub(crate) fn quoted(text: &str, kind: Kind) -> String {
    let short = shorten(text, 40);
    if kind == Kind::Text { format!("\"{short}\"") } else { short }
}
