//! Loading `data/` into the database: strict, lossless, all or nothing, and
//! only what changed.
//!
//! For each dataset the load step decides whether it changed (file sizes and
//! modification times first, then SHA-256 of the bytes, and the dataset's
//! declaration), then loads every changed dataset in one transaction: a
//! failure anywhere rolls all of them back, and DuckDB's write-ahead log
//! means a killed process leaves the database as it was before.
//!
//! CSV files are read by [`csv`] (strict dialect, declared or inferred
//! types, every problem with its line), after a [`scan`] of their bytes;
//! undeclared types come from [`infer`]. JSON is parsed by [`json`] and
//! Parquet read by [`parquet`], by the same rule: every value exact, or the
//! load refused naming the record; all three report through [`problems`].
//! A format is one module with a `load` function and a line in
//! `load_dataset`. The bookkeeping lives in `_laporan.datasets`: what the
//! provenance footer of a report shows.
//!
//! This module reads files and writes tables; it does not run saved queries.

pub mod csv;
mod files;
pub mod infer;
pub mod json;
mod key;
mod lines;
pub mod parquet;
pub mod problems;
pub mod progress;
mod records;
pub mod scan;
pub mod shapes;
pub mod workbook;

use files::{ReadableFile, combined_hash, prepare_files, stat_text};
use key::check_primary_key;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::{Arg, Database, STATE_SCHEMA, quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::project::{Dataset, FileFormat, Project};
use progress::Progress;

/// Bumped whenever the way files are read changes, so that every dataset is
/// reloaded by the new rules (and the bookkeeping table is rebuilt).
const LOADER_VERSION: &str = "laporan-load-3";

#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Reload every dataset, changed or not.
    pub force: bool,
    /// Draw a progress bar for long loads.
    pub progress: bool,
}

/// What happened to each dataset.
#[derive(Debug, Default)]
pub struct LoadSummary {
    pub loaded: Vec<(String, u64)>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
    /// Where the time went: (dataset or "", step, duration), for `--verbose`.
    pub timings: Vec<(String, &'static str, std::time::Duration)>,
    /// Why inferred columns are text though nearly all their values are of
    /// a stricter type, by dataset.
    pub notes: Vec<(String, TypeNote)>,
    /// Every dataset in the database after the load.
    pub datasets: Vec<LoadedDataset>,
}

/// A dataset as loaded: what the provenance footer and `laporan list` show.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LoadedDataset {
    pub name: String,
    /// The file or folder, relative to the project root.
    pub file: String,
    pub files: u64,
    /// Of the file, or for a folder of the list of its files' names and hashes.
    pub sha256: String,
    pub rows: u64,
    /// `declared`, `declared in part` (the other columns inferred) or `inferred`.
    pub schema: String,
    /// Why a column is text (see [`TypeNote`]): (column, why and how to
    /// read it otherwise), for `laporan schema`.
    pub notes: Vec<(String, String)>,
    fingerprint: String,
    stat: String,
}

impl LoadedDataset {
    /// Changes whenever the table's contents may have: the file, its
    /// declaration in laporan.toml, or how laporan loads.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// The record of what the database holds, beside it: read by
/// [`unchanged`], so that a command over unchanged data does not open the
/// database to find out. It is removed before a load changes anything and
/// written after the load is committed: a process killed in between leaves
/// none, and the next command asks the database.
const RECORD: &str = "datasets.json";

#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    loader: String,
    datasets: Vec<LoadedDataset>,
}

/// The datasets in the database, if the record of the last load says that
/// every one of the project's datasets is loaded from its files as they are
/// now (sizes and modification times, declarations) and no other is.
pub fn unchanged(project: &Project) -> Option<Vec<LoadedDataset>> {
    if !project.database_path().is_file() {
        return None;
    }
    let bytes = std::fs::read(project.database_path().with_file_name(RECORD)).ok()?;
    let record: Record = serde_json::from_slice(&bytes).ok()?;
    if record.loader != LOADER_VERSION || record.datasets.len() != project.datasets.len() {
        return None;
    }
    for dataset in &project.datasets {
        let before = record.datasets.iter().find(|d| d.name == dataset.name)?;
        let declaration = format!("{LOADER_VERSION}|{}|", dataset.declaration_fingerprint());
        if !before.fingerprint.starts_with(&declaration) || before.stat != stat_text(project, dataset).ok()? {
            return None;
        }
    }
    Some(record.datasets)
}

/// Writes the record of what the database holds (see [`RECORD`]).
fn write_record(project: &Project, datasets: &[LoadedDataset]) {
    let record = Record { loader: LOADER_VERSION.to_owned(), datasets: datasets.to_vec() };
    if let Ok(json) = serde_json::to_vec(&record) {
        let path = project.database_path().with_file_name(RECORD);
        let dir = path.parent().unwrap_or(Path::new("."));
        let written = tempfile::NamedTempFile::new_in(dir)
            .and_then(|mut temp| std::io::Write::write_all(&mut temp, &json).map(|()| temp))
            .and_then(|temp| temp.persist(&path).map_err(|e| e.error));
        // Without the record the next command asks the database: slower, not wrong.
        drop(written);
    }
}

/// Removes the record of the last load of the database at `place`, when it
/// was found not to tell the truth: the next command asks the database.
pub fn forget_record(place: &crate::engine::Place) {
    let _ = std::fs::remove_file(place.database.0.with_file_name(RECORD));
}

fn remove_record(project: &Project) -> Result<(), Error> {
    let path = project.database_path().with_file_name(RECORD);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("remove", &project.shown(&path), e)),
        _ => Ok(()),
    }
}

/// Loads every dataset that changed since the last load (all of them with
/// `force`), and drops tables whose files are gone.
pub fn load(project: &Project, db: &Database, options: LoadOptions) -> Result<LoadSummary, Error> {
    ensure_state_table(db)?;
    let previous: BTreeMap<String, LoadedDataset> = loaded(db)?.into_iter().map(|d| (d.name.clone(), d)).collect();
    let tables = main_tables(db)?;
    let mut summary = LoadSummary::default();
    let mut work = Vec::new();
    let mut touched = Vec::new();
    for dataset in &project.datasets {
        let stat = stat_text(project, dataset)?;
        let declaration = format!("{LOADER_VERSION}|{}", dataset.declaration_fingerprint());
        let before = previous.get(&dataset.name).filter(|_| !options.force);
        let table_ok = before.is_some() && tables.contains(&dataset.name);
        if table_ok && before.is_some_and(|b| b.stat == stat && b.fingerprint.starts_with(&format!("{declaration}|"))) {
            summary.unchanged.push(dataset.name.clone());
            continue;
        }
        let started = Instant::now();
        let files = prepare_files(project, dataset)?;
        summary.timings.push((dataset.name.clone(), "hash and scan", started.elapsed()));
        let sha256 = combined_hash(&files);
        let fingerprint = format!("{declaration}|{sha256}");
        if table_ok && before.is_some_and(|b| b.fingerprint == fingerprint) {
            // Touched but not changed: remember the new times.
            summary.unchanged.push(dataset.name.clone());
            touched.push((dataset.name.clone(), stat));
            continue;
        }
        work.push((dataset, files, sha256, fingerprint, stat));
    }
    let removed: Vec<String> =
        previous.keys().filter(|name| !project.datasets.iter().any(|d| &d.name == *name)).cloned().collect();
    if work.is_empty() && removed.is_empty() && touched.is_empty() {
        summary.datasets = previous.into_values().collect();
        write_record(project, &summary.datasets);
        return Ok(summary);
    }
    remove_record(project)?;

    db.batch("BEGIN TRANSACTION").map_err(|e| e.while_trying("start the load"))?;
    let result = (|| {
        // Removed tables go first: a file renamed in case only (`Events.csv`
        // to `events.csv`) is one table for DuckDB, dropped, then loaded.
        for name in &removed {
            db.execute(&format!("DROP TABLE IF EXISTS main.{}", quote_ident(name)), &[])
                .and_then(|_| {
                    db.execute(&format!("DELETE FROM {STATE_SCHEMA}.datasets WHERE name = ?"), &[name.into()])
                })
                .map_err(|e| e.while_trying("drop a removed dataset"))?;
            summary.removed.push(name.clone());
        }
        for (dataset, files, sha256, fingerprint, stat) in &work {
            let _progress = options.progress.then(|| Progress::start(db.progress(), dataset.name.clone()));
            let (rows, schema, notes) = load_dataset(project, db, dataset, files, &mut summary.timings)?;
            let one_line = |text: &str| text.replace(['\t', '\n', '\r'], " ");
            let noted: String = notes
                .iter()
                .map(|n| format!("{}\t{}; {}\n", one_line(&n.column), one_line(&n.why), one_line(&n.fix)))
                .collect();
            // The hash recorded must be of the bytes loaded.
            for file in files {
                file.unchanged_since_hashed(project)?;
            }
            db.execute(
                &format!(
                    "INSERT OR REPLACE INTO {STATE_SCHEMA}.datasets (name, file, files, sha256, rows, schema, notes, fingerprint, stat) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                &[
                    (&dataset.name).into(),
                    Arg::Text(&path_text(&dataset.source)),
                    Arg::Int(files.len() as i64),
                    sha256.into(),
                    Arg::Int(rows as i64),
                    Arg::Text(schema),
                    Arg::Text(&noted),
                    fingerprint.into(),
                    stat.into(),
                ],
            )
            .map_err(|e| e.while_trying("record the load"))?;
            summary.loaded.push((dataset.name.clone(), rows));
            summary.notes.extend(notes.into_iter().map(|note| (dataset.name.clone(), note)));
        }
        for (name, stat) in &touched {
            db.execute(
                &format!("UPDATE {STATE_SCHEMA}.datasets SET stat = ? WHERE name = ?"),
                &[stat.into(), name.into()],
            )
            .map_err(|e| e.while_trying("record the load"))?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            let started = Instant::now();
            db.batch("COMMIT").map_err(|e| e.while_trying("commit the load"))?;
            summary.timings.push((String::new(), "commit", started.elapsed()));
            summary.datasets = loaded(db)?;
            write_record(project, &summary.datasets);
            Ok(summary)
        }
        Err(err) => {
            // Nothing was committed: the database is exactly as it was.
            let _ = db.batch("ROLLBACK");
            Err(err)
        }
    }
}

/// What a format's `load` (such as [`json::load`]) is given: the
/// database, inside the load's transaction; the table to create,
/// qualified and quoted; the dataset and its files; and how a project path
/// is shown in messages. It returns the rows it loaded.
pub struct Input<'a> {
    pub db: &'a Database,
    pub table: &'a str,
    pub dataset: &'a Dataset,
    pub files: &'a [ReadableFile],
    pub shown: &'a dyn Fn(&Path) -> PathBuf,
    /// A file's column names as the table has them ([`renamed`]).
    pub renamed: &'a Renamer<'a>,
}

/// What a format's `load` did: the rows it loaded, and why a column whose
/// type it inferred is text although nearly all of its values are of a
/// stricter type.
#[derive(Debug, Default)]
pub struct Loaded {
    pub rows: u64,
    pub notes: Vec<TypeNote>,
    /// Where each row is, for formats laporan read itself (JSON,
    /// workbooks), in the table's order: for messages after the load.
    pub places: Option<records::Places>,
}

impl Loaded {
    pub fn rows(rows: u64) -> Loaded {
        Loaded { rows, notes: Vec::new(), places: None }
    }
}

/// Why an inferred column is text (see [`infer::Nearly`]), and how to read
/// it as the stricter type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeNote {
    pub column: String,
    /// `'NA' on line 1234 is not a number (1 of 248 values)`.
    pub why: String,
    /// `add null = ["NA"] to [datasets.prices] to read it as DECIMAL(18,2)`.
    pub fix: String,
    /// Fewer than 1 in 100 of the values: worth a warning on every load
    /// (the others are shown with `--verbose` and by `laporan schema`).
    pub rare: bool,
    /// Where the first of those values is.
    pub at: Location,
}

/// Names a file's columns as the table has them (see [`Input::renamed`]).
pub type Renamer<'a> = dyn Fn(&Path, Vec<String>) -> Result<Vec<String>, Error> + 'a;

/// The column names of `file` as the table has them: renamed as
/// laporan.toml says ([`Dataset::renamed`]). A rename of a column the file
/// does not have, or to a name another column has, is an error at the
/// rename in laporan.toml.
fn renamed(project: &Project, dataset: &Dataset, file: &Path, mut names: Vec<String>) -> Result<Vec<String>, Error> {
    let original = names.clone();
    if let Err(rename) = dataset.renamed(&mut names) {
        return Err(project
            .config_error_at(
                rename.span.clone(),
                format!("dataset {}: {} has no column {}", dataset.name, file.display(), rename.from),
            )
            .note(format!("its columns: {}", original.join(", ")))
            .help("write the column's name as the file has it, exactly"));
    }
    for (index, name) in names.iter().enumerate() {
        if let Some(other) = names[..index].iter().position(|n| n.eq_ignore_ascii_case(name))
            && let Some(rename) = dataset.rename.iter().find(|r| r.to.eq_ignore_ascii_case(name))
        {
            return Err(project
                .config_error_at(
                    rename.span.clone(),
                    format!(
                        "dataset {}: in {}, {} and {} would both be column {name}",
                        dataset.name,
                        file.display(),
                        original[other],
                        original[index]
                    ),
                )
                .help(
                    "give the column a name no other column of the file has (names do not tell upper from lower case)",
                ));
        }
    }
    Ok(names)
}

/// Loads one dataset into `main.<name>`; returns its rows and whether its
/// schema was declared or inferred.
fn load_dataset(
    project: &Project,
    db: &Database,
    dataset: &Dataset,
    files: &[ReadableFile],
    timings: &mut Vec<(String, &'static str, std::time::Duration)>,
) -> Result<(u64, &'static str, Vec<TypeNote>), Error> {
    let started = Instant::now();
    let table = format!("main.{}", quote_ident(&dataset.name));
    let shown = |file: &Path| project.shown(file);
    let renamed = |file: &Path, names: Vec<String>| renamed(project, dataset, file, names);
    let input = Input { db, table: &table, dataset, files, shown: &shown, renamed: &renamed };
    let Loaded { rows, notes, places } = match dataset.format {
        FileFormat::Csv => csv::load(&input)?,
        FileFormat::Json => json::load(&input)?,
        FileFormat::Parquet => parquet::load(&input)?,
        FileFormat::Workbook => workbook::load(&input)?,
    };
    timings.push((dataset.name.clone(), "read and convert", started.elapsed()));
    let schema = match &dataset.columns {
        None => "inferred",
        Some(declared) => {
            let columns = db.column_names(&format!("SELECT * FROM {table} LIMIT 0"));
            let columns = columns.map_err(|e| e.while_trying("read the table's columns"))?;
            if columns.len() > declared.len() { "declared in part" } else { "declared" }
        }
    };
    let started = Instant::now();
    check_primary_key(project, db, &table, dataset, files, places.as_ref())?;
    if !dataset.primary_key.is_empty() {
        timings.push((dataset.name.clone(), "check the primary key", started.elapsed()));
    }
    Ok((rows, schema, notes))
}

/// The datasets currently in the database, by name.
pub fn loaded(db: &Database) -> Result<Vec<LoadedDataset>, Error> {
    if !state_table_exists(db)? {
        return Ok(Vec::new());
    }
    db.rows(
        &format!(
            "SELECT name, file, files, sha256, rows, schema, notes, fingerprint, stat FROM {STATE_SCHEMA}.datasets ORDER BY name"
        ),
        &[],
        |row| {
            Ok(LoadedDataset {
                name: row.text(0)?,
                file: row.text(1)?,
                files: row.int(2)? as u64,
                sha256: row.text(3)?,
                rows: row.int(4)? as u64,
                schema: row.text(5)?,
                notes: row
                    .text(6)?
                    .lines()
                    .filter_map(|line| line.split_once('\t'))
                    .map(|(column, note)| (column.to_owned(), note.to_owned()))
                    .collect(),
                fingerprint: row.text(7)?,
                stat: row.text(8)?,
            })
        },
    )
    .map_err(|e| e.while_trying("read the load state"))
}

/// Creates the bookkeeping table, replacing one from an older laporan.
fn ensure_state_table(db: &Database) -> Result<(), Error> {
    let current = db
        .row(
            "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'datasets'",
            &[STATE_SCHEMA.into()],
            |row| row.opt_text(0),
        )
        .ok()
        .flatten();
    if current.as_deref() == Some(LOADER_VERSION) {
        return Ok(());
    }
    db.batch(&format!(
        "DROP SCHEMA IF EXISTS {STATE_SCHEMA} CASCADE;
         CREATE SCHEMA {STATE_SCHEMA};
         CREATE TABLE {STATE_SCHEMA}.datasets (
             name VARCHAR PRIMARY KEY, file VARCHAR NOT NULL, files BIGINT NOT NULL, sha256 VARCHAR NOT NULL,
             rows BIGINT NOT NULL, schema VARCHAR NOT NULL, notes VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL,
             stat VARCHAR NOT NULL);
         COMMENT ON TABLE {STATE_SCHEMA}.datasets IS {};",
        quote_literal(LOADER_VERSION)
    ))
    .map_err(|e| e.while_trying("prepare the database"))
}

fn state_table_exists(db: &Database) -> Result<bool, Error> {
    let count = db
        .row(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'datasets' AND comment = ?",
            &[STATE_SCHEMA.into(), LOADER_VERSION.into()],
            |row| row.int(0),
        )
        .map_err(|e| e.while_trying("read the load state"))?;
    Ok(count > 0)
}

/// The names of the tables in the `main` schema (the loaded datasets).
fn main_tables(db: &Database) -> Result<Vec<String>, Error> {
    db.rows("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'", &[], |row| row.text(0))
        .map_err(|e| e.while_trying("read the load state"))
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
