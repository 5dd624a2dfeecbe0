//! Running saved queries.
//!
//! A [`Runner`] owns the database connection for the rest of a command. It
//! resolves a query's parameters (given explicitly, else from the build's
//! `--param`/`--period`, else the declared default), binds them as
//! prepared-statement parameters, runs the statement, and caches the result:
//! the same query with the same parameters runs once per build, however many
//! templates ask for it. DuckDB's errors are mapped back to the `.sql` file
//! and line.

pub mod saved;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use duckdb::Connection;

use crate::db::quote_ident;
use crate::error::{Error, Location};
use crate::params::{ParamType, ParamValue};
use crate::project::Project;
use crate::value::{Cell, Column, QueryResult, type_name};
use saved::SavedQuery;

/// A parameter value given for the whole build.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildParam {
    /// From `--param NAME=TEXT`: typed by each query that declares it.
    Text(String),
    /// Already typed, such as `period_start` from `--period`.
    Value(ParamValue),
}

/// Parameters for the whole build, by name.
pub type BuildParams = BTreeMap<String, BuildParam>;

/// Names of the parameters a period sets; shown in help texts.
pub const PERIOD_PARAMS: [&str; 5] = ["period_start", "period_end", "period_label", "previous_start", "previous_end"];

/// How many queries a runner has run, and how many requests the cache served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    pub executed: usize,
    pub cached: usize,
}

pub struct Runner {
    conn: Mutex<Connection>,
    shared: Arc<Shared>,
    build_params: BuildParams,
    /// Every call since the last [`Runner::take_calls`]: (query, cache key, result).
    calls: Mutex<Vec<(String, String, Arc<QueryResult>)>>,
}

/// A query's result, once computed.
type CacheSlot = Arc<Mutex<Option<Arc<QueryResult>>>>;

/// What the runners of one build share: the saved queries, the results
/// cache (keyed by query and parameter values, so one period's runner can
/// use another's results for queries that ignore the period) and the counts.
struct Shared {
    queries: BTreeMap<String, SavedQuery>,
    /// Saved query names, each after those it builds on, with what it builds on.
    order: Vec<(String, Vec<String>)>,
    cache: Mutex<HashMap<String, CacheSlot>>,
    executed: AtomicUsize,
    cached: AtomicUsize,
    /// Whether every saved query is known to be one read-only statement
    /// (see [`Runner::check`]); until then each is checked before it runs.
    read_only_checked: AtomicBool,
}

impl Runner {
    /// A runner for the project's saved queries. Call [`Runner::create_views`]
    /// (or [`Runner::check`]) before running any.
    pub fn new(conn: Connection, project: &Project, build_params: BuildParams) -> Runner {
        let order = project
            .query_order()
            .into_iter()
            .map(|name| (name.to_owned(), project.dependencies.get(name).cloned().unwrap_or_default()))
            .collect();
        let shared = Shared {
            queries: project.queries.clone(),
            order,
            cache: Mutex::new(HashMap::new()),
            executed: AtomicUsize::new(0),
            cached: AtomicUsize::new(0),
            read_only_checked: AtomicBool::new(false),
        };
        Runner { conn: Mutex::new(conn), shared: Arc::new(shared), build_params, calls: Mutex::new(Vec::new()) }
    }

    /// A runner for another part of the same build (another period, another
    /// thread): its own connection to the same database, so that both can
    /// run at once, with its own parameters and views; the same cache.
    pub fn fork(&self, build_params: BuildParams) -> Result<Runner, Error> {
        let conn = self.lock_conn().try_clone().map_err(|e| {
            Error::project("cannot open another connection to the database").note(e.to_string().trim().to_owned())
        })?;
        let runner =
            Runner { conn: Mutex::new(conn), shared: self.shared.clone(), build_params, calls: Mutex::new(Vec::new()) };
        runner.create_views()?;
        Ok(runner)
    }

    pub fn build_params(&self) -> &BuildParams {
        &self.build_params
    }

    pub fn saved(&self, name: &str) -> Option<&SavedQuery> {
        self.shared.queries.get(name)
    }

    /// The distinct calls (query name, result) made since the last time,
    /// in order: the data behind what was rendered in between.
    pub fn take_calls(&self) -> Vec<(String, Arc<QueryResult>)> {
        let calls = std::mem::take(&mut *self.calls.lock().unwrap_or_else(|p| p.into_inner()));
        let mut seen: Vec<String> = Vec::new();
        let mut distinct = Vec::new();
        for (name, key, result) in calls {
            if !seen.contains(&key) {
                seen.push(key);
                distinct.push((name, result));
            }
        }
        distinct
    }

    pub fn stats(&self) -> RunStats {
        let shared = &self.shared;
        RunStats { executed: shared.executed.load(Ordering::Relaxed), cached: shared.cached.load(Ordering::Relaxed) }
    }

    /// Runs saved query `name` with `args` overriding the build's parameters.
    pub fn run(&self, name: &str, args: &[(String, ParamValue)]) -> Result<Arc<QueryResult>, Error> {
        let query = self.shared.queries.get(name).ok_or_else(|| self.unknown_query(name))?;
        let values = self.resolve(query, args)?;
        let key = format!(
            "{name}\u{0}{}",
            values.iter().map(|(k, v)| format!("{k}={v:?}")).collect::<Vec<_>>().join("\u{0}")
        );
        // One slot per distinct call: a runner asking for a result another
        // is computing waits for it instead of running the query again.
        let slot = self.lock_cache().entry(key.clone()).or_default().clone();
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        let result = match &*slot {
            Some(hit) => {
                self.shared.cached.fetch_add(1, Ordering::Relaxed);
                hit.clone()
            }
            None => {
                let result = Arc::new(self.execute(query, &values)?);
                self.shared.executed.fetch_add(1, Ordering::Relaxed);
                *slot = Some(result.clone());
                result
            }
        };
        drop(slot);
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).push((name.to_owned(), key, result.clone()));
        Ok(result)
    }

    /// Runs ad-hoc SQL (no parameters): one read-only statement.
    pub fn run_sql(&self, sql: &str) -> Result<QueryResult, Error> {
        let conn = self.lock_conn();
        if is_single_select(&conn, sql).map_err(|e| adhoc_error(sql, e))? == Some(false) {
            return Err(Error::usage(
                "--sql runs one read-only statement: SELECT, WITH … SELECT, FROM …, VALUES, DESCRIBE or SUMMARIZE",
            )
            .help("laporan never runs SQL that changes data, files or settings"));
        }
        let mut stmt = conn.prepare(sql).map_err(|e| adhoc_error(sql, e))?;
        collect("sql", &mut stmt, []).map_err(|e| adhoc_error(sql, e))
    }

    /// Runs SQL of laporan's own making (data tests) and collects the rows.
    pub fn select(&self, sql: &str) -> duckdb::Result<QueryResult> {
        let conn = self.lock_conn();
        let mut stmt = conn.prepare(sql)?;
        collect("test", &mut stmt, [])
    }

    /// Runs a `SELECT count(*) …` of laporan's own making.
    pub fn select_count(&self, sql: &str) -> duckdb::Result<u64> {
        let count: i64 = self.lock_conn().query_row(sql, [], |row| row.get(0))?;
        Ok(count as u64)
    }

    /// Makes the saved queries that others build on available to them, as
    /// temporary views named after the queries.
    pub fn create_views(&self) -> Result<(), Error> {
        match self.prepare(false).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Creates the views and prepares every saved query without running it,
    /// so that syntax errors, unknown tables and columns and type errors
    /// surface in any of them. Returns every problem; a query building on a
    /// broken one is skipped, not reported twice.
    pub fn check(&self) -> Vec<Error> {
        let problems = self.prepare(true);
        if problems.is_empty() {
            self.assume_checked();
        }
        problems
    }

    /// Records that a [`Runner::check`] of the same saved queries on the
    /// same data found nothing (in an earlier build).
    pub fn assume_checked(&self) {
        self.shared.read_only_checked.store(true, Ordering::Relaxed);
    }

    fn prepare(&self, all: bool) -> Vec<Error> {
        let conn = self.lock_conn();
        let mut problems = Vec::new();
        let mut failed: Vec<&str> = Vec::new();
        let order = &self.shared.order;
        for (name, deps) in order {
            let base = order.iter().any(|(_, d)| d.contains(name));
            if !all && !base {
                continue;
            }
            if deps.iter().any(|d| failed.contains(&d.as_str())) {
                failed.push(name);
                continue;
            }
            let query = &self.shared.queries[name];
            // A view can only be a SELECT: the read-only check is for the rest.
            let result = (if all { check_read_only(&conn, query) } else { Ok(()) })
                .and_then(|()| conn.prepare(query.sql()).map(drop).map_err(|e| sql_error(query, e)))
                .and_then(|()| {
                    if !base {
                        return Ok(());
                    }
                    let view = format!("CREATE OR REPLACE TEMP VIEW {} AS {}", quote_ident(name), query.sql());
                    conn.execute_batch(&view).map_err(|e| sql_error(query, e))
                });
            if let Err(error) = result {
                problems.push(error);
                failed.push(name);
            }
        }
        problems
    }

    /// The value of every declared parameter, in declaration order.
    fn resolve(&self, query: &SavedQuery, args: &[(String, ParamValue)]) -> Result<Vec<(String, ParamValue)>, Error> {
        for (name, _) in args {
            if query.param(name).is_none() {
                return Err(Error::project(format!("query {} has no parameter {name}", query.name))
                    .at(Location::file(&query.path))
                    .note(declared_list(query)));
            }
        }
        let mut values = Vec::with_capacity(query.params.len());
        for decl in &query.params {
            let given = args.iter().find(|(name, _)| name == &decl.name).map(|(_, v)| v.clone());
            let value = match (given, self.build_params.get(&decl.name), &decl.default) {
                (Some(value), _, _) => value,
                (None, Some(BuildParam::Text(text)), _) => decl.ty.parse(text).map_err(|e| {
                    Error::usage(format!("--param {}: {e}", decl.name)).note(format!(
                        "{} declares {} {}",
                        query.path.display(),
                        decl.name,
                        decl.ty
                    ))
                })?,
                (None, Some(BuildParam::Value(value)), _) => convert(value, decl.ty).map_err(|e| {
                    Error::project(format!("parameter {} of query {}: {e}", decl.name, query.name))
                        .at(Location::file(&query.path))
                })?,
                (None, None, Some(default)) => default.clone(),
                (None, None, None) => {
                    let how = if PERIOD_PARAMS.contains(&decl.name.as_str()) {
                        format!("pass --period (such as --period 2024-Q2) or --param {}=…", decl.name)
                    } else {
                        format!("pass --param {}=… or give it a default in the @param line", decl.name)
                    };
                    return Err(Error::usage(format!(
                        "query {} needs parameter {} ({})",
                        query.name, decl.name, decl.ty
                    ))
                    .at(Location::file(&query.path))
                    .help(how));
                }
            };
            values.push((decl.name.clone(), value));
        }
        Ok(values)
    }

    fn execute(&self, query: &SavedQuery, values: &[(String, ParamValue)]) -> Result<QueryResult, Error> {
        let conn = self.lock_conn();
        if !self.shared.read_only_checked.load(Ordering::Relaxed) {
            check_read_only(&conn, query)?;
        }
        let mut stmt = conn.prepare(query.sql()).map_err(|e| sql_error(query, e))?;
        // Bind by position, in the order DuckDB numbered the $names.
        let mut bound = Vec::with_capacity(stmt.parameter_count());
        for index in 1..=stmt.parameter_count() {
            let name = stmt.parameter_name(index).map_err(|e| sql_error(query, e))?;
            // The lexer checked every $name against the declarations, so a
            // miss here means DuckDB saw a parameter the lexer did not.
            let value = values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_db()).ok_or_else(|| {
                Error::project(format!("parameter ${name} is not declared")).at(Location::file(&query.path))
            })?;
            bound.push(value);
        }
        collect(&query.name, &mut stmt, duckdb::params_from_iter(bound)).map_err(|e| sql_error(query, e))
    }

    fn unknown_query(&self, name: &str) -> Error {
        let known: Vec<&str> = self.shared.queries.keys().map(String::as_str).collect();
        let error = Error::usage(format!("no saved query named {name}"));
        if known.is_empty() {
            error.help("add one as queries/NAME.sql")
        } else {
            error.note(format!("saved queries: {}", known.join(", ")))
        }
    }

    fn lock_conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, CacheSlot>> {
        self.shared.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Calls `work` on each of `items` from up to `threads` threads (each
/// taking the next item), and returns the results in the items' order.
/// After a failure no more items are started, and the first failure is
/// returned. Give each thread its own connection ([`Runner::fork`]): one
/// connection runs one statement at a time.
pub fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> Result<R, Error> + Sync,
) -> Result<Vec<R>, Error> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Result<R, Error>>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= items.len() || failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let result = work(&items[index]);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    *slots[index].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                }
            });
        }
    });
    // Items are taken in order, so the first failure comes before any item
    // left undone.
    let mut results = Vec::with_capacity(items.len());
    for slot in slots {
        match slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some(result) => results.push(result?),
            None => unreachable!("an item is left undone only after a failure"),
        }
    }
    Ok(results)
}

/// Whether `sql` is exactly one SELECT-like statement, as DuckDB's own parser
/// sees it: `json_serialize_sql` serializes SELECT statements only. `None`
/// when it does not parse (preparing it then reports the syntax error).
fn is_single_select(conn: &Connection, sql: &str) -> duckdb::Result<Option<bool>> {
    let json: String = conn.query_row("SELECT json_serialize_sql(?)", [sql], |row| row.get(0))?;
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    if parsed["error"] == true {
        let not_select = parsed["error_message"].as_str().is_some_and(|m| m.contains("Only SELECT statements"));
        return Ok(if not_select { Some(false) } else { None });
    }
    Ok(Some(parsed["statements"].as_array().is_some_and(|s| s.len() == 1)))
}

/// Refuses a saved query that is not a single read-only statement.
fn check_read_only(conn: &Connection, query: &SavedQuery) -> Result<(), Error> {
    match is_single_select(conn, query.sql()).map_err(|e| sql_error(query, e))? {
        Some(true) | None => Ok(()),
        Some(false) => Err(Error::project(format!("query {} is not a read-only SELECT statement", query.name))
            .at(Location::at_offset(&query.path, &query.source, query.statement.start))
            .help("a saved query is one SELECT (or WITH … SELECT, FROM …, VALUES); laporan never runs SQL that changes data, files or settings")),
    }
}

/// A typed value given for the build, as the type a query declares.
fn convert(value: &ParamValue, ty: ParamType) -> Result<ParamValue, String> {
    match (value, ty) {
        (ParamValue::Null, _) => Ok(ParamValue::Null),
        (ParamValue::Date(_), ParamType::Date)
        | (ParamValue::Text(_), ParamType::Varchar)
        | (ParamValue::Integer(_), ParamType::Integer) => Ok(value.clone()),
        _ => ty.parse(&value.to_string()),
    }
}

fn declared_list(query: &SavedQuery) -> String {
    if query.params.is_empty() {
        format!("{} declares no parameters", query.path.display())
    } else {
        let names: Vec<String> = query.params.iter().map(|p| format!("{} {}", p.name, p.ty)).collect();
        format!("{} declares: {}", query.path.display(), names.join(", "))
    }
}

/// Runs a prepared statement with `params` and collects its rows.
fn collect(name: &str, stmt: &mut duckdb::Statement<'_>, params: impl duckdb::Params) -> duckdb::Result<QueryResult> {
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    {
        let mut rows = stmt.query(params)?;
        let mut types = Vec::new();
        while let Some(row) = rows.next()? {
            if types.is_empty() {
                let stmt: &duckdb::Statement<'_> = row.as_ref();
                types = (0..stmt.column_count()).map(|i| stmt.column_logical_type(i).try_id().ok()).collect();
            }
            let mut values = Vec::with_capacity(types.len());
            for (i, ty) in types.iter().enumerate() {
                values.push(Cell::from_db(row.get(i)?, *ty));
            }
            cells.push(values);
        }
    }
    // Names and types are known once the statement has run, rows or not.
    let columns = (0..stmt.column_count())
        .map(|i| Column {
            name: stmt.column_name(i).cloned().unwrap_or_else(|_| format!("column{i}")),
            type_name: type_name(&stmt.column_logical_type(i)),
        })
        .collect();
    Ok(QueryResult::new(name.to_owned(), columns, cells))
}

/// A DuckDB error about a saved query, placed in its `.sql` file.
pub fn sql_error(query: &SavedQuery, err: duckdb::Error) -> Error {
    let (message, mut position, rest) = split_duckdb_message(&err.to_string(), query.sql());
    // DuckDB places some binder errors at the clause that bound the name
    // (GROUP BY ALL, say); the name itself is where the user looks.
    if let Some(name) = unknown_name(&message)
        && let Some(found) = find_word(query, name)
    {
        position = Some(found);
    }
    let (first, last) = query.statement_lines();
    let location = match position {
        Some((line, column, width)) => {
            Location::in_source(&query.path, &query.source, line, Some(column)).with_width(width)
        }
        None if first == last => Location::in_source(&query.path, &query.source, first, None),
        None => Location::file(&query.path),
    };
    let mut error = Error::project(message).at(location);
    if position.is_none() && first != last {
        error = error.note(format!("in the statement on lines {first} to {last}"));
    }
    if !rest.is_empty() {
        error = error.note(rest);
    }
    error
}

/// The name in "Referenced column "x" not found" and "Table with name x
/// does not exist".
fn unknown_name(message: &str) -> Option<&str> {
    if let Some(rest) = message.split("Referenced column \"").nth(1) {
        return rest.split('"').next();
    }
    if let Some(rest) = message.split("Table with name ").nth(1) {
        return rest.split(' ').next();
    }
    None
}

/// Line, column and width of the first whole-word use of `name` in the
/// statement.
fn find_word(query: &SavedQuery, name: &str) -> Option<(usize, usize, usize)> {
    let statement = &query.source[query.statement.clone()];
    let lower = statement.to_lowercase();
    let wanted = name.to_lowercase();
    if lower.len() != statement.len() || wanted.is_empty() {
        return None;
    }
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(at) = lower[from..].find(&wanted) {
        let start = from + at;
        let end = start + wanted.len();
        let before_ok = start == 0 || !is_word(lower.as_bytes()[start - 1]);
        let after_ok = end == lower.len() || !is_word(lower.as_bytes()[end]);
        if before_ok && after_ok {
            let (line, column) = crate::error::line_and_column(&query.source, query.statement.start + start);
            return Some((line, column, name.chars().count()));
        }
        from = end;
    }
    None
}

fn adhoc_error(sql: &str, err: duckdb::Error) -> Error {
    let (message, position, rest) = split_duckdb_message(&err.to_string(), sql);
    let mut error = Error::project(message);
    if let Some((line, column, width)) = position {
        error = error.at(Location::in_source("<sql>", sql, line, Some(column)).with_width(width));
    }
    if !rest.is_empty() {
        error = error.note(rest);
    }
    error
}

/// Splits a DuckDB error message into its first line, the position it
/// points at (line, column, width), and the remaining explanation.
///
/// DuckDB shows a position as `LINE 3: FORM events` followed by a line with
/// a caret; the quoted context may be shortened with `...`, so the column is
/// found by locating the context in the real source line.
fn split_duckdb_message(text: &str, sql: &str) -> (String, Option<(usize, usize, usize)>, String) {
    let lines: Vec<&str> = text.lines().collect();
    let message = lines.first().map(|l| l.trim().to_owned()).unwrap_or_default();
    let mut position = None;
    let mut rest = Vec::new();
    let mut i = 1;
    while i < lines.len() {
        let line = lines[i];
        if let Some(after) = line.strip_prefix("LINE ")
            && let Some((number, context)) = after.split_once(": ")
            && let Ok(line_no) = number.parse::<usize>()
        {
            let prefix_len = line.len() - context.len();
            let caret = lines.get(i + 1).and_then(|l| l.find('^'));
            if caret.is_some() {
                i += 1;
            }
            position = Some(locate(sql, line_no, context, caret.map(|c| c.saturating_sub(prefix_len))));
        } else if !line.trim().is_empty() {
            rest.push(line.trim_end());
        }
        i += 1;
    }
    (message, position, rest.join("\n"))
}

/// Column and width of DuckDB's caret within line `line_no` of `sql`.
fn locate(sql: &str, line_no: usize, context: &str, caret: Option<usize>) -> (usize, usize, usize) {
    let source_line = sql.lines().nth(line_no.saturating_sub(1)).unwrap_or("");
    let Some(caret) = caret else { return (line_no, 1, 1) };
    let (shown, skipped) = match context.strip_prefix("...") {
        Some(stripped) => (stripped, 3),
        None => (context, 0),
    };
    let shown = shown.strip_suffix("...").unwrap_or(shown);
    let caret_in_shown = caret.saturating_sub(skipped);
    let start = source_line.find(shown).unwrap_or(0);
    let byte = (start + caret_in_shown).min(source_line.len());
    let byte = (0..=byte).rev().find(|&b| source_line.is_char_boundary(b)).unwrap_or(0);
    let column = source_line[..byte].chars().count() + 1;
    let word: usize =
        source_line[byte..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$' || *c == '.').count();
    (line_no, column, word.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_positioned_messages() {
        let sql = "-- x\nSELECT *\nFORM events\n";
        let text = "Parser Error: syntax error at or near \"FORM\"\n\nLINE 3: FORM events\n        ^";
        let (message, position, rest) = split_duckdb_message(text, sql);
        assert_eq!(message, "Parser Error: syntax error at or near \"FORM\"");
        assert_eq!(position, Some((3, 1, 4)));
        assert_eq!(rest, "");
    }

    #[test]
    fn finds_the_column_in_a_shortened_context() {
        let sql = "SELECT a, b, c, d, e, f, g, h, nope FROM t";
        let text = "Binder Error: Referenced column \"nope\" not found\nCandidate bindings: \"a\"\n\nLINE 1: ...e, f, g, h, nope FROM t\n                       ^";
        let (_, position, rest) = split_duckdb_message(text, sql);
        assert_eq!(position, Some((1, 32, 4)));
        assert_eq!(rest, "Candidate bindings: \"a\"");
    }
}
