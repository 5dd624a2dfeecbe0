//! `table()`: a query result as a Markdown or HTML table, and how one
//! cell is written (by the locale and the filters' rules).

use minijinja::value::Kwargs;
use minijinja::{ErrorKind, State, Value};

use super::filters::{self, locale_of};
use super::helper::{
    check_labels, column_index, helper_output, is_html, label_of, no_data, query_result, record_suppression,
};
use super::look::{self, Hidden, Look, Rule, SCALES};
use super::{format, markdown};
use crate::locale::Locale;
use crate::params::{format_decimal, parse_date};
use crate::value::{Cell, QueryResult};

/// `{{ table(result) }}`: the result as a table: Markdown in `.md` output,
/// HTML (numbers right-aligned) in `.html` output. `columns=[…]` picks and
/// orders columns; `labels={…}` renames headers; `totals=[…]` adds a totals
/// row; `color`, `bars`, `negative`, `highlight` and `suppress` set its
/// look (see [`super::look`]).
pub(super) fn table(state: &State<'_, '_>, result: Value, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let columns: Option<Vec<String>> = kwargs.get("columns")?;
    let labels: Option<Value> = kwargs.get("labels")?;
    let totals: Option<Vec<String>> = kwargs.get("totals")?;
    let look = read_look(&kwargs, &result)?;
    kwargs.assert_all_used()?;
    let result = query_result(&result, "table")?;
    let indices: Vec<usize> = match columns {
        None => (0..result.columns.len()).collect(),
        Some(names) => names.iter().map(|n| column_index(result, n, "table")).collect::<Result<_, _>>()?,
    };
    check_labels(result, labels.as_ref(), "table")?;
    // Checked before anything is shown, so that an empty period finds a
    // mistake as a full one does.
    let summed: Option<Vec<usize>> = match &totals {
        None => None,
        Some(names) => Some(
            names
                .iter()
                .map(|n| {
                    let i = column_index(result, n, "table")?;
                    if !indices.contains(&i) {
                        return Err(minijinja::Error::new(
                            ErrorKind::InvalidOperation,
                            format!("table(): totals names `{n}`, which is not among the columns shown"),
                        ));
                    }
                    Ok(i)
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let locale = locale_of(state);
    let html = is_html(state);
    if result.rows.is_empty() {
        return Ok(helper_output(state, no_data(locale, html)));
    }
    let (hidden, hidden_totals) = look.suppressed(result, summed.as_deref().unwrap_or_default());
    record_suppression(state, result, &look.suppress);
    let mut markup = styled_markup(result, &indices, labels.as_ref(), locale, html, &look, &hidden);
    if let Some(summed) = summed {
        let label = locale.words().ui.total;
        let row: Vec<Option<String>> = indices
            .iter()
            .enumerate()
            .map(|(position, &i)| {
                if hidden_totals.contains(&i) {
                    Some(HIDDEN_TOTAL.to_owned())
                } else if summed.contains(&i) {
                    Some(total_of(result, i, locale))
                } else if position == 0 {
                    Some(label.to_owned())
                } else {
                    None
                }
            })
            .collect();
        markup = with_total_row(markup, result, &indices, &row, html);
    }
    if !hidden.is_empty() {
        markup.push_str(&suppression_note(&look, !hidden_totals.is_empty(), locale, html));
    }
    Ok(helper_output(state, markup))
}

/// What a total that would reveal small counts shows.
pub(super) const HIDDEN_TOTAL: &str = "×";

/// The note under a table or chart that hides small counts: the
/// thresholds, and the totals hidden if any.
pub(super) fn suppression_note(look: &Look, hidden_totals: bool, locale: Locale, html: bool) -> String {
    let mut thresholds: Vec<i64> = look.suppress.iter().map(|(_, t)| *t).collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let listed: Vec<String> = thresholds.iter().map(i64::to_string).collect();
    let words = &locale.words().helpers;
    let mut text = words.suppressed.replace("{n}", &listed.join(", "));
    if hidden_totals {
        text.push(' ');
        text.push_str(&words.total_hidden.replace("{mark}", HIDDEN_TOTAL));
    }
    if html {
        format!("<p class=\"table-note\">{}</p>\n", markdown::html_escaped(&text))
    } else {
        format!("\n*{}*\n", markdown::escaped(&text))
    }
}

/// Reads `color`, `bars`, `negative`, `highlight` and `suppress` (the
/// latter also taken by charts) against `result`'s columns.
pub(super) fn read_look(kwargs: &Kwargs, result: &Value) -> Result<Look, minijinja::Error> {
    let fail = |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, format!("table(): {message}"));
    let colour: Option<Value> = kwargs.get("color")?;
    let bars: Option<Vec<String>> = kwargs.get("bars")?;
    let negative: Option<String> = kwargs.get("negative")?;
    let highlight: Option<Value> = kwargs.get("highlight")?;
    let suppress: Option<Value> = read_suppress(kwargs)?;
    let mut look = Look::default();
    if colour.is_none() && bars.is_none() && negative.is_none() && highlight.is_none() && suppress.is_none() {
        return Ok(look);
    }
    let result = query_result(result, "table")?;
    let number_column = |name: &str, option: &str| -> Result<usize, minijinja::Error> {
        let i = column_index(result, name, "table")?;
        if !result.is_numeric(i) {
            return Err(fail(format!(
                "{option} names `{name}`, which holds no numbers ({})",
                result.columns[i].type_name
            )));
        }
        Ok(i)
    };
    for (name, value) in map_entries(colour.as_ref(), "color")? {
        let scale = value
            .as_str()
            .and_then(|s| SCALES.iter().find(|k| **k == s))
            .ok_or_else(|| fail(format!("color: '{value}' is not a colour scale; use one of {}", SCALES.join(", "))))?;
        look.colours.push((number_column(&name, "color")?, scale));
    }
    for name in bars.unwrap_or_default() {
        look.bars.push(number_column(&name, "bars")?);
    }
    match negative.as_deref() {
        None => {}
        Some("red") => look.negative_red = true,
        Some(other) => return Err(fail(format!("negative='{other}': the one style is \"red\""))),
    }
    for (name, value) in map_entries(highlight.as_ref(), "highlight")? {
        let rule = Rule::parse(&value).map_err(fail)?;
        look.highlight.push((column_index(result, &name, "table")?, rule));
    }
    look.suppress = suppress_columns(suppress.as_ref(), result, "table")?;
    Ok(look)
}

/// `suppress={…}`, as given.
pub(super) fn read_suppress(kwargs: &Kwargs) -> Result<Option<Value>, minijinja::Error> {
    kwargs.get("suppress")
}

/// `suppress={"col": 5}`: each column holds numbers, each threshold is a
/// whole number from 2.
pub(super) fn suppress_columns(
    suppress: Option<&Value>,
    result: &QueryResult,
    function: &str,
) -> Result<Vec<(usize, i64)>, minijinja::Error> {
    let fail = |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, format!("{function}(): {message}"));
    let mut columns = Vec::new();
    for (name, value) in map_entries(suppress, "suppress")? {
        let i = column_index(result, &name, function)?;
        if !result.is_numeric(i) {
            return Err(fail(format!("suppress names `{name}`, which holds no numbers")));
        }
        let threshold = look::threshold(&value).map_err(|e| fail(format!("suppress: `{name}`: {e}")))?;
        columns.push((i, threshold));
    }
    Ok(columns)
}

/// The entries of an option that maps column names to settings.
fn map_entries(value: Option<&Value>, option: &str) -> Result<Vec<(String, Value)>, minijinja::Error> {
    let Some(value) = value else { return Ok(Vec::new()) };
    if value.kind() != minijinja::value::ValueKind::Map {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{option} maps column names to settings, such as {option}={{\"cases\": …}}, not {}", value.kind()),
        ));
    }
    let mut entries = Vec::new();
    for key in value.try_iter()? {
        let item = value.get_item(&key)?;
        entries.push((key.to_string(), item));
    }
    Ok(entries)
}

/// The sum of a numeric column (NULLs skipped), as shown: exact for
/// integers and decimals of any size (see [`crate::value::exact_sum`]),
/// as a float when the column holds floats.
pub(super) fn total_of(result: &QueryResult, column: usize, locale: Locale) -> String {
    if result.rows.iter().all(|row| row[column].is_null()) {
        return filters::MISSING.to_owned();
    }
    match crate::value::exact_sum(result.rows.iter().map(|row| &row[column])) {
        Ok(text) => format::decimal_text(&text, locale),
        Err(float) => cell_text(&Cell::Float(float), "DOUBLE", locale),
    }
}

/// Adds a total row (`None` cells empty) to a table made by [`table_markup`].
pub(super) fn with_total_row(
    mut markup: String,
    result: &QueryResult,
    indices: &[usize],
    row: &[Option<String>],
    html: bool,
) -> String {
    let text = |cell: &Option<String>| cell.clone().unwrap_or_default();
    if html {
        let mut total = String::from("<tfoot><tr class=\"total\">");
        for (&i, cell) in indices.iter().zip(row) {
            total.push_str(if result.is_numeric(i) { "<td class=\"num\">" } else { "<td>" });
            total.push_str(&markdown::html_escaped(&text(cell)));
            total.push_str("</td>");
        }
        total.push_str("</tr></tfoot>\n</table>\n");
        if let Some(at) = markup.rfind("</table>\n") {
            markup.truncate(at);
            markup.push_str(&total);
        }
    } else {
        markup.push('|');
        for cell in row {
            let value = text(cell);
            if value.is_empty() {
                markup.push_str("  |");
            } else {
                markup.push_str(&format!(" **{}** |", markdown::escaped(&value)));
            }
        }
        markup.push('\n');
    }
    markup
}

/// Cells longer than this many characters are folded in HTML tables.
pub(super) const LONG_CELL: usize = 1000;
/// How much of a folded cell shows.
pub(super) const LONG_CELL_SHOWN: usize = 200;

/// The columns `indices` of `result` as an HTML or a Markdown table.
pub(super) fn table_markup(
    result: &QueryResult,
    indices: &[usize],
    labels: Option<&Value>,
    locale: Locale,
    html: bool,
    percent: &[usize],
) -> String {
    let plain = Look { percent: percent.to_vec(), ..Look::default() };
    styled_markup(result, indices, labels, locale, html, &plain, &[])
}

/// [`table_markup`] with a look, and with the `hidden` cells (row,
/// column) written as what hides them.
pub(super) fn styled_markup(
    result: &QueryResult,
    indices: &[usize],
    labels: Option<&Value>,
    locale: Locale,
    html: bool,
    look: &Look,
    hidden: &[(usize, usize, Hidden)],
) -> String {
    // Each hidden cell, looked up once per cell shown.
    let hidden_at: std::collections::HashMap<(usize, usize), Hidden> =
        hidden.iter().map(|(r, c, h)| ((*r, *c), *h)).collect();
    // Fractions a chart shows as percentages are percentages here too.
    let cell_text = |r: usize, i: usize| {
        let cell = &result.rows[r][i];
        if let Some(Hidden(threshold)) = hidden_at.get(&(r, i)) {
            return format!("< {threshold}");
        }
        match cell.as_f64() {
            Some(fraction) if look.percent.contains(&i) && fraction.is_finite() => format::percent(fraction, 1, locale),
            _ => cell_text(cell, &result.columns[i].type_name, locale),
        }
    };
    let is_hidden = |r: usize, i: usize| hidden_at.contains_key(&(r, i));
    let stats = look.stats(result, hidden);
    let header = |i: usize| label_of(labels, &result.columns[i].name);
    let numeric: Vec<bool> = indices.iter().map(|&i| result.is_numeric(i)).collect();
    let mut out = String::new();
    if html {
        // Focusable: on a phone a wide table scrolls, by keyboard too.
        out.push_str("<table tabindex=\"0\">\n<thead><tr>");
        for (&i, &num) in indices.iter().zip(&numeric) {
            out.push_str(if num { "<th class=\"num\">" } else { "<th>" });
            markdown::escape_html(&header(i), &mut out);
            out.push_str("</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        // Dates and times do not break across lines.
        let dated: Vec<bool> = indices
            .iter()
            .map(|&i| ["DATE", "TIME", "TIMESTAMP"].iter().any(|t| result.columns[i].type_name.starts_with(t)))
            .collect();
        for r in 0..result.rows.len() {
            out.push_str("<tr>");
            for ((&i, &num), &date) in indices.iter().zip(&numeric).zip(&dated) {
                let text = cell_text(r, i);
                let mut classes: Vec<String> = Vec::new();
                if num {
                    classes.push("num".into());
                } else if date {
                    classes.push("date".into());
                }
                // A hidden value gives away nothing: no colour, no bar.
                let shown = !is_hidden(r, i);
                if shown && let Some(class) = look.colour_class(result, &stats, r, i) {
                    classes.push(class);
                }
                if shown && look.negative(result, r, i) {
                    classes.push("neg".into());
                }
                if look.bars.contains(&i) {
                    classes.push("has-bar".into());
                }
                let marked = shown && look.highlighted(result, &stats, r, i, &text);
                if marked {
                    classes.push("hl".into());
                }
                if classes.is_empty() {
                    out.push_str("<td>");
                } else {
                    out.push_str(&format!("<td class=\"{}\">", classes.join(" ")));
                }
                // A blank line would end the HTML block inside the Markdown.
                let lines =
                    |text: &str| markdown::html_escaped(text).replace("\r\n", "<br>").replace(['\n', '\r'], "<br>");
                if marked {
                    out.push_str("<strong>");
                }
                if text.chars().count() > LONG_CELL {
                    // A very long value stays readable: its start, and the rest on demand.
                    let start: String = text.chars().take(LONG_CELL_SHOWN).collect();
                    let more = text.chars().count() - LONG_CELL_SHOWN;
                    out.push_str(&format!(
                        "<details><summary>{}… ({more} more characters)</summary>{}</details>",
                        lines(&start),
                        lines(&text)
                    ));
                } else {
                    out.push_str(&lines(&text));
                }
                if marked {
                    out.push_str("</strong>");
                }
                // A bar under the number, its length the value's share of
                // the column's largest (below zero: the negative colour).
                if let Some(length) = look.bar(result, &stats, r, i).filter(|_| shown) {
                    let negative = result.rows[r][i].as_f64().is_some_and(|v| v < 0.0);
                    out.push_str(&format!(
                        "<span class=\"cell-bar{}\" style=\"width: {length:.1}%\"></span>",
                        if negative { " below" } else { "" }
                    ));
                }
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    } else {
        out.push('|');
        for &i in indices {
            out.push(' ');
            out.push_str(&markdown::escaped(&header(i)));
            out.push_str(" |");
        }
        out.push_str("\n|");
        for &num in &numeric {
            out.push_str(if num { " ---: |" } else { " --- |" });
        }
        out.push('\n');
        for r in 0..result.rows.len() {
            out.push('|');
            for &i in indices {
                let text = cell_text(r, i);
                out.push(' ');
                if !is_hidden(r, i) && look.highlighted(result, &stats, r, i, &text) {
                    out.push_str(&format!("**{}**", markdown::escaped(&text)));
                } else {
                    out.push_str(&markdown::escaped(&text));
                }
                out.push_str(" |");
            }
            out.push('\n');
        }
    }
    out
}

/// A cell as a table shows it, by the filters' rules: integers and
/// decimals with every digit, grouped in the locale; floats as `number`
/// shows them; a DATE column's dates as `date` does; a missing value
/// (NULL, NaN, infinity) as [`filters::MISSING`].
pub(super) fn cell_text(cell: &Cell, column_type: &str, locale: Locale) -> String {
    match cell {
        Cell::Null => filters::MISSING.to_owned(),
        Cell::Int(i) => format::integer(*i, locale),
        Cell::Decimal { unscaled, scale } => format::decimal_text(&format_decimal(*unscaled, *scale), locale),
        Cell::Float(f) => format::float(*f, locale),
        Cell::BigUnsigned(u) => format::decimal_text(&u.to_string(), locale),
        Cell::Text(text) if column_type == "DATE" => match parse_date(text) {
            Some(date) => format::date(date, format::DateStyle::Long, locale),
            None => text.clone(),
        },
        // A timestamp: its date as `date` writes it, and its time (with its
        // zone, if it has one) unless it is midnight.
        Cell::Text(text) if column_type.starts_with("TIMESTAMP") => match text.get(..10).and_then(parse_date) {
            Some(date) => {
                let day = format::date(date, format::DateStyle::Long, locale);
                let time = text.get(11..).unwrap_or_default();
                if time.trim_start_matches(['0', ':', '.', '+']).is_empty() { day } else { format!("{day} {time}") }
            }
            None => text.clone(),
        },
        Cell::Bool(yes) => locale.words().yes_no[usize::from(!*yes)].to_owned(),
        other => other.to_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Column;

    #[test]
    fn totals_are_exact() {
        let column = |name: &str, ty: &str| Column { name: name.into(), type_name: ty.into() };
        let result = QueryResult::new(
            "q".into(),
            vec![column("n", "BIGINT"), column("usd", "DECIMAL(18,2)"), column("x", "DOUBLE")],
            vec![
                vec![Cell::Int(i128::from(i64::MAX)), Cell::Decimal { unscaled: 10, scale: 2 }, Cell::Float(0.5)],
                vec![Cell::Int(1), Cell::Decimal { unscaled: 29_999_999_990, scale: 2 }, Cell::Null],
                vec![Cell::Null, Cell::Null, Cell::Float(0.25)],
            ],
        );
        assert_eq!(total_of(&result, 0, Locale::En), "9,223,372,036,854,775,808", "no overflow");
        assert_eq!(total_of(&result, 1, Locale::En), "300,000,000.00", "300,000,000.00 exactly");
        assert_eq!(total_of(&result, 2, Locale::En), "0.75");
    }
}
