//! Opening the project's DuckDB database, offline and sandboxed.
//!
//! The database lives in `.laporan/laporan.duckdb`; it is a cache of `data/`
//! that laporan can always rebuild. This module owns how it is opened and
//! turns DuckDB's open failures (a lock held by another process, a file from
//! another DuckDB version) into errors that say what to do. What it opens
//! is described by a [`Place`]: paths and settings, nothing of the project.
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

use super::parse::offline_config;
use crate::error::Error;

/// The schema where laporan keeps its own bookkeeping, apart from user tables.
pub const STATE_SCHEMA: &str = "_laporan";

/// Where the database is and how it is opened: what the project tells the
/// engine ([`crate::project::Project::engine_place`]).
#[derive(Debug, Clone)]
pub struct Place {
    /// The project folder: relative paths in SQL are relative to it.
    pub root: PathBuf,
    /// The state folder holding the database (real path, as shown).
    pub state_dir: (PathBuf, PathBuf),
    /// The database file (real path, as shown).
    pub database: (PathBuf, PathBuf),
    /// The folders SQL may read while loading (data and state) and while
    /// querying (data only).
    pub load_folders: Vec<PathBuf>,
    pub query_folders: Vec<PathBuf>,
    /// laporan.toml's `[duckdb]` settings.
    pub settings: Vec<Setting>,
}

/// One DuckDB setting, and the error to report if DuckDB refuses it (its
/// own words are added as a note).
#[derive(Debug, Clone)]
pub struct Setting {
    pub name: &'static str,
    pub value: String,
    pub refused: Error,
}

pub struct Database {
    pub(super) conn: Connection,
    /// As shown to users.
    pub shown_path: PathBuf,
}

impl Database {
    /// Opens (creating if needed) the project's database.
    pub fn open(place: &Place) -> Result<Database, Error> {
        let (dir, shown_dir) = (&place.state_dir.0, &place.state_dir.1);
        if !dir.is_dir() {
            fs::create_dir_all(dir).map_err(|e| Error::io("create", shown_dir, e))?;
            // The folder is a cache; keep it out of version control even when
            // the project's own .gitignore forgets it.
            fs::write(dir.join(".gitignore"), "*\n")
                .map_err(|e| Error::io("write", &shown_dir.join(".gitignore"), e))?;
        }
        no_links(dir, shown_dir)?;
        let shown_path = place.database.1.clone();
        let config = with_settings(place, offline_config().map_err(|e| open_error(&shown_path, e))?)?;
        let conn = Connection::open_with_flags(&place.database.0, config).map_err(|e| open_error(&shown_path, e))?;
        sandbox(&conn, &place.root, &place.load_folders).map_err(|e| open_error(&shown_path, e))?;
        Ok(Database { conn, shown_path })
    }

    /// Closes the database and opens it again for queries only: read-only,
    /// with files reachable only in `data/` (relative paths are relative to
    /// the project), and these settings locked. Whatever SQL a saved query
    /// or `--sql` holds, it cannot change the data or touch other files.
    pub fn into_reader(self, place: &Place) -> Result<Database, Error> {
        drop(self);
        Database::reader(place)
    }

    /// Opens the database for queries only (see [`Database::into_reader`]).
    pub fn reader(place: &Place) -> Result<Database, Error> {
        let shown_path = place.database.1.clone();
        place.check_state_folder()?;
        if !place.database.0.is_file() {
            return Err(Error::project(format!("{} does not exist", shown_path.display()))
                .help("run laporan load (or build) to load data/ into it"));
        }
        let config = offline_config()
            .and_then(|c| c.access_mode(duckdb::AccessMode::ReadOnly))
            .map_err(|e| open_error(&shown_path, e))?;
        let config = with_settings(place, config)?;
        let conn = Connection::open_with_flags(&place.database.0, config).map_err(|e| open_error(&shown_path, e))?;
        sandbox(&conn, &place.root, &place.query_folders).map_err(|e| open_error(&shown_path, e))?;
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

impl Place {
    /// Refuses a state folder holding a link, a FIFO or a device (see
    /// [`no_links`]): checked before anything in it is read or written.
    pub fn check_state_folder(&self) -> Result<(), Error> {
        no_links(&self.state_dir.0, &self.state_dir.1)
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

/// Limits `conn` to files in `folders`, with relative paths resolved
/// against the project's `root`, and locks the configuration. DuckDB
/// resolves symbolic links before it checks a path, so a link in `data/`
/// to a file elsewhere is refused too.
fn sandbox(conn: &Connection, root: &Path, folders: &[PathBuf]) -> duckdb::Result<()> {
    let folder_text = |path: PathBuf| {
        let path = fs::canonicalize(&path).unwrap_or(path);
        let mut text = path.to_string_lossy().into_owned();
        if !text.ends_with('/') {
            text.push('/');
        }
        quote_literal(&text)
    };
    let allowed: Vec<String> = folders.iter().map(|folder| folder_text(folder.clone())).collect();
    let root = folder_text(root.to_path_buf());
    // Progress is tracked for the load's progress bar, drawn only on a
    // terminal (tracking it costs DuckDB about a twentieth of a load's
    // time), and never printed by DuckDB; like every setting, it cannot
    // change once locked.
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    conn.execute_batch(&format!(
        "SET allowed_directories = [{}]; SET file_search_path = {root}; \
         SET enable_progress_bar = {progress}; SET enable_progress_bar_print = false; \
         SET enable_external_access = false; SET lock_configuration = true;",
        allowed.join(", ")
    ))
}

/// Applies laporan.toml's `[duckdb]` settings.
fn with_settings(place: &Place, mut config: Config) -> Result<Config, Error> {
    for setting in &place.settings {
        config = config.with(setting.name, &setting.value).map_err(|e| setting.refused.clone().note(e.to_string()))?;
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
            "the database is only a cache of data/: delete the {} folder and run laporan again",
            shown.parent().map_or_else(|| shown.display().to_string(), |p| format!("{}/", p.display()))
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
