//! The checks on what a template reads and calls: a row's columns, a
//! result's attributes, filters and their options, `query()` calls and
//! helpers' options and the columns they name.

use minijinja::machinery::Span;
use minijinja::machinery::ast::{self, CallArg, Expr};

use super::known::{
    Arg, BY_ATTRIBUTE, DATE_STYLES, FILTER_OPTIONS, FILTERS, FUNCTIONS, HELPERS, ONE_ROW, ROW_LISTS, SPECIAL,
};
use super::{Kind, Linter, Role};
use crate::render::rows::{RESULT_ATTRIBUTES, closest};

impl<'s, 'a> Linter<'s, 'a> {
    /// `parent.name` (or `parent["name"]`).
    pub(super) fn member(&mut self, parent: Kind, name: &str, span: Span) -> Kind {
        match parent {
            Kind::Row(query) => {
                if let Some(columns) = self.schema.columns.get(&query)
                    && !columns.iter().any(|c| c == name)
                {
                    let help = closest(name, columns).map(|near| format!("did you mean `{near}`?"));
                    self.find(
                        span,
                        format!("row of query {query} has no column `{name}`; its columns are {}", columns.join(", ")),
                        help,
                    );
                }
                Kind::Unknown
            }
            Kind::Result(query) => match name {
                "first" => Kind::Row(query),
                "rows" => Kind::Rows(query),
                _ if RESULT_ATTRIBUTES.contains(&name) => Kind::Unknown,
                _ => {
                    let columns = self.schema.columns.get(&query);
                    let (message, help) = if columns.is_some_and(|c| c.iter().any(|c| c == name)) {
                        (
                            format!("the result of query {query} is a list of rows, not one row: it has no `{name}`"),
                            format!("take a row first: `.first.{name}`, or loop over it"),
                        )
                    } else {
                        (
                            format!(
                                "the result of query {query} has no `{name}`; a result has {}",
                                RESULT_ATTRIBUTES.join(", ")
                            ),
                            "check the spelling".to_owned(),
                        )
                    };
                    self.find(span, message, Some(help));
                    Kind::Unknown
                }
            },
            Kind::Rows(_) | Kind::Unknown => Kind::Unknown,
        }
    }

    pub(super) fn filter(&mut self, f: &'a ast::Filter<'a>, span: Span) -> Kind {
        if !FILTERS.contains(&f.name) && self.role == Role::Report {
            let names: Vec<String> = FILTERS.iter().map(|n| (*n).to_owned()).collect();
            let help = closest(f.name, &names).map(|near| format!("did you mean {near}?"));
            self.find(span, format!("unknown filter {}", f.name), help);
        }
        if let Some((_, options)) = FILTER_OPTIONS.iter().find(|(name, _)| *name == f.name) {
            for arg in &f.args {
                if let CallArg::Kwarg(key, value) = arg
                    && !options.contains(key)
                {
                    self.find(
                        value.span(),
                        format!("{} has no option {key}", f.name),
                        Some(format!("{} takes {}", f.name, options.join(", "))),
                    );
                }
            }
            if f.name == "date" {
                let style = f.args.iter().find_map(|arg| match arg {
                    CallArg::Pos(e) | CallArg::Kwarg("style", e) => Some(e),
                    _ => None,
                });
                if let Some(e) = style
                    && let Some(name) = e.as_const().and_then(|v| v.as_str().map(str::to_owned))
                    && !DATE_STYLES.contains(&name.as_str())
                {
                    self.find(
                        e.span(),
                        format!("date has no style '{name}'"),
                        Some(format!("styles: {}", DATE_STYLES.join(", "))),
                    );
                }
            }
        }
        let optional = matches!(f.name, "default" | "d");
        self.lenient += usize::from(optional);
        let input = f.expr.as_ref().map_or(Kind::Unknown, |e| self.expr(e));
        self.lenient -= usize::from(optional);
        self.args(&f.args);
        let query = match &input {
            Kind::Result(q) | Kind::Rows(q) => Some(q.clone()),
            _ => None,
        };
        let Some(query) = query else { return Kind::Unknown };
        if BY_ATTRIBUTE.contains(&f.name) {
            for arg in &f.args {
                let named = match arg {
                    CallArg::Kwarg("attribute", e) => Some(e),
                    CallArg::Pos(e) if matches!(f.name, "selectattr" | "rejectattr" | "groupby") => Some(e),
                    _ => None,
                };
                if let Some(e) = named
                    && let Some(path) = e.as_const().and_then(|v| v.as_str().map(str::to_owned))
                {
                    for key in path.split(',') {
                        let column = key.trim().split('.').next().unwrap_or_default().to_owned();
                        self.member(Kind::Row(query.clone()), &column, e.span());
                    }
                }
                if matches!(f.name, "selectattr" | "rejectattr" | "groupby") {
                    break; // only the first positional argument is a column
                }
            }
        }
        if ROW_LISTS.contains(&f.name) {
            Kind::Rows(query)
        } else if ONE_ROW.contains(&f.name) {
            Kind::Row(query)
        } else {
            Kind::Unknown
        }
    }

    pub(super) fn call(&mut self, call: &'a ast::Call<'a>, span: Span) -> Kind {
        let Expr::Var(var) = &call.expr else {
            // `m.macro_name(…)`, `loop.cycle(…)`: not followed.
            self.expr(&call.expr);
            self.args(&call.args);
            return Kind::Unknown;
        };
        let function = var.id;
        self.args(&call.args);
        if function == "query" {
            return self.query_call(call, span);
        }
        if let Some((_, options)) = HELPERS.iter().find(|(name, _)| *name == function) {
            let options: Vec<(&str, Arg)> = options.iter().flat_map(|o| o.iter().copied()).collect();
            self.helper_call(function, &options, call);
            return Kind::Unknown;
        }
        let known = self.role == Role::Part
            || FUNCTIONS.contains(&function)
            || SPECIAL.contains(&function)
            || self.callables.contains(&function)
            || self.lookup(function).is_some();
        if !known {
            let mut names: Vec<String> =
                FUNCTIONS.iter().chain(HELPERS.iter().map(|(n, _)| n)).map(|n| (*n).to_owned()).collect();
            names.extend(self.callables.iter().map(|n| (*n).to_owned()));
            let help = match closest(function, &names) {
                Some(near) => format!("did you mean {near}(…)?"),
                None => format!(
                    "laporan's functions are query, t, {}",
                    HELPERS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            };
            self.find(var.span(), format!("unknown function {function}(…)"), Some(help));
        }
        Kind::Unknown
    }

    /// `query("name", key=…)`: the query exists and takes those parameters.
    fn query_call(&mut self, call: &'a ast::Call<'a>, span: Span) -> Kind {
        let Some(CallArg::Pos(first)) = call.args.first() else { return Kind::Unknown };
        let Some(name) = first.as_const().and_then(|v| v.as_str().map(str::to_owned)) else { return Kind::Unknown };
        let Some(saved) = self.schema.queries.get(&name) else {
            if !self.schema.broken.contains(&name) {
                let known: Vec<String> = self.schema.queries.keys().cloned().collect();
                let help = match closest(&name, &known) {
                    Some(near) => format!("did you mean {near}? saved queries: {}", known.join(", ")),
                    None => format!("saved queries: {}", known.join(", ")),
                };
                self.find(span, format!("no saved query named {name}"), Some(help));
            }
            return Kind::Unknown;
        };
        for arg in &call.args {
            if let CallArg::Kwarg(key, value) = arg
                && saved.param(key).is_none()
            {
                self.find(value.span(), format!("query {name} has no parameter {key}"), Some(saved.declared_help()));
            }
        }
        Kind::Result(name)
    }

    /// A helper's keyword arguments are its options, and the columns it
    /// names are columns of the result it is given.
    fn helper_call(&mut self, function: &str, options: &[(&str, Arg)], call: &'a ast::Call<'a>) {
        let query = match call.args.first() {
            Some(CallArg::Pos(first)) => match self.expr(first) {
                Kind::Result(q) => Some(q),
                _ => None,
            },
            _ => None,
        };
        for arg in &call.args {
            let CallArg::Kwarg(key, value) = arg else { continue };
            let Some((_, kind)) = options.iter().find(|(name, _)| name == key) else {
                let names: Vec<String> = options.iter().map(|(n, _)| (*n).to_owned()).collect();
                let help = match closest(key, &names) {
                    Some(near) => format!("did you mean {near}=? {function}() takes {}", names.join(", ")),
                    None => format!("{function}() takes {}", names.join(", ")),
                };
                self.find(value.span(), format!("{function}() has no option {key}"), Some(help));
                continue;
            };
            let Some(query) = &query else { continue };
            let mut names: Vec<(String, Span)> = Vec::new();
            match (kind, value) {
                (Arg::Column | Arg::ColumnOrColumns, Expr::Const(_)) => {
                    if let Some(name) = value.as_const().and_then(|v| v.as_str().map(str::to_owned)) {
                        names.push((name, value.span()));
                    }
                }
                (Arg::SortColumn, Expr::Const(_)) => {
                    if let Some(name) = value.as_const().and_then(|v| v.as_str().map(str::to_owned)) {
                        names.push((name.strip_prefix('-').unwrap_or(&name).to_owned(), value.span()));
                    }
                }
                (Arg::Columns | Arg::ColumnOrColumns, Expr::List(list)) => {
                    for item in &list.items {
                        if let Some(name) = item.as_const().and_then(|v| v.as_str().map(str::to_owned)) {
                            names.push((name, item.span()));
                        }
                    }
                }
                (Arg::ColumnMap, Expr::Map(map)) => {
                    for key in &map.keys {
                        if let Some(name) = key.as_const().and_then(|v| v.as_str().map(str::to_owned)) {
                            names.push((name, key.span()));
                        }
                    }
                }
                _ => {}
            }
            for (name, span) in names {
                let Some(columns) = self.schema.columns.get(query) else { continue };
                if !columns.contains(&name) {
                    let help = closest(&name, columns).map(|near| format!("did you mean `{near}`?"));
                    self.find(
                        span,
                        format!(
                            "{function}(): {key} names `{name}`, which is not a column of query {query}; its columns are {}",
                            columns.join(", ")
                        ),
                        help,
                    );
                }
            }
        }
    }
}
