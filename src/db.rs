//! Opening the project's DuckDB database, offline.
//!
//! The database lives in `.laporan/laporan.duckdb`; it is a cache of `data/`
//! that laporan can always rebuild. This module owns how it is opened (no
//! extension autoloading or installing, so laporan never touches the network)
//! and turns DuckDB's open failures (a lock held by another process, a file
//! from another DuckDB version) into errors that say what to do.

use std::fs;
use std::path::{Path, PathBuf};

use duckdb::{Config, Connection};

use crate::error::Error;
use crate::project::{Project, STATE_DIR};

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
        let shown_path = project.shown(&Path::new(STATE_DIR).join("laporan.duckdb"));
        let config = with_settings(project, offline_config().map_err(|e| open_error(&shown_path, e))?)?;
        let conn =
            Connection::open_with_flags(project.database_path(), config).map_err(|e| open_error(&shown_path, e))?;
        Ok(Database { conn, shown_path })
    }

    /// Closes the database and opens it again for queries only: read-only,
    /// with files readable only inside the project (relative paths are
    /// relative to it), and these settings locked. Whatever SQL a saved query
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
        let root = fs::canonicalize(&project.root).map_err(|e| Error::io("read", &project.shown(Path::new(".")), e))?;
        let mut root_text = root.to_string_lossy().into_owned();
        if !root_text.ends_with('/') {
            root_text.push('/');
        }
        let dir = quote_literal(&root_text);
        conn.execute_batch(&format!(
            "SET allowed_directories = [{dir}]; SET file_search_path = {dir}; \
             SET enable_external_access = false; SET lock_configuration = true;"
        ))
        .map_err(|e| open_error(&shown_path, e))?;
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

/// No extension is ever downloaded or loaded behind our back: Parquet and
/// JSON are compiled in.
fn offline_config() -> duckdb::Result<Config> {
    Config::default()
        .enable_autoload_extension(false)?
        .with("autoinstall_known_extensions", "false")?
        .with("allow_community_extensions", "false")
}

/// Applies laporan.toml's `[duckdb]` settings.
fn with_settings(project: &Project, mut config: Config) -> Result<Config, Error> {
    for (name, value) in project.duckdb_settings() {
        config = config.with(name, &value).map_err(|e| {
            project
                .duckdb_config_error(format!("DuckDB does not accept {name} = \"{value}\""))
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
