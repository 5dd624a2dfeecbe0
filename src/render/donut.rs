//! `donut(result, label="status", value="cases")`: the shares of a whole
//! as a donut (see [`super::chart::donut`]), for up to six parts; more are
//! an error suggesting `bar(…)`. In `.html` output the chart with the
//! data in a table under it; in `.md` output the title and the table.

use minijinja::value::Kwargs;
use minijinja::{ErrorKind, State, Value};

use super::chart::ValueFormat;
use super::chart::donut::{Donut, MAX_PARTS};
use super::charts::chart_id;
use super::filters::locale_of;
use super::helper::{check_labels, column_index, empty_figure, figure, helper_output, is_html, label_of, query_result};
use super::markdown;
use super::table::table_markup;
use crate::value::Cell;

/// Options: `label` (the column naming the parts), `value` (their
/// values), `title`, `labels={…}`, `description`, `format`, `currency`.
pub(super) fn donut(state: &State<'_, '_>, result: Value, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let fail = |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, format!("donut(): {message}"));
    let result = query_result(&result, "donut")?;
    let label: String = kwargs.get("label")?;
    let value: String = kwargs.get("value")?;
    let title: Option<String> = kwargs.get("title")?;
    let labels: Option<Value> = kwargs.get("labels")?;
    let description: Option<String> = kwargs.get("description")?;
    let format_name: Option<String> = kwargs.get("format")?;
    let currency: Option<String> = kwargs.get("currency")?;
    kwargs.assert_all_used()?;
    let label_index = column_index(result, &label, "donut")?;
    let value_index = column_index(result, &value, "donut")?;
    check_labels(result, labels.as_ref(), "donut")?;
    let format = ValueFormat::parse(format_name.as_deref(), currency).map_err(fail)?;
    let locale = locale_of(state);
    let mut parts = Vec::new();
    for row in &result.rows {
        let number = match &row[value_index] {
            Cell::Null => continue,
            cell => cell
                .as_f64()
                .filter(|v| v.is_finite())
                .ok_or_else(|| fail(format!("column {value} of query {} is not a number", result.name)))?,
        };
        if number < 0.0 {
            return Err(fail(format!(
                "{} is {number} in column {value}: a share cannot be negative; use bar(…) for values below zero",
                row[label_index].to_text()
            )));
        }
        parts.push((row[label_index].to_text(), number));
    }
    if parts.len() > MAX_PARTS {
        return Err(fail(format!(
            "query {} gives {} parts, more than a donut shows legibly ({MAX_PARTS}): use bar(…), or group the \
             smallest into one row such as 'Other' in the query",
            result.name,
            parts.len()
        )));
    }
    let title = title
        .unwrap_or_else(|| format!("{} / {}", label_of(labels.as_ref(), &value), label_of(labels.as_ref(), &label)));
    let html = is_html(state);
    if parts.iter().all(|(_, v)| *v == 0.0) {
        return Ok(helper_output(state, empty_figure(&title, locale, html)));
    }
    let indices = [label_index, value_index];
    let table = table_markup(result, &indices, labels.as_ref(), locale, html, &[]);
    if !html {
        return Ok(Value::from_safe_string(format!("**{}**\n\n{table}", markdown::escaped(&title))));
    }
    let donut = Donut {
        title: title.clone(),
        description,
        parts,
        format,
        locale,
        id: chart_id(&result.name, &title, &indices),
    };
    let body = format!("<div class=\"donut-wrap\">{}{}</div>\n", donut.svg(), donut.legend());
    let out = figure(&title, &body, &table, locale);
    Ok(helper_output(state, out))
}
