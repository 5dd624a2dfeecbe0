//! Reporting periods: `2024`, `2024-H1`, `2024-Q2`, `2024-05`, and ranges
//! of them (`2024-01..2024-12`, every month of 2024).
//!
//! Owns parsing a period from the command line and the calendar arithmetic a
//! report needs: first and last day (inclusive), the period before it, and a
//! label. It knows nothing about queries or templates; the build turns a
//! period into parameters (`period_start`, `period_end`, …) elsewhere.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Year,
    Half,
    Quarter,
    Month,
}

impl PeriodKind {
    /// Months in one period of this kind.
    fn months(self) -> i8 {
        match self {
            PeriodKind::Year => 12,
            PeriodKind::Half => 6,
            PeriodKind::Quarter => 3,
            PeriodKind::Month => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Year => "year",
            PeriodKind::Half => "half",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Month => "month",
        }
    }
}

/// One calendar period, such as the second quarter of 2024.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    kind: PeriodKind,
    year: i16,
    /// 1-based position in the year: always 1 for a year, 1–2 for a half,
    /// 1–4 for a quarter, 1–12 for a month.
    index: i8,
}

/// The text shown when a period does not parse; also used by `--help`.
pub const PERIOD_FORMS: &str = "YYYY, YYYY-H1, YYYY-Q2 or YYYY-MM (for example 2024, 2024-H1, 2024-Q2, 2024-05)";

impl Period {
    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    pub fn year(&self) -> i16 {
        self.year
    }

    /// Position in the year (1-based): the quarter number for a quarter, the
    /// month number for a month, 1 or 2 for a half, 1 for a year.
    pub fn index(&self) -> i8 {
        self.index
    }

    fn first_month(&self) -> i8 {
        (self.index - 1) * self.kind.months() + 1
    }

    /// First day of the period.
    pub fn start(&self) -> Date {
        // Safe by construction: year is 1..=9999 and first_month is 1..=12.
        Date::new(self.year, self.first_month(), 1).expect("valid period start")
    }

    /// Last day of the period, inclusive.
    pub fn end(&self) -> Date {
        let last_month = self.first_month() + self.kind.months() - 1;
        Date::new(self.year, last_month, 1).expect("valid period month").last_of_month()
    }

    /// The period of the same kind just after this one (2024-Q4 → 2025-Q1).
    pub fn next(&self) -> Option<Period> {
        let per_year = 12 / self.kind.months();
        if self.index < per_year {
            return Some(Period { index: self.index + 1, ..*self });
        }
        if self.year >= 9999 {
            return None;
        }
        Some(Period { year: self.year + 1, index: 1, ..*self })
    }

    /// The period of the same kind just before this one (2024-Q1 → 2023-Q4).
    pub fn previous(&self) -> Option<Period> {
        if self.index > 1 {
            return Some(Period { index: self.index - 1, ..*self });
        }
        if self.year <= 1 {
            return None;
        }
        let per_year = 12 / self.kind.months();
        Some(Period { year: self.year - 1, index: per_year, ..*self })
    }
}

impl fmt::Display for Period {
    /// The canonical form, also the output folder name: `2024`, `2024-H1`,
    /// `2024-Q2`, `2024-05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Year => write!(f, "{:04}", self.year),
            PeriodKind::Half => write!(f, "{:04}-H{}", self.year, self.index),
            PeriodKind::Quarter => write!(f, "{:04}-Q{}", self.year, self.index),
            PeriodKind::Month => write!(f, "{:04}-{:02}", self.year, self.index),
        }
    }
}

impl FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Period, String> {
        let bad = || format!("'{text}' is not a period: expected {PERIOD_FORMS}");
        let (year_text, rest) = match text.split_once('-') {
            Some((year, rest)) => (year, Some(rest)),
            None => (text, None),
        };
        if year_text.len() != 4 || !year_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i16 = year_text.parse().map_err(|_| bad())?;
        if year < 1 {
            return Err(bad());
        }
        let (kind, index) = match rest {
            None => (PeriodKind::Year, 1),
            Some(rest) => {
                let (kind, digits) = match rest.as_bytes().first() {
                    Some(b'H' | b'h') => (PeriodKind::Half, &rest[1..]),
                    Some(b'Q' | b'q') => (PeriodKind::Quarter, &rest[1..]),
                    Some(b) if b.is_ascii_digit() && rest.len() == 2 => (PeriodKind::Month, rest),
                    _ => return Err(bad()),
                };
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let index: i8 = digits.parse().map_err(|_| bad())?;
                let count = 12 / kind.months();
                if index < 1 || index > count {
                    return Err(match kind {
                        PeriodKind::Half => format!("'{text}': a year has halves H1 and H2"),
                        PeriodKind::Quarter => format!("'{text}': a year has quarters Q1 to Q4"),
                        _ => format!("'{text}': a month is 01 to 12"),
                    });
                }
                (kind, index)
            }
        };
        Ok(Period { kind, year, index })
    }
}

/// The text shown when a range does not parse.
pub const RANGE_FORMS: &str =
    "a period, or a range of periods of one kind such as 2024-01..2024-12 or 2023-Q1..2024-Q4";

/// `--period` of `laporan build`: one period, or every period from `first`
/// to `last` inclusive (`2024-01..2024-12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodRange {
    first: Period,
    last: Period,
}

impl PeriodRange {
    /// The periods in order, `first` to `last`.
    pub fn periods(&self) -> Vec<Period> {
        let mut periods = vec![self.first];
        let mut current = self.first;
        while current != self.last {
            match current.next() {
                Some(next) => {
                    periods.push(next);
                    current = next;
                }
                None => break,
            }
        }
        periods
    }
}

impl FromStr for PeriodRange {
    type Err = String;

    fn from_str(text: &str) -> Result<PeriodRange, String> {
        let Some((first_text, last_text)) = text.split_once("..") else {
            let period: Period = text.parse()?;
            return Ok(PeriodRange { first: period, last: period });
        };
        let parse = |part: &str| {
            if part.is_empty() {
                return Err(format!("'{text}' is not a range: expected {RANGE_FORMS}"));
            }
            part.parse::<Period>()
        };
        let (first, last) = (parse(first_text)?, parse(last_text)?);
        if first.kind != last.kind {
            return Err(format!(
                "'{text}': a range runs from one {} to another, not to a {}",
                first.kind.as_str(),
                last.kind.as_str()
            ));
        }
        if (last.year, last.index) < (first.year, first.index) {
            return Err(format!("'{text}': the range ends before it starts (write {last}..{first})"));
        }
        Ok(PeriodRange { first, last })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        text.parse().unwrap()
    }

    fn span(text: &str) -> (String, String) {
        let period = p(text);
        (period.start().to_string(), period.end().to_string())
    }

    #[test]
    fn parses_every_form_and_prints_it_back() {
        for text in ["2024", "2024-H1", "2024-H2", "2024-Q1", "2024-Q4", "2024-01", "2024-12"] {
            assert_eq!(p(text).to_string(), text);
        }
        assert_eq!(p("2024-q2").to_string(), "2024-Q2", "lower case is accepted");
        assert_eq!(p("2024-h2").to_string(), "2024-H2");
    }

    #[test]
    fn inclusive_bounds() {
        assert_eq!(span("2024"), ("2024-01-01".into(), "2024-12-31".into()));
        assert_eq!(span("2024-H1"), ("2024-01-01".into(), "2024-06-30".into()));
        assert_eq!(span("2024-H2"), ("2024-07-01".into(), "2024-12-31".into()));
        assert_eq!(span("2024-Q2"), ("2024-04-01".into(), "2024-06-30".into()));
        assert_eq!(span("2024-Q4"), ("2024-10-01".into(), "2024-12-31".into()));
        assert_eq!(span("2024-02"), ("2024-02-01".into(), "2024-02-29".into()), "leap year");
        assert_eq!(span("2023-02"), ("2023-02-01".into(), "2023-02-28".into()));
    }

    #[test]
    fn previous_period_crosses_years() {
        assert_eq!(p("2024-Q1").previous().unwrap().to_string(), "2023-Q4");
        assert_eq!(p("2024-Q3").previous().unwrap().to_string(), "2024-Q2");
        assert_eq!(p("2024-01").previous().unwrap().to_string(), "2023-12");
        assert_eq!(p("2024-H1").previous().unwrap().to_string(), "2023-H2");
        assert_eq!(p("2024").previous().unwrap().to_string(), "2023");
        assert_eq!(p("0001").previous(), None);
    }

    #[test]
    fn next_period_crosses_years() {
        assert_eq!(p("2024-Q4").next().unwrap().to_string(), "2025-Q1");
        assert_eq!(p("2024-12").next().unwrap().to_string(), "2025-01");
        assert_eq!(p("2024-H1").next().unwrap().to_string(), "2024-H2");
        assert_eq!(p("2024").next().unwrap().to_string(), "2025");
        assert_eq!(p("9999-12").next(), None);
    }

    fn range(text: &str) -> Result<Vec<String>, String> {
        text.parse::<PeriodRange>().map(|r| r.periods().iter().map(Period::to_string).collect())
    }

    #[test]
    fn ranges_list_every_period_in_order() {
        assert_eq!(range("2024-Q2").unwrap(), ["2024-Q2"]);
        assert_eq!(range("2024-Q2..2024-Q2").unwrap(), ["2024-Q2"]);
        assert_eq!(range("2023-Q3..2024-Q2").unwrap(), ["2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2"]);
        assert_eq!(range("2024-01..2024-12").unwrap().len(), 12);
        assert_eq!(range("2022..2024").unwrap(), ["2022", "2023", "2024"]);
        assert_eq!(range("9999-11..9999-12").unwrap(), ["9999-11", "9999-12"]);
    }

    #[test]
    fn rejects_ranges_that_are_not() {
        assert_eq!(
            range("2024-Q1..2024-12").unwrap_err(),
            "'2024-Q1..2024-12': a range runs from one quarter to another, not to a month"
        );
        assert_eq!(
            range("2024-12..2024-01").unwrap_err(),
            "'2024-12..2024-01': the range ends before it starts (write 2024-01..2024-12)"
        );
        assert_eq!(range("2024-01..2024-13").unwrap_err(), "'2024-13': a month is 01 to 12");
        assert_eq!(range("2024-01..").unwrap_err(), format!("'2024-01..' is not a range: expected {RANGE_FORMS}"));
        assert!(range("..2024-01").is_err());
        assert!(range("2024-01...2024-02").is_err());
    }

    #[test]
    fn rejects_what_is_not_a_period() {
        for text in [
            "", "24", "20245", "2024-", "2024-Q", "2024-Q5", "2024-Q0", "2024-H3", "2024-13", "2024-00", "2024-5",
            "2024-W01", "2024-Q2x", "0000", "abcd", "2024-Q+1",
        ] {
            assert!(text.parse::<Period>().is_err(), "{text:?} should be rejected");
        }
        assert_eq!("2024-13".parse::<Period>().unwrap_err(), "'2024-13': a month is 01 to 12");
        assert_eq!("2024-Q5".parse::<Period>().unwrap_err(), "'2024-Q5': a year has quarters Q1 to Q4");
        assert_eq!(
            "May 2024".parse::<Period>().unwrap_err(),
            format!("'May 2024' is not a period: expected {PERIOD_FORMS}")
        );
    }
}
