//! A DuckDB error about project SQL, placed where the user looks: the
//! `.sql` file, line and column (DuckDB counts lines from the statement,
//! shortens long lines and sometimes points at the clause that bound a
//! name rather than the name), its explanation kept, its suggestions of
//! DuckDB's own catalog dropped.

use super::SqlFailure;
use crate::engine::gate;

impl std::fmt::Display for SqlFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlFailure::Refused(refusal) => f.write_str(&refusal.message("the SQL")),
            SqlFailure::Undeclared(name) => write!(f, "parameter ${name} is not declared"),
            SqlFailure::Db(err) => f.write_str(&without_internal_suggestions(&err.0)),
        }
    }
}
use crate::error::{Error, Location};
use crate::project::saved_query::SavedQuery;

/// A failure of a saved query, placed in its `.sql` file.
pub fn sql_error(query: &SavedQuery, failure: SqlFailure) -> Error {
    let err = match failure {
        SqlFailure::Db(err) => err,
        SqlFailure::Refused(refusal) => {
            return refused(
                &refusal,
                &format!("query {}", query.name),
                &query.path,
                &query.source,
                query.statement.start,
            );
        }
        SqlFailure::Undeclared(name) => {
            return Error::project(format!("parameter ${name} is not declared"))
                .at(Location::file(&query.path))
                .help(format!("declare it in the leading comment: -- @param {name} TYPE [= DEFAULT]"));
        }
    };
    let (message, mut position, rest) = split_duckdb_message(&err.to_string(), query.sql());
    // DuckDB places some binder errors at the clause that bound the name
    // (GROUP BY ALL, say); the name itself is where the user looks.
    if let Some(name) = unknown_name(&message)
        && let Some(found) = find_word(query, name, false)
    {
        position = Some(found);
    }
    // A function given the wrong types may be placed at a later clause
    // (`ORDER BY x`): the call is where the user looks.
    if let Some(name) = mistyped_function(&message)
        && let Some(found) = find_word(query, name, true)
    {
        position = Some(found);
    }
    let (first, last) = query.statement_lines();
    let location = match position {
        Some((line, column, width)) => {
            Location::in_source(&query.path, &query.source, line, Some(column)).with_width(width)
        }
        None if first == last => Location::in_source(&query.path, &query.source, first, None),
        None => Location::file(&query.path),
    };
    let text_given = mistyped_function(&message).is_some() && message.contains("VARCHAR");
    let mut error = Error::project(message).at(location);
    if position.is_none() && first != last {
        error = error.note(format!("in the statement on lines {first} to {last}"));
    }
    if !rest.is_empty() {
        error = error.note(rest);
    }
    if text_given {
        error = error.help(
            "a column read as text can be declared with its type in laporan.toml ([datasets.NAME.columns], \
             with date_format for dates such as \"Jan 1 2000\"), or cast in SQL: CAST(x AS DATE)",
        );
    }
    error
}

/// DuckDB's "Did you mean …?" may name its own catalog (`pg_settings`,
/// `duckdb_tables`), which no report should read: such a suggestion is
/// left out, wherever DuckDB's message is shown (saved queries, `--sql`,
/// data tests).
fn without_internal_suggestions(rest: &str) -> String {
    const INTERNAL: [&str; 6] = ["pg_", "duckdb_", "sqlite_", "information_schema", "pragma_", "main.pg_"];
    rest.lines()
        .filter(|line| {
            let Some(name) = line.trim().strip_prefix("Did you mean \"") else { return true };
            !INTERNAL.iter().any(|prefix| name.to_ascii_lowercase().starts_with(prefix))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The name in "Referenced column "x" not found" and "Table with name x
/// does not exist".
fn unknown_name(message: &str) -> Option<&str> {
    if let Some(rest) = message.split("Referenced column \"").nth(1) {
        return rest.split('"').next();
    }
    if let Some(rest) = message.split("Table with name ").nth(1) {
        return rest.split(' ').next();
    }
    None
}

/// The function in "No function matches the given name and argument
/// types 'year(VARCHAR)'".
fn mistyped_function(message: &str) -> Option<&str> {
    let rest = message.split("No function matches the given name and argument types '").nth(1)?;
    rest.split('(').next().filter(|name| !name.is_empty())
}

/// Line, column and width of the first whole-word use of `name` in the
/// statement (`called`: followed by `(`, as a function call).
fn find_word(query: &SavedQuery, name: &str, called: bool) -> Option<(usize, usize, usize)> {
    let statement = &query.source[query.statement.clone()];
    let lower = statement.to_lowercase();
    let wanted = name.to_lowercase();
    if lower.len() != statement.len() || wanted.is_empty() {
        return None;
    }
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(at) = lower[from..].find(&wanted) {
        let start = from + at;
        let end = start + wanted.len();
        let before_ok = start == 0 || !is_word(lower.as_bytes()[start - 1]);
        let after_ok = end == lower.len() || !is_word(lower.as_bytes()[end]);
        let after_ok = after_ok && (!called || lower[end..].trim_start().starts_with('('));
        if before_ok && after_ok {
            let (line, column) = crate::error::line_and_column(&query.source, query.statement.start + start);
            return Some((line, column, name.chars().count()));
        }
        from = end;
    }
    None
}

/// An error for SQL the [`gate`] refused: at DuckDB's position for a
/// syntax error, else at `start` (where the statement begins), in `source`.
pub fn refused(refusal: &gate::Refusal, what: &str, path: &std::path::Path, source: &str, start: usize) -> Error {
    let (offset, width) = match refusal {
        gate::Refusal::Syntax { offset: Some(offset), .. } => {
            let word = source.get(*offset..).map_or(1, |rest| {
                rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$' || *c == '.').count()
            });
            (*offset, word)
        }
        _ => (start, 1),
    };
    let error = Error::project(refusal.message(what)).at(Location::at_offset(path, source, offset).with_width(width));
    match refusal.help() {
        Some(help) => error.help(help),
        None => error,
    }
}

pub(super) fn adhoc_error(sql: &str, failure: SqlFailure) -> Error {
    let err = match failure {
        SqlFailure::Db(err) => err,
        SqlFailure::Undeclared(name) => {
            return Error::usage(format!("--sql takes no parameters, and this SQL has ${name}"));
        }
        SqlFailure::Refused(refusal) => {
            let error = refused(&refusal, "--sql", std::path::Path::new("<sql>"), sql, 0);
            return if matches!(refusal, gate::Refusal::NotOneSelect) { error.as_usage() } else { error };
        }
    };
    let (message, position, rest) = split_duckdb_message(&err.to_string(), sql);
    let mut error = Error::project(message);
    if let Some((line, column, width)) = position {
        error = error.at(Location::in_source("<sql>", sql, line, Some(column)).with_width(width));
    }
    if !rest.is_empty() {
        error = error.note(rest);
    }
    error
}

/// Splits a DuckDB error message into its first line, the position it
/// points at (line, column, width), and the remaining explanation.
///
/// DuckDB shows a position as `LINE 3: FORM events` followed by a line with
/// a caret; the quoted context may be shortened with `...`, so the column is
/// found by locating the context in the real source line.
fn split_duckdb_message(text: &str, sql: &str) -> (String, Option<(usize, usize, usize)>, String) {
    let lines: Vec<&str> = text.lines().collect();
    let message = lines.first().map(|l| l.trim().to_owned()).unwrap_or_default();
    let mut position = None;
    let mut rest: Vec<String> = Vec::new();
    let mut i = 1;
    while i < lines.len() {
        let line = lines[i];
        if let Some(after) = line.strip_prefix("LINE ")
            && let Some((number, context)) = after.split_once(": ")
            && let Ok(line_no) = number.parse::<usize>()
        {
            let prefix_len = line.len() - context.len();
            let caret = lines.get(i + 1).and_then(|l| l.find('^'));
            if caret.is_some() {
                i += 1;
            }
            position = Some(locate(sql, line_no, context, caret.map(|c| c.saturating_sub(prefix_len))));
        } else if !line.trim().is_empty() {
            // DuckDB indents with tabs, which terminals widen unevenly: a
            // list under a heading ("Candidate functions:") by two spaces.
            let text = line.trim_start_matches('\t').trim_end();
            let listed = line.starts_with('\t') && rest.last().is_some_and(|l| l.ends_with(':') || l.starts_with("  "));
            rest.push(if listed { format!("  {text}") } else { text.to_owned() });
        }
        i += 1;
    }
    (message, position, without_internal_suggestions(&rest.join("\n")))
}

/// Column and width of DuckDB's caret within line `line_no` of `sql`.
fn locate(sql: &str, line_no: usize, context: &str, caret: Option<usize>) -> (usize, usize, usize) {
    let (shown, skipped) = match context.strip_prefix("...") {
        Some(stripped) => (stripped, 3),
        None => (context, 0),
    };
    let shown = shown.strip_suffix("...").unwrap_or(shown);
    // DuckDB counts some errors' lines from where the statement starts,
    // after a leading comment: the line that holds the context is the one.
    let lines: Vec<&str> = sql.lines().collect();
    let holds = |n: usize| n >= 1 && lines.get(n - 1).is_some_and(|l| !shown.is_empty() && l.contains(shown));
    let line_no = if holds(line_no) { line_no } else { (1..=lines.len()).find(|&n| holds(n)).unwrap_or(line_no) };
    let source_line = lines.get(line_no.saturating_sub(1)).copied().unwrap_or("");
    let Some(caret) = caret else { return (line_no, 1, 1) };
    let caret_in_shown = caret.saturating_sub(skipped);
    let start = source_line.find(shown).unwrap_or(0);
    let byte = (start + caret_in_shown).min(source_line.len());
    let byte = (0..=byte).rev().find(|&b| source_line.is_char_boundary(b)).unwrap_or(0);
    let column = source_line[..byte].chars().count() + 1;
    let word: usize =
        source_line[byte..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$' || *c == '.').count();
    (line_no, column, word.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_positioned_messages() {
        let sql = "-- x\nSELECT *\nFORM events\n";
        let text = "Parser Error: syntax error at or near \"FORM\"\n\nLINE 3: FORM events\n        ^";
        let (message, position, rest) = split_duckdb_message(text, sql);
        assert_eq!(message, "Parser Error: syntax error at or near \"FORM\"");
        assert_eq!(position, Some((3, 1, 4)));
        assert_eq!(rest, "");
    }

    #[test]
    fn finds_the_column_in_a_shortened_context() {
        let sql = "SELECT a, b, c, d, e, f, g, h, nope FROM t";
        let text = "Binder Error: Referenced column \"nope\" not found\nCandidate bindings: \"a\"\n\nLINE 1: ...e, f, g, h, nope FROM t\n                       ^";
        let (_, position, rest) = split_duckdb_message(text, sql);
        assert_eq!(position, Some((1, 32, 4)));
        assert_eq!(rest, "Candidate bindings: \"a\"");
    }
}
