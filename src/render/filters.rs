//! The formatting filters: `number`, `money`, `percent`, `date`, `delta`
//! and `link`.
//!
//! Every filter makes a missing value read well by itself: a NULL (an
//! empty period's sum), NaN or infinity (a ratio over zero) prints as
//! [`MISSING`], never as an empty string, `NaN` or `inf`. A name that does
//! not exist is an error (strict undefined), as everywhere in a template.
//! Options may be given by position or by name (`number(1)`,
//! `number(decimals=1)`). Filters return plain text; the output's escaping
//! (Markdown or HTML) applies to it like to any value.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, ErrorKind, State, Value};

use super::helper::writes_markdown;
use super::{format, markdown};
use crate::locale::Locale;
use crate::params::{date_from_days, parse_date};

/// What a missing value reads as.
pub const MISSING: &str = "—";

pub fn register(env: &mut Environment<'static>) {
    super::strict::add_filter(env, "number", number);
    super::strict::add_filter(env, "money", money);
    super::strict::add_filter(env, "percent", percent);
    super::strict::add_filter(env, "date", date);
    super::strict::add_filter(env, "delta", delta);
    super::strict::add_filter(env, "link", link);
}

/// The report's locale (its `locale` variable, set by laporan).
pub fn locale_of(state: &State<'_, '_>) -> Locale {
    state.lookup("locale").and_then(|v| v.as_str().and_then(|tag| tag.parse().ok())).unwrap_or_default()
}

fn invalid(message: String) -> minijinja::Error {
    minijinja::Error::new(ErrorKind::InvalidOperation, message)
}

fn expected(filter: &str, value: &Value, what: &str) -> minijinja::Error {
    invalid(format!("{filter}: expected {what}, got {value:?}"))
}

/// The number in `value`, or `None` when there is none to show (NULL, NaN,
/// infinity). Undefined is an error; so is a value that is not a number.
pub(super) fn number_in(filter: &str, value: &Value) -> Result<Option<f64>, minijinja::Error> {
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    if value.is_none() {
        return Ok(None);
    }
    let number = match value.kind() {
        ValueKind::Number => f64::try_from(value.clone()).ok(),
        ValueKind::String => value.as_str().and_then(|s| s.trim().parse().ok()),
        _ => None,
    }
    .ok_or_else(|| expected(filter, value, "a number"))?;
    Ok(number.is_finite().then_some(number))
}

/// An option given by position or by name; not both.
fn option<T>(filter: &str, name: &str, positional: Option<T>, kwargs: &Kwargs) -> Result<Option<T>, minijinja::Error>
where
    T: for<'a> minijinja::value::ArgType<'a, Output = T>,
{
    let named: Option<T> = kwargs.get(name)?;
    match (positional, named) {
        (Some(_), Some(_)) => Err(invalid(format!("{filter}: {name} is given twice, by position and by name"))),
        (positional, named) => Ok(positional.or(named)),
    }
}

/// A `decimals` option: at most [`format::MAX_DECIMALS`].
fn decimals(filter: &str, positional: Option<usize>, kwargs: &Kwargs) -> Result<Option<usize>, minijinja::Error> {
    match option(filter, "decimals", positional, kwargs)? {
        Some(d) if d > format::MAX_DECIMALS => {
            Err(invalid(format!("{filter}: {d} decimals is more than the {} a number can show", format::MAX_DECIMALS)))
        }
        other => Ok(other),
    }
}

/// `{{ x | number }}`, `{{ x | number(1) }}`: grouped digits in the
/// report's locale. Integers show no decimals; other numbers show two
/// (see [`format::float`]), so that a column reads the same down the page.
fn number(
    state: &State<'_, '_>,
    value: Value,
    places: Option<usize>,
    kwargs: Kwargs,
) -> Result<String, minijinja::Error> {
    let places = decimals("number", places, &kwargs)?;
    kwargs.assert_all_used()?;
    let locale = locale_of(state);
    if places.is_none()
        && value.is_integer()
        && let Ok(i) = i128::try_from(value.clone())
    {
        return Ok(format::integer(i, locale));
    }
    Ok(match number_in("number", &value)? {
        None => MISSING.to_owned(),
        Some(n) => match places {
            Some(places) => format::number(n, Some(places), locale),
            None => format::float(n, locale),
        },
    })
}

/// `{{ x | money }}` → `USD 300 million`; `money("IDR")`, `money(compact=false)`,
/// `money(decimals=2)`.
fn money(
    state: &State<'_, '_>,
    value: Value,
    currency: Option<String>,
    kwargs: Kwargs,
) -> Result<String, minijinja::Error> {
    let currency = option("money", "currency", currency, &kwargs)?;
    let compact: Option<bool> = kwargs.get("compact")?;
    let places = decimals("money", None, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(match number_in("money", &value)? {
        None => MISSING.to_owned(),
        Some(amount) => format::money(
            amount,
            currency.as_deref().unwrap_or("USD"),
            compact.unwrap_or(true),
            places,
            locale_of(state),
        ),
    })
}

/// `{{ share | percent }}`: a fraction (0.25) as `25.0%`.
fn percent(
    state: &State<'_, '_>,
    value: Value,
    places: Option<usize>,
    kwargs: Kwargs,
) -> Result<String, minijinja::Error> {
    let places = decimals("percent", places, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(match number_in("percent", &value)? {
        None => MISSING.to_owned(),
        Some(fraction) => format::percent(fraction, places.unwrap_or(1), locale_of(state)),
    })
}

/// `{{ now.events | delta(before.events) }}` → `▲ +3 (+25.0%)`. Options:
/// `format` (`number`, `money`, `percent` for fractions, whose change is
/// shown in points), `currency`, `percent=false` to leave the percentage
/// out. No value on either side gives [`MISSING`]; a change from zero has
/// no percentage, and shows [`MISSING`] in its place.
fn delta(state: &State<'_, '_>, value: Value, previous: Value, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let format_name: Option<String> = kwargs.get("format")?;
    let currency: Option<String> = kwargs.get("currency")?;
    let with_percent: Option<bool> = kwargs.get("percent")?;
    kwargs.assert_all_used()?;
    let locale = locale_of(state);
    let format_name = format_name.unwrap_or_else(|| "number".to_owned());
    let text: Box<dyn Fn(f64) -> String> = match format_name.as_str() {
        "number" => Box::new(|v| format::number(v, None, locale)),
        "money" => {
            let currency = currency.unwrap_or_else(|| "USD".to_owned());
            Box::new(move |v| format::money(v, &currency, true, None, locale))
        }
        "percent" => Box::new(|v| {
            let points = format::points(v, 1, locale);
            format!("{points} {}", locale.words().points)
        }),
        other => return Err(invalid(format!("delta: unknown format '{other}' (use number, money or percent)"))),
    };
    let current = number_in("delta", &value)?;
    let before = number_in("delta", &previous)?;
    let (Some(current), Some(before)) = (current, before) else { return Ok(MISSING.to_owned()) };
    let with_percent = with_percent.unwrap_or(format_name != "percent");
    Ok(format::delta(current, before, &*text, with_percent, locale_of(state)))
}

/// `{{ url | link }}`, `{{ url | link(text) }}`: a link, only for `http` and
/// `https` addresses; anything else (`javascript:`, `data:`, a relative
/// path) stays plain text. Markdown link syntax in `.md.j2`, an `<a>` in
/// `.html.j2`; text and address are escaped either way.
fn link(state: &State<'_, '_>, value: Value, text: Option<String>, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let text = option("link", "text", text, &kwargs)?;
    kwargs.assert_all_used()?;
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    if value.is_none() {
        return Ok(Value::from(MISSING));
    }
    let url = value.to_string();
    let url = url.trim();
    let label = text.unwrap_or_else(|| url.to_owned());
    let lower = url.to_ascii_lowercase();
    let allowed = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'));
    let out = match (allowed, writes_markdown(state)) {
        (true, Some(pass)) => format!("[{}](<{}>)", markdown::escaped_for(&label, pass), url.replace('\\', "%5C")),
        (true, None) => format!("<a href=\"{}\">{}</a>", markdown::html_escaped(url), markdown::html_escaped(&label)),
        (false, Some(pass)) => markdown::escaped_for(&label, pass),
        (false, None) => markdown::html_escaped(&label),
    };
    Ok(Value::from_safe_string(out))
}

/// `{{ d | date }}` → `23 April 2024`; styles `long`, `full`, `month`,
/// `short`, `iso`.
fn date(
    state: &State<'_, '_>,
    value: Value,
    style: Option<String>,
    kwargs: Kwargs,
) -> Result<String, minijinja::Error> {
    let style = option("date", "style", style, &kwargs)?;
    kwargs.assert_all_used()?;
    let style_name = style.as_deref().unwrap_or("long");
    let style = format::DateStyle::parse(style_name).ok_or_else(|| {
        invalid(format!(
            "date: unknown style '{style_name}' (use long, full, month, short, short_month, quarter, year or iso)"
        ))
    })?;
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    if value.is_none() {
        return Ok(MISSING.to_owned());
    }
    let date = match value.as_str() {
        Some(text) => text.get(..10).and_then(parse_date),
        None => value.as_i64().and_then(|days| i32::try_from(days).ok()).and_then(date_from_days),
    }
    .ok_or_else(|| expected("date", &value, "a date such as 2024-04-23"))?;
    Ok(format::date(date, style, locale_of(state)))
}
