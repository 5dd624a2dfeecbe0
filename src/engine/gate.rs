//! The one gate every SQL text from a project passes before it runs.
//!
//! Saved queries, the queries others build on, data tests and `--sql` are
//! all text from outside laporan. Before any of it reaches
//! `Connection::prepare` (which runs every statement of a string but the
//! last), DuckDB's own parser decides what the text is:
//! `json_serialize_sql(text)` parses without running anything and
//! serializes SELECT statements only. The text passes when DuckDB reads it
//! as exactly one SELECT (which includes `WITH …`, `FROM …`, `VALUES`,
//! `DESCRIBE`, `SUMMARIZE`, `SHOW` and `PIVOT … IN (…)`); anything else,
//! text that does not parse included, is refused. Because the engine that
//! runs the text is the one that judged it, the two cannot disagree about
//! where a statement ends.
//!
//! The gate checks the exact string that is then prepared: callers that
//! wrap a text (data tests as `SELECT * FROM (…) LIMIT n`) pass the wrapped
//! string. Behind the gate the connection itself is read-only and
//! sandboxed ([`crate::engine`]), so a mistake here still cannot write.
//! The only way to run a project's text is [`Database::select`] (and its
//! siblings in [`super::select`]), which take a [`Gate`].

use std::collections::HashSet;
use std::sync::Mutex;

use super::Database;

/// Why a text did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// DuckDB cannot parse it: its message, and the byte offset it points at.
    Syntax { message: String, offset: Option<usize> },
    /// It holds no statement at all (only comments or nothing).
    Empty,
    /// More than one statement, or a statement that is not a SELECT.
    NotOneSelect,
    /// The gate itself failed (the database did not answer).
    Failed(String),
}

/// The gate of one build: it remembers the texts that passed, so that
/// each is parsed once however often it runs.
#[derive(Debug, Default)]
pub struct Gate {
    passed: Mutex<HashSet<String>>,
}

impl Gate {
    /// Passes when DuckDB parses `sql` as exactly one SELECT statement
    /// (see [`check`]), or when the same text passed before.
    pub fn check(&self, db: &Database, sql: &str) -> Result<(), Refusal> {
        if !self.lock().contains(sql) {
            check(db, sql)?;
            self.approve(sql);
        }
        Ok(())
    }

    /// Records that `sql` passes: it is the one statement of a text that
    /// passed as a whole, with nothing but semicolons and space after it.
    pub fn approve(&self, sql: &str) {
        let mut passed = self.lock();
        if !passed.contains(sql) {
            passed.insert(sql.to_owned());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.passed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Passes when DuckDB parses `sql` as exactly one SELECT statement.
pub fn check(db: &Database, sql: &str) -> Result<(), Refusal> {
    let parsed = crate::engine::parse::serialize(db, sql).map_err(Refusal::Failed)?;
    if parsed["error"] != false {
        return Err(match parsed["error_type"].as_str() {
            Some("parser") => Refusal::Syntax {
                message: parsed["error_message"].as_str().unwrap_or("syntax error").to_owned(),
                offset: parsed["position"].as_str().and_then(|p| p.parse().ok()),
            },
            // "Only SELECT statements can be serialized": some statement is
            // not a SELECT (and there may be several).
            _ => Refusal::NotOneSelect,
        });
    }
    match parsed["statements"].as_array().map(Vec::len) {
        Some(1) => Ok(()),
        Some(0) => Err(Refusal::Empty),
        _ => Err(Refusal::NotOneSelect),
    }
}

impl Refusal {
    /// The headline for a refused text, in the words of the kind of text
    /// (`"a saved query"`, `"--sql"`, `"a data test"`).
    pub fn message(&self, what: &str) -> String {
        match self {
            Refusal::Syntax { message, .. } => format!("Parser Error: {message}"),
            Refusal::Empty => format!("{what} holds no SQL statement"),
            Refusal::NotOneSelect => format!("{what} is not one read-only SELECT statement"),
            Refusal::Failed(error) => format!("DuckDB could not check {what}: {error}"),
        }
    }

    /// What the user can do about it.
    pub fn help(&self) -> Option<&'static str> {
        match self {
            Refusal::Syntax { .. } | Refusal::Failed(_) => None,
            Refusal::Empty => Some("write one SELECT statement"),
            Refusal::NotOneSelect => Some(
                "write exactly one SELECT (or WITH … SELECT, FROM …, VALUES, DESCRIBE, SUMMARIZE, PIVOT … IN (…)); \
                 laporan never runs SQL that changes data, files or settings",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(sql: &str) -> Result<(), Refusal> {
        check(&Database::in_memory().unwrap(), sql)
    }

    #[test]
    fn one_select_passes() {
        for sql in [
            "SELECT 1",
            "SELECT 1;",
            "  WITH x AS (SELECT 1 AS a) SELECT a FROM x -- trailing comment",
            "FROM range(3)",
            "VALUES (1), (2)",
            "DESCRIBE SELECT 1",
            "SUMMARIZE SELECT 1",
            "SELECT 1 UNION ALL SELECT 2",
            "SELECT $$a;b$$, 'c;d', \"e;f\" FROM range(1) AS \"x;y\"",
            "SELECT $period_start",
        ] {
            assert_eq!(gate(sql), Ok(()), "{sql}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for sql in [
            "SELECT 1; SELECT 2",
            "SELECT 1; DROP TABLE t",
            "DROP TABLE t",
            "COPY (SELECT 1) TO 'x.csv'",
            "ATTACH 'x.db'",
            "INSTALL httpfs",
            "SET threads = 1",
            "PRAGMA version",
            "CALL pragma_version()",
            "EXPLAIN SELECT 1",
            "CREATE VIEW v AS SELECT 1",
            // A comment ended by a lone CR: DuckDB sees a second statement.
            "SELECT 1 --x\r; DROP TABLE t",
            "SELECT 1 AS a$b; DROP TABLE t",
        ] {
            assert!(gate(sql).is_err(), "{sql:?} passed");
        }
        assert_eq!(gate("-- only a comment\n"), Err(Refusal::Empty));
        assert_eq!(
            gate("SELECT 1\nFORM t"),
            Err(Refusal::Syntax { message: "syntax error at or near \"t\"".into(), offset: Some(14) })
        );
    }

    /// Text that would leave a trace if it ran as a statement of its own.
    const TRACES: [&str; 2] = ["SET VARIABLE pwned = 1", "CREATE TEMP TABLE pwned AS SELECT 1"];

    fn traced(db: &Database) -> bool {
        let variable = db.row("SELECT CAST(getvariable('pwned') AS BIGINT)", &[], |row| row.opt_int(0)).unwrap();
        let tables = db.count("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pwned'").unwrap();
        variable.is_some() || tables > 0
    }

    #[test]
    fn the_traces_are_seen_when_they_run() {
        for trace in TRACES {
            let db = Database::in_memory().unwrap();
            let _ = db.conn.prepare(&format!("SELECT 1; {trace}; SELECT 2"));
            assert!(traced(&db), "{trace} ran unseen");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 400, failure_persistence: None, ..Default::default() })]

        /// Whatever the text around a statement that leaves a trace (SQL's
        /// quotes, comments, dollar quotes, line ends), a text that passes
        /// the gate runs as one SELECT: preparing and running it leaves no
        /// trace.
        #[test]
        fn no_second_statement_runs_behind_the_gate(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "SELECT 1", "SELECT 'a'", " ", "\n", "\r", "\r\n", "\t", ";", "--", "/*", "*/", "'", "\"", "$", "$$",
                "$a$", "a$b", "$1", "E'", "\\", "(", ")", ",", "x", "AS", "FROM range(2)", "WHERE", "--\r", "\u{2028}",
                "\u{0}", "é", TRACES[0], TRACES[1],
            ]), 1..14)
        ) {
            let text = pieces.concat();
            let db = Database::in_memory().unwrap();
            if check(&db, &text).is_ok() {
                if let Ok(mut statement) = db.conn.prepare(&text) {
                    let _ = statement.execute([]);
                }
                proptest::prop_assert!(!traced(&db), "{:?} passed the gate and left a trace", text);
            }
        }
    }
}
