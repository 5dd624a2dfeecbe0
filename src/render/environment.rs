//! The template environment of a build: `report_templates/` and the
//! built-in layout, escaping by file name, strict undefined, fuel, and the
//! functions and filters a template can call, each behind
//! [`super::strict`]'s guard. Printing a value (the formatter) escapes it
//! for the output and writes a missing value as `—`.

use std::path::{Component, Path};
use std::sync::Arc;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior, Value};

use super::helper::writes_markdown;
use super::table::table;
use super::{BUILTIN_LAYOUT, LAYOUT, RENDER_FUEL, charts, filters, markdown, strict, translate};
use crate::error::Error;
use crate::project::{Project, TEMPLATES_DIR};
use crate::query::Runner;

/// The environment for `project`'s templates, its queries run by `runner`.
pub(super) fn environment(project: &Project, runner: Arc<Runner>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_debug(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    // A template that loops without end (or nearly: nested loops over
    // large ranges) is stopped with an error naming it.
    env.set_fuel(Some(RENDER_FUEL));
    let dir = project.path(TEMPLATES_DIR);
    env.set_loader(move |name| load_template(&dir, name));
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".md.j2") || name.ends_with(".md") {
            AutoEscape::Custom("markdown")
        } else if name.ends_with(".html.j2") || name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(format_value);
    strict::guard_builtins(&mut env);
    register_query(&mut env, runner);
    strict::add_function(&mut env, "table", table);
    strict::add_function(&mut env, "bar", charts::chart_function(false));
    strict::add_function(&mut env, "line", charts::chart_function(true));
    strict::add_function(&mut env, "map", super::map::map);
    strict::add_function(&mut env, "kpi", super::kpi::kpi);
    strict::add_function(&mut env, "donut", super::donut::donut);
    strict::add_function(&mut env, "t", translate::function(Arc::new(project.messages.clone())));
    filters::register(&mut env);
    env
}

/// Loads `name` from the templates folder, or a built-in. Names cannot climb
/// out of the folder, and neither can links in it.
pub(super) fn load_template(dir: &Path, name: &str) -> Result<Option<String>, minijinja::Error> {
    let relative = Path::new(name);
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Ok(None);
    }
    let path = dir.join(relative);
    let inside = match crate::project::resolves_inside(&path, dir) {
        Ok(inside) => inside,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(if name == LAYOUT { Some(BUILTIN_LAYOUT.to_owned()) } else { None });
        }
        Err(_) => false,
    };
    if !inside {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("template {name} is a link to a file outside {TEMPLATES_DIR}/: templates are read only from there"),
        ));
    }
    match std::fs::read_to_string(&path) {
        Ok(source) => Ok(Some(source)),
        Err(e) => {
            Err(minijinja::Error::new(ErrorKind::InvalidOperation, format!("cannot read template {name}"))
                .with_source(e))
        }
    }
}

/// Writes a value into the output. What escaping it gets follows the
/// report, not the file the value is written from (a partial named
/// `_x.html.j2` or `_x.j2` included in a Markdown report writes Markdown):
/// in a Markdown report, Markdown escaping that is also inert in HTML (see
/// [`markdown::escape`]); in an HTML report, HTML escaping. Only values
/// marked safe (laporan's helpers, `|safe` in the template) pass as they
/// are. `none` (a NULL) prints as [`filters::MISSING`] in a report, as
/// nothing in the layout (where it is a setting left out).
pub(super) fn format_value(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), minijinja::Error> {
    // A list or map printed whole (`{{ [row.nope] }}`) must not show
    // `undefined`.
    if strict::holds_undefined(value) {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    // A list or row printed whole shows its missing values as `—` too.
    let whole;
    let value = if matches!(value.kind(), ValueKind::Seq | ValueKind::Map) && !value.is_safe() {
        whole = strict::shown(value);
        &whole
    } else {
        value
    };
    if strict::is_missing(value) {
        // In the layout, a NULL is a setting left out.
        if value.is_none() && state.name() == LAYOUT {
            return Ok(());
        }
        return out.write_str(filters::MISSING).map_err(minijinja::Error::from);
    }
    if value.is_safe() {
        return write!(out, "{value}").map_err(minijinja::Error::from);
    }
    let owned;
    let text = match value.as_str() {
        Some(text) => text,
        None => {
            owned = value.to_string();
            &owned
        }
    };
    let escaped = match writes_markdown(state) {
        Some(pass) => markdown::escaped_for(text, pass),
        None => markdown::html_escaped(text),
    };
    out.write_str(&escaped).map_err(minijinja::Error::from)
}

pub(super) fn register_query(env: &mut Environment<'static>, runner: Arc<Runner>) {
    strict::add_function(env, "query", move |name: &str, kwargs: Kwargs| -> Result<Value, minijinja::Error> {
        let Some(saved) = runner.saved(name) else {
            return Err(minijinja::Error::new(ErrorKind::InvalidOperation, format!("no saved query named {name}")));
        };
        let mut args = Vec::new();
        for key in kwargs.args() {
            let Some(decl) = saved.param(key) else {
                let error = Error::project(format!("query {name} has no parameter {key}")).help(saved.declared_help());
                return Err(minijinja::Error::new(ErrorKind::InvalidOperation, "a query call").with_source(error));
            };
            let value: Value = kwargs.get(key)?;
            let typed = decl.ty.from_template(&value).map_err(|e| {
                minijinja::Error::new(ErrorKind::InvalidOperation, format!("query {name}, parameter {key}: {e}"))
            })?;
            args.push((key.to_owned(), typed));
        }
        kwargs.assert_all_used()?;
        let result = runner.run(name, &args).map_err(|e| {
            minijinja::Error::new(ErrorKind::InvalidOperation, format!("query {name} failed")).with_source(e)
        })?;
        Ok(Value::from_dyn_object(result))
    });
}
