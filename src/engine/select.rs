//! SQL from a project: saved queries, the views others build on, data
//! tests and `--sql`. Each text passes the [`Gate`] before DuckDB prepares
//! it, its `$names` are bound to typed values, and its rows come back as a
//! [`QueryResult`] of [`crate::value::Cell`]s.

use duckdb::types::Value as DbValue;

use super::convert::{bound, cell, readable, type_name};
use super::gate::{Gate, Refusal};
use super::{Database, DbError, quote_ident};
use crate::params::ParamValue;
use crate::value::{Cell, Column, QueryResult};

/// Why SQL from the project did not run.
#[derive(Debug)]
pub enum SqlFailure {
    /// Refused by the [`Gate`] before anything ran.
    Refused(Refusal),
    /// DuckDB found a parameter the text does not declare (the saved
    /// query's lexer checks `$names` first, so DuckDB saw one it did not).
    Undeclared(String),
    /// DuckDB's error while preparing or running it.
    Db(DbError),
}

impl From<duckdb::Error> for SqlFailure {
    fn from(err: duckdb::Error) -> SqlFailure {
        SqlFailure::Db(err.into())
    }
}

impl Database {
    /// Runs `sql` through the gate with `values` bound to its `$names`, and
    /// collects the rows as the result `name`. Columns of a type the
    /// `duckdb` crate cannot read (see [`readable`]) are read as text: the
    /// statement runs again inside one that casts them to VARCHAR, through
    /// the gate too.
    pub fn select(
        &self,
        gate: &Gate,
        name: &str,
        sql: &str,
        values: &[(String, ParamValue)],
    ) -> Result<QueryResult, SqlFailure> {
        let (columns, readable) = match self.fetch(gate, name, sql, values)? {
            Fetched::Rows(result) => return Ok(result),
            Fetched::Unreadable(columns, readable) => (columns, readable),
        };
        let items: Vec<String> = columns
            .iter()
            .zip(&readable)
            .enumerate()
            .map(|(i, (column, ok))| {
                let at = i + 1;
                if *ok {
                    format!("#{at} AS {}", quote_ident(&column.name))
                } else {
                    format!("CAST(#{at} AS VARCHAR) AS {}", quote_ident(&column.name))
                }
            })
            .collect();
        let inner = sql.trim_end().trim_end_matches(';');
        let wrapped = format!("SELECT {} FROM (\n{inner}\n) AS laporan_result", items.join(", "));
        match self.fetch(gate, name, &wrapped, values)? {
            Fetched::Rows(result) => Ok(QueryResult::new(result.name.clone(), columns, result.rows)),
            Fetched::Unreadable(..) => {
                Err(SqlFailure::Db(DbError("a column of this result cannot be read, even as text".into())))
            }
        }
    }

    /// Prepares `sql` without running it, so that syntax errors, unknown
    /// tables and columns and type errors surface.
    pub fn prepare_select(&self, gate: &Gate, sql: &str) -> Result<(), SqlFailure> {
        gate.check(self, sql).map_err(SqlFailure::Refused)?;
        self.conn.prepare(sql)?;
        Ok(())
    }

    /// Makes `sql` available to the queries that build on it, as the
    /// temporary view `name`. The text passes the gate as one SELECT, so
    /// the view around it is one statement.
    pub fn create_view(&self, gate: &Gate, name: &str, sql: &str) -> Result<(), SqlFailure> {
        gate.check(self, sql).map_err(SqlFailure::Refused)?;
        let view = format!("CREATE OR REPLACE TEMP VIEW {} AS {sql}\n", quote_ident(name));
        self.conn.prepare(&view)?.execute([])?;
        Ok(())
    }

    /// Runs `sql` (after the gate) with `values` bound, and collects its
    /// rows, unless a column's type is not [`readable`].
    fn fetch(
        &self,
        gate: &Gate,
        name: &str,
        sql: &str,
        values: &[(String, ParamValue)],
    ) -> Result<Fetched, SqlFailure> {
        gate.check(self, sql).map_err(SqlFailure::Refused)?;
        let mut stmt = self.conn.prepare(sql)?;
        let bound = bound_values(&stmt, values)?;
        stmt.execute(duckdb::params_from_iter(bound))?;
        // Names and types are known once the statement has run, rows or not.
        let columns: Vec<Column> = (0..stmt.column_count())
            .map(|i| Column {
                name: stmt.column_name(i).cloned().unwrap_or_else(|_| format!("column{i}")),
                type_name: type_name(&stmt.column_logical_type(i)),
            })
            .collect();
        let readable: Vec<bool> = (0..columns.len()).map(|i| readable(&stmt.column_logical_type(i))).collect();
        if readable.contains(&false) {
            return Ok(Fetched::Unreadable(columns, readable));
        }
        let types: Vec<_> = (0..columns.len()).map(|i| stmt.column_logical_type(i).try_id().ok()).collect();
        let mut cells: Vec<Vec<Cell>> = Vec::new();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(types.len());
            for (i, ty) in types.iter().enumerate() {
                values.push(cell(row.get(i)?, *ty));
            }
            cells.push(values);
        }
        Ok(Fetched::Rows(QueryResult::new(name.to_owned(), columns, cells)))
    }
}

/// What running a statement gave: its rows, or (before any row was read)
/// the columns, with which of them the `duckdb` crate cannot read.
enum Fetched {
    Rows(QueryResult),
    Unreadable(Vec<Column>, Vec<bool>),
}

/// The values for a prepared statement's parameters, by position, in the
/// order DuckDB numbered the `$names`.
fn bound_values(stmt: &duckdb::Statement<'_>, values: &[(String, ParamValue)]) -> Result<Vec<DbValue>, SqlFailure> {
    let mut out = Vec::with_capacity(stmt.parameter_count());
    for index in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(index)?;
        match values.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push(bound(value)),
            None => return Err(SqlFailure::Undeclared(name)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_sql_passes_the_gate_and_binds_by_name() {
        let db = Database::in_memory().unwrap();
        let gate = Gate::default();
        let values = [("b".to_owned(), ParamValue::Integer(2)), ("a".to_owned(), ParamValue::Text("x".into()))];
        let result = db.select(&gate, "q", "SELECT $a AS a, $b + 1 AS b, NULL AS nothing", &values).unwrap();
        assert_eq!(result.rows, [vec![Cell::Text("x".into()), Cell::Int(3), Cell::Null]]);
        assert_eq!(result.columns[2].type_name, "NULL", "a column of type NULL is read (as text), its type kept");
        assert!(matches!(db.select(&gate, "q", "SELECT 1; SELECT 2", &[]), Err(SqlFailure::Refused(_))));
        assert!(
            matches!(db.select(&gate, "q", "SELECT $c", &values), Err(SqlFailure::Undeclared(name)) if name == "c")
        );
    }
}
