//! The result cache: saved queries' results kept in `.laporan/cache/`, so
//! that a command whose data and SQL did not change answers from them
//! without running anything (a template edit re-renders from them at any
//! data size).
//!
//! A result is kept under a key of everything it depends on:
//!
//! - the content of every dataset it reads (the load's fingerprint: the
//!   files' SHA-256 and their declaration), found by DuckDB's own parse of
//!   its SQL, and of the saved queries it builds on, read the same way;
//! - its SQL and theirs, its bound parameter values with their types;
//! - laporan's and DuckDB's versions. (`[duckdb]` settings and `TZ` are not
//!   part of it: none changes a result of this DuckDB, built without ICU.)
//!
//! A changed dataset therefore invalidates exactly the queries that read
//! it. A query whose result could differ on the same data is never kept:
//! one that calls a function DuckDB does not mark CONSISTENT (`now()`,
//! `current_date`, `random()`, a macro calling one), a table function
//! (`read_csv`, which reads a file directly), samples a table, reads the
//! catalogue (`SHOW TABLES`, `DESCRIBE`), or names a table that is
//! neither a dataset, a saved query nor a CTE (`'file.csv'`, `main.x`).
//! Which tables a query reads is over-counted, never under-counted: every
//! dataset named in it is in its key, even where a CTE of that name hides it.
//!
//! Each result is one file, written to a temporary name and renamed into
//! place, with a checksum ([`codec`]): a process killed at any moment
//! leaves either the whole file or none, and a damaged one is a miss
//! (removed). Files are used least-recently first out when the cache
//! outgrows `[cache] max_size` ([`ResultCache::trim`]). With `--force`
//! nothing is read from it; results are written again.
//!
//! What DuckDB's parse said of each SQL text is kept in
//! `.laporan/cache/queries.json` (keyed by the text and DuckDB's version),
//! so that a command answered from the cache does not start DuckDB at all.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::codec;
use crate::engine::{self, parse};
use crate::key::Key;
use crate::params::ParamValue;
use crate::project::Project;
use crate::project::saved_query::SavedQuery;
use crate::value::QueryResult;
use std::sync::{Mutex, OnceLock};

/// The table functions whose result depends on their arguments only.
const PURE_TABLE_FUNCTIONS: [&str; 3] = ["range", "generate_series", "unnest"];
/// A temporary file older than this was left by a killed process.
const ABANDONED: Duration = Duration::from_secs(600);
const RESULTS: &str = "results";
const ANALYSES: &str = "queries.json";

/// Where results are kept, and the key of each saved query's results.
pub struct ResultCache {
    /// `.laporan/cache/` (real path).
    dir: PathBuf,
    max_size: u64,
    /// Whether results may be read (not with `--force`).
    read: bool,
    /// The fingerprint of each dataset loaded, by name: what the keys
    /// assume the database holds.
    fingerprints: BTreeMap<String, String>,
    /// What the keys are made of, until they are made.
    inputs: Mutex<Option<Inputs>>,
    /// Each saved query's key without its parameters, or why its results
    /// are not kept: made on first use (a command that runs no saved
    /// query does not parse them).
    keys: OnceLock<BTreeMap<String, Result<String, String>>>,
}

/// What [`ResultCache::keys`] are made of.
struct Inputs {
    /// Saved queries, each after those it builds on.
    queries: Vec<SavedQuery>,
    dependencies: BTreeMap<String, Vec<String>>,
    /// Dataset names, and the fingerprint of each one loaded.
    datasets: Vec<(String, Option<String>)>,
    /// The part common to every key: versions and settings.
    common: Key,
}

/// What DuckDB's parse of one SQL text says, as far as the cache cares.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Analysis {
    /// Every bare table name in it, lower case.
    tables: Vec<String>,
    /// The names of the CTEs it defines, lower case.
    ctes: Vec<String>,
    /// Why its result may change on the same data, if it may.
    unstable: Option<String>,
}

impl ResultCache {
    /// The cache for `project`'s saved queries over datasets loaded with
    /// these `fingerprints` (by dataset name). `read` is false for
    /// `--force`. The parse of each query's SQL is read from
    /// `queries.json`, or asked of DuckDB and kept there.
    pub fn new(project: &Project, fingerprints: &BTreeMap<String, String>, read: bool) -> ResultCache {
        let (dir, _) = project.cache_dir();
        let mut common = Key::new("query result");
        common.add(engine::version());
        let inputs = Inputs {
            queries: project.query_order().into_iter().map(|name| project.queries[name].clone()).collect(),
            dependencies: project.dependencies.clone(),
            datasets: project.datasets.iter().map(|d| (d.name.clone(), fingerprints.get(&d.name).cloned())).collect(),
            common,
        };
        ResultCache {
            dir,
            max_size: project.cache_max_size(),
            read,
            fingerprints: fingerprints.clone(),
            inputs: Mutex::new(Some(inputs)),
            keys: OnceLock::new(),
        }
    }

    /// Each saved query's key without parameters (see [`base_key`]).
    fn keys(&self) -> &BTreeMap<String, Result<String, String>> {
        self.keys.get_or_init(|| {
            let Some(inputs) = self.inputs.lock().unwrap_or_else(|p| p.into_inner()).take() else {
                return BTreeMap::new();
            };
            let analyses = analyse(&self.dir, &inputs.queries, self.max_size > 0);
            let mut keys = BTreeMap::new();
            for (query, analysis) in inputs.queries.iter().zip(&analyses) {
                let key = base_key(&inputs, query, analysis, &keys);
                keys.insert(query.name.clone(), key);
            }
            keys
        })
    }

    /// The key of a call of saved query `name` with `values`, or why its
    /// results are not kept. `what` tells apart the kinds of result kept
    /// for a query (its rows, its columns).
    pub fn key(&self, what: &str, name: &str, values: &[(String, ParamValue)]) -> Result<String, String> {
        if self.max_size == 0 {
            return Err("[cache] max_size is 0".to_owned());
        }
        let base = self.keys().get(name).cloned().unwrap_or_else(|| Err(format!("no saved query {name}")))?;
        let mut key = Key::new(what);
        key.add(base);
        for (param, value) in values {
            key.add(param).add_value(value);
        }
        Ok(key.finish())
    }

    /// Whether the database holds the datasets the keys assume, by their
    /// `fingerprints` as the database records them: if not (another
    /// process loaded data since this command read `.laporan/datasets.json`,
    /// or the database was replaced), what runs now must not be kept under
    /// these keys.
    pub fn matches(&self, fingerprints: &BTreeMap<String, String>) -> bool {
        self.fingerprints == *fingerprints
    }

    /// Why query `name`'s results are not kept, if they are not.
    pub fn not_kept(&self, name: &str) -> Option<&str> {
        self.keys().get(name).and_then(|key| key.as_ref().err()).map(String::as_str)
    }

    /// The result kept under `key`, if there is a whole one (a damaged file
    /// is removed). Reading it marks it used.
    pub fn get(&self, key: &str) -> Option<QueryResult> {
        if !self.read {
            return None;
        }
        let path = self.dir.join(RESULTS).join(key);
        let bytes = fs::read(&path).ok()?;
        match codec::decode(&bytes, key) {
            Some(result) => {
                // Least recently used goes first: a hit is a use.
                let _ = fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(SystemTime::now()));
                Some(result)
            }
            None => {
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Keeps `result` under `key`. A result that cannot be kept (larger
    /// than the whole cache, a folder that is a link) is simply not kept:
    /// the cache only ever saves time.
    pub fn put(&self, key: &str, result: &QueryResult) {
        let Some(bytes) = codec::encode(result, key) else { return };
        if bytes.len() as u64 > self.max_size {
            return;
        }
        let Some(dir) = self.results_dir() else { return };
        let _ = write_new(&dir, key, &bytes);
    }

    /// Removes results, least recently used first, until the cache holds at
    /// most `max_size` bytes, and temporary files a killed process left.
    pub fn trim(&self) {
        let Ok(entries) = fs::read_dir(self.dir.join(RESULTS)) else { return };
        let now = SystemTime::now();
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if entry.file_name().to_string_lossy().starts_with('.') {
                if now.duration_since(used).is_ok_and(|age| age > ABANDONED) {
                    let _ = fs::remove_file(entry.path());
                }
                continue;
            }
            files.push((used, meta.len(), entry.path()));
        }
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        files.sort();
        for (_, len, path) in files {
            if total <= self.max_size {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }

    /// `.laporan/cache/results/`, made if needed (see [`own_folders`]).
    fn results_dir(&self) -> Option<PathBuf> {
        let results = self.dir.join(RESULTS);
        own_folders(&[self.dir.parent()?, &self.dir, &results])?;
        Some(results)
    }
}

/// Makes each of `dirs` (each inside the one before) that does not exist;
/// `None` if one is a link or not a folder: a project received with a
/// planted link in `.laporan/` must not have laporan write elsewhere.
fn own_folders(dirs: &[&Path]) -> Option<()> {
    for dir in dirs {
        match fs::symlink_metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return None,
            Err(_) => fs::create_dir(dir).ok()?,
        }
    }
    Some(())
}

/// Writes `bytes` to `dir/name` whole or not at all: a temporary file in
/// the same folder (named with a dot, so [`ResultCache::trim`] knows it),
/// renamed over the target.
fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut temp = tempfile::Builder::new().prefix(".").suffix(".tmp").tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}

/// The key of `query`'s results without parameters: its SQL, the
/// fingerprint of each dataset it reads and the key of each saved query
/// it builds on; or why it is not kept.
fn base_key(
    inputs: &Inputs,
    query: &SavedQuery,
    analysis: &Analysis,
    done: &BTreeMap<String, Result<String, String>>,
) -> Result<String, String> {
    if let Some(why) = &analysis.unstable {
        return Err(why.clone());
    }
    let mut key = inputs.common.clone();
    key.add(&query.name).add(query.sql());
    for table in &analysis.tables {
        let dataset = inputs.datasets.iter().find(|(name, _)| name.eq_ignore_ascii_case(table));
        let base = inputs.dependencies.get(&query.name).into_iter().flatten().find(|d| d.eq_ignore_ascii_case(table));
        match (dataset, base) {
            (Some((name, fingerprint)), _) => {
                let fingerprint = fingerprint.as_ref().ok_or_else(|| format!("dataset {name} is not loaded"))?;
                key.add("dataset").add(name).add(fingerprint);
            }
            (None, Some(base)) => match done.get(base) {
                Some(Ok(base_key)) => {
                    key.add("query").add(base_key);
                }
                Some(Err(why)) => return Err(format!("it builds on query {base}, whose results are not kept: {why}")),
                None => return Err(format!("query {base} is not ready")),
            },
            // A CTE of the query: what it reads is in the key already.
            (None, None) if analysis.ctes.contains(table) => {}
            (None, None) => return Err(format!("it reads {table}, which is neither a dataset nor a saved query")),
        }
    }
    Ok(key.finish())
}

/// Each of `queries`' [`Analysis`], in order, from `queries.json` where it
/// has one for the same text, else from DuckDB's parse (started only then);
/// the file is written again when something was added or is no longer used.
fn analyse(dir: &Path, queries: &[SavedQuery], keep: bool) -> Vec<Analysis> {
    let path = dir.join(ANALYSES);
    let known: BTreeMap<String, Analysis> =
        fs::read(&path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default();
    let version = engine::version();
    let mut parser = None;
    let mut unstable = None;
    let mut kept = BTreeMap::new();
    let mut analyses = Vec::new();
    for query in queries {
        let key = Key::new("query analysis").add(&version).add(query.sql()).finish();
        let analysis = match known.get(&key) {
            Some(analysis) => analysis.clone(),
            None => {
                let parser = parser.get_or_insert_with(parse::parser);
                match parser {
                    Ok(db) => {
                        let unstable =
                            unstable.get_or_insert_with(|| parse::unstable_functions(db).unwrap_or_default());
                        analysis_of(db, query.sql(), unstable)
                    }
                    Err(why) => Analysis { tables: Vec::new(), ctes: Vec::new(), unstable: Some(why.clone()) },
                }
            }
        };
        kept.insert(key, analysis.clone());
        analyses.push(analysis);
    }
    if keep
        && kept != known
        && let Ok(json) = serde_json::to_vec(&kept)
        && let Some(parent) = dir.parent()
        && own_folders(&[parent, dir]).is_some()
    {
        let _ = write_new(dir, ANALYSES, &json);
    }
    analyses
}

/// What DuckDB's parse of `sql` says: the tables it reads and whether its
/// result may change on the same data (`unstable` are the functions whose
/// results may: [`parse::unstable_functions`]).
fn analysis_of(db: &engine::Database, sql: &str, unstable: &[String]) -> Analysis {
    let not_kept = |why: String| Analysis { tables: Vec::new(), ctes: Vec::new(), unstable: Some(why) };
    let parsed = match parse::serialize(db, sql) {
        Ok(parsed) if parsed["error"].as_bool() == Some(false) => parsed,
        _ => return not_kept("DuckDB cannot parse it".to_owned()),
    };
    let uses = parse::uses(&parsed);
    let unstable_call = uses.functions.iter().find(|f| unstable.contains(f));
    let unstable_word = uses.bare_columns.iter().find(|c| unstable.contains(c));
    let table_function = uses.table_functions.iter().find(|f| !PURE_TABLE_FUNCTIONS.contains(&f.as_str()));
    if let Some(function) = unstable_call {
        return not_kept(format!("it calls {function}(), whose result may change between runs"));
    }
    if let Some(word) = unstable_word {
        return not_kept(format!("it uses {word}, which may change between runs"));
    }
    if let Some(function) = table_function {
        return not_kept(format!("it calls the table function {function}()"));
    }
    if let Some(table) = uses.qualified_tables.first() {
        return not_kept(format!("it reads {table}, a table named with its schema"));
    }
    if uses.shows {
        return not_kept("it reads the catalogue (SHOW, DESCRIBE or SUMMARIZE)".to_owned());
    }
    if uses.samples {
        return not_kept("it samples a table, another sample each run".to_owned());
    }
    Analysis { tables: uses.tables, ctes: uses.ctes, unstable: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis(sql: &str) -> Analysis {
        let db = parse::parser().unwrap();
        let unstable = parse::unstable_functions(&db).unwrap();
        analysis_of(&db, sql, &unstable)
    }

    #[test]
    fn what_may_change_on_the_same_data_is_not_kept() {
        for (sql, why) in [
            ("SELECT now()", "it calls now(), whose result may change between runs"),
            ("SELECT * FROM events WHERE day < current_date", "it uses current_date, which may change between runs"),
            ("SELECT random() FROM events", "it calls random(), whose result may change between runs"),
            ("SELECT ago(INTERVAL 1 DAY)", "it calls ago(), whose result may change between runs"),
            ("SELECT current_setting('threads')", "it calls current_setting(), whose result may change between runs"),
            ("SELECT * FROM read_csv('data/x.csv')", "it calls the table function read_csv()"),
            ("SELECT * FROM main.events", "it reads main.events, a table named with its schema"),
            ("SELECT * FROM _laporan.datasets", "it reads _laporan.datasets, a table named with its schema"),
            ("SELECT * FROM (SELECT uuid()) t", "it calls uuid(), whose result may change between runs"),
            ("SELEC 1", "DuckDB cannot parse it"),
            ("SHOW TABLES", "it reads the catalogue (SHOW, DESCRIBE or SUMMARIZE)"),
            ("FROM (DESCRIBE)", "it reads the catalogue (SHOW, DESCRIBE or SUMMARIZE)"),
            ("SUMMARIZE events", "it reads the catalogue (SHOW, DESCRIBE or SUMMARIZE)"),
            ("SELECT * FROM events USING SAMPLE 3", "it samples a table, another sample each run"),
            ("SELECT * FROM events TABLESAMPLE 10%", "it samples a table, another sample each run"),
        ] {
            assert_eq!(analysis(sql).unstable.as_deref(), Some(why), "{sql}");
        }
    }

    #[test]
    fn what_a_query_reads_is_its_key() {
        let found = analysis(
            "WITH recent AS (SELECT * FROM Events WHERE day > DATE '2024-01-01') \
             SELECT count(*), sum(x) FROM recent JOIN countries USING (iso) CROSS JOIN range(3)",
        );
        assert_eq!(
            found,
            Analysis {
                tables: vec!["countries".into(), "events".into(), "recent".into()],
                ctes: vec!["recent".into()],
                unstable: None
            }
        );
        // A dataset hidden by a CTE of its name is still in the key, wherever
        // the CTE is defined.
        for sql in [
            "WITH recent AS (SELECT * FROM events WHERE v > 1), events AS (SELECT sum(v) FROM recent) FROM events",
            "WITH RECURSIVE events AS (FROM events UNION ALL SELECT * FROM events WHERE false) FROM events",
        ] {
            assert!(analysis(sql).tables.contains(&"events".to_owned()), "{sql}");
        }
    }

    #[test]
    fn the_least_recently_used_results_go_first() {
        let dir = tempfile::TempDir::new().unwrap();
        let cache = ResultCache {
            dir: dir.path().join("cache"),
            max_size: u64::MAX,
            read: true,
            fingerprints: BTreeMap::new(),
            inputs: Mutex::new(None),
            keys: OnceLock::new(),
        };
        let result = |n: i128| {
            let column = crate::value::Column { name: "n".into(), type_name: "BIGINT".into() };
            QueryResult::new("q".into(), vec![column], vec![vec![crate::value::Cell::Int(n)]])
        };
        let results = dir.path().join("cache").join(RESULTS);
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for (n, key) in ["a", "b", "c"].iter().enumerate() {
            cache.put(key, &result(n as i128));
            // Written an hour ago, a minute apart: a, then b, then c.
            let written = hour_ago + Duration::from_secs(60 * n as u64);
            fs::File::options().write(true).open(results.join(key)).unwrap().set_modified(written).unwrap();
        }
        // a is used now: b is now the least recently used.
        assert_eq!(cache.get("a").unwrap().rows, result(0).rows);
        let size = fs::metadata(results.join("a")).unwrap().len();
        let cache = ResultCache { max_size: 2 * size, ..cache };
        cache.trim();
        let left: Vec<bool> = ["a", "b", "c"].iter().map(|k| results.join(k).exists()).collect();
        assert_eq!(left, [true, false, true]);
        // A damaged file is a miss, and is removed.
        fs::write(results.join("c"), b"LPRESULT").unwrap();
        assert!(cache.get("c").is_none());
        assert!(!results.join("c").exists());
        // With --force nothing is read.
        let forced = ResultCache { read: false, ..cache };
        assert!(forced.get("a").is_none());
    }

    #[test]
    fn sizes_are_read_as_duckdb_writes_them() {
        use crate::project::parse_size;
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("500 mb"), Ok(500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1.5KB"), Ok(1500));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
