//! What `laporan list` shows: datasets (rows and schema as loaded), saved
//! queries (description and parameters) and reports.
//!
//! It reads the database only if one exists, and never loads or changes it.
//! [`declarations`] prints the schemas in force as TOML for `laporan schema`.

use std::fmt::Write as _;

use crate::engine::Database;
use crate::error::Error;
use crate::load::loaded;
use crate::project::{Project, TEMPLATES_DIR, TemplateKind};

pub fn describe(project: &Project) -> Result<String, Error> {
    let db = if project.database_path().is_file() { Some(Database::open(&project.engine_place())?) } else { None };
    let loaded = match &db {
        Some(db) => loaded(db)?,
        None => Vec::new(),
    };
    let mut out = String::new();
    let name_width = project
        .datasets
        .iter()
        .map(|d| d.name.len())
        .chain(project.queries.keys().map(String::len))
        .chain(project.data_tests.keys().map(String::len))
        .chain(project.reports.iter().map(|r| r.name.len()))
        .max()
        .unwrap_or(0)
        .max(12);

    out.push_str("Datasets\n");
    if project.datasets.is_empty() {
        out.push_str("  (none: add CSV files to data/)\n");
    }
    for dataset in &project.datasets {
        let mut file = project.shown(&dataset.source).display().to_string();
        if dataset.files.len() > 1 || dataset.source.extension().is_none() {
            file = format!("{file}/ ({} files)", dataset.files.len());
        }
        match loaded.iter().find(|l| l.name == dataset.name) {
            Some(state) => {
                let _ =
                    writeln!(out, "  {:name_width$}  {:>9} rows  {file}  ({})", dataset.name, state.rows, state.schema);
                if let Some(db) = &db {
                    for line in wrap(&columns(db, &dataset.name)?, 96) {
                        let _ = writeln!(out, "      {line}");
                    }
                }
            }
            None => {
                let _ = writeln!(out, "  {:name_width$}  {:>14}  {file}", dataset.name, "not loaded");
            }
        }
    }

    out.push_str("\nQueries\n");
    if project.queries.is_empty() {
        out.push_str("  (none: add .sql files to queries/)\n");
    }
    for query in project.queries.values() {
        let _ = writeln!(out, "  {:name_width$}  {}", query.name, query.summary());
        for param in &query.params {
            let default = match &param.default {
                Some(value) => format!(" = {value}"),
                None => String::new(),
            };
            let _ = writeln!(out, "  {:name_width$}    @param {} {}{default}", "", param.name, param.ty);
        }
        if let Some(deps) = project.dependencies.get(&query.name).filter(|d| !d.is_empty()) {
            let _ = writeln!(out, "  {:name_width$}    builds on {}", "", deps.join(", "));
        }
    }

    let declared: usize = project.datasets.iter().map(|d| d.tests.len()).sum();
    if declared + project.data_tests.len() > 0 {
        out.push_str("\nData tests\n");
        for dataset in project.datasets.iter().filter(|d| !d.tests.is_empty()) {
            let _ = writeln!(out, "  {:name_width$}  {} declared in laporan.toml", dataset.name, dataset.tests.len());
        }
        for test in project.data_tests.values() {
            let _ = writeln!(out, "  {:name_width$}  {}", test.name, test.summary());
        }
    }

    out.push_str("\nReports\n");
    if project.reports.is_empty() {
        let _ = writeln!(out, "  (none: add *.md.j2 templates to {TEMPLATES_DIR}/)");
    }
    for report in &project.reports {
        let outputs = match report.kind {
            TemplateKind::Markdown => ".md, .html",
            TemplateKind::Html => ".html",
        };
        let _ = writeln!(
            out,
            "  {:name_width$}  {TEMPLATES_DIR}/{} → {outputs} ({})",
            report.name, report.template, report.locale
        );
    }
    if db.is_none() && !project.datasets.is_empty() {
        out.push_str("\nThe data is not loaded yet: run laporan load (or laporan build).\n");
    }
    Ok(out)
}

/// `name TYPE, name TYPE, …` of a loaded table.
fn columns(db: &Database, table: &str) -> Result<String, Error> {
    let columns: Vec<String> = column_types(db, table)?.into_iter().map(|(n, t)| format!("{n} {t}")).collect();
    Ok(columns.join(", "))
}

/// Names and types of a loaded table's columns, in order.
fn column_types(db: &Database, table: &str) -> Result<Vec<(String, String)>, Error> {
    db.rows(
        "SELECT column_name, data_type FROM duckdb_columns() \
         WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
        &[table.into()],
        |row| Ok((row.text(0)?, row.text(1)?)),
    )
    .map_err(|e| e.while_trying("read a table's columns"))
}

/// Splits a `, `-separated list into lines of at most `width` characters.
fn wrap(list: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for item in list.split(", ") {
        if !line.is_empty() && line.len() + 2 + item.len() > width {
            line.push(',');
            lines.push(std::mem::take(&mut line));
        } else if !line.is_empty() {
            line.push_str(", ");
        }
        line.push_str(item);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The declaration of each dataset in force (declared, or as inferred at the
/// last load), as TOML to paste into laporan.toml.
pub fn declarations(project: &Project, db: &Database, names: &[String]) -> Result<String, Error> {
    for name in names {
        if !project.datasets.iter().any(|d| &d.name == name) {
            let known: Vec<&str> = project.datasets.iter().map(|d| d.name.as_str()).collect();
            return Err(
                Error::usage(format!("no dataset named {name}")).note(format!("datasets: {}", known.join(", ")))
            );
        }
    }
    let loaded = loaded(db)?;
    let mut chosen = Vec::new();
    for dataset in project.datasets.iter().filter(|d| names.is_empty() || names.contains(&d.name)) {
        let notes = loaded.iter().find(|l| l.name == dataset.name).map(|l| l.notes.clone()).unwrap_or_default();
        chosen.push((dataset, (column_types(db, &dataset.name)?, notes)));
    }
    Ok(crate::project::declaration::to_toml(chosen))
}
