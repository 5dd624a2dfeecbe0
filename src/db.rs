//! Opening the project's DuckDB database, offline and sandboxed.
//!
//! The database lives in `.laporan/laporan.duckdb`; it is a cache of `data/`
//! that laporan can always rebuild. This module owns how it is opened and
//! turns DuckDB's open failures (a lock held by another process, a file from
//! another DuckDB version) into errors that say what to do.
//!
//! Every connection is sandboxed before any SQL runs, the load's included:
//! no extension is installed or loaded (so nothing reaches the network),
//! files are reachable only inside the folders the step needs (`data/` and
//! `.laporan/` to load, `data/` to query), and the configuration is locked,
//! so no later statement can undo it. Queries also run on the database
//! reopened read-only. A mistake anywhere above this layer still cannot
//! touch the rest of the machine.

use std::fs;
use std::path::{Path, PathBuf};

use duckdb::{Config, Connection};

use crate::error::Error;
use crate::project::{DATA_DIR, Project, STATE_DIR};
use crate::sql_parse::offline_config;

/// The schema where laporan keeps its own bookkeeping, apart from user tables.
pub const STATE_SCHEMA: &str = "_laporan";

pub struct Database {
    pub conn: Connection,
    /// As shown to users.
    pub shown_path: PathBuf,
}

impl Database {
    /// Opens (creating if needed) the project's database.
    pub fn open(project: &Project) -> Result<Database, Error> {
        let dir = project.path(STATE_DIR);
        let shown_dir = project.shown(Path::new(STATE_DIR));
        if !dir.is_dir() {
            fs::create_dir_all(&dir).map_err(|e| Error::io("create", &shown_dir, e))?;
            // The folder is a cache; keep it out of version control even when
            // the project's own .gitignore forgets it.
            fs::write(dir.join(".gitignore"), "*\n")
                .map_err(|e| Error::io("write", &shown_dir.join(".gitignore"), e))?;
        }
        no_links(&dir, &shown_dir)?;
        let shown_path = project.shown(&Path::new(STATE_DIR).join("laporan.duckdb"));
        let config = with_settings(project, offline_config().map_err(|e| open_error(&shown_path, e))?)?;
        let conn =
            Connection::open_with_flags(project.database_path(), config).map_err(|e| open_error(&shown_path, e))?;
        sandbox(&conn, project, &[DATA_DIR, STATE_DIR]).map_err(|e| open_error(&shown_path, e))?;
        Ok(Database { conn, shown_path })
    }

    /// Closes the database and opens it again for queries only: read-only,
    /// with files reachable only in `data/` (relative paths are relative to
    /// the project), and these settings locked. Whatever SQL a saved query
    /// or `--sql` holds, it cannot change the data or touch other files.
    pub fn into_reader(self, project: &Project) -> Result<Database, Error> {
        let Database { conn, shown_path } = self;
        drop(conn);
        let config = offline_config()
            .and_then(|c| c.access_mode(duckdb::AccessMode::ReadOnly))
            .map_err(|e| open_error(&shown_path, e))?;
        let config = with_settings(project, config)?;
        let conn =
            Connection::open_with_flags(project.database_path(), config).map_err(|e| open_error(&shown_path, e))?;
        sandbox(&conn, project, &[DATA_DIR]).map_err(|e| open_error(&shown_path, e))?;
        Ok(Database { conn, shown_path })
    }

    /// An in-memory database with the same settings, for tests.
    pub fn in_memory() -> Result<Database, Error> {
        let shown_path = PathBuf::from(":memory:");
        let config = offline_config().map_err(|e| open_error(&shown_path, e))?;
        let conn = Connection::open_in_memory_with_flags(config).map_err(|e| open_error(&shown_path, e))?;
        Ok(Database { conn, shown_path })
    }
}

/// The state folder holds laporan's and DuckDB's own files only: a link in
/// it (a project received with `.laporan/laporan.duckdb` pointing at a
/// database elsewhere, or its write-ahead log at any file) would have the
/// load write outside the project, and a FIFO would hang it.
fn no_links(dir: &Path, shown: &Path) -> Result<(), Error> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let shown_entry = shown.join(entry.file_name());
        if kind.is_symlink() {
            return Err(Error::project(format!("{} is a link", shown_entry.display())).help(format!(
                "{} holds only laporan's own files, and is a cache of data/: delete the folder and run laporan again",
                shown.display()
            )));
        }
        if kind.is_dir() {
            no_links(&entry.path(), &shown_entry)?;
        } else if !kind.is_file() {
            return Err(Error::project(format!("{} is not a file (a FIFO, socket or device)", shown_entry.display()))
                .help(format!("{} is a cache of data/: delete the folder and run laporan again", shown.display())));
        }
    }
    Ok(())
}

/// Limits `conn` to files in the project's `folders`, with relative paths
/// resolved against the project, and locks the configuration. DuckDB
/// resolves symbolic links before it checks a path, so a link in `data/`
/// to a file elsewhere is refused too.
fn sandbox(conn: &Connection, project: &Project, folders: &[&str]) -> duckdb::Result<()> {
    let folder_text = |path: PathBuf| {
        let path = fs::canonicalize(&path).unwrap_or(path);
        let mut text = path.to_string_lossy().into_owned();
        if !text.ends_with('/') {
            text.push('/');
        }
        quote_literal(&text)
    };
    let allowed: Vec<String> = folders.iter().map(|folder| folder_text(project.path(folder))).collect();
    let root = folder_text(project.root.clone());
    // Progress is tracked (for the load's progress bar) but never printed
    // by DuckDB; like every setting, it cannot change once locked.
    conn.execute_batch(&format!(
        "SET allowed_directories = [{}]; SET file_search_path = {root}; \
         SET enable_progress_bar = true; SET enable_progress_bar_print = false; \
         SET enable_external_access = false; SET lock_configuration = true;",
        allowed.join(", ")
    ))
}

/// Applies laporan.toml's `[duckdb]` settings.
fn with_settings(project: &Project, mut config: Config) -> Result<Config, Error> {
    for (name, value, span) in project.duckdb_settings() {
        config = config.with(name, &value).map_err(|e| {
            project
                .config_error_at(span, format!("DuckDB does not accept {name} = \"{value}\""))
                .note(e.to_string())
                .help("memory_limit is a size such as \"4GB\", threads a whole number, temp_directory a folder")
        })?;
    }
    Ok(config)
}

fn open_error(shown: &Path, err: duckdb::Error) -> Error {
    let text = err.to_string();
    let base = Error::project(format!("cannot open the database {}", shown.display())).note(text.trim());
    if text.contains("Could not set lock") || text.contains("Conflicting lock") {
        base.help("another laporan (or DuckDB) process is using it; wait for it to finish")
    } else if text.contains("version") || text.contains("Serialization") || text.contains("not a valid DuckDB database")
    {
        base.help(format!(
            "the database is only a cache of data/: delete the {STATE_DIR}/ folder and run laporan again"
        ))
    } else {
        base
    }
}

/// Quotes an identifier for SQL: `events` → `"events"`.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a string literal for SQL: `it's` → `'it''s'`.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
