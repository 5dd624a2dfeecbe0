//! DuckDB's own reading of SQL text, without running it.
//!
//! `json_serialize_sql(text)` parses a text as the engine will and returns
//! the parse as JSON: its statements (SELECTs only) and every table they
//! read, with positions. Two things are decided from it, so that they can
//! never disagree with the engine that runs the SQL: whether a text is one
//! SELECT ([`crate::engine::gate`]) and which saved queries a query builds
//! on ([`table_refs`]): a name used as a table, not an alias, a column, a
//! CTE or a string that happens to be spelled like a query.

use duckdb::{Config, Connection};

use super::{Arg, Database};

/// No extension is ever downloaded or loaded behind our back: Parquet and
/// JSON are compiled in. Every connection laporan opens starts from this.
pub fn offline_config() -> duckdb::Result<Config> {
    Config::default()
        .enable_autoload_extension(false)?
        .with("autoinstall_known_extensions", "false")?
        .with("allow_community_extensions", "false")?
        .with("allow_unsigned_extensions", "false")
}

/// An in-memory database that only parses: offline, no file access, its
/// configuration locked.
pub fn parser() -> Result<Database, String> {
    let conn = offline_config()
        .and_then(Connection::open_in_memory_with_flags)
        .map_err(|e| format!("cannot start DuckDB's parser: {e}"))?;
    conn.execute_batch("SET enable_external_access = false; SET lock_configuration = true;")
        .map_err(|e| format!("cannot start DuckDB's parser: {e}"))?;
    Ok(Database { conn, shown_path: ":memory:".into() })
}

/// DuckDB's parse of `sql` as JSON: `{"error": false, "statements": […]}`,
/// or `{"error": true, "error_type": …, "error_message": …, "position": …}`.
/// An `Err` only when DuckDB did not answer.
pub fn serialize(db: &Database, sql: &str) -> Result<serde_json::Value, String> {
    let json = db.row("SELECT json_serialize_sql(?)", &[Arg::Text(sql)], |row| row.text(0)).map_err(|e| e.0)?;
    serde_json::from_str(&json).map_err(|e| format!("unreadable parse: {e}"))
}

/// A table a statement reads by a bare name (no schema, no catalog), which
/// no CTE around it defines: what could be another saved query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    /// As DuckDB read it (unquoted names as written; DuckDB compares names
    /// without regard to case).
    pub name: String,
    /// Byte offset and length in the parsed text.
    pub offset: usize,
    pub len: usize,
}

/// The bare table names the statements of a parse read, in the order they
/// appear in the text. A name that a CTE in scope defines is that CTE, not
/// a table; a qualified name (`main.x`) is a table of the database.
pub fn table_refs(parsed: &serde_json::Value) -> Vec<TableRef> {
    let mut refs = Vec::new();
    let mut scope: Vec<String> = Vec::new();
    if let Some(statements) = parsed["statements"].as_array() {
        for statement in statements {
            walk(statement, &mut scope, &mut refs);
        }
    }
    refs.sort_by_key(|r| r.offset);
    refs.dedup();
    refs
}

fn walk(node: &serde_json::Value, scope: &mut Vec<String>, refs: &mut Vec<TableRef>) {
    use serde_json::Value;
    match node {
        Value::Object(map) => {
            // A node with CTEs: they are in scope for all of it. A CTE's
            // body sees only the CTEs defined before it (DuckDB binds no
            // later one, even WITH RECURSIVE); inside its own body a CTE's
            // name is the table of that name (`WITH clean AS (SELECT … FROM
            // clean)` reads the saved query clean), unless it is recursive.
            let entries: Vec<&serde_json::Value> =
                map.get("cte_map").and_then(|m| m["map"].as_array()).into_iter().flatten().collect();
            let ctes: Vec<String> =
                entries.iter().filter_map(|entry| entry["key"].as_str().map(str::to_lowercase)).collect();
            for (index, entry) in entries.iter().enumerate() {
                let body = &entry["value"]["query_node"];
                let recursive = body["type"].as_str() == Some("RECURSIVE_CTE_NODE");
                let depth = scope.len();
                scope.extend(ctes[..index].iter().cloned());
                if recursive {
                    scope.extend(ctes.get(index).cloned());
                }
                walk(&entry["value"], scope, refs);
                scope.truncate(depth);
            }
            let depth = scope.len();
            scope.extend(ctes);
            if map.get("type").and_then(Value::as_str) == Some("BASE_TABLE") {
                let bare = ["schema_name", "catalog_name"]
                    .iter()
                    .all(|key| map.get(*key).and_then(Value::as_str).is_none_or(str::is_empty));
                if let Some(name) = map.get("table_name").and_then(Value::as_str)
                    && bare
                    && !scope.contains(&name.to_lowercase())
                {
                    let number = |key: &str| map.get(key).and_then(Value::as_u64).map(|n| n as usize);
                    refs.push(TableRef {
                        name: name.to_owned(),
                        offset: number("query_location").unwrap_or(0),
                        len: number("query_location_length").unwrap_or(name.len()),
                    });
                }
            }
            for (key, value) in map {
                if key != "cte_map" {
                    walk(value, scope, refs);
                }
            }
            scope.truncate(depth);
        }
        Value::Array(items) => {
            for item in items {
                walk(item, scope, refs);
            }
        }
        _ => {}
    }
}

/// What else a parse uses besides bare table names: what decides whether
/// its result may be kept ([`crate::query::cache`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uses {
    /// Every function called, by name, lower case (scalar, aggregate,
    /// window, macro).
    pub functions: Vec<String>,
    /// Table functions called (`read_csv`, `range`), lower case.
    pub table_functions: Vec<String>,
    /// Tables named with a schema or catalog (`main.events`,
    /// `_laporan.datasets`).
    pub qualified_tables: Vec<String>,
    /// Column names used without a table: `current_date` and
    /// `current_timestamp` are parsed as columns and bound as functions.
    pub bare_columns: Vec<String>,
    /// Every table named without a schema, lower case, whatever CTE of
    /// that name may be in scope (a superset of [`table_refs`]).
    pub tables: Vec<String>,
    /// Every CTE name defined anywhere in it, lower case.
    pub ctes: Vec<String>,
    /// Whether it uses SHOW, DESCRIBE or SUMMARIZE (the catalogue, or a
    /// table's statistics).
    pub shows: bool,
    /// Whether it samples a table (`USING SAMPLE`, `TABLESAMPLE`): another
    /// sample each run.
    pub samples: bool,
}

/// What `parsed` calls and names, besides its bare table names.
pub fn uses(parsed: &serde_json::Value) -> Uses {
    fn visit(node: &serde_json::Value, uses: &mut Uses) {
        use serde_json::Value;
        let lower = |v: &Value| v.as_str().map(str::to_lowercase);
        match node {
            Value::Object(map) => {
                // Functions, window functions and the call inside a table function.
                uses.functions.extend(map.get("function_name").and_then(lower));
                match map.get("type").and_then(Value::as_str) {
                    Some("TABLE_FUNCTION") => {
                        let name = map.get("function").and_then(|f| f.get("function_name")).and_then(lower);
                        uses.table_functions.extend(name);
                    }
                    Some("SHOW_REF") => uses.shows = true,
                    Some("BASE_TABLE") => {
                        let part = |key: &str| map.get(key).and_then(Value::as_str).unwrap_or_default();
                        if part("schema_name").is_empty() && part("catalog_name").is_empty() {
                            uses.tables.push(part("table_name").to_lowercase());
                        } else {
                            let name = [part("catalog_name"), part("schema_name"), part("table_name")];
                            uses.qualified_tables
                                .push(name.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("."));
                        }
                    }
                    Some("COLUMN_REF") => {
                        if let Some([name]) = map.get("column_names").and_then(Value::as_array).map(Vec::as_slice) {
                            uses.bare_columns.extend(lower(name));
                        }
                    }
                    _ => {}
                }
                if map.get("sample").is_some_and(|sample| !sample.is_null()) {
                    uses.samples = true;
                }
                let ctes = map.get("cte_map").and_then(|m| m["map"].as_array()).into_iter().flatten();
                uses.ctes.extend(ctes.filter_map(|entry| entry["key"].as_str().map(str::to_lowercase)));
                for value in map.values() {
                    visit(value, uses);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| visit(item, uses)),
            _ => {}
        }
    }
    let mut found = Uses::default();
    visit(parsed, &mut found);
    for list in [
        &mut found.functions,
        &mut found.table_functions,
        &mut found.qualified_tables,
        &mut found.bare_columns,
        &mut found.tables,
        &mut found.ctes,
    ] {
        list.sort();
        list.dedup();
    }
    found
}

/// The functions whose result may differ between two runs on the same data
/// (`now`, `random`, `current_setting`, …), by DuckDB's own catalogue: every
/// function not marked CONSISTENT, and every macro whose definition calls
/// one, lower case. The keywords DuckDB binds as such functions
/// (`current_date`, `localtimestamp`, …) are included.
pub fn unstable_functions(db: &Database) -> Result<Vec<String>, String> {
    let rows = db
        .rows(
            "SELECT DISTINCT lower(function_name), stability IS NULL OR stability <> 'CONSISTENT', \
             coalesce(lower(macro_definition), '') FROM duckdb_functions() \
             WHERE function_type IN ('scalar', 'aggregate', 'window', 'macro')",
            &[],
            |row| Ok((row.text(0)?, row.bool(1)?, row.text(2)?)),
        )
        .map_err(|e| e.0)?;
    let mut unstable: Vec<String> =
        ["current_date", "current_time", "current_timestamp", "localtime", "localtimestamp"].map(String::from).to_vec();
    // Macros have no stability of their own: unstable if their body calls
    // an unstable function, found again until nothing changes.
    let (mut macros, functions): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, _, body)| !body.is_empty());
    unstable.extend(functions.into_iter().filter(|(_, unstable, _)| *unstable).map(|(name, _, _)| name));
    loop {
        let before = unstable.len();
        macros.retain(|(name, _, body)| {
            let calls =
                body.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|word| unstable.iter().any(|u| u == word));
            if calls {
                unstable.push(name.clone());
            }
            !calls
        });
        if unstable.len() == before {
            break;
        }
    }
    unstable.sort();
    unstable.dedup();
    Ok(unstable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<String> {
        let conn = parser().unwrap();
        table_refs(&serialize(&conn, sql).unwrap()).into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn only_tables_read_by_name_count() {
        // An alias, a column, a string and a CTE named `days` are not the table `days`.
        assert_eq!(names("SELECT count(*) AS days, 'days' AS s FROM weather"), ["weather"]);
        assert_eq!(names("SELECT days FROM weather"), ["weather"]);
        assert_eq!(names("WITH days AS (SELECT 1 AS x) SELECT * FROM days"), Vec::<String>::new());
        assert_eq!(names("SELECT * FROM weather AS days"), ["weather"]);
        assert_eq!(names("SELECT * FROM main.days"), Vec::<String>::new());
        // Read by name, in any clause, at any depth.
        assert_eq!(
            names(
                "SELECT (SELECT max(x) FROM days) FROM weather w JOIN \"Events\" e USING (id) WHERE id IN (FROM cases)"
            ),
            ["days", "weather", "Events", "cases"]
        );
        // Inside its own body, a CTE's name is the table it wraps.
        assert_eq!(names("WITH clean AS (SELECT * FROM clean WHERE x > 1) SELECT * FROM clean"), ["clean"]);
        assert_eq!(
            names("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t"),
            Vec::<String>::new()
        );
        // A CTE sees only those defined before it: a later CTE's name in its
        // body is the table.
        assert_eq!(
            names("WITH recent AS (SELECT * FROM events), events AS (SELECT count(*) FROM recent) FROM events"),
            ["events"]
        );
        // A CTE's name holds only inside the statement that defines it.
        assert_eq!(
            names("SELECT * FROM (WITH days AS (SELECT 1) FROM days) JOIN days USING (x)"),
            ["days"],
            "the second `days` is the table"
        );
    }

    #[test]
    fn positions_are_byte_offsets_in_the_text() {
        let conn = parser().unwrap();
        let sql = "-- é\nSELECT * FROM  days";
        let refs = table_refs(&serialize(&conn, sql).unwrap());
        assert_eq!(&sql[refs[0].offset..refs[0].offset + refs[0].len], "days");
    }

    #[test]
    fn what_a_query_calls_is_found() {
        let conn = parser().unwrap();
        let uses = uses(
            &serialize(
                &conn,
                "SELECT now(), x.current_date, current_date, sum(v) OVER () FROM main.t x, read_csv('a.csv'), range(3) \
                 WHERE ago(INTERVAL 1 DAY) > 0",
            )
            .unwrap(),
        );
        assert_eq!(uses.functions, ["ago", "now", "range", "read_csv", "sum", "to_days", "trunc"]);
        assert_eq!(uses.table_functions, ["range", "read_csv"]);
        assert_eq!(uses.qualified_tables, ["main.t"]);
        assert_eq!(uses.bare_columns, ["current_date", "v"]);
    }

    #[test]
    fn unstable_functions_come_from_the_catalogue() {
        let unstable = unstable_functions(&parser().unwrap()).unwrap();
        for name in ["now", "random", "current_setting", "current_date", "gen_random_uuid", "ago", "getvariable"] {
            assert!(unstable.iter().any(|u| u == name), "{name} is unstable");
        }
        for name in ["sum", "lower", "date_trunc", "split_part", "round"] {
            assert!(!unstable.iter().any(|u| u == name), "{name} is stable");
        }
    }
}
