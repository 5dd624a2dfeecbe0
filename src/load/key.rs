//! A declared primary key, checked after loading: every key column one
//! the data has, no key repeated, none missing; a failure names the rows.

use super::{ReadableFile, scan};
use crate::engine::{Database, quote_ident};
use crate::error::{Error, Location};
use crate::project::{Dataset, FileFormat, Project};

/// A declared primary key must be unique and never NULL.
pub(super) fn check_primary_key(
    project: &Project,
    db: &Database,
    table: &str,
    dataset: &Dataset,
    files: &[ReadableFile],
) -> Result<(), Error> {
    if dataset.primary_key.is_empty() {
        return Ok(());
    }
    // A key column the data does not have (the columns inferred, not
    // declared): named as such, at its place in laporan.toml.
    let columns = db
        .column_names(&format!("SELECT * FROM {table} LIMIT 0"))
        .map_err(|e| e.while_trying("check the primary key"))?;
    if let Some(missing) = dataset.primary_key.iter().find(|k| !columns.contains(k)) {
        let span = project
            .config
            .datasets
            .get(&dataset.name)
            .and_then(|d| d.get_ref().primary_key.iter().find(|k| k.get_ref() == missing).map(|k| k.span()))
            .unwrap_or_default();
        return Err(project
            .config_error_at(
                span,
                format!(
                    "primary key column {missing} is not a column of dataset {}; its columns are {}",
                    dataset.name,
                    columns.join(", ")
                ),
            )
            .help("name one of its columns in primary_key, or declare the dataset's columns"));
    }
    let key: Vec<String> = dataset.primary_key.iter().map(|k| quote_ident(k)).collect();
    let key_list = key.join(", ");
    // The common case, cheaply: no key repeated, none missing.
    let nulls = key.iter().map(|k| format!("{k} IS NULL")).collect::<Vec<_>>().join(" OR ");
    let ok = db
        .row(
            &format!(
                "SELECT NOT EXISTS (SELECT 1 FROM {table} GROUP BY {key_list} HAVING count(*) > 1) \
                 AND NOT EXISTS (SELECT 1 FROM {table} WHERE {nulls})"
            ),
            &[],
            |row| row.bool(0),
        )
        .map_err(|e| e.while_trying("check the primary key"))?;
    if ok {
        return Ok(());
    }
    // Rows written in an open transaction get row ids from a high base:
    // positions are counted from the table's first row id.
    let sql = format!(
        "SELECT concat_ws(', ', {key_list}), count(*), array_to_string(list(rowid - base ORDER BY rowid)[:3], ','), bool_or({nulls}) \
         FROM {table}, (SELECT min(rowid) AS base FROM {table}) GROUP BY ALL HAVING count(*) > 1 OR bool_or({nulls}) ORDER BY min(rowid) LIMIT 5"
    );
    let bad = db
        .rows(&sql, &[], |row| Ok((row.opt_text(0)?, row.int(1)?, row.text(2)?, row.bool(3)?)))
        .map_err(|e| e.while_trying("check the primary key"))?;
    let key_name = dataset.primary_key.join(", ");
    // Line numbers are exact for a single file; a folder's rows are numbered across files.
    let single = (files.len() == 1 && dataset.format == FileFormat::Csv).then(|| &files[0]);
    let header = u64::from(dataset.csv.header);
    let mut notes = Vec::new();
    let mut first_line = None;
    for (value, count, rowids, has_null) in &bad {
        let rowids: Vec<u64> = rowids.split(',').filter_map(|r| r.parse().ok()).collect();
        let place = match single {
            Some(file) => {
                let records: Vec<u64> = rowids.iter().map(|r| r + header).collect();
                let lines = scan::record_lines(&file.path, dataset.csv.dialect(), &records)
                    .map_err(|e| Error::io("read", &project.shown(&file.file), e))?;
                first_line = first_line.or(lines.first().map(|(_, l)| *l as usize));
                let lines: Vec<String> = lines.iter().map(|(_, l)| l.to_string()).collect();
                format!("lines {}", lines.join(", "))
            }
            None => format!("rows {}", rowids.iter().map(|r| (r + 1).to_string()).collect::<Vec<_>>().join(", ")),
        };
        if *has_null {
            notes.push(format!("{place}: the key ({key_name}) is empty"));
        } else {
            notes.push(format!("{place}: {key_name} = {} appears {count} times", value.as_deref().unwrap_or("")));
        }
    }
    Err(Error::project(format!("dataset {}: the primary key ({key_name}) is not unique and complete", dataset.name))
        .at(Location { line: first_line, ..Location::file(project.shown(&dataset.source)) })
        .note(notes.join("\n"))
        .help("each row needs its own non-empty key; fix the file or the primary_key in laporan.toml"))
}
