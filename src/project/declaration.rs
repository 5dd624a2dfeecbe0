//! A dataset's declaration written back as laporan.toml, for `laporan
//! schema`: the inverse of reading one ([`super::dataset`]). The document
//! is built with toml_edit, so every key and value is written by the TOML
//! library (quoted as TOML requires) and comments can sit where they
//! explain something. Pasted back into laporan.toml, it gives the same
//! declaration, dialect and tests included (tested below).

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use super::dataset::{CsvOptions, DataTest, Dataset, Sheet};
use crate::sql_type::SqlType;

/// A dataset as loaded: the column types it has in the database (`(name,
/// type)`; empty when not loaded yet), and why some inferred ones are text
/// (`(name, note)`), written as comments beside them.
pub type Loaded = (Vec<(String, String)>, Vec<(String, String)>);

/// The declaration in force of each of `datasets` (see [`Loaded`]).
pub fn to_toml<'a>(datasets: impl IntoIterator<Item = (&'a Dataset, Loaded)>) -> String {
    let mut document = DocumentMut::new();
    let mut all = Table::new();
    all.set_implicit(true);
    for (position, (dataset, (columns, notes))) in datasets.into_iter().enumerate() {
        let mut table = declaration(dataset, &columns, &notes);
        // One blank line between datasets.
        if position > 0 {
            let prefix = table.decor().prefix().and_then(|p| p.as_str()).unwrap_or_default().to_owned();
            table.decor_mut().set_prefix(format!("\n{prefix}"));
        }
        all.insert(&dataset.name, Item::Table(table));
    }
    document.insert("datasets", Item::Table(all));
    document.to_string()
}

/// `[datasets.NAME]` with its `columns` and `tests` tables.
fn declaration(dataset: &Dataset, columns: &[(String, String)], notes: &[(String, String)]) -> Table {
    let mut table = Table::new();
    if dataset.primary_key.is_empty() {
        table.decor_mut().set_suffix(" # primary_key = [\"…\"]: the columns that identify a row");
    } else {
        table.insert("primary_key", value(strings(&dataset.primary_key)));
    }
    if !dataset.rename.is_empty() {
        let mut renames = InlineTable::new();
        for rename in &dataset.rename {
            renames.insert(&rename.from, rename.to.as_str().into());
        }
        table.insert("rename", value(renames));
    }
    match &dataset.sheet {
        Some(Sheet::Name(name)) => {
            table.insert("sheet", value(name.as_str()));
        }
        Some(Sheet::Position(position)) => {
            table.insert("sheet", value(*position as i64));
        }
        None => {}
    }
    if dataset.csv.skip > 0 {
        table.insert("skip", value(i64::try_from(dataset.csv.skip).unwrap_or(i64::MAX)));
    }
    dialect(&mut table, &dataset.csv);

    let mut declared = Table::new();
    let mut left_out = String::new();
    for (name, ty) in columns {
        // A type laporan.toml cannot declare (a list, a struct) is only
        // named in a comment: such a dataset keeps the types of its files.
        match ty.parse::<SqlType>() {
            Ok(parsed) => {
                let mut ty = value(parsed.to_string());
                if let Some((_, note)) = notes.iter().find(|(column, _)| column == name)
                    && let Some(ty) = ty.as_value_mut()
                {
                    ty.decor_mut().set_suffix(format!(" # {note}"));
                }
                declared.insert(name, ty);
            }
            // Quoted on one line: a name with a line break stays in its
            // comment.
            Err(_) => left_out.push_str(&format!(
                "# {}: {} is not a type laporan.toml declares: leave the dataset undeclared\n",
                serde_json::Value::from(name.as_str()),
                serde_json::Value::from(ty.as_str())
            )),
        }
    }
    if columns.is_empty() {
        declared.decor_mut().set_suffix(" # not loaded yet: run laporan load");
    }
    declared.decor_mut().set_prefix(left_out);
    table.insert("columns", Item::Table(declared));
    if !dataset.tests.is_empty() {
        let mut tests = tests(dataset);
        tests.decor_mut().set_prefix("");
        table.insert("tests", Item::Table(tests));
    }
    table
}

/// The CSV dialect, where it differs from the defaults.
fn dialect(table: &mut Table, csv: &CsvOptions) {
    let defaults = CsvOptions::default();
    let character = |byte: u8| value((byte as char).to_string());
    if !csv.header {
        table.insert("header", value(false));
    }
    if csv.delimiter != defaults.delimiter {
        table.insert("delimiter", character(csv.delimiter));
    }
    if csv.quote != defaults.quote {
        table.insert("quote", character(csv.quote));
    }
    if csv.escape != csv.quote {
        table.insert("escape", character(csv.escape));
    }
    if let Some(encoding) = csv.encoding {
        table.insert("encoding", value(encoding.name().to_ascii_lowercase()));
    }
    if !csv.nulls.is_empty() {
        table.insert("null", value(strings(&csv.nulls)));
    }
    for (key, one, per_column) in [
        ("date_format", &csv.date_format, &csv.date_formats),
        ("timestamp_format", &csv.timestamp_format, &csv.timestamp_formats),
    ] {
        if let Some(format) = one {
            table.insert(key, value(format.as_str()));
        } else if !per_column.is_empty() {
            let mut formats = InlineTable::new();
            for (column, format) in per_column {
                formats.insert(column, format.as_str().into());
            }
            table.insert(key, value(formats));
        }
    }
    if csv.decimal_separator != defaults.decimal_separator {
        table.insert("decimal_separator", character(csv.decimal_separator));
    }
    if let Some(thousands) = csv.thousands_separator {
        table.insert("thousands_separator", character(thousands));
    }
    if let Some(size) = csv.max_line_size {
        // TOML integers are signed 64-bit; a larger size cannot have been read.
        table.insert("max_line_size", value(i64::try_from(size).unwrap_or(i64::MAX)));
    }
}

/// `[datasets.NAME.tests]`, in the order laporan.toml's keys are read.
fn tests(dataset: &Dataset) -> Table {
    let mut unique = Array::new();
    let mut not_null = Array::new();
    let mut accepted = InlineTable::new();
    let mut relationships = InlineTable::new();
    let mut rows = None;
    for declared in &dataset.tests {
        match &declared.test {
            DataTest::Unique(columns) => unique.push(columns.join(", ")),
            DataTest::NotNull(column) => not_null.push(column.as_str()),
            DataTest::AcceptedValues { column, values } => {
                accepted.insert(column, strings(values).into());
            }
            DataTest::Relationship { column, dataset, target } => {
                relationships.insert(column, format!("{dataset}.{target}").into());
            }
            DataTest::Rows { min, max } => {
                let mut bounds = InlineTable::new();
                for (key, bound) in [("min", min), ("max", max)] {
                    if let Some(bound) = bound {
                        bounds.insert(key, i64::try_from(*bound).unwrap_or(i64::MAX).into());
                    }
                }
                rows = Some(bounds);
            }
        }
    }
    let mut table = Table::new();
    if !unique.is_empty() {
        table.insert("unique", value(unique));
    }
    if !not_null.is_empty() {
        table.insert("not_null", value(not_null));
    }
    if !accepted.is_empty() {
        table.insert("accepted_values", value(accepted));
    }
    if !relationships.is_empty() {
        table.insert("relationships", value(relationships));
    }
    if let Some(rows) = rows {
        table.insert("rows", value(rows));
    }
    table
}

fn strings(items: &[String]) -> Array {
    items.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::error::Error;
    use crate::project::config;
    use crate::project::dataset::{ConfigPlace, resolve};

    struct Place;

    impl ConfigPlace for Place {
        fn config_error(&self, _: std::ops::Range<usize>, message: String) -> Error {
            Error::project(message)
        }
        fn shown(&self, relative: &Path) -> PathBuf {
            relative.to_path_buf()
        }
    }

    /// The datasets `text` declares for data/events.csv, data/places.csv and
    /// data/budget.xlsx.
    fn read(text: &str) -> Vec<Dataset> {
        let (config, problems) = config::parse(text);
        assert!(problems.is_empty(), "{problems:?}\n{text}");
        let declared: BTreeMap<_, _> = config.datasets.into_iter().collect();
        let entries = vec![
            (PathBuf::from("data/budget.xlsx"), false),
            (PathBuf::from("data/events.csv"), false),
            (PathBuf::from("data/places.csv"), false),
        ];
        let mut errors = Vec::new();
        let datasets = resolve(&Place, entries, |_| Ok(Vec::new()), &declared, &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors:?}\n{text}");
        datasets
    }

    fn written(datasets: &[Dataset]) -> String {
        to_toml(datasets.iter().map(|d| {
            let columns = d.columns.iter().flatten().map(|c| (c.name.clone(), c.ty.to_string())).collect();
            (d, (columns, Vec::new()))
        }))
    }

    #[test]
    fn schema_pasted_back_is_the_same_declaration() {
        let original = r#"
[datasets.events]
primary_key = ["id", "day"]
skip = 2
header = false
delimiter = ";"
quote = "'"
escape = "\\"
encoding = "windows-1252"
null = ["NA", "-", "n/a \"x\""]
date_format = "%d/%m/%Y"
timestamp_format = "%d/%m/%Y %H:%M"
decimal_separator = ","
thousands_separator = "."
max_line_size = 5000000
[datasets.events.columns]
id = "INTEGER"
day = "DATE"
"Negara / Country" = "VARCHAR"
amount = "DECIMAL(18,2)"
[datasets.events.tests]
unique = ["id", "id, day"]
not_null = ["id", "day"]
accepted_values = { "Negara / Country" = ["Indonesia", "Côte d'Ivoire"] }
relationships = { id = "places.event" }
rows = { min = 1, max = 1000 }

[datasets.places]
date_format = { opened = "%d %b %Y", "Closed on" = "%d/%m/%Y" }
timestamp_format = { seen = "%d/%m/%Y %H.%M" }
[datasets.places.columns]
event = "BIGINT"
tags = "VARCHAR"
[datasets.places.tests]
rows = { max = 5 }

[datasets.budget]
rename = { "Budget line (code)" = "code", "Amount, EUR" = "amount" }
sheet = "2024 (final)"
skip = 3
null = ["n/a"]
[datasets.budget.columns]
code = "VARCHAR"
amount = "DECIMAL(18,2)"
[datasets.budget.tests]
not_null = ["code"]
"#;
        let datasets = read(original);
        let text = written(&datasets);
        let again = read(&text);
        for (before, after) in datasets.iter().zip(&again) {
            assert_eq!(before.csv, after.csv, "{text}");
            assert_eq!(before.sheet, after.sheet, "{text}");
            let renames = |d: &Dataset| d.rename.iter().map(|r| (r.from.clone(), r.to.clone())).collect::<Vec<_>>();
            assert_eq!(renames(before), renames(after), "{text}");
            assert_eq!(before.primary_key, after.primary_key, "{text}");
            let types = |d: &Dataset| d.columns.iter().flatten().map(|c| (c.name.clone(), c.ty)).collect::<Vec<_>>();
            assert_eq!(types(before), types(after), "{text}");
            let tests = |d: &Dataset| d.tests.iter().map(|t| t.test.clone()).collect::<Vec<_>>();
            assert_eq!(tests(before), tests(after), "{text}");
            assert!(!tests(before).is_empty());
        }
        assert_eq!(written(&again), text, "written twice, the same text");
        assert!(text.contains("escape = '\\'\n") && text.contains("null = [\"NA\", \"-\", 'n/a \"x\"']"), "{text}");
    }

    #[test]
    fn types_laporan_does_not_declare_are_comments() {
        let datasets = read("");
        let text = to_toml([
            (
                &datasets[1],
                (
                    vec![
                        ("id".to_owned(), "INTEGER".to_owned()),
                        ("code".to_owned(), "VARCHAR".to_owned()),
                        ("tags".to_owned(), "VARCHAR[]".to_owned()),
                        ("two\nlines".to_owned(), "STRUCT(a INTEGER)".to_owned()),
                    ],
                    vec![("code".to_owned(), "'NA' on line 7 is not a whole number (1 of 300 values)".to_owned())],
                ),
            ),
            (&datasets[2], (Vec::new(), Vec::new())),
        ]);
        assert_eq!(
            text,
            "[datasets.events] # primary_key = [\"…\"]: the columns that identify a row\n\
             # \"tags\": \"VARCHAR[]\" is not a type laporan.toml declares: leave the dataset undeclared\n\
             # \"two\\nlines\": \"STRUCT(a INTEGER)\" is not a type laporan.toml declares: leave the dataset undeclared\n\
             [datasets.events.columns]\n\
             id = \"INTEGER\"\n\
             code = \"VARCHAR\" # 'NA' on line 7 is not a whole number (1 of 300 values)\n\
             \n\
             [datasets.places] # primary_key = [\"…\"]: the columns that identify a row\n\
             [datasets.places.columns] # not loaded yet: run laporan load\n"
        );
    }
}
