//! Loading `data/` into the database: one table per dataset, all or nothing.
//!
//! A dataset is reloaded only when its file changed (SHA-256 of the bytes,
//! plus the loader's options); everything that changed is loaded in one
//! transaction, so a failure leaves the database as it was. The bookkeeping
//! (file, hash, row count) lives in `_laporan.datasets` and is what the
//! provenance footer of a report shows.
//!
//! This module reads files and writes tables; it does not run saved queries.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use duckdb::Connection;
use sha2::{Digest, Sha256};

use crate::db::{Database, STATE_SCHEMA, quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::project::{Dataset, FileFormat, Project};

/// Bumped whenever the way files are read changes, so that every dataset is
/// reloaded by the new rules.
const LOADER_VERSION: &str = "laporan-load-1";

/// What happened to each dataset.
#[derive(Debug, Default)]
pub struct LoadSummary {
    pub loaded: Vec<(String, u64)>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
}

/// A dataset as loaded: what the provenance footer shows.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    pub name: String,
    pub file: String,
    pub sha256: String,
    pub rows: u64,
    /// The hash plus the loader's options: a change to either reloads.
    pub fingerprint: String,
}

/// Loads every dataset that changed since the last load (all of them with
/// `force`), and drops tables whose files are gone.
pub fn load(project: &Project, db: &Database, force: bool) -> Result<LoadSummary, Error> {
    ensure_state_table(&db.conn)?;
    let previous: BTreeMap<String, String> = loaded(db)?.into_iter().map(|d| (d.name, d.fingerprint)).collect();

    let mut summary = LoadSummary::default();
    let mut work = Vec::new();
    for dataset in &project.datasets {
        let shown = project.shown(&dataset.file);
        let bytes = fs::read(project.path(&dataset.file)).map_err(|e| Error::io("read", &shown, e))?;
        let sha256 = hex(&Sha256::digest(&bytes));
        let fingerprint = format!("{LOADER_VERSION}:{:?}:{sha256}", dataset.format);
        let unchanged = previous.get(&dataset.name) == Some(&fingerprint) && table_exists(&db.conn, &dataset.name)?;
        if unchanged && !force {
            summary.unchanged.push(dataset.name.clone());
        } else {
            work.push((dataset, sha256, fingerprint));
        }
    }
    let removed: Vec<String> =
        previous.keys().filter(|name| !project.datasets.iter().any(|d| &d.name == *name)).cloned().collect();
    if work.is_empty() && removed.is_empty() {
        return Ok(summary);
    }

    db.conn.execute_batch("BEGIN TRANSACTION").map_err(|e| db_error("start the load", e))?;
    let result = (|| {
        for (dataset, sha256, fingerprint) in &work {
            let rows = load_one(project, &db.conn, dataset)?;
            db.conn
                .execute(
                    &format!(
                        "INSERT OR REPLACE INTO {STATE_SCHEMA}.datasets (name, file, sha256, fingerprint, rows) VALUES (?, ?, ?, ?, ?)"
                    ),
                    duckdb::params![dataset.name, path_text(&dataset.file), sha256, fingerprint, rows as i64],
                )
                .map_err(|e| db_error("record the load", e))?;
            summary.loaded.push((dataset.name.clone(), rows));
        }
        for name in &removed {
            db.conn
                .execute_batch(&format!(
                    "DROP TABLE IF EXISTS main.{0}; DELETE FROM {STATE_SCHEMA}.datasets WHERE name = {1};",
                    quote_ident(name),
                    quote_literal(name)
                ))
                .map_err(|e| db_error("drop a removed dataset", e))?;
            summary.removed.push(name.clone());
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            db.conn.execute_batch("COMMIT").map_err(|e| db_error("commit the load", e))?;
            Ok(summary)
        }
        Err(err) => {
            // The transaction never committed: the database is as it was.
            let _ = db.conn.execute_batch("ROLLBACK");
            Err(err)
        }
    }
}

/// The datasets currently in the database, by name.
pub fn loaded(db: &Database) -> Result<Vec<LoadedDataset>, Error> {
    if !state_table_exists(&db.conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = db
        .conn
        .prepare(&format!("SELECT name, file, sha256, rows, fingerprint FROM {STATE_SCHEMA}.datasets ORDER BY name"))
        .map_err(|e| db_error("read the load state", e))?;
    let rows = stmt
        .query_map([], |row| {
            Ok(LoadedDataset {
                name: row.get(0)?,
                file: row.get(1)?,
                sha256: row.get(2)?,
                rows: row.get::<_, i64>(3)? as u64,
                fingerprint: row.get(4)?,
            })
        })
        .map_err(|e| db_error("read the load state", e))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(|e| db_error("read the load state", e))
}

fn load_one(project: &Project, conn: &Connection, dataset: &Dataset) -> Result<u64, Error> {
    let path = quote_literal(&project.path(&dataset.file).to_string_lossy());
    let reader = match dataset.format {
        // The dialect is fixed (RFC 4180, UTF-8, a header line) and the whole
        // file is sampled for types, so DuckDB does not guess from a prefix.
        FileFormat::Csv => format!(
            "read_csv({path}, header = true, delim = ',', quote = '\"', escape = '\"', \
             sample_size = -1, strict_mode = true, null_padding = false, \
             allow_quoted_nulls = false, normalize_names = false, encoding = 'utf-8')"
        ),
        FileFormat::Parquet => format!("read_parquet({path})"),
        FileFormat::Json => format!("read_json({path}, sample_size = -1)"),
    };
    let table = quote_ident(&dataset.name);
    conn.execute_batch(&format!("CREATE OR REPLACE TABLE main.{table} AS SELECT * FROM {reader}"))
        .map_err(|e| file_error(project, dataset, e))?;
    let rows: i64 = conn
        .query_row(&format!("SELECT count(*) FROM main.{table}"), [], |row| row.get(0))
        .map_err(|e| db_error("count rows", e))?;
    Ok(rows as u64)
}

/// A reader error, placed at the line DuckDB names when it names one.
fn file_error(project: &Project, dataset: &Dataset, err: duckdb::Error) -> Error {
    let text = err.to_string();
    let shown = project.shown(&dataset.file);
    let mut location = Location::file(&shown);
    if let Some(line) = reported_line(&text) {
        let source = fs::read(project.path(&dataset.file)).unwrap_or_default();
        let source = String::from_utf8_lossy(&source);
        location = Location::in_source(&shown, &source, line, None);
    }
    let summary = text.lines().next().unwrap_or("").trim().to_owned();
    let mut error = Error::project(format!("cannot load dataset {}: {summary}", dataset.name)).at(location);
    let rest: Vec<&str> = text.lines().skip(1).map(str::trim_end).filter(|l| !l.trim().is_empty()).take(8).collect();
    if !rest.is_empty() {
        error = error.note(rest.join("\n"));
    }
    error.help("fix the file and run laporan load again; the database was not changed")
}

/// The line number in messages such as "CSV Error on Line: 12".
fn reported_line(text: &str) -> Option<usize> {
    let at = text.find("Line: ")?;
    let digits: String = text[at + 6..].chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

fn ensure_state_table(conn: &Connection) -> Result<(), Error> {
    conn.execute_batch(&format!(
        "CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA};
         CREATE TABLE IF NOT EXISTS {STATE_SCHEMA}.datasets (
             name VARCHAR PRIMARY KEY, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
             fingerprint VARCHAR NOT NULL, rows BIGINT NOT NULL);"
    ))
    .map_err(|e| db_error("prepare the database", e))
}

fn state_table_exists(conn: &Connection) -> Result<bool, Error> {
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'datasets'",
            [STATE_SCHEMA],
            |row| row.get(0),
        )
        .map_err(|e| db_error("read the load state", e))?;
    Ok(count > 0)
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool, Error> {
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
            [name],
            |row| row.get(0),
        )
        .map_err(|e| db_error("read the load state", e))?;
    Ok(count > 0)
}

/// An unexpected database failure while doing `what`.
pub fn db_error(what: &str, err: duckdb::Error) -> Error {
    Error::project(format!("the database failed to {what}")).note(err.to_string())
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
