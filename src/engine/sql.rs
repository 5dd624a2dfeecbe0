//! SQL that laporan writes itself: the load's statements, its bookkeeping,
//! the checks after a load, the catalog questions of `laporan list`.
//!
//! Text from a project never comes through here: it runs through
//! [`super::select`], behind the gate. The callers get plain values back
//! ([`Row`]'s text, integers and booleans) and a [`DbError`] that is
//! DuckDB's message, never a `duckdb` type.

use duckdb::types::{ToSql, ToSqlOutput, Value as DbValue, ValueRef};

use super::Database;
use crate::error::Error;

/// DuckDB's failure, as its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

impl From<duckdb::Error> for DbError {
    fn from(err: duckdb::Error) -> DbError {
        DbError(err.to_string())
    }
}

impl DbError {
    /// The first line of DuckDB's message (the rest is often a listing of
    /// its catalog or a hint about its own options).
    pub fn first_line(&self) -> &str {
        self.0.lines().next().unwrap_or_default()
    }

    /// An unexpected failure while doing `what` (`"record the load"`).
    pub fn while_trying(self, what: &str) -> Error {
        Error::project(format!("the database failed to {what}")).note(self.0)
    }
}

/// A value bound to a `?` in SQL laporan writes, or appended to a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    Null,
    Text(&'a str),
    Int(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Arg<'a> {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Arg<'a> {
        Arg::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(number: i64) -> Self {
        Arg::Int(number)
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Arg::Null => ToSqlOutput::Owned(DbValue::Null),
            Arg::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Arg::Int(number) => ToSqlOutput::Owned(DbValue::BigInt(*number)),
        })
    }
}

/// One row of a result, read by column position.
pub struct Row<'r, 's>(&'r duckdb::Row<'s>);

impl Row<'_, '_> {
    pub fn text(&self, column: usize) -> Result<String, DbError> {
        Ok(self.0.get(column)?)
    }

    pub fn opt_text(&self, column: usize) -> Result<Option<String>, DbError> {
        Ok(self.0.get(column)?)
    }

    pub fn int(&self, column: usize) -> Result<i64, DbError> {
        Ok(self.0.get(column)?)
    }

    pub fn opt_int(&self, column: usize) -> Result<Option<i64>, DbError> {
        Ok(self.0.get(column)?)
    }

    pub fn bool(&self, column: usize) -> Result<bool, DbError> {
        Ok(self.0.get(column)?)
    }
}

/// How far the statement running on a connection is, read from another
/// thread (for a progress bar).
pub struct Progress(duckdb::ProgressHandle);

impl Database {
    /// Runs statements laporan wrote, one after the other.
    pub fn batch(&self, sql: &str) -> Result<(), DbError> {
        Ok(self.conn.execute_batch(sql)?)
    }

    /// Runs one statement with `args` bound to its `?`s; returns the rows
    /// it changed.
    pub fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<usize, DbError> {
        Ok(self.conn.execute(sql, duckdb::params_from_iter(args))?)
    }

    /// Runs one query and reads each of its rows with `read`.
    pub fn rows<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        mut read: impl FnMut(&Row<'_, '_>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query(duckdb::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(read(&Row(row))?);
        }
        Ok(out)
    }

    /// The first row of a query, read with `read`; an error if there is none.
    pub fn row<T>(
        &self,
        sql: &str,
        args: &[Arg<'_>],
        read: impl FnOnce(&Row<'_, '_>) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut stmt = self.conn.prepare(sql)?;
        let mut rows = stmt.query(duckdb::params_from_iter(args))?;
        match rows.next()? {
            Some(row) => read(&Row(row)),
            None => Err(DbError(format!("no row from: {sql}"))),
        }
    }

    /// The single integer a query such as `SELECT count(*) …` returns.
    pub fn count(&self, sql: &str) -> Result<u64, DbError> {
        self.row(sql, &[], |row| row.int(0)).map(|n| n.max(0) as u64)
    }

    /// The names of the columns a query returns (it runs; give it one
    /// that computes nothing, such as `… LIMIT 0`).
    pub fn column_names(&self, sql: &str) -> Result<Vec<String>, DbError> {
        let mut stmt = self.conn.prepare(sql)?;
        stmt.execute([])?;
        Ok(stmt.column_names())
    }

    /// Appends rows to the temporary table `table` (faster than inserting
    /// them one by one).
    pub fn append_temp<'a>(&self, table: &str, rows: impl IntoIterator<Item = Vec<Arg<'a>>>) -> Result<(), DbError> {
        let mut appender = self.conn.appender_to_catalog_and_db(table, "temp", "main")?;
        for row in rows {
            appender.append_row(duckdb::appender_params_from_iter(row))?;
        }
        Ok(appender.flush()?)
    }

    /// Another connection to the same database, with the same settings:
    /// it runs statements while this one runs others.
    pub fn try_clone(&self) -> Result<Database, Error> {
        let conn = self.conn.try_clone().map_err(|e| {
            Error::project("cannot open another connection to the database").note(e.to_string().trim().to_owned())
        })?;
        Ok(Database { conn, shown_path: self.shown_path.clone() })
    }

    /// A handle on the progress of what this connection runs next.
    pub fn progress(&self) -> Progress {
        Progress(self.conn.progress_handle())
    }
}

impl Progress {
    /// The running statement's progress, from 0 to 100, when DuckDB knows it.
    pub fn percentage(&self) -> Option<f64> {
        self.0.query_progress().percentage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_plain_values() {
        let db = Database::in_memory().unwrap();
        db.batch("CREATE TEMP TABLE t (name VARCHAR, n BIGINT)").unwrap();
        db.execute("INSERT INTO t VALUES (?, ?), (?, ?)", &["a".into(), 1.into(), Arg::Null, Arg::Null]).unwrap();
        db.append_temp("t", [vec![Arg::Text("c"), Arg::Int(3)]]).unwrap();
        let rows = db
            .rows("SELECT name, n FROM t ORDER BY n NULLS LAST", &[], |row| Ok((row.opt_text(0)?, row.opt_int(1)?)))
            .unwrap();
        assert_eq!(rows, [(Some("a".into()), Some(1)), (Some("c".into()), Some(3)), (None, None)]);
        assert_eq!(db.count("SELECT count(*) FROM t").unwrap(), 3);
        assert_eq!(db.column_names("SELECT * FROM t LIMIT 0").unwrap(), ["name", "n"]);
        let err = db.batch("SELECT * FROM missing").unwrap_err();
        assert!(err.first_line().contains("missing"), "{err}");
    }
}
