//! `kpi(value, label="Events", previous=…, trend=RESULT, y=COLUMN)`: a
//! headline figure as a tile: the number, its change against the previous
//! period (the `delta` filter's rules: arrow, sign, percentage) and a
//! sparkline of its trend. Tiles written next to each other sit in a row
//! that wraps on a phone. In `.md` output, one compact line per tile.
//!
//! The arrows say which way a figure moved, never whether that is good:
//! more arrests and more victims both point up, in the same colour.

use std::fmt::Write as _;

use minijinja::value::Kwargs;
use minijinja::{ErrorKind, State, Value};

use super::chart::ValueFormat;
use super::filters::{MISSING, locale_of, number_in};
use super::helper::{column_index, helper_output, query_result, writes_markdown};
use super::look;
use super::{format, markdown};
use crate::locale::Locale;

/// Options: `label` (required), `previous` (the value a period before),
/// `versus` (what `previous` is, default the period before's name),
/// `format` (`number`, `money`, `percent`), `currency`, `trend` (a query
/// result) with `y` (its column to draw, in the result's order: oldest
/// first), `suppress` (a threshold: small counts hidden, as in tables).
pub(super) fn kpi(state: &State<'_, '_>, value: Value, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let fail = |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, format!("kpi(): {message}"));
    let label: String = kwargs.get("label")?;
    let previous: Option<Value> = kwargs.get("previous")?;
    let versus: Option<String> = kwargs.get("versus")?;
    let format_name: Option<String> = kwargs.get("format")?;
    let currency: Option<String> = kwargs.get("currency")?;
    let trend: Option<Value> = kwargs.get("trend")?;
    let y: Option<String> = kwargs.get("y")?;
    let suppress: Option<Value> = kwargs.get("suppress")?;
    kwargs.assert_all_used()?;
    // `suppress=5`: a small count (above zero, below 5) shows as `< 5`, and
    // no change or point of the sparkline gives one away.
    let threshold = suppress.as_ref().map(look::threshold).transpose().map_err(|e| fail(format!("suppress: {e}")))?;
    let small = |v: Option<f64>| threshold.is_some_and(|t| v.is_some_and(|v| look::small(v, t)));
    let locale = locale_of(state);
    let format = ValueFormat::parse(format_name.as_deref(), currency).map_err(fail)?;
    let current = number_in("kpi", &value)?;
    let before = previous.as_ref().map(|p| number_in("kpi", p)).transpose()?.flatten();
    // Whole numbers are written exactly, however large (a float would
    // round past 2^53); other numbers at the report's precision.
    let exact = |v: &Value| (format == ValueFormat::Number).then(|| i128::try_from(v.clone()).ok()).flatten();
    let exact_now = exact(&value);
    let exact_before = previous.as_ref().and_then(exact);
    let shown = match (exact_now, current) {
        (Some(n), _) => format::integer(n, locale),
        (None, Some(v)) => headline(&format, v, locale),
        (None, None) => MISSING.to_owned(),
    };
    let hidden_now = small(current);
    let shown = match threshold {
        Some(t) if hidden_now => format!("< {t}"),
        _ => shown,
    };
    let hides_change = hidden_now || small(before);
    let change = match (exact_now.zip(exact_before), current, before, previous.is_some()) {
        _ if hides_change && previous.is_some() => Some(MISSING.to_owned()),
        (Some((now, then)), ..) => Some(exact_change(now, then, locale)),
        (None, Some(now), Some(then), _) => Some(change_text(&format, now, then, locale)),
        (.., true) => Some(MISSING.to_owned()),
        _ => None,
    };
    let versus = versus.or_else(|| {
        let period = state.lookup("period")?;
        let previous = period.get_attr("previous").ok()?;
        previous.get_attr("label").ok().and_then(|l| l.as_str().map(str::to_owned))
    });
    let versus = versus.unwrap_or_else(|| locale.words().helpers.previous.to_owned());
    let line = match (&trend, &y) {
        (Some(trend), Some(y)) => {
            let result = query_result(trend, "kpi")?;
            let column = column_index(result, y, "kpi")?;
            if !result.is_numeric(column) {
                return Err(fail(format!(
                    "y names `{y}`, which holds no numbers ({}): a sparkline draws numbers",
                    result.columns[column].type_name
                )));
            }
            let values: Vec<Option<f64>> =
                result.rows.iter().map(|row| row[column].as_f64().filter(|v| !small(Some(*v)))).collect();
            Some((values, y.clone()))
        }
        (Some(_), None) => return Err(fail("trend needs y, the column to draw".into())),
        (None, Some(_)) => return Err(fail("y names the column of trend=…: give trend too".into())),
        (None, None) => None,
    };
    if let Some(pass) = writes_markdown(state).filter(|p| *p == markdown::Pass::File) {
        let mut out = format!("**{}:** {}", markdown::escaped_for(&label, pass), markdown::escaped_for(&shown, pass));
        if let Some(change) = &change {
            let _ = write!(
                out,
                " ({} {})",
                markdown::escaped_for(change, pass),
                markdown::escaped_for(&format!("{} {versus}", locale.words().helpers.versus), pass)
            );
        }
        // A hard line break: tiles on consecutive lines stay on their own.
        out.push_str("  ");
        return Ok(Value::from_safe_string(out));
    }
    let mut out = String::from("<span class=\"kpi\"><span class=\"kpi-label\">");
    markdown::escape_html(&label, &mut out);
    out.push_str("</span><span class=\"kpi-value\">");
    markdown::escape_html(&shown, &mut out);
    out.push_str("</span>");
    if let Some(change) = &change {
        let direction = match (current, before) {
            (Some(now), Some(then)) if now > then => "up",
            (Some(now), Some(then)) if now < then => "down",
            _ => "flat",
        };
        let _ = write!(out, "<span class=\"kpi-change {direction}\">");
        markdown::escape_html(change, &mut out);
        out.push(' ');
        markdown::escape_html(&format!("{} {versus}", locale.words().helpers.versus), &mut out);
        out.push_str("</span>");
    }
    if let Some((values, y)) = line {
        out.push_str(&sparkline(&values, &format!("{label}: {y}"), &format, locale));
    }
    out.push_str("</span>");
    Ok(helper_output(state, out))
}

/// The big number: compact money, a percentage with one decimal, a number
/// as it is.
fn headline(format: &ValueFormat, value: f64, locale: Locale) -> String {
    match format {
        ValueFormat::Money(currency) => format::money(value, currency, true, None, locale),
        ValueFormat::Percent => format::percent(value, 1, locale),
        ValueFormat::Number => format::number(value, None, locale),
    }
}

/// The change, as the `delta` filter writes it.
fn change_text(format: &ValueFormat, now: f64, then: f64, locale: Locale) -> String {
    match format {
        ValueFormat::Percent => {
            let words = locale.words().points;
            format::delta(now, then, &|v| format!("{} {words}", format::points(v, 1, locale)), false, locale)
        }
        other => format::delta(now, then, &|v| headline(other, v, locale), true, locale),
    }
}

/// The change between two whole numbers, as the `delta` filter writes it,
/// its digits exact.
fn exact_change(now: i128, then: i128, locale: Locale) -> String {
    let Some(change) = now.checked_sub(then) else {
        return format::delta(now as f64, then as f64, &|v| format::number(v, None, locale), true, locale);
    };
    if change == 0 {
        return "= 0".to_owned();
    }
    let (arrow, sign) = if change > 0 { ("▲", "+") } else { ("▼", "−") };
    let mut out = format!("{arrow} {sign}{}", format::integer(change.unsigned_abs() as i128, locale));
    if then != 0 {
        let _ = write!(out, " ({sign}{})", format::percent((change as f64 / then as f64).abs(), 1, locale));
    } else {
        out.push_str(" (—)");
    }
    out
}

/// A small line of `values` (in order; NULLs leave a gap), its last point
/// marked, with a sentence for screen readers.
fn sparkline(values: &[Option<f64>], what: &str, format: &ValueFormat, locale: Locale) -> String {
    let known: Vec<(usize, f64)> =
        values.iter().enumerate().filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v))).collect();
    let (Some(first), Some(last)) = (known.first(), known.last()) else { return String::new() };
    let (width, height, pad) = (120.0, 30.0, 3.0);
    let low = known.iter().map(|(_, v)| *v).fold(f64::INFINITY, f64::min);
    let high = known.iter().map(|(_, v)| *v).fold(f64::NEG_INFINITY, f64::max);
    let span = if high > low { high - low } else { 1.0 };
    let steps = (values.len().max(2) - 1) as f64;
    let at = |i: usize, v: f64| {
        let x = pad + (width - 2.0 * pad) * i as f64 / steps;
        let y = if high > low { height - pad - (height - 2.0 * pad) * (v - low) / span } else { height / 2.0 };
        (x, y)
    };
    let mut description = String::new();
    let _ = write!(
        description,
        "{what}, {} values, from {} to {}",
        values.len(),
        format.text(first.1, locale),
        format.text(last.1, locale)
    );
    let mut out = format!(
        "<svg class=\"sparkline\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\""
    );
    markdown::escape_html(&description, &mut out);
    out.push_str("\"><path fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" d=\"");
    let mut previous: Option<usize> = None;
    for &(i, v) in &known {
        let (x, y) = at(i, v);
        let command = if previous == Some(i.wrapping_sub(1)) { 'L' } else { 'M' };
        let _ = write!(out, "{command}{x:.1},{y:.1}");
        previous = Some(i);
    }
    let (x, y) = at(last.0, last.1);
    let _ = write!(out, "\"/><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"currentColor\"/></svg>");
    out
}
