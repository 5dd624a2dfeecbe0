//! `bar(…)` and `line(…)`: a query result as a chart.
//!
//! The options are read and checked here, the rows put in order
//! (`sort=`), dates on the x axis labelled at the grain the data has
//! (years, quarters, months or days, or `x_format=`), and the drawing left
//! to [`super::chart`]. In `.html` output the chart is inline SVG with the
//! data in a table under it; in `.md` output, the title and the table. A
//! result with no values draws no axes: "No data." stands in its place.

use minijinja::value::Kwargs;
use minijinja::{ErrorKind, State, Value};

use super::chart::{self, MAX_SERIES};
use super::filters::locale_of;
use super::helper::{
    check_labels, column_index, empty_figure, figure, helper_output, is_html, label_of, query_result,
    record_suppression, scrolling,
};
use super::look::{Look, is_small};
use super::table::{cell_text, read_suppress, styled_markup, suppress_columns, suppression_note};
use super::{format, markdown};
use crate::locale::Locale;
use crate::params::parse_date;
use crate::value::{Cell, QueryResult};

/// `{{ bar(result, x="event", y="countries") }}` and
/// `{{ line(result, x="quarter", y=["events", "countries"]) }}`. Options:
/// `title`, `horizontal` and `stacked` (bars), `format` or `y_format`
/// (`number`, `money`, `percent`), `currency`, `x_format` (for dates:
/// `year`, `quarter`, `month`, `date`, `long`, `iso`), `sort` (a column,
/// `-column` for descending), `labels={…}`, `x_label`, `y_label`,
/// `description`.
pub fn chart_function(
    line: bool,
) -> impl Fn(&State<'_, '_>, Value, Kwargs) -> Result<Value, minijinja::Error> + Send + Sync + 'static {
    move |state, result, kwargs| {
        let function = if line { "line" } else { "bar" };
        let fail =
            |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, format!("{function}(): {message}"));
        let result = query_result(&result, function)?;
        let data = result;
        let x: String = kwargs.get("x")?;
        let y: Value = kwargs.get("y")?;
        let title: Option<String> = kwargs.get("title")?;
        let labels: Option<Value> = kwargs.get("labels")?;
        let x_label: Option<String> = kwargs.get("x_label")?;
        let y_label: Option<String> = kwargs.get("y_label")?;
        let description: Option<String> = kwargs.get("description")?;
        let format_name: Option<String> = kwargs.get("format")?;
        let y_format: Option<String> = kwargs.get("y_format")?;
        let x_format: Option<String> = kwargs.get("x_format")?;
        let currency: Option<String> = kwargs.get("currency")?;
        let sort: Option<String> = kwargs.get("sort")?;
        let suppress: Option<Value> = read_suppress(&kwargs)?;
        let (horizontal, stacked) = if line {
            (false, false)
        } else {
            (
                kwargs.get::<Option<bool>>("horizontal")?.unwrap_or(false),
                kwargs.get::<Option<bool>>("stacked")?.unwrap_or(false),
            )
        };
        kwargs.assert_all_used()?;
        let y_names: Vec<String> = match y.as_str() {
            Some(name) => vec![name.to_owned()],
            None => y
                .try_iter()
                .map_err(|_| fail("y is a column name or a list of them".into()))?
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| fail("y is a column name or a list of them".into()))
                })
                .collect::<Result<_, _>>()?,
        };
        if y_names.is_empty() {
            return Err(fail("y names no column".into()));
        }
        if y_names.len() > MAX_SERIES {
            return Err(fail(format!(
                "{} series are more than a chart shows legibly ({MAX_SERIES}): show fewer, or use table()",
                y_names.len()
            )));
        }
        let x_index = column_index(result, &x, function)?;
        check_labels(result, labels.as_ref(), function)?;
        let y_indices: Vec<usize> =
            y_names.iter().map(|n| column_index(result, n, function)).collect::<Result<_, _>>()?;
        if let Some((date, rows)) = repeated_date(result, x_index) {
            return Err(fail(format!(
                "{x} holds {date} in {rows} rows, and a chart over time has one point per date: aggregate the \
                 query to one row per {x}, or give each series its own column (PIVOT … ON the series column \
                 USING sum(…)) and name them in y=[…]"
            )));
        }
        let sorted;
        let result = match &sort {
            None => match time_axis(result, x_index) {
                Some(timed) => {
                    sorted = timed;
                    &sorted
                }
                None => result,
            },
            Some(key) => {
                let (descending, name) = match key.strip_prefix('-') {
                    Some(name) => (true, name),
                    None => (false, key.as_str()),
                };
                let column = column_index(result, name, function)?;
                sorted = sorted_by(result, column, descending);
                &sorted
            }
        };
        let locale = locale_of(state);
        let format = match (format_name.as_deref(), y_format.as_deref()) {
            (Some(_), Some(_)) => return Err(fail("give format or y_format, not both".into())),
            (Some(name), None) | (None, Some(name)) => name,
            (None, None) => "number",
        };
        let format = chart::ValueFormat::parse(Some(format), currency).map_err(fail)?;
        // A small count is not drawn: a bar's length would give it away.
        let suppressed = suppress_columns(suppress.as_ref(), data, function)?;
        if let Some(key) = &sort {
            let name = key.strip_prefix('-').unwrap_or(key);
            if suppressed.iter().any(|(c, _)| data.columns[*c].name == name) {
                return Err(fail(format!(
                    "sort orders by {name}, which suppress hides: the order of the bars would give the hidden \
                     counts away; sort by another column"
                )));
            }
        }
        if suppressed.iter().any(|(c, _)| *c == x_index) {
            return Err(fail(format!(
                "suppress names {x}, the x axis: its values would be the axis labels; suppress a y column"
            )));
        }
        let hidden = |i: usize, cell: &Cell| suppressed.iter().any(|(c, t)| *c == i && is_small(cell, *t));
        // Whether the result has values at all, hidden or not (hidden ones
        // are not drawn, and the table shows them as `< N`).
        let has_values =
            y_indices.iter().any(|&i| result.rows.iter().any(|row| row[i].as_f64().is_some_and(f64::is_finite)));
        let mut series = Vec::new();
        for &i in &y_indices {
            let values = result
                .rows
                .iter()
                .map(|row| match &row[i] {
                    Cell::Null => Ok(None),
                    cell if hidden(i, cell) => Ok(None),
                    // NaN and infinity have no place on an axis: not drawn
                    // (the data table under the chart shows them).
                    Cell::Float(f) if !f.is_finite() => Ok(None),
                    cell => cell.as_f64().map(Some).ok_or_else(|| {
                        fail(format!("column {} of query {} is not a number", result.columns[i].name, result.name))
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            series.push(chart::Series { name: label_of(labels.as_ref(), &result.columns[i].name), values });
        }
        let categories = categories(result, x_index, x_format.as_deref(), locale).map_err(fail)?;
        let x_label = x_label.unwrap_or_else(|| label_of(labels.as_ref(), &x));
        let y_label = y_label.unwrap_or_else(|| if series.len() == 1 { series[0].name.clone() } else { String::new() });
        let title = title.unwrap_or_else(|| {
            let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
            format!("{} / {x_label}", names.join(", "))
        });
        let html = is_html(state);
        if !has_values {
            // An empty period: no axes drawn around nothing.
            return Ok(helper_output(state, empty_figure(&title, locale, html)));
        }
        let mut indices = vec![x_index];
        indices.extend(&y_indices);
        // The data as the query returned it, without the axis's empty places.
        let percent = if matches!(format, chart::ValueFormat::Percent) { y_indices.clone() } else { Vec::new() };
        let look = Look { percent, suppress: suppressed, ..Look::default() };
        let (hidden_cells, _) = look.suppressed(data, &[]);
        record_suppression(state, data, &look.suppress);
        let mut table = styled_markup(data, &indices, labels.as_ref(), locale, html, &look, &hidden_cells);
        if !hidden_cells.is_empty() {
            table.push_str(&suppression_note(&look, false, locale, html));
        }
        if !html {
            // Markdown has no charts: the title and the data.
            return Ok(Value::from_safe_string(format!("**{}**\n\n{table}", markdown::escaped(&title))));
        }
        let id = chart_id(&result.name, &title, &indices);
        let chart = chart::Chart {
            kind: if line { chart::Kind::Line } else { chart::Kind::Bar { horizontal, stacked } },
            title: title.clone(),
            description,
            categories,
            series,
            x_label,
            y_label,
            format,
            locale,
            id,
        };
        let out = figure(&title, &scrolling(&chart.svg()), &table, locale);
        Ok(helper_output(state, out))
    }
}

/// The result's rows ordered by `column` (numbers as numbers, NULLs last),
/// keeping the query's order among equals.
fn sorted_by(result: &QueryResult, column: usize, descending: bool) -> QueryResult {
    let mut rows = result.rows.clone();
    rows.sort_by(|a, b| {
        let (a, b) = (&a[column], &b[column]);
        match (a.is_null(), b.is_null()) {
            (true, true) => return std::cmp::Ordering::Equal,
            (true, false) => return std::cmp::Ordering::Greater,
            (false, true) => return std::cmp::Ordering::Less,
            _ => {}
        }
        let order = match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => a.to_text().cmp(&b.to_text()),
        };
        if descending { order.reverse() } else { order }
    });
    QueryResult::new(result.name.clone(), result.columns.clone(), rows)
}

/// The x axis's labels. Dates (a DATE or TIMESTAMP column) are written at
/// the grain the data has: all on 1 January → years, on the first of a
/// quarter → quarters, on the first of a month → months (`Jan 2012`),
/// else days; `x_format` chooses instead. Other values as tables show them.
fn categories(result: &QueryResult, x: usize, x_format: Option<&str>, locale: Locale) -> Result<Vec<String>, String> {
    let type_name = result.columns[x].type_name.as_str();
    let dated = type_name == "DATE" || type_name.starts_with("TIMESTAMP");
    let dates: Option<Vec<Option<jiff::civil::Date>>> = dated.then(|| {
        result
            .rows
            .iter()
            .map(|row| match &row[x] {
                Cell::Text(text) => text.get(..10).and_then(parse_date),
                _ => None,
            })
            .collect()
    });
    let style = match (x_format, &dates) {
        (Some(name), Some(_)) => Some(match name {
            "year" => format::DateStyle::Year,
            "quarter" => format::DateStyle::Quarter,
            "month" => format::DateStyle::ShortMonth,
            "date" => format::DateStyle::Short,
            "long" => format::DateStyle::Long,
            "iso" => format::DateStyle::Iso,
            other => {
                return Err(format!("unknown x_format '{other}' (use year, quarter, month, date, long or iso)"));
            }
        }),
        (Some(_), None) => {
            return Err(format!(
                "x_format writes dates, and column {} of query {} holds {type_name}",
                result.columns[x].name, result.name
            ));
        }
        (None, Some(dates)) => {
            // Readings at times of day are days apart at most: a day's
            // hours all fall on the 1st, which is not a month.
            let timed = result.rows.iter().any(|row| matches!(&row[x], Cell::Text(t) if time_of_day(t).is_some()));
            let known: Vec<jiff::civil::Date> = dates.iter().flatten().copied().collect();
            Some(if timed { Grain::Day } else { Grain::of(&known) }.style())
        }
        (None, None) => None,
    };
    // Timestamps with a time of day keep it (`17 May 2024 08:30`): two
    // readings of one day are two places.
    fn time_of(cell: &Cell) -> Option<&str> {
        match cell {
            Cell::Text(text) => time_of_day(text).and_then(|time| time.get(..5)),
            _ => None,
        }
    }
    let timed = x_format.is_none() && dated && result.rows.iter().any(|row| time_of(&row[x]).is_some());
    Ok(result
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| match (style, dates.as_ref().and_then(|d| d[i]), &row[x]) {
            (Some(style), Some(date), cell) if timed => {
                let time = time_of(cell).unwrap_or("00:00");
                format!("{} {time}", format::date(date, style, locale))
            }
            (Some(style), Some(date), _) => format::date(date, style, locale),
            // An integer along x is a label (a year, a code): not grouped
            // like a quantity (2012, not 2,012).
            (_, _, Cell::Int(n)) => n.to_string(),
            (_, _, cell) => cell_text(cell, &result.columns[x].type_name, locale),
        })
        .collect())
}

/// The grain dates have, which is how far apart the places of a time
/// axis are and how its labels are written: all on 1 January → years, on
/// the first of a quarter → quarters, on the first of a month → months,
/// else days.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Grain {
    Year,
    Quarter,
    Month,
    Day,
}

impl Grain {
    fn of(dates: &[jiff::civil::Date]) -> Grain {
        let all = |test: &dyn Fn(&jiff::civil::Date) -> bool| dates.iter().all(test);
        if dates.len() > 1 && all(&|d| d.day() == 1 && d.month() == 1) {
            Grain::Year
        } else if dates.len() > 1 && all(&|d| d.day() == 1 && (d.month() - 1) % 3 == 0) {
            Grain::Quarter
        } else if !dates.is_empty() && all(&|d| d.day() == 1) {
            Grain::Month
        } else {
            Grain::Day
        }
    }

    fn style(self) -> format::DateStyle {
        match self {
            Grain::Year => format::DateStyle::Year,
            Grain::Quarter => format::DateStyle::Quarter,
            Grain::Month => format::DateStyle::ShortMonth,
            Grain::Day => format::DateStyle::Short,
        }
    }

    /// The place after `date`.
    fn next(self, date: jiff::civil::Date) -> Option<jiff::civil::Date> {
        let months = match self {
            Grain::Year => 12,
            Grain::Quarter => 3,
            Grain::Month => 1,
            Grain::Day => return date.tomorrow().ok(),
        };
        date.checked_add(jiff::Span::new().months(months)).ok()
    }
}

/// The time of day in a date or timestamp's text, unless it has none or
/// it is midnight (`2024-05-17 08:30:00` → `08:30:00`).
fn time_of_day(text: &str) -> Option<&str> {
    let time = text.get(10..)?.trim_start_matches([' ', 'T']);
    let midnight = time.starts_with("00:00:00") && time.chars().all(|c| "0:.+".contains(c));
    (!time.is_empty() && !midnight).then_some(time)
}

/// More places than a time axis is filled to: beyond, the dates are only
/// put in order.
const MAX_TIME_PLACES: usize = 2_000;

/// A time axis is filled only while at least half its places hold data, or
/// it has at most this many: four events on dates years apart are put in
/// order, not spread over a thousand empty days (a line of four dots with
/// nothing drawn between them, bars one pixel wide).
const SPARSE_TIME_PLACES: usize = 24;

/// Dates along x make a time axis: the rows in time order, and one place
/// for each year, quarter, month or day (the grain the dates have) from
/// the first to the last, a place without a row left empty (a gap in the
/// line, no bar), so that the distance between points is the time between
/// them. A row without a date has no place on it (the data table under
/// the chart shows it). Sparse dates (see [`SPARSE_TIME_PLACES`]) are only
/// put in order. `None` when x holds no dates, or already has a place for
/// every one of them in order.
fn time_axis(result: &QueryResult, x: usize) -> Option<QueryResult> {
    if !is_dated(result, x) {
        return None;
    }
    let mut dated: Vec<(jiff::civil::Date, &Vec<Cell>)> = Vec::new();
    let mut whole_days = true;
    for row in &result.rows {
        if let Cell::Text(text) = &row[x]
            && let Some(date) = text.get(..10).and_then(parse_date)
        {
            whole_days &= time_of_day(text).is_none();
            dated.push((date, row));
        }
    }
    dated.sort_by_key(|(date, _)| *date);
    let grain = Grain::of(&dated.iter().map(|(date, _)| *date).collect::<Vec<_>>());
    let next = |date| grain.next(date);
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let fill = whole_days && {
        let (first, last) = (dated.first()?.0, dated.last()?.0);
        let mut places = 1;
        let mut at = first;
        while at < last && places <= MAX_TIME_PLACES {
            at = next(at)?;
            places += 1;
        }
        places <= MAX_TIME_PLACES && (places <= SPARSE_TIME_PLACES || places <= 2 * dated.len())
    };
    let mut place = dated.first()?.0;
    for (date, row) in &dated {
        while fill && place < *date {
            let mut empty = vec![Cell::Null; result.columns.len()];
            empty[x] = Cell::Text(place.to_string());
            rows.push(empty);
            place = next(place)?;
        }
        rows.push((*row).clone());
        if fill && place == *date {
            place = next(place)?;
        }
    }
    if rows == result.rows {
        return None;
    }
    Some(QueryResult::new(result.name.clone(), result.columns.clone(), rows))
}

/// The first date or time that more than one row of a DATE or TIMESTAMP
/// column `x` holds, and in how many rows: data in long form (a row per
/// date and series), which a chart over time cannot show.
fn repeated_date(result: &QueryResult, x: usize) -> Option<(String, usize)> {
    if !is_dated(result, x) {
        return None;
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut first_repeated = None;
    for row in &result.rows {
        if let Cell::Text(text) = &row[x] {
            let count = seen.entry(text.as_str()).or_default();
            *count += 1;
            if *count == 2 && first_repeated.is_none() {
                first_repeated = Some(text.as_str());
            }
        }
    }
    first_repeated.map(|date| (date.to_owned(), seen[date]))
}

/// Whether column `x` holds dates or times (DATE, TIMESTAMP…).
fn is_dated(result: &QueryResult, x: usize) -> bool {
    let type_name = result.columns[x].type_name.as_str();
    type_name == "DATE" || type_name.starts_with("TIMESTAMP")
}

/// A stable id for a chart's title and description, unique per chart on a page.
pub(super) fn chart_id(query: &str, title: &str, columns: &[usize]) -> String {
    let mut key = crate::key::Key::new("chart");
    key.add(query).add(title);
    for column in columns {
        key.add(column.to_le_bytes());
    }
    format!("chart-{}", &key.finish()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Column;

    fn dated(type_name: &str, dates: &[Option<&str>]) -> QueryResult {
        let columns = vec![
            Column { name: "at".into(), type_name: type_name.into() },
            Column { name: "n".into(), type_name: "BIGINT".into() },
        ];
        let rows = dates
            .iter()
            .enumerate()
            .map(|(i, d)| vec![d.map_or(Cell::Null, |d| Cell::Text(d.into())), Cell::Int(i as i128)])
            .collect();
        QueryResult::new("q".into(), columns, rows)
    }

    fn places(result: &QueryResult) -> Vec<String> {
        let timed = time_axis(result, 0).expect("a time axis");
        timed.rows.iter().map(|r| format!("{}={}", r[0].to_text(), r[1].to_text())).collect()
    }

    #[test]
    fn a_time_axis_is_in_order_with_a_place_for_every_month_between() {
        let result = dated("DATE", &[Some("2024-05-01"), Some("2024-01-01"), Some("2024-02-01")]);
        assert_eq!(
            places(&result),
            ["2024-01-01=1", "2024-02-01=2", "2024-03-01=", "2024-04-01=", "2024-05-01=0"].map(String::from)
        );
    }

    #[test]
    fn quarters_years_and_days_keep_their_grain() {
        let quarters = dated("DATE", &[Some("2024-01-01"), Some("2024-07-01")]);
        assert_eq!(places(&quarters), ["2024-01-01=0", "2024-04-01=", "2024-07-01=1"].map(String::from));
        let years = dated("DATE", &[Some("2026-01-01"), Some("2024-01-01")]);
        assert_eq!(places(&years), ["2024-01-01=1", "2025-01-01=", "2026-01-01=0"].map(String::from));
        let days = dated("TIMESTAMP", &[Some("2024-02-28 00:00:00"), Some("2024-03-01 00:00:00")]);
        assert_eq!(places(&days), ["2024-02-28 00:00:00=0", "2024-02-29=", "2024-03-01 00:00:00=1"].map(String::from));
    }

    #[test]
    fn times_of_day_are_ordered_not_filled_and_rows_without_a_date_have_no_place() {
        let result = dated("TIMESTAMP", &[Some("2024-01-03 10:00:00"), None, Some("2024-01-01 09:30:00")]);
        assert_eq!(places(&result), ["2024-01-01 09:30:00=2", "2024-01-03 10:00:00=0"].map(String::from));
    }

    #[test]
    fn an_axis_already_in_place_and_text_are_left_alone() {
        assert!(time_axis(&dated("DATE", &[Some("2024-01-01"), Some("2024-02-01")]), 0).is_none());
        assert!(time_axis(&dated("VARCHAR", &[Some("2024-05-01"), Some("2024-01-01")]), 0).is_none());
    }

    #[test]
    fn hours_of_the_first_of_a_month_are_labelled_with_their_day() {
        let result = dated("TIMESTAMP", &[Some("2010-06-01 00:00:00"), Some("2010-06-01 01:00:00")]);
        assert_eq!(categories(&result, 0, None, Locale::En).unwrap(), ["1 Jun 2010 00:00", "1 Jun 2010 01:00"]);
    }

    #[test]
    fn a_date_in_several_rows_is_long_data() {
        let long = dated("DATE", &[Some("2024-01-01"), Some("2024-01-01"), Some("2024-02-01"), Some("2024-01-01")]);
        assert_eq!(repeated_date(&long, 0), Some(("2024-01-01".to_owned(), 3)));
        assert_eq!(repeated_date(&dated("DATE", &[Some("2024-01-01"), None, None]), 0), None, "NULLs have no place");
        assert_eq!(repeated_date(&dated("VARCHAR", &[Some("a"), Some("a")]), 0), None, "categories may repeat");
    }

    #[test]
    fn sparse_dates_are_ordered_not_spread_over_empty_days() {
        let result = dated("DATE", &[Some("2025-11-11"), Some("2023-05-31"), Some("2024-04-23"), Some("2024-03-01")]);
        let axis = time_axis(&result, 0).unwrap();
        assert_eq!(axis.rows.len(), 4, "four dates years apart: four places");
        let months = dated("DATE", &[Some("2024-01-01"), Some("2024-02-01"), Some("2024-12-01")]);
        assert_eq!(time_axis(&months, 0).unwrap().rows.len(), 12, "a year of months is filled");
    }

    #[test]
    fn a_span_too_long_to_fill_is_only_ordered() {
        let result = dated("DATE", &[Some("2024-01-02"), Some("1900-01-03")]);
        assert_eq!(places(&result), ["1900-01-03=1", "2024-01-02=0"].map(String::from));
    }
}
