//! Locale-aware formatting: numbers, money, percentages, dates and period
//! names, with the words and signs of [`Locale::words`].
//!
//! Pure functions over plain values; the template filters in the parent
//! module call them with the report's locale.

use jiff::civil::Date;

use crate::locale::Locale;
use crate::period::{Period, PeriodKind};

/// Separators of a locale: (thousands, decimal).
fn separators(locale: Locale) -> (char, char) {
    (locale.words().thousands, locale.words().decimal)
}

/// Groups the digits of an integer string (`-1234567` → `-1,234,567`).
fn group(digits: &str, sep: char) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    out.push_str(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// Formats an exact decimal text (`1234567.891`, `-5`, `300000000.00`) with
/// the locale's separators, keeping all its digits.
pub fn decimal_text(text: &str, locale: Locale) -> String {
    let (thousands, decimal) = separators(locale);
    match text.split_once('.') {
        Some((int_part, frac)) => format!("{}{decimal}{frac}", group(int_part, thousands)),
        None => group(text, thousands),
    }
}

/// The most decimals a formatted number shows (a double has 17 significant
/// digits; the filters refuse more).
pub const MAX_DECIMALS: usize = 20;

/// Formats a number with `decimals` digits after the point, or, when
/// `decimals` is `None`, as many as it needs up to two (integers get none).
pub fn number(value: f64, decimals: Option<usize>, locale: Locale) -> String {
    if !value.is_finite() {
        return super::filters::MISSING.to_owned();
    }
    let decimals = decimals.map(|d| d.min(MAX_DECIMALS));
    let fixed = match decimals {
        Some(d) => fixed(value, d),
        None => {
            let text = fixed(value, 2);
            let trimmed = text.trim_end_matches('0').trim_end_matches('.');
            trimmed.to_owned()
        }
    };
    decimal_text(&fixed, locale)
}

/// `value` with `places` decimals, rounded half away from zero on its
/// shortest decimal digits, as a spreadsheet shows it: 2.5 → 3, 0.125 →
/// 0.13, 1.005 → 1.01 (formatting the binary value itself would give 2,
/// 0.12 and 1.00).
fn fixed(value: f64, places: usize) -> String {
    fixed_shifted(value, 0, places)
}

/// `value` times 10^`shift`, as [`fixed`] writes it: the point moved in
/// the decimal digits, so that 0.145 as a percentage is 14.5 exactly
/// (multiplying the double gives 14.499999999999998).
fn fixed_shifted(value: f64, shift: usize, places: usize) -> String {
    // Rust writes a double's shortest round-trip digits, never with an exponent.
    let text = value.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let moved: String = fraction.chars().chain(std::iter::repeat('0')).take(shift).collect();
    let whole = format!("{whole}{moved}");
    let whole = match whole.trim_start_matches('0') {
        "" => "0",
        digits => digits,
    };
    let fraction = fraction.get(shift..).unwrap_or("");
    let mut digits: Vec<u8> =
        whole.bytes().chain(fraction.bytes().chain(std::iter::repeat(b'0')).take(places)).map(|b| b - b'0').collect();
    if fraction.as_bytes().get(places).is_some_and(|&b| b >= b'5') {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let whole_len = digits.len() - places;
    let mut out = String::with_capacity(digits.len() + 2);
    // -0.00 reads as 0.00.
    if value < 0.0 && digits.iter().any(|&d| d != 0) {
        out.push('-');
    }
    out.extend(digits[..whole_len].iter().map(|d| char::from(b'0' + d)));
    if places > 0 {
        out.push('.');
        out.extend(digits[whole_len..].iter().map(|d| char::from(b'0' + d)));
    }
    out
}

/// A number that is not an integer, as `number` shows it by default: two
/// decimals (`17.00`, `18.98`), so that numbers in one column line up;
/// a small fraction keeps three significant digits (`0.00123`).
pub fn float(value: f64, locale: Locale) -> String {
    // Beyond 15 digits a float's decimals are noise and its fixed-point
    // digits binary artefacts: its shortest exact digits instead.
    if value.is_finite() && value.abs() >= 1e15 {
        return decimal_text(&crate::value::float_text(value.round()), locale);
    }
    if value != 0.0 && value.abs() < 0.01 && value.is_finite() {
        let places = (-value.abs().log10().floor()) as usize + 2;
        return number(value, Some(places.min(MAX_DECIMALS)), locale);
    }
    number(value, Some(2), locale)
}

/// Formats an integer with grouping.
pub fn integer(value: i128, locale: Locale) -> String {
    group(&value.to_string(), separators(locale).0)
}

/// A short number for chart axes: `250`, `1.5k`, `300M`, `2B` (Indonesian:
/// `1,5rb`, `300jt`, `2M`).
pub fn compact(value: f64, locale: Locale) -> String {
    // Beyond a thousand trillion a word no longer helps: 1.8e308.
    if value.abs() >= 1e15 {
        let text = format!("{value:.1e}");
        return text.replace('.', &locale.words().decimal.to_string());
    }
    let [thousand, million, billion, trillion] = locale.words().compact;
    for (scale, word) in [(1e12, trillion), (1e9, billion), (1e6, million), (1e3, thousand)] {
        if value.abs() >= scale {
            return format!("{}{word}", number(value / scale, None, locale));
        }
    }
    number(value, None, locale)
}

/// Money: `USD 300 million` / `USD 300 juta`, or in full with `compact: false`
/// (`USD 300,000,000`). Indonesian rupiah is written `Rp`. `decimals` defaults
/// to as many as needed up to two when compact, and none in full.
pub fn money(value: f64, currency: &str, compact: bool, decimals: Option<usize>, locale: Locale) -> String {
    let symbol = currency_symbol(currency);
    let [million, billion, trillion] = locale.words().money;
    if compact {
        for (scale, word) in [(1e12, trillion), (1e9, billion), (1e6, million)] {
            if value.abs() >= scale {
                return format!("{symbol} {} {word}", number(value / scale, decimals, locale));
            }
        }
    }
    format!("{symbol} {}", number(value, Some(decimals.unwrap_or(0)), locale))
}

/// A fraction as a percentage: 0.255 → `25.5%` / `25,5%`.
pub fn percent(fraction: f64, decimals: usize, locale: Locale) -> String {
    format!("{}%", points(fraction, decimals, locale))
}

/// A fraction in percentage points, without the sign: 0.145 → `14.5`.
pub fn points(fraction: f64, decimals: usize, locale: Locale) -> String {
    if !fraction.is_finite() {
        return super::filters::MISSING.to_owned();
    }
    decimal_text(&fixed_shifted(fraction, 2, decimals.min(MAX_DECIMALS)), locale)
}

/// Money on a chart: compact from a million (`USD 1.25 million`), else
/// with the decimals it needs up to two (`USD 95.25`, `USD 0.15`), so that
/// small amounts do not all read `USD 0`.
pub fn money_label(value: f64, currency: &str, locale: Locale) -> String {
    if value.abs() >= 1e6 {
        return money(value, currency, true, None, locale);
    }
    format!("{} {}", currency_symbol(currency), number(value, None, locale))
}

/// How a currency is written before an amount: its code, Indonesian rupiah
/// as `Rp`.
pub fn currency_symbol(currency: &str) -> String {
    match currency.to_ascii_uppercase().as_str() {
        "IDR" | "RP" => "Rp".to_owned(),
        other => other.to_owned(),
    }
}

/// The change from `previous` to `current` with an arrow and a sign:
/// `▲ +3 (+25.0%)`, `▼ −2 (−10.0%)`, `= 0`. `text` formats the absolute
/// change; the percentage is left out when `previous` is 0.
pub fn delta(current: f64, previous: f64, text: &dyn Fn(f64) -> String, with_percent: bool, locale: Locale) -> String {
    let change = current - previous;
    // A change too small to write (0.1 + 0.2 against 0.3) is none.
    if change == 0.0 || text(change.abs()) == text(0.0) {
        return format!("= {}", text(0.0));
    }
    let (arrow, sign) = if change > 0.0 { ("▲", "+") } else { ("▼", "−") };
    let mut out = format!("{arrow} {sign}{}", text(change.abs()));
    if with_percent && previous != 0.0 {
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(" ({sign}{})", percent((change / previous).abs(), 1, locale)),
        );
    } else if with_percent {
        // A change from zero has no percentage.
        out.push_str(" (—)");
    }
    out
}

pub fn month_name(month: i8, locale: Locale) -> &'static str {
    locale.words().months[(month.clamp(1, 12) - 1) as usize]
}

/// Date styles for the `date` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// `23 April 2024`
    Long,
    /// `Tuesday, 23 April 2024` / `Selasa, 23 April 2024`
    Full,
    /// `April 2024`
    Month,
    /// `2024-04-23`
    Iso,
    /// `23 Apr 2024` / `23 Agu 2024`: for chart axes and narrow columns.
    Short,
    /// `Apr 2024` / `Agu 2024`: a month on a chart axis.
    ShortMonth,
    /// `Q2 2024` / `Tw II 2024`: the quarter a date falls in.
    Quarter,
    /// `2024`.
    Year,
}

impl DateStyle {
    pub fn parse(name: &str) -> Option<DateStyle> {
        Some(match name {
            "long" => DateStyle::Long,
            "full" => DateStyle::Full,
            "month" => DateStyle::Month,
            "iso" => DateStyle::Iso,
            "short" => DateStyle::Short,
            "short_month" => DateStyle::ShortMonth,
            "quarter" => DateStyle::Quarter,
            "year" => DateStyle::Year,
            _ => return None,
        })
    }
}

pub fn date(date: Date, style: DateStyle, locale: Locale) -> String {
    let month = month_name(date.month(), locale);
    match style {
        DateStyle::Iso => date.to_string(),
        DateStyle::Month => format!("{month} {}", date.year()),
        DateStyle::Long => format!("{} {month} {}", date.day(), date.year()),
        DateStyle::Short => {
            // Indonesian abbreviations are the first three letters too, with Agu(stus).
            let short: String = month.chars().take(3).collect();
            format!("{} {short} {}", date.day(), date.year())
        }
        DateStyle::ShortMonth => {
            let short: String = month.chars().take(3).collect();
            format!("{short} {}", date.year())
        }
        DateStyle::Quarter => {
            let quarter = (date.month() - 1) / 3;
            match locale {
                Locale::Id => format!("Tw {} {}", ["I", "II", "III", "IV"][quarter as usize], date.year()),
                Locale::En => format!("Q{} {}", quarter + 1, date.year()),
            }
        }
        DateStyle::Year => date.year().to_string(),
        DateStyle::Full => {
            let weekday = locale.words().weekdays[(date.weekday().to_monday_zero_offset()) as usize];
            format!("{weekday}, {} {month} {}", date.day(), date.year())
        }
    }
}

/// A period for people: `Q2 2024` / `Triwulan II 2024`, `May 2024` / `Mei 2024`.
pub fn period_name(period: &Period, locale: Locale) -> String {
    const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];
    let year = period.year();
    let index = period.index();
    match (period.kind(), locale) {
        (PeriodKind::Year, Locale::Id) => format!("Tahun {year}"),
        (PeriodKind::Year, Locale::En) => format!("{year}"),
        (PeriodKind::Half, Locale::Id) => format!("Semester {} {year}", ROMAN[(index - 1) as usize]),
        (PeriodKind::Half, Locale::En) => format!("H{index} {year}"),
        (PeriodKind::Quarter, Locale::Id) => format!("Triwulan {} {year}", ROMAN[(index - 1) as usize]),
        (PeriodKind::Quarter, Locale::En) => format!("Q{index} {year}"),
        (PeriodKind::Month, _) => format!("{} {year}", month_name(index, locale)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_round_away_from_zero_as_spreadsheets_show_them() {
        assert_eq!(number(2.5, Some(0), Locale::En), "3");
        assert_eq!(number(-2.5, Some(0), Locale::En), "-3");
        assert_eq!(number(0.125, Some(2), Locale::En), "0.13");
        assert_eq!(number(1.005, Some(2), Locale::En), "1.01");
        assert_eq!(number(9.995, Some(2), Locale::En), "10.00");
        assert_eq!(number(999.5, Some(0), Locale::Id), "1.000");
        assert_eq!(number(0.0049, Some(2), Locale::En), "0.00");
        assert_eq!(number(-0.004, Some(2), Locale::En), "0.00", "-0.00 reads as 0.00");
        assert_eq!(number(1e21, Some(1), Locale::En), "1,000,000,000,000,000,000,000.0");
        assert_eq!(number(1.0 / 3.0, Some(4), Locale::En), "0.3333");
        assert_eq!(number(12344.5, None, Locale::En), "12,344.5");
        assert_eq!(money(12344.5, "USD", false, None, Locale::En), "USD 12,345");
        assert_eq!(percent(0.125, 0, Locale::En), "13%");
        for (fraction, shown) in [(0.0515, "5.2%"), (0.0185, "1.9%"), (0.145, "14.5%"), (-0.0515, "-5.2%")] {
            assert_eq!(percent(fraction, 1, Locale::En), shown);
        }
        for (fraction, shown) in [(0.145, "15%"), (0.285, "29%"), (0.575, "58%"), (1.005, "101%"), (0.0, "0%")] {
            assert_eq!(percent(fraction, 0, Locale::En), shown);
        }
        assert_eq!(percent(12.5, 0, Locale::En), "1,250%");
        assert_eq!(percent(0.00004, 1, Locale::En), "0.0%");
        assert_eq!(money_label(0.145, "USD", Locale::En), "USD 0.15");
        assert_eq!(money_label(95.25, "IDR", Locale::Id), "Rp 95,25");
        assert_eq!(money_label(1_250_000.0, "USD", Locale::En), "USD 1.25 million");
    }

    #[test]
    fn numbers_follow_the_locale() {
        assert_eq!(number(1234567.8, None, Locale::En), "1,234,567.8");
        assert_eq!(number(1234567.8, None, Locale::Id), "1.234.567,8");
        assert_eq!(number(1234567.0, None, Locale::En), "1,234,567");
        assert_eq!(number(0.3333, None, Locale::En), "0.33");
        assert_eq!(number(2.5, Some(2), Locale::Id), "2,50");
        assert_eq!(number(-1234.0, Some(0), Locale::En), "-1,234");
        assert_eq!(number(-0.001, Some(2), Locale::En), "0.00");
        assert_eq!(integer(300000000, Locale::Id), "300.000.000");
        assert_eq!(integer(-999, Locale::En), "-999");
        assert_eq!(decimal_text("300000000.00", Locale::Id), "300.000.000,00");
    }

    #[test]
    fn money_is_compact_by_default() {
        assert_eq!(money(300_000_000.0, "USD", true, None, Locale::En), "USD 300 million");
        assert_eq!(money(300_000_000.0, "USD", true, None, Locale::Id), "USD 300 juta");
        assert_eq!(money(1_500_000_000.0, "IDR", true, None, Locale::Id), "Rp 1,5 miliar");
        assert_eq!(money(161_939_928.06, "USD", true, Some(1), Locale::En), "USD 161.9 million");
        assert_eq!(money(12_345.5, "USD", true, None, Locale::En), "USD 12,346");
        assert_eq!(money(161_939_928.06, "USD", false, None, Locale::Id), "USD 161.939.928");
        assert_eq!(money(161_939_928.06, "USD", false, Some(2), Locale::En), "USD 161,939,928.06");
    }

    #[test]
    fn compact_numbers_for_axes() {
        assert_eq!(compact(250.0, Locale::En), "250");
        assert_eq!(compact(1500.0, Locale::En), "1.5k");
        assert_eq!(compact(300e6, Locale::En), "300M");
        assert_eq!(compact(2.5e9, Locale::Id), "2,5M");
        assert_eq!(compact(1500.0, Locale::Id), "1,5rb");
        assert_eq!(compact(-2e6, Locale::En), "-2M");
        assert_eq!(compact(f64::MAX, Locale::En), "1.8e308");
        assert_eq!(compact(-2.5e15, Locale::Id), "-2,5e15");
    }

    #[test]
    fn deltas_have_an_arrow_and_a_sign() {
        let n = |v: f64| number(v, None, Locale::En);
        assert_eq!(delta(15.0, 12.0, &n, true, Locale::En), "▲ +3 (+25.0%)");
        assert_eq!(delta(18.0, 20.0, &n, true, Locale::En), "▼ −2 (−10.0%)");
        assert_eq!(delta(7.0, 7.0, &n, true, Locale::En), "= 0");
        assert_eq!(delta(3.0, 0.0, &n, true, Locale::En), "▲ +3 (—)", "no percentage of nothing: a dash");
        assert_eq!(delta(3.0, 0.0, &n, false, Locale::En), "▲ +3");
        let id = |v: f64| money(v, "USD", true, None, Locale::Id);
        assert_eq!(delta(300e6, 200e6, &id, true, Locale::Id), "▲ +USD 100 juta (+50,0%)");
    }

    #[test]
    fn percentages() {
        assert_eq!(percent(0.255, 1, Locale::En), "25.5%");
        assert_eq!(percent(0.255, 1, Locale::Id), "25,5%");
    }

    #[test]
    fn dates_and_periods() {
        let d = Date::constant(2024, 4, 23);
        assert_eq!(date(d, DateStyle::Long, Locale::En), "23 April 2024");
        assert_eq!(date(d, DateStyle::Full, Locale::Id), "Selasa, 23 April 2024");
        assert_eq!(date(d, DateStyle::Full, Locale::En), "Tuesday, 23 April 2024");
        assert_eq!(date(d, DateStyle::Month, Locale::Id), "April 2024");
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert_eq!(period_name(&p("2024-Q2"), Locale::Id), "Triwulan II 2024");
        assert_eq!(period_name(&p("2024-Q2"), Locale::En), "Q2 2024");
        assert_eq!(period_name(&p("2024-05"), Locale::Id), "Mei 2024");
        assert_eq!(period_name(&p("2024-H2"), Locale::Id), "Semester II 2024");
        assert_eq!(period_name(&p("2024"), Locale::Id), "Tahun 2024");
    }
}
