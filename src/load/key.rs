//! A declared primary key, checked after loading: every key column one
//! the data has, no key repeated, none missing; a failure names the rows.

use std::path::{Path, PathBuf};

use super::records::Places;
use super::{ReadableFile, csv};
use crate::engine::{Database, quote_ident};
use crate::error::{Error, Location};
use crate::project::{Dataset, FileFormat, Project};

/// Places grouped by where they are: `lines 7, 8`, `sheet "2013", rows
/// 5, 341`, `data/a.csv, line 4; data/b.csv, line 5`.
fn grouped(places: &[(String, &str, u64)]) -> String {
    let mut groups: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for (prefix, unit, number) in places {
        match groups.iter_mut().find(|(p, u, _)| p == prefix && u == unit) {
            Some((_, _, numbers)) => numbers.push(number.to_string()),
            None => groups.push((prefix, unit, vec![number.to_string()])),
        }
    }
    let groups: Vec<String> = groups
        .into_iter()
        .map(|(prefix, unit, numbers)| {
            let plural = if numbers.len() > 1 { "s" } else { "" };
            format!("{prefix}{unit}{plural} {}", numbers.join(", "))
        })
        .collect();
    groups.join("; ")
}

/// A declared primary key must be unique and never NULL.
pub(super) fn check_primary_key(
    project: &Project,
    db: &Database,
    table: &str,
    dataset: &Dataset,
    files: &[ReadableFile],
    places: Option<&Places>,
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
    let shown = |file: &Path| project.shown(file);
    let shown_files: Vec<PathBuf> = files.iter().map(|f| shown(&f.file)).collect();
    let groups: Vec<Vec<u64>> =
        bad.iter().map(|(_, _, rowids, _)| rowids.split(',').filter_map(|r| r.parse().ok()).collect()).collect();
    let all: Vec<u64> = groups.concat();
    // Each row's place (a CSV's file and line, a workbook's sheet and row,
    // a JSON file's line; a Parquet row is counted), found for all the rows
    // at once: each file is read once.
    let mut at = Location::file(shown(&dataset.source));
    let described: Vec<(String, &str, u64)> = match (dataset.format, places) {
        (FileFormat::Csv, _) => {
            let lines = csv::lines_of_rows(files, &dataset.csv, &all, &shown)?;
            if let Some((file, line)) = lines.first() {
                at = Location { line: Some(*line as usize), ..Location::file(&shown_files[*file]) };
            }
            lines
                .iter()
                .map(|(file, line)| match files.len() {
                    1 => (String::new(), "line", *line),
                    _ => (format!("{}, ", shown_files[*file].display()), "line", *line),
                })
                .collect()
        }
        (_, Some(places)) => all.iter().map(|r| places.describe(*r as usize, &shown_files)).collect(),
        (_, None) => all.iter().map(|r| (String::new(), "row", r + 1)).collect(),
    };
    let mut described = described.into_iter();
    let mut notes = Vec::new();
    for ((value, count, _, has_null), rowids) in bad.iter().zip(&groups) {
        let rows: Vec<(String, &str, u64)> = described.by_ref().take(rowids.len()).collect();
        let place = grouped(&rows);
        if *has_null {
            notes.push(format!("{place}: the key ({key_name}) is empty"));
        } else {
            notes.push(format!("{place}: {key_name} = {} appears {count} times", value.as_deref().unwrap_or("")));
        }
    }
    Err(Error::project(format!("dataset {}: the primary key ({key_name}) is not unique and complete", dataset.name))
        .at(at)
        .note(notes.join("\n"))
        .help("each row needs its own non-empty key; fix the file or the primary_key in laporan.toml"))
}
