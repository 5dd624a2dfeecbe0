//! `map(result, country="iso3", value="countries")`: a world map of a
//! query result, one row per country (see [`super::chart::choropleth`]).
//! Countries are named by ISO 3166-1 codes (alpha-3, alpha-2 or numeric);
//! the rows whose code names no country on the map are listed under it.
//! In `.md` output, the title and the data table.

use minijinja::value::Kwargs;
use minijinja::{ErrorKind, State, Value};

use super::chart::ValueFormat;
use super::chart::choropleth::{MAX_CLASSES, Map, Placed};
use super::chart::world::world;
use super::charts::chart_id;
use super::filters::locale_of;
use super::helper::{
    check_labels, column_index, empty_figure, figure, helper_output, is_html, label_of, query_result, scrolling,
};
use super::markdown;
use super::table::table_markup;
use crate::value::Cell;

/// Options: `country` (the code column), `value` (a number column; without
/// it the countries are only marked), `name` (a column naming the
/// countries, else their English names), `title`, `labels={…}`,
/// `description`, `format` (`number`, `money`, `percent`), `currency`,
/// `classes` (1 to 7, default 5).
pub(super) fn map(state: &State<'_, '_>, result: Value, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let fail = |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, format!("map(): {message}"));
    let result = query_result(&result, "map")?;
    let country: String = kwargs.get("country")?;
    let value: Option<String> = kwargs.get("value")?;
    let name: Option<String> = kwargs.get("name")?;
    let title: Option<String> = kwargs.get("title")?;
    let labels: Option<Value> = kwargs.get("labels")?;
    let description: Option<String> = kwargs.get("description")?;
    let format_name: Option<String> = kwargs.get("format")?;
    let currency: Option<String> = kwargs.get("currency")?;
    let classes: Option<Value> = kwargs.get("classes")?;
    kwargs.assert_all_used()?;
    let country_index = column_index(result, &country, "map")?;
    let value_index = value.as_deref().map(|v| column_index(result, v, "map")).transpose()?;
    let name_index = name.as_deref().map(|n| column_index(result, n, "map")).transpose()?;
    check_labels(result, labels.as_ref(), "map")?;
    let classes = match &classes {
        None => 5,
        Some(value) => value.as_i64().filter(|n| (1..=MAX_CLASSES as i64).contains(n)).ok_or_else(|| {
            fail(format!("classes is {value}: a map shows 1 to {MAX_CLASSES} classes, a whole number"))
        })?,
    };
    let format = ValueFormat::parse(format_name.as_deref(), currency).map_err(fail)?;
    let locale = locale_of(state);
    let world = world();
    let mut placed: Vec<Placed<'_>> = Vec::new();
    let mut rows_of: Vec<usize> = Vec::new();
    let mut unplaced: Vec<String> = Vec::new();
    for (index, row) in result.rows.iter().enumerate() {
        let code = row[country_index].to_text();
        let shown_name = name_index.map(|i| row[i].to_text()).filter(|n| !n.trim().is_empty());
        let found = world.find(&code).filter(|c| !c.path.is_empty() || c.point.is_some());
        let Some(found) = found else {
            let code = if row[country_index].is_null() {
                "NULL".to_owned()
            } else if code.trim().is_empty() {
                format!("'{code}'")
            } else {
                code
            };
            unplaced.push(match shown_name {
                Some(name) if name != code => format!("{name} ({code})"),
                _ => code,
            });
            continue;
        };
        if let Some(first) = placed.iter().position(|p| std::ptr::eq(p.country, found)) {
            return Err(fail(format!(
                "{} ({code}) is in rows {} and {} of query {}: a map shows one value per country; aggregate the \
                 query to one row per {country}, or correct the code",
                found.name,
                rows_of[first],
                index + 1,
                result.name
            )));
        }
        let value = match value_index.map(|i| &row[i]) {
            None | Some(Cell::Null) => None,
            Some(Cell::Float(f)) if !f.is_finite() => None,
            Some(cell) => Some(cell.as_f64().ok_or_else(|| {
                fail(format!(
                    "column {} of query {} is not a number",
                    value.as_deref().unwrap_or_default(),
                    result.name
                ))
            })?),
        };
        placed.push(Placed { country: found, name: shown_name.unwrap_or_else(|| found.name.to_owned()), value });
        rows_of.push(index + 1);
    }
    let title = title.unwrap_or_else(|| match &value {
        Some(v) => label_of(labels.as_ref(), v),
        None => label_of(labels.as_ref(), &country),
    });
    let html = is_html(state);
    let words = locale.words();
    if result.rows.is_empty() {
        return Ok(helper_output(state, empty_figure(&title, locale, html)));
    }
    let mut indices = vec![country_index];
    indices.extend(name_index);
    indices.extend(value_index);
    let percent = match (value_index, &format) {
        (Some(i), ValueFormat::Percent) => vec![i],
        _ => Vec::new(),
    };
    let table = table_markup(result, &indices, labels.as_ref(), locale, html, &percent);
    let note = (!unplaced.is_empty()).then(|| format!("{}: {}.", words.helpers.not_on_map, unplaced.join(", ")));
    if !html {
        let mut out = format!("**{}**\n\n{table}", markdown::escaped(&title));
        if let Some(note) = note {
            out.push_str(&format!("\n*{}*\n", markdown::escaped(&note)));
        }
        return Ok(Value::from_safe_string(out));
    }
    let map = Map {
        title: title.clone(),
        description,
        placed,
        valued: value_index.is_some(),
        classes: classes as usize,
        format,
        locale,
        id: chart_id(&result.name, &title, &indices),
    };
    let mut body = scrolling(&map.svg());
    body.push_str(&map.legend());
    if let Some(note) = note {
        body.push_str(&format!("<p class=\"map-note\">{}</p>\n", markdown::html_escaped(&note)));
    }
    let out = figure(&title, &body, &table, locale);
    Ok(helper_output(state, out))
}
