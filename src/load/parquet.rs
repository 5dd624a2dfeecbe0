//! Reading Parquet: the file's own types, or declared ones reached without
//! rounding.
//!
//! Parquet carries typed columns, so an undeclared dataset loads as it is.
//! A declaration picks the columns and converts them, and a conversion
//! must be exact: a value whose conversion does not convert back to the
//! same value (`1.5` into an INTEGER, `123.456` into DECIMAL(18,2), a
//! timestamp with a time into a DATE) fails the load, naming the file, row
//! group and row. Text converts by the same rules as in CSV.

use std::path::{Path, PathBuf};

use super::problems::{MAX_LISTED, NamesFrom, Problem, check_declared, report, shorten};
use super::{Input, Loaded, ReadableFile};
use crate::engine::{Database, DbError, quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::project::CsvOptions;
use crate::sql_type::SqlType;

/// Loads a Parquet dataset (see [`Input`]).
pub fn load(input: &Input<'_>) -> Result<Loaded, Error> {
    let Input { db, table, dataset, files, shown, renamed } = *input;
    let source = shown(&dataset.source);
    for file in files {
        check_schema(db, file, &shown(&file.file))?;
    }
    let reader = reader(files);
    let cannot_read = |e: DbError| {
        Error::project(format!("cannot read dataset {}", dataset.name))
            .at(Location::file(&source))
            .note(e.first_line().to_owned())
    };
    let present = db
        .rows(&format!("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {reader})"), &[], |row| {
            Ok((row.text(0)?, row.text(1)?))
        })
        .map_err(cannot_read)?;
    // Each column's name in the file, and in the table.
    let names = renamed(&source, present.iter().map(|(name, _)| name.clone()).collect())?;
    let from = NamesFrom { place: "not in the file", have: "the file has", at: Location::file(&source) };
    check_declared(dataset, names.iter().map(String::as_str), from)?;
    let mut checks = Vec::new();
    for ((name, file_type), new_name) in present.iter().zip(&names) {
        let Some(target) = dataset.column(new_name).map(|c| c.ty) else { continue };
        if let Some(bad) = inexact(&quote_ident(name), file_type, target).map_err(|e| e.at(Location::file(&source)))? {
            checks.push((name.as_str(), target, bad));
        }
    }
    if !checks.is_empty() {
        find_inexact(db, files, &checks, shown)?;
    }
    // Undeclared columns keep the file's own types.
    let select = present
        .iter()
        .zip(&names)
        .map(|((name, _), new_name)| match dataset.column(new_name) {
            Some(column) => format!("CAST({} AS {}) AS {}", quote_ident(name), column.ty, quote_ident(new_name)),
            None => format!("{} AS {}", quote_ident(name), quote_ident(new_name)),
        })
        .collect::<Vec<_>>()
        .join(", ");
    db.batch(&format!("CREATE OR REPLACE TABLE {table} AS SELECT {select} FROM {reader}")).map_err(|e| {
        Error::project(format!("cannot load dataset {}", dataset.name))
            .at(Location::file(&source))
            .note(e.first_line().to_owned())
            .help("check the file, and the columns declared for it in laporan.toml")
    })?;
    db.count(&format!("SELECT count(*) FROM {table}")).map(Loaded::rows).map_err(|e| e.while_trying("count rows"))
}

/// One entry of `parquet_schema()`: name, number of children, converted
/// type, precision.
type SchemaEntry = (String, Option<i64>, Option<String>, Option<i64>);

/// What DuckDB would change without a word when reading a file: columns
/// named alike (it renames the second `a_1`, as a CSV header's twice-named
/// column is refused), and decimals wider than 38 digits (it reads them as
/// DOUBLE, losing digits). Read from the file's own schema.
fn check_schema(db: &Database, file: &ReadableFile, shown: &Path) -> Result<(), Error> {
    let path = quote_literal(&file.path.to_string_lossy());
    let rows: Vec<SchemaEntry> = db
        .rows(
            &format!("SELECT name, num_children, converted_type, precision FROM parquet_schema({path})"),
            &[],
            |row| Ok((row.text(0)?, row.opt_int(1)?, row.opt_text(2)?, row.opt_int(3)?)),
        )
        .map_err(|e| {
            Error::project(format!("cannot read {}", shown.display()))
                .at(Location::file(shown))
                .note(e.first_line().to_owned())
        })?;
    // The schema lists the tree depth first: the root, then each column
    // with its children after it. Siblings (columns, fields of a struct)
    // must differ in more than case.
    let mut open: Vec<(i64, Vec<&str>)> = Vec::new(); // children left, names seen
    for (index, (name, children, converted, precision)) in rows.iter().enumerate() {
        if index > 0
            && let Some((left, siblings)) = open.last_mut()
        {
            if let Some(other) = siblings.iter().find(|other| other.eq_ignore_ascii_case(name)) {
                return Err(Error::project(format!(
                    "{}: columns {other} and {name} would be the same column",
                    shown.display()
                ))
                .at(Location::file(shown))
                .help("column (and field) names must be unique (SQL does not tell upper from lower case)"));
            }
            siblings.push(name);
            *left -= 1;
        }
        if converted.as_deref() == Some("DECIMAL") && precision.is_some_and(|p| p > 38) {
            return Err(Error::project(format!(
                "{}: column {name} is a DECIMAL of {} digits, more than DuckDB holds exactly (38)",
                shown.display(),
                precision.unwrap_or_default()
            ))
            .at(Location::file(shown))
            .help("write the column as text (or as a DECIMAL of at most 38 digits) where the file is made"));
        }
        if let Some(children) = children.filter(|c| *c > 0) {
            open.push((children, Vec::new()));
        }
        while open.last().is_some_and(|(left, _)| *left == 0) {
            open.pop();
        }
    }
    Ok(())
}

fn reader(files: &[ReadableFile]) -> String {
    let paths: Vec<String> = files.iter().map(|f| quote_literal(&f.path.to_string_lossy())).collect();
    format!("read_parquet([{}])", paths.join(", "))
}

/// The SQL condition under which `column` (of the file's type `file_type`,
/// as DuckDB names it) does not convert exactly to `target`; `None` when
/// every value does. The file's type is parsed, never pasted into SQL.
fn inexact(column: &str, file_type: &str, target: SqlType) -> Result<Option<String>, Error> {
    if target == SqlType::Varchar {
        return Ok(None); // every value has its text
    }
    let Ok(source) = file_type.parse::<SqlType>() else {
        return Err(Error::project(format!(
            "column {} is a {file_type} in the file, which laporan cannot convert to {target}",
            column.trim_matches('"')
        ))
        .help("declare it as VARCHAR (its text), or leave the dataset undeclared to keep the file's types"));
    };
    if source == target {
        return Ok(None);
    }
    let cast = format!("TRY_CAST({column} AS {target})");
    if source == SqlType::Varchar {
        // Text converts as it does from CSV, by the same conditions.
        let bad = super::csv::bad_value(&super::csv::checked("", column, target, &CsvOptions::default()));
        return Ok(Some(bad.unwrap_or_else(|| format!("{cast} IS NULL"))));
    }
    Ok(Some(format!("({cast} IS NULL OR TRY_CAST({cast} AS {source}) IS DISTINCT FROM {column})")))
}

/// Lists the values that do not convert exactly, by file, row group and
/// row; an error if there is any.
fn find_inexact(
    db: &Database,
    files: &[ReadableFile],
    checks: &[(&str, SqlType, String)],
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<(), Error> {
    let any = checks.iter().map(|(column, _, bad)| format!("({} IS NOT NULL AND {bad})", quote_ident(column)));
    let any = any.collect::<Vec<_>>().join(" OR ");
    let count = db
        .count(&format!("SELECT count(*) FROM {} WHERE {any}", reader(files)))
        .map_err(|e| e.while_trying("check the conversions"))?;
    if count == 0 {
        return Ok(());
    }
    let mut problems = Vec::new();
    for file in files {
        if problems.len() >= MAX_LISTED {
            break;
        }
        let path = quote_literal(&file.path.to_string_lossy());
        // A table keeps the file's row order in its row ids.
        db.batch(&format!("CREATE OR REPLACE TEMP TABLE laporan_diagnose AS SELECT * FROM read_parquet({path})"))
            .map_err(|e| e.while_trying("re-read the file"))?;
        let groups = db
            .rows(
                &format!(
                    "SELECT any_value(row_group_num_rows) FROM parquet_metadata({path}) GROUP BY row_group_id ORDER BY row_group_id"
                ),
                &[],
                |row| row.int(0),
            )
            .map_err(|e| e.while_trying("read the row groups"))?;
        let mut in_file = Vec::new();
        for (column, target, bad) in checks {
            let c = quote_ident(column);
            let found = db
                .rows(
                    &format!(
                        "SELECT rowid - (SELECT min(rowid) FROM temp.laporan_diagnose), CAST({c} AS VARCHAR) \
                         FROM temp.laporan_diagnose WHERE {c} IS NOT NULL AND {bad} ORDER BY rowid LIMIT {MAX_LISTED}"
                    ),
                    &[],
                    |row| Ok((row.int(0)?, row.text(1)?)),
                )
                .map_err(|e| e.while_trying("find the values"))?;
            for (row, value) in found {
                in_file.push((
                    row,
                    Problem {
                        file: shown(&file.file),
                        line: 0,
                        text: format!(
                            "{}: column {column}: '{}' is not {}",
                            position(&groups, row),
                            shorten(&value, 40),
                            target.expected(None, None)
                        ),
                        source_line: None,
                    },
                ));
            }
        }
        // In the file's row order; files in the order given.
        in_file.sort_by_key(|(row, _)| *row);
        problems.extend(in_file.into_iter().map(|(_, problem)| problem));
    }
    db.batch("DROP TABLE IF EXISTS temp.laporan_diagnose").map_err(|e| e.while_trying("clean up"))?;
    problems.truncate(MAX_LISTED);
    Err(report(problems, count as usize, false, "row"))
}

/// "row group 2, row 5 (row 1029 of the file)", all counted from 1.
fn position(groups: &[i64], row: i64) -> String {
    let mut start = 0;
    for (index, size) in groups.iter().enumerate() {
        if row < start + size {
            return format!("row group {}, row {} (row {} of the file)", index + 1, row - start + 1, row + 1);
        }
        start += size;
    }
    format!("row {}", row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_row_groups_from_one() {
        assert_eq!(position(&[4, 4, 2], 0), "row group 1, row 1 (row 1 of the file)");
        assert_eq!(position(&[4, 4, 2], 5), "row group 2, row 2 (row 6 of the file)");
    }

    #[test]
    fn conversions_that_cannot_round_are_not_checked() {
        assert_eq!(inexact("\"a\"", "INTEGER", SqlType::Varchar).unwrap(), None);
        assert_eq!(inexact("\"a\"", "DECIMAL(18,2)", "DECIMAL(18,2)".parse().unwrap()).unwrap(), None);
        assert!(inexact("\"a\"", "DOUBLE", "INTEGER".parse().unwrap()).unwrap().is_some());
        assert!(inexact("\"a\"", "STRUCT(\"x\" INTEGER)", SqlType::Date).is_err());
    }
}
