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
pub mod infer;
pub mod json;
mod key;
pub mod parquet;
pub mod problems;
pub mod progress;
mod records;
pub mod scan;
pub mod workbook;

use key::check_primary_key;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::engine::{Arg, Database, STATE_SCHEMA, quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::project::{Dataset, FileFormat, Project, STATE_DIR};
use progress::Progress;

/// Bumped whenever the way files are read changes, so that every dataset is
/// reloaded by the new rules (and the bookkeeping table is rebuilt).
const LOADER_VERSION: &str = "laporan-load-2";

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
}

/// A dataset as loaded: what the provenance footer and `laporan list` show.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    pub name: String,
    /// The file or folder, relative to the project root.
    pub file: String,
    pub files: u64,
    /// Of the file, or for a folder of the list of its files' names and hashes.
    pub sha256: String,
    pub rows: u64,
    /// `declared` or `inferred`.
    pub schema: String,
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
        return Ok(summary);
    }

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
            let (rows, schema) = load_dataset(project, db, dataset, files, &mut summary.timings)?;
            // The hash recorded must be of the bytes loaded.
            for file in files {
                file.unchanged_since_hashed(project)?;
            }
            db.execute(
                &format!(
                    "INSERT OR REPLACE INTO {STATE_SCHEMA}.datasets (name, file, files, sha256, rows, schema, fingerprint, stat) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                &[
                    (&dataset.name).into(),
                    Arg::Text(&path_text(&dataset.source)),
                    Arg::Int(files.len() as i64),
                    sha256.into(),
                    Arg::Int(rows as i64),
                    Arg::Text(schema),
                    fingerprint.into(),
                    stat.into(),
                ],
            )
            .map_err(|e| e.while_trying("record the load"))?;
            summary.loaded.push((dataset.name.clone(), rows));
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
}

/// Loads one dataset into `main.<name>`; returns its rows and whether its
/// schema was declared or inferred.
fn load_dataset(
    project: &Project,
    db: &Database,
    dataset: &Dataset,
    files: &[ReadableFile],
    timings: &mut Vec<(String, &'static str, std::time::Duration)>,
) -> Result<(u64, &'static str), Error> {
    let started = Instant::now();
    let table = format!("main.{}", quote_ident(&dataset.name));
    let shown = |file: &Path| project.shown(file);
    let schema = if dataset.columns.is_some() { "declared" } else { "inferred" };
    let rows = match dataset.format {
        FileFormat::Csv => {
            for file in files {
                csv::check_facts(&shown(&file.file), file, &dataset.csv)?;
            }
            let header = if dataset.csv.header {
                let first = csv::read_header(&shown(&files[0].file), &files[0].path, &dataset.csv)?;
                for file in &files[1..] {
                    let names = csv::read_header(&shown(&file.file), &file.path, &dataset.csv)?;
                    if names != first {
                        return Err(Error::project(format!(
                            "{} has a different header from {}",
                            shown(&file.file).display(),
                            shown(&files[0].file).display()
                        ))
                        .at(Location { line: Some(1), ..Location::file(shown(&file.file)) })
                        .note(format!("expected: {}\n   found: {}", first.join(", "), names.join(", ")))
                        .help("every file of a dataset folder has the same columns, in the same order"));
                    }
                }
                Some(first)
            } else {
                None
            };
            let layout = csv::layout(&shown(&dataset.source), header, dataset)?;
            if dataset.columns.is_some() {
                csv::load_into(db, &table, false, files, &layout, &dataset.csv, &shown)?
            } else {
                let stage = "laporan_stage";
                let rows = csv::load_into(db, stage, true, files, &layout, &dataset.csv, &shown)?;
                let names: Vec<String> = layout.columns.iter().map(|(n, _)| n.clone()).collect();
                let types = infer::infer_types(db, stage, &names)?;
                let select: Vec<String> = names
                    .iter()
                    .zip(&types)
                    .map(|(name, ty)| format!("CAST({0} AS {ty}) AS {0}", quote_ident(name)))
                    .collect();
                db.batch(&format!(
                    "CREATE OR REPLACE TABLE {table} AS SELECT {} FROM {stage} ; DROP TABLE {stage};",
                    select.join(", ")
                ))
                .map_err(|e| e.while_trying("store the inferred table"))?;
                rows
            }
        }
        FileFormat::Json => json::load(&Input { db, table: &table, dataset, files, shown: &shown })?,
        FileFormat::Parquet => parquet::load(&Input { db, table: &table, dataset, files, shown: &shown })?,
        FileFormat::Workbook => workbook::load(&Input { db, table: &table, dataset, files, shown: &shown })?,
    };
    timings.push((dataset.name.clone(), "read and convert", started.elapsed()));
    let started = Instant::now();
    check_primary_key(project, db, &table, dataset, files)?;
    if !dataset.primary_key.is_empty() {
        timings.push((dataset.name.clone(), "check the primary key", started.elapsed()));
    }
    Ok((rows, schema))
}

/// Hashes and scans a dataset's files; transcodes declared non-UTF-8 files
/// into temporary UTF-8 copies, and copies a CSV that skips lines or mixes
/// CRLF and LF (see [`readable_copy`]).
fn prepare_files(project: &Project, dataset: &Dataset) -> Result<Vec<ReadableFile>, Error> {
    let dialect = (dataset.format == FileFormat::Csv).then(|| dataset.csv.dialect());
    let mut files = Vec::with_capacity(dataset.files.len());
    for file in &dataset.files {
        let path = project.path(file);
        let shown = project.shown(file);
        let identity = FileIdentity::of(&path).map_err(|e| Error::io("read", &shown, e))?;
        let readable = match (dataset.csv.encoding, dataset.format) {
            (Some(encoding), FileFormat::Csv) => {
                let (copy, facts) = transcode(project, &path, &shown, encoding, dialect)?;
                ReadableFile { file: file.clone(), path: copy.to_path_buf(), facts, identity, _copy: Some(copy) }
            }
            _ => {
                let facts = scan::scan_file(&path, dialect).map_err(|e| Error::io("read", &shown, e))?;
                ReadableFile { file: file.clone(), path, facts, identity, _copy: None }
            }
        };
        let readable = match dialect {
            Some(dialect) if dialect.skip > 0 || readable.facts.crlf_and_lf() => {
                let copy = readable_copy(project, &readable.path, &shown, dialect, readable.facts.crlf_and_lf())?;
                ReadableFile { path: copy.to_path_buf(), _copy: Some(copy), ..readable }
            }
            _ => readable,
        };
        files.push(readable);
    }
    Ok(files)
}

/// Decodes `path` from `encoding` into a UTF-8 temporary file, scanning the
/// decoded text on the way; returns the file and its facts, with the
/// SHA-256 and size of the original.
fn transcode(
    project: &Project,
    path: &Path,
    shown: &Path,
    encoding: &'static encoding_rs::Encoding,
    dialect: Option<scan::Dialect>,
) -> Result<(tempfile::TempPath, scan::FileFacts), Error> {
    let tmp_dir = project.path(STATE_DIR).join("tmp");
    fs::create_dir_all(&tmp_dir).map_err(|e| Error::io("create", &project.shown(Path::new(STATE_DIR)), e))?;
    let mut input = fs::File::open(path).map_err(|e| Error::io("read", shown, e))?;
    let mut output = tempfile::Builder::new()
        .prefix("transcoded-")
        .suffix(".csv")
        .tempfile_in(&tmp_dir)
        .map_err(|e| Error::io("write a temporary file in", &project.shown(Path::new(STATE_DIR)), e))?;
    let mut decoder = encoding.new_decoder();
    let mut scanner = scan::Scanner::new(dialect);
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut buffer = vec![0u8; 1 << 16];
    let mut text = String::with_capacity(1 << 17);
    let mut line = 1u64;
    loop {
        let n = input.read(&mut buffer).map_err(|e| Error::io("read", shown, e))?;
        hasher.update(&buffer[..n]);
        bytes += n as u64;
        let last = n == 0;
        let mut consumed = 0;
        loop {
            text.clear();
            text.reserve(decoder.max_utf8_buffer_length_without_replacement(n - consumed).unwrap_or(1 << 18));
            let (result, read) = decoder.decode_to_string_without_replacement(&buffer[consumed..n], &mut text, last);
            consumed += read;
            output.write_all(text.as_bytes()).map_err(|e| Error::io("write", shown, e))?;
            scanner.feed(text.as_bytes());
            line += text.matches('\n').count() as u64;
            match result {
                encoding_rs::DecoderResult::InputEmpty => break,
                encoding_rs::DecoderResult::OutputFull => continue,
                encoding_rs::DecoderResult::Malformed(_, _) => {
                    return Err(Error::project(format!("{} is not valid {}", shown.display(), encoding.name()))
                        .at(Location { line: Some(line as usize), ..Location::file(shown) })
                        .help("check the encoding declared for the dataset in laporan.toml"));
                }
            }
        }
        if last {
            break;
        }
    }
    output.flush().map_err(|e| Error::io("write", shown, e))?;
    let facts = scan::FileFacts { sha256: scan::hex_digest(hasher), bytes, ..scanner.finish() };
    Ok((output.into_temp_path(), facts))
}

/// A copy of `path` for DuckDB to read, when the file itself would not do:
///
/// - The `skip` lines above the header are blanked. They are free text (a
///   title, a note with a stray quote), which DuckDB's reader still parses
///   when it skips them, and in strict mode a stray quote there makes it
///   read no row at all. Blank, they are skipped and still counted, so line
///   numbers stay the file's.
/// - With `normalise`, every CRLF that ends a record becomes LF (a file
///   whose lines end with both, rows appended by another tool, which
///   DuckDB's strict reader refuses). Line breaks inside quoted values are
///   data, and kept as they are.
fn readable_copy(
    project: &Project,
    path: &Path,
    shown: &Path,
    dialect: scan::Dialect,
    normalise: bool,
) -> Result<tempfile::TempPath, Error> {
    let state = project.shown(Path::new(STATE_DIR));
    let tmp_dir = project.path(STATE_DIR).join("tmp");
    fs::create_dir_all(&tmp_dir).map_err(|e| Error::io("create", &state, e))?;
    let bytes = fs::read(path).map_err(|e| Error::io("read", shown, e))?;
    let mut output = tempfile::Builder::new()
        .prefix("readable-")
        .suffix(".csv")
        .tempfile_in(&tmp_dir)
        .map_err(|e| Error::io("write a temporary file in", &state, e))?;
    let (bom, text) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (&bytes[..3], rest),
        None => (&bytes[..0], &bytes[..]),
    };
    let rest = scan::skip_lines(text, dialect.skip);
    let skipped = text.len() - rest.len();
    let mut copy = Vec::with_capacity(bytes.len());
    copy.extend_from_slice(bom);
    copy.extend(text[..skipped].iter().filter(|&&b| b == b'\n'));
    if normalise {
        scan::end_records_with_lf(rest, dialect, &mut copy);
    } else {
        copy.extend_from_slice(rest);
    }
    output.write_all(&copy).map_err(|e| Error::io("write", &state, e))?;
    output.flush().map_err(|e| Error::io("write", &state, e))?;
    Ok(output.into_temp_path())
}

/// A file as DuckDB will read it: the original, or a UTF-8 copy of it.
pub struct ReadableFile {
    /// Relative to the project root, for messages.
    pub file: PathBuf,
    /// What DuckDB reads.
    pub path: PathBuf,
    pub facts: scan::FileFacts,
    /// The original file before it was hashed: it must be the same after
    /// it was loaded.
    pub identity: FileIdentity,
    /// Keeps a transcoded copy alive until the load is over.
    pub _copy: Option<tempfile::TempPath>,
}

/// What tells that a file may have changed, without reading it: size,
/// modification and change times, and (on Unix) the file's inode. Taken
/// before the file is hashed and compared after DuckDB read it, so that a
/// file replaced or rewritten during the load fails the load instead of
/// being recorded with the old bytes' SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64, i64, i64),
}

impl FileIdentity {
    pub fn of(path: &Path) -> std::io::Result<FileIdentity> {
        let meta = fs::metadata(path)?;
        Ok(FileIdentity {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec())
            },
        })
    }
}

impl ReadableFile {
    /// Fails if the file changed since it was hashed (see [`FileIdentity`]).
    fn unchanged_since_hashed(&self, project: &Project) -> Result<(), Error> {
        let shown = project.shown(&self.file);
        let now = FileIdentity::of(&project.path(&self.file)).map_err(|e| Error::io("read", &shown, e))?;
        if now == self.identity {
            return Ok(());
        }
        Err(Error::project(format!("{} changed while it was being loaded", shown.display()))
            .at(Location::file(&shown))
            .help("another program wrote the file during the load; nothing was changed: run laporan again once it is done"))
    }
}

/// One hash for a dataset: the file's, or for a folder a hash of its files'
/// names and hashes.
fn combined_hash(files: &[ReadableFile]) -> String {
    if let [single] = files {
        return single.facts.sha256.clone();
    }
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(path_text(&file.file).as_bytes());
        hasher.update(b"\0");
        hasher.update(file.facts.sha256.as_bytes());
        hasher.update(b"\n");
    }
    scan::hex_digest(hasher)
}

/// Sizes and modification times of a dataset's files: when they match the
/// last load, the files are not read again.
fn stat_text(project: &Project, dataset: &Dataset) -> Result<String, Error> {
    let mut text = String::new();
    for file in &dataset.files {
        let meta = fs::metadata(project.path(file)).map_err(|e| Error::io("read", &project.shown(file), e))?;
        let modified =
            meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        text.push_str(&format!("{}:{}:{modified};", path_text(file), meta.len()));
    }
    Ok(text)
}

/// The datasets currently in the database, by name.
pub fn loaded(db: &Database) -> Result<Vec<LoadedDataset>, Error> {
    if !state_table_exists(db)? {
        return Ok(Vec::new());
    }
    db.rows(
        &format!(
            "SELECT name, file, files, sha256, rows, schema, fingerprint, stat FROM {STATE_SCHEMA}.datasets ORDER BY name"
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
                fingerprint: row.text(6)?,
                stat: row.text(7)?,
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
             rows BIGINT NOT NULL, schema VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, stat VARCHAR NOT NULL);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_rewritten_or_replaced_after_it_was_hashed_is_noticed() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("a.csv");
        fs::write(&path, "a\n1\n").unwrap();
        let before = FileIdentity::of(&path).unwrap();
        assert_eq!(FileIdentity::of(&path).unwrap(), before, "reading is not a change");
        // The same size, written again.
        fs::write(&path, "a\n2\n").unwrap();
        assert_ne!(FileIdentity::of(&path).unwrap(), before);
        // Replaced by another file of the same size and time.
        let before = FileIdentity::of(&path).unwrap();
        let other = dir.path().join("b.csv");
        fs::write(&other, "a\n3\n").unwrap();
        let times = fs::metadata(&path).unwrap().modified().unwrap();
        fs::File::options().write(true).open(&other).unwrap().set_modified(times).unwrap();
        fs::rename(&other, &path).unwrap();
        assert_ne!(FileIdentity::of(&path).unwrap(), before);
    }
}
