//! Running saved queries.
//!
//! A [`Runner`] answers saved queries for the rest of a command. It
//! resolves a query's parameters (given explicitly, else from the build's
//! `--param`/`--period`, else the declared default), binds them as
//! prepared-statement parameters, runs the statement, and keeps the result:
//! the same query with the same parameters runs once per build, however many
//! templates ask for it, and not at all while its data and SQL are those of
//! a result in the [`cache`]. The database is opened (read-only) only when
//! something must run. DuckDB's errors are mapped back to the `.sql` file
//! and line.

pub mod cache;
mod codec;
mod errors;

use errors::adhoc_error;
pub use errors::{refused, sql_error};

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use crate::engine::SqlFailure;
use crate::engine::{Database, DbError, Gate, Place, gate};
use crate::error::{Error, Location};
use crate::key::Key;
use crate::params::{ParamType, ParamValue};
use crate::project::Project;
use crate::project::saved_query::SavedQuery;
use crate::value::{Cell, QueryResult};
use cache::ResultCache;

/// A parameter value given for the whole build.
#[derive(Debug, Clone, PartialEq)]
pub enum BuildParam {
    /// From `--param NAME=TEXT`: typed by each query that declares it.
    Text(String),
    /// Already typed, such as `period_start` from `--period`.
    Value(ParamValue),
}

impl BuildParam {
    /// Adds the parameter to a key: how it was given, and its value.
    pub fn add_to(&self, key: &mut Key) {
        match self {
            BuildParam::Text(text) => key.add("given").add(text),
            BuildParam::Value(value) => key.add("typed").add_value(value),
        };
    }
}

/// Parameters for the whole build, by name.
pub type BuildParams = BTreeMap<String, BuildParam>;

/// Names of the parameters a period sets; shown in help texts.
pub const PERIOD_PARAMS: [&str; 5] = ["period_start", "period_end", "period_label", "previous_start", "previous_end"];

/// How many queries a runner has run, how many calls were answered from
/// the result cache on disk, and how many repeated a call of the same build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    pub executed: usize,
    pub stored: usize,
    pub cached: usize,
}

pub struct Runner {
    /// This runner's connection, opened on first need.
    db: Mutex<Option<Database>>,
    shared: Arc<Shared>,
    build_params: BuildParams,
    /// Every call since the last [`Runner::take_calls`], with its cache key.
    calls: Mutex<Vec<(String, QueryCall)>>,
}

/// A saved query's call: the data behind what a report shows.
#[derive(Debug, Clone)]
pub struct QueryCall {
    pub query: String,
    /// The parameters it ran with, as text, in the query's order.
    pub params: Vec<(String, String)>,
    pub result: Arc<QueryResult>,
}

/// A query's result, once computed.
type CacheSlot = Arc<Mutex<Option<Arc<QueryResult>>>>;

/// What the runners of one build share: the saved queries, the database
/// (opened once, on first need), the results of this build (keyed by query
/// and parameter values, so one period's runner can use another's results
/// for queries that ignore the period), the result cache and the counts.
struct Shared {
    queries: BTreeMap<String, SavedQuery>,
    /// Saved query names, each after those it builds on, with what it builds on.
    order: Vec<(String, Vec<String>)>,
    place: Place,
    /// The first connection: the others are its clones.
    first: Mutex<Option<Database>>,
    cache: Mutex<HashMap<String, CacheSlot>>,
    results: Option<ResultCache>,
    executed: AtomicUsize,
    stored: AtomicUsize,
    cached: AtomicUsize,
    /// Every SQL text passes it before it runs (see [`gate`]).
    gate: Gate,
}

impl Runner {
    /// A runner for the project's saved queries, over the database at
    /// `place`, answering from `results` where it can.
    pub fn new(project: &Project, place: Place, results: Option<ResultCache>, build_params: BuildParams) -> Runner {
        let order = project
            .query_order()
            .into_iter()
            .map(|name| (name.to_owned(), project.dependencies.get(name).cloned().unwrap_or_default()))
            .collect();
        let shared = Shared {
            queries: project.queries.clone(),
            order,
            place,
            first: Mutex::new(None),
            cache: Mutex::new(HashMap::new()),
            results,
            executed: AtomicUsize::new(0),
            stored: AtomicUsize::new(0),
            cached: AtomicUsize::new(0),
            gate: Gate::default(),
        };
        Runner { db: Mutex::new(None), shared: Arc::new(shared), build_params, calls: Mutex::new(Vec::new()) }
    }

    /// A runner for another part of the same build (another period, another
    /// thread): its own connection to the same database when it needs one,
    /// so that both can run at once, with its own parameters and views; the
    /// same results.
    pub fn fork(&self, build_params: BuildParams) -> Runner {
        Runner { db: Mutex::new(None), shared: self.shared.clone(), build_params, calls: Mutex::new(Vec::new()) }
    }

    /// Removes the least recently used results while the cache is over its
    /// size; call once, at the end of a command.
    pub fn trim_cache(&self) {
        if let Some(results) = &self.shared.results {
            results.trim();
        }
    }

    pub fn build_params(&self) -> &BuildParams {
        &self.build_params
    }

    pub fn saved(&self, name: &str) -> Option<&SavedQuery> {
        self.shared.queries.get(name)
    }

    /// The distinct calls made since the last time, in order: the data
    /// behind what was rendered in between.
    pub fn take_calls(&self) -> Vec<QueryCall> {
        let calls = std::mem::take(&mut *self.calls.lock().unwrap_or_else(|p| p.into_inner()));
        let mut seen: Vec<String> = Vec::new();
        let mut distinct = Vec::new();
        for (key, call) in calls {
            if !seen.contains(&key) {
                seen.push(key);
                distinct.push(call);
            }
        }
        distinct
    }

    pub fn stats(&self) -> RunStats {
        let shared = &self.shared;
        RunStats {
            executed: shared.executed.load(Ordering::Relaxed),
            stored: shared.stored.load(Ordering::Relaxed),
            cached: shared.cached.load(Ordering::Relaxed),
        }
    }

    /// Runs saved query `name` with `args` overriding the build's parameters.
    pub fn run(&self, name: &str, args: &[(String, ParamValue)]) -> Result<Arc<QueryResult>, Error> {
        let query = self.shared.queries.get(name).ok_or_else(|| self.unknown_query(name))?;
        let values = self.resolve(query, args)?;
        let mut key = Key::new("query call");
        key.add(name);
        for (param, value) in &values {
            key.add(param).add_value(value);
        }
        let key = key.finish();
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
                let (result, kept) = self.kept_or("query result", query, &values, |db| {
                    db.select(&self.shared.gate, &query.name, query.sql(), &values)
                })?;
                let count = if kept { &self.shared.stored } else { &self.shared.executed };
                count.fetch_add(1, Ordering::Relaxed);
                let result = Arc::new(result);
                *slot = Some(result.clone());
                result
            }
        };
        drop(slot);
        let call = QueryCall {
            query: name.to_owned(),
            params: values.iter().map(|(param, value)| (param.clone(), value.to_string())).collect(),
            result: result.clone(),
        };
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).push((key, call));
        Ok(result)
    }

    /// The result of `query` with `values` kept in the cache (and `true`),
    /// else `run` on this runner's connection after the query's file passed
    /// the gate (and kept, unless its result may change on the same data).
    fn kept_or(
        &self,
        what: &str,
        query: &SavedQuery,
        values: &[(String, ParamValue)],
        run: impl FnOnce(&Database) -> Result<QueryResult, SqlFailure>,
    ) -> Result<(QueryResult, bool), Error> {
        let results = self.shared.results.as_ref();
        let key = results.and_then(|r| r.key(what, &query.name, values).ok());
        if let (Some(results), Some(key)) = (results, &key)
            && let Some(hit) = results.get(key)
        {
            return Ok((hit, true));
        }
        let db = self.connection()?;
        let result = self
            .gate_source(&db, query)
            .map_err(SqlFailure::Refused)
            .and_then(|()| run(&db))
            .map_err(|e| sql_error(query, e))?;
        if let (Some(results), Some(key)) = (results, &key) {
            results.put(key, &result);
        }
        Ok((result, false))
    }

    /// Runs ad-hoc SQL (`--sql`, no parameters): one read-only statement.
    pub fn run_sql(&self, sql: &str) -> Result<QueryResult, Error> {
        self.connection()?.select(&self.shared.gate, "sql", sql, &[]).map_err(|e| adhoc_error(sql, e))
    }

    /// Runs a data test's SQL (wrapped by laporan around the project's text)
    /// and collects the rows. The exact string passes the gate first.
    pub fn select(&self, sql: &str) -> Result<QueryResult, SqlFailure> {
        let db = self.connection().map_err(|e| SqlFailure::Db(DbError(e.message().to_owned())))?;
        db.select(&self.shared.gate, "test", sql, &[])
    }

    /// Runs a `SELECT count(*) …` around a data test, through the gate.
    pub fn select_count(&self, sql: &str) -> Result<u64, SqlFailure> {
        let result = self.select(sql)?;
        match result.rows.first().and_then(|row| row.first()) {
            Some(Cell::Int(count)) => Ok((*count).max(0) as u64),
            _ => Err(SqlFailure::Db(crate::engine::DbError(format!("no count from: {sql}")))),
        }
    }

    /// Passes a saved query's or data test's file through the [`gate`]
    /// without running it. The whole file must be one SELECT too, as DuckDB
    /// reads it: what runs is the statement laporan found in it, and nothing
    /// may hide after it (a comment that DuckDB ends where laporan's reading
    /// of the file does not). When only semicolons and white space follow
    /// the statement, it is the same SELECT and passes with the file (one
    /// parse instead of two).
    pub fn gate_file(&self, query: &SavedQuery) -> Result<(), gate::Refusal> {
        let db = self.connection().map_err(|e| gate::Refusal::Failed(e.message().to_owned()))?;
        self.gate_source(&db, query)
    }

    fn gate_source(&self, db: &Database, query: &SavedQuery) -> Result<(), gate::Refusal> {
        let gate = &self.shared.gate;
        gate.check(db, &query.source)?;
        let rest = &query.source[query.statement.end..];
        if rest.chars().all(|c| c == ';' || c.is_whitespace()) {
            gate.approve(query.sql());
            Ok(())
        } else {
            gate.check(db, query.sql())
        }
    }

    /// This runner's connection, opened (and given the views of the saved
    /// queries that others build on) if it is not yet.
    fn connection(&self) -> Result<Connection<'_>, Error> {
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        if db.is_none() {
            let (opened, problems) = self.open(false)?;
            if let Some(problem) = problems.into_iter().next() {
                return Err(problem);
            }
            *db = Some(opened);
        }
        Ok(Connection(db))
    }

    /// Opens this runner's connection if it is not yet: an error if a
    /// saved query that others build on is broken.
    pub fn ready(&self) -> Result<(), Error> {
        self.connection().map(drop)
    }

    /// A new connection to the database, read-only: the first opens it, the
    /// others are its clones. Its views are made and, with `all`, every
    /// saved query is prepared (see [`Runner::check`]): the problems found.
    fn open(&self, all: bool) -> Result<(Database, Vec<Error>), Error> {
        let db = {
            let mut first = self.shared.first.lock().unwrap_or_else(|p| p.into_inner());
            match &*first {
                Some(db) => db.try_clone()?,
                None => {
                    let db = Database::reader(&self.shared.place)?;
                    self.same_data(&db)?;
                    let clone = db.try_clone()?;
                    *first = Some(db);
                    clone
                }
            }
        };
        let problems = self.prepare(&db, all);
        Ok((db, problems))
    }

    /// Refuses a database that does not hold the datasets the result cache's
    /// keys were made for: results run on it would be kept under keys of
    /// other data. The record of the last load is then removed, so that the
    /// next command checks the files and loads what differs.
    fn same_data(&self, db: &Database) -> Result<(), Error> {
        let Some(results) = &self.shared.results else { return Ok(()) };
        let held = crate::load::loaded(db)?.into_iter().map(|d| (d.name.clone(), d.fingerprint().to_owned())).collect();
        if results.matches(&held) {
            return Ok(());
        }
        crate::load::forget_record(&self.shared.place);
        Err(Error::project(format!(
            "{} does not hold the data this command started with",
            self.shared.place.database.1.display()
        ))
        .note("another laporan loaded data meanwhile, or the database was replaced")
        .help("run the command again: it checks the data files and loads what differs"))
    }

    /// Prepares every saved query without running it, so that syntax
    /// errors, unknown tables and columns and type errors surface in any of
    /// them. Returns every problem; a query building on a broken one is
    /// skipped, not reported twice.
    pub fn check(&self) -> Result<Vec<Error>, Error> {
        let (db, problems) = self.open(true)?;
        *self.db.lock().unwrap_or_else(|p| p.into_inner()) = Some(db);
        Ok(problems)
    }

    /// Makes the saved queries that others build on available to them, as
    /// temporary views named after the queries; with `all`, prepares the
    /// others too.
    fn prepare(&self, db: &Database, all: bool) -> Vec<Error> {
        let gate = &self.shared.gate;
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
            let result = self
                .gate_source(db, query)
                .map_err(SqlFailure::Refused)
                .and_then(|()| db.prepare_select(gate, query.sql()))
                .and_then(|()| if base { db.create_view(gate, name, query.sql()) } else { Ok(()) })
                .map_err(|e| sql_error(query, e));
            if let Err(error) = result {
                problems.push(error);
                failed.push(name);
            }
        }
        problems
    }

    /// The columns each saved query returns, by query name, for checking
    /// templates against them. Each query runs once under `LIMIT 0` (no
    /// rows are computed), with the build's parameters, else the declared
    /// defaults, else NULL. A query that fails is left out: preparing it
    /// reports why.
    pub fn columns(&self) -> HashMap<String, Vec<String>> {
        let mut columns = HashMap::new();
        for (name, query) in &self.shared.queries {
            let values = self.resolve(query, &[]).unwrap_or_else(|_| {
                query
                    .params
                    .iter()
                    .map(|decl| (decl.name.clone(), decl.default.clone().unwrap_or(ParamValue::Null)))
                    .collect()
            });
            let sql = format!("SELECT * FROM (\n{}\n) AS laporan_columns LIMIT 0", query.sql());
            let result =
                self.kept_or("query columns", query, &values, |db| db.select(&self.shared.gate, name, &sql, &values));
            if let Ok((result, _)) = result {
                columns.insert(name.clone(), result.columns.into_iter().map(|c| c.name).collect());
            }
        }
        columns
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
                    .help(how)
                    .missing_param(&decl.name));
                }
            };
            values.push((decl.name.clone(), value));
        }
        Ok(values)
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

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, CacheSlot>> {
        self.shared.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A runner's open connection (see [`Runner::connection`]).
struct Connection<'a>(std::sync::MutexGuard<'a, Option<Database>>);

impl std::ops::Deref for Connection<'_> {
    type Target = Database;

    fn deref(&self) -> &Database {
        self.0.as_ref().expect("a connection is opened before it is handed out")
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
