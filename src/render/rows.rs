//! Query results as templates see them, and what a template asked for
//! that is not there.
//!
//! A result is a sequence of rows (`for row in result`) with `columns`,
//! `column_types`, `rows`, `first` and `name`; a row is a map from column
//! names to values. Templates run with minijinja's strict undefined: a
//! name that does not exist is an error wherever it is used (printed,
//! filtered, passed to a helper, tested with `if`), never a blank. A
//! lookup that finds nothing is remembered ([`Miss`]), so that the error
//! can say which row or result was asked and what it holds:
//! "row of query events has no column `delegatez`; its columns are …".

use std::cell::RefCell;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

use crate::value::QueryResult;

/// What a result answers to besides its row numbers.
pub const RESULT_ATTRIBUTES: [&str; 5] = ["columns", "column_types", "rows", "first", "name"];

/// One row of a result: its values by column name. `result.first` of a
/// result without rows is a row of NULLs that is false (`{% if m.first %}`),
/// so that `{{ m.first.total | number }}` reads `—` in an empty period while
/// a misspelled column is still an error.
#[derive(Debug)]
pub struct Row {
    result: Arc<Shape>,
    values: Vec<Value>,
    empty: bool,
}

/// What the rows of one result share: whose they are and their names.
#[derive(Debug)]
struct Shape {
    owner: Owner,
    columns: Vec<String>,
}

/// Whose names a row holds.
#[derive(Debug, Clone, PartialEq)]
enum Owner {
    /// A row of a saved query's result.
    Query(String),
    /// The build's parameters (`params`).
    Params,
    /// A record of the build (`period`, `report`, `project`).
    Named(&'static str),
}

impl Object for Row {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        match self.result.columns.iter().position(|c| c == name) {
            Some(index) => Some(self.values[index].clone()),
            None => {
                let (name, names) = (name.to_owned(), self.result.columns.clone());
                remember(match &self.result.owner {
                    Owner::Query(query) => Miss::Column { query: query.clone(), name, columns: names },
                    Owner::Params => Miss::Param { name, given: names },
                    Owner::Named(owner) => Miss::Key { owner, name, keys: names },
                });
                None
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.result.columns.iter().map(|c| Value::from(c.clone())).collect())
    }

    fn is_true(self: &Arc<Self>) -> bool {
        !self.empty
    }
}

fn shape(result: &QueryResult) -> Arc<Shape> {
    Arc::new(Shape {
        owner: Owner::Query(result.name.clone()),
        columns: result.columns.iter().map(|c| c.name.clone()).collect(),
    })
}

/// A record of the build as templates see it (`period`, `report`,
/// `project`): a map whose missing keys are remembered like a row's.
pub fn record(owner: &'static str, entries: Vec<(&str, Value)>) -> Value {
    named(Owner::Named(owner), entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// The build's parameters as templates see them (`params`).
pub fn params(entries: Vec<(String, Value)>) -> Value {
    named(Owner::Params, entries)
}

fn named(owner: Owner, entries: Vec<(String, Value)>) -> Value {
    let empty = entries.is_empty();
    let (columns, values) = entries.into_iter().unzip();
    Value::from_object(Row { result: Arc::new(Shape { owner, columns }), values, empty })
}

/// The rows of `result` as template values, made once per result.
fn rows(result: &QueryResult) -> &[Value] {
    result.template_rows.get_or_init(|| {
        let shape = shape(result);
        result
            .rows
            .iter()
            .map(|row| {
                Value::from_object(Row {
                    result: shape.clone(),
                    values: row.iter().map(|c| c.to_template()).collect(),
                    empty: false,
                })
            })
            .collect()
    })
}

impl Object for QueryResult {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        if let Some(index) = key.as_usize() {
            let row = rows(self).get(index).cloned();
            if row.is_none() {
                remember(Miss::Row { query: self.name.clone(), index: index.to_string(), rows: self.rows.len() });
            }
            return row;
        }
        let name = key.as_str()?;
        match name {
            "columns" => Some(Value::from_iter(self.columns.iter().map(|c| Value::from(c.name.clone())))),
            "column_types" => Some(Value::from_iter(self.columns.iter().map(|c| Value::from(c.type_name.clone())))),
            "rows" => Some(Value::from(rows(self).to_vec())),
            "first" => Some(rows(self).first().cloned().unwrap_or_else(|| {
                Value::from_object(Row {
                    result: shape(self),
                    values: vec![Value::from(()); self.columns.len()],
                    empty: true,
                })
            })),
            "name" => Some(Value::from(self.name.clone())),
            _ => {
                remember(Miss::Attribute {
                    query: self.name.clone(),
                    name: name.to_owned(),
                    columns: self.columns.iter().map(|c| c.name.clone()).collect(),
                });
                None
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.rows.len())
    }
}

/// A lookup that found nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Miss {
    /// `row.name` on a row that has no such column.
    Column { query: String, name: String, columns: Vec<String> },
    /// `result.name` on a whole result (a list of rows).
    Attribute { query: String, name: String, columns: Vec<String> },
    /// `params.name` for a parameter the build was not given.
    Param { name: String, given: Vec<String> },
    /// `period.name` (or `report.…`, `project.…`) that is not one of its keys.
    Key { owner: &'static str, name: String, keys: Vec<String> },
    /// `result[10]` beyond the result's rows.
    Row { query: String, index: String, rows: usize },
}

impl Miss {
    pub fn name(&self) -> &str {
        match self {
            Miss::Column { name, .. }
            | Miss::Attribute { name, .. }
            | Miss::Param { name, .. }
            | Miss::Key { name, .. } => name,
            Miss::Row { index, .. } => index,
        }
    }

    /// The error's headline and what to do.
    pub fn explain(&self) -> (String, String) {
        match self {
            Miss::Param { name, given } => (
                format!(
                    "no parameter `{name}` is given to this build ({})",
                    if given.is_empty() { "none is given".to_owned() } else { format!("given: {}", given.join(", ")) }
                ),
                format!(
                    "pass --param {name}=…, or write `params.{name} | default(…)` or `{{% if params.{name} is defined %}}` where it is optional"
                ),
            ),
            Miss::Key { owner, name, keys } => (
                format!("`{owner}` has no `{name}`; it has {}", keys.join(", ")),
                closest(name, keys)
                    .map_or_else(|| "check the spelling".to_owned(), |near| format!("did you mean `{owner}.{near}`?")),
            ),
            Miss::Row { query, index, rows } => (
                format!(
                    "the result of query {query} has no row {index}: it has {rows} row{} (the first is [0])",
                    if *rows == 1 { "" } else { "s" }
                ),
                "loop over the rows ({% for row in … %}), or test the count first: {% if result | length > N %}"
                    .to_owned(),
            ),
            Miss::Column { query, name, columns } => (
                format!("row of query {query} has no column `{name}`; its columns are {}", columns.join(", ")),
                closest(name, columns).map_or_else(
                    || format!("use one of its columns, or change queries/{query}.sql to return `{name}`"),
                    |near| format!("did you mean `{near}`?"),
                ),
            ),
            Miss::Attribute { query, name, columns } if columns.contains(name) => (
                format!("the result of query {query} is a list of rows, not one row: it has no `{name}`"),
                format!("take a row first: `.first.{name}`, or loop over it: {{% for row in … %}}{{{{ row.{name} }}}}"),
            ),
            Miss::Attribute { query, name, columns } => (
                format!(
                    "the result of query {query} has no `{name}`; a result has {}, and its rows have the columns {}",
                    RESULT_ATTRIBUTES.join(", "),
                    columns.join(", ")
                ),
                closest(name, columns)
                    .map_or_else(|| "check the spelling".to_owned(), |near| format!("did you mean `first.{near}`?")),
            ),
        }
    }
}

thread_local! {
    /// The lookups that found nothing on this thread since the last
    /// [`clear_misses`]; a render runs on one thread.
    static MISSES: RefCell<Vec<Miss>> = const { RefCell::new(Vec::new()) };
}

/// How many misses are kept: `is defined` tests miss on purpose, and only
/// the latest matter.
const KEPT: usize = 64;

fn remember(miss: Miss) {
    MISSES.with(|misses| {
        let mut misses = misses.borrow_mut();
        if misses.len() == KEPT {
            misses.remove(0);
        }
        misses.push(miss);
    });
}

/// Forgets earlier misses: call before rendering a template.
pub fn clear_misses() {
    MISSES.with(|misses| misses.borrow_mut().clear());
}

/// The latest miss of a name that `expression` (the template text the
/// error points at) asks for as an attribute or item.
pub fn miss_in(expression: &str) -> Option<Miss> {
    MISSES.with(|misses| {
        misses
            .borrow()
            .iter()
            .rev()
            .find(|miss| {
                let name = miss.name();
                [format!(".{name}"), format!("[\"{name}\"]"), format!("['{name}']"), format!("[{name}]")].iter().any(
                    |asked| {
                        expression.match_indices(asked.as_str()).any(|(at, _)| ends_word(expression, at + asked.len()))
                    },
                )
            })
            .cloned()
    })
}

/// The latest miss, for an expression that asks by a computed name
/// (`row[column]`), which [`miss_in`] cannot read.
pub fn latest_miss_if_computed(expression: &str) -> Option<Miss> {
    let computed = expression
        .match_indices('[')
        .any(|(at, _)| expression[at + 1..].trim_start().chars().next().is_some_and(|c| c.is_alphabetic() || c == '_'));
    if !computed {
        return None;
    }
    MISSES.with(|misses| misses.borrow().last().cloned())
}

fn ends_word(text: &str, at: usize) -> bool {
    !text[at..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The name in `names` nearest to `wanted` (by edits, ignoring case), if
/// near enough to be a misspelling.
pub fn closest<'a>(wanted: &str, names: &'a [String]) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    names
        .iter()
        .map(|name| (edits(&wanted_lower, &name.to_lowercase()), name))
        .filter(|(distance, name)| {
            *distance <= name.chars().count().div_ceil(3).max(1) && *distance * 2 < wanted.chars().count()
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.as_str())
}

/// Levenshtein distance, in characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_suggested() {
        let columns: Vec<String> = ["held_on", "title", "country", "delegates"].map(String::from).to_vec();
        assert_eq!(closest("delegatez", &columns), Some("delegates"));
        assert_eq!(closest("Country", &columns), Some("country"));
        assert_eq!(closest("budget", &columns), None);
        let functions: Vec<String> = ["query", "table", "bar", "line"].map(String::from).to_vec();
        assert_eq!(closest("pie", &functions), None, "a short name is not near another by two letters");
        let keys: Vec<String> = ["label", "start"].map(String::from).to_vec();
        assert_eq!(closest("lable", &keys), Some("label"));
    }
}
