//! Datasets: which files make up each table, and how they must be read.
//!
//! A dataset is a file in `data/` (`events.csv` → table `events`) or a
//! folder of files with one schema (`data/monthly/*.csv` → table `monthly`).
//! `laporan.toml` may declare it:
//!
//! ```toml
//! [datasets.events]
//! primary_key = ["event_id"]
//! date_format = "%d/%m/%Y"        # dialect options, all optional
//! [datasets.events.columns]
//! event_id = "VARCHAR"
//! start_date = "DATE"
//! ```
//!
//! This module turns files and declarations into validated [`Dataset`]s,
//! with errors that point at the line of `laporan.toml` at fault. Reading the
//! files is the load step's job.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;
use crate::key::Key;
use crate::params::is_identifier;
use crate::sql_type::SqlType;

/// A dataset's declaration in `laporan.toml`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// Column names and types, in any order: some or all of the columns
    /// (the others are inferred).
    #[serde(default)]
    pub columns: IndexMap<String, Spanned<String>>,
    /// New names for columns of the file, by their name in the file: the
    /// rest of the declaration uses the new ones.
    #[serde(default)]
    pub rename: IndexMap<String, Spanned<String>>,
    #[serde(default)]
    pub primary_key: Vec<Spanned<String>>,
    /// Whether the first line names the columns (default true).
    pub header: Option<bool>,
    pub delimiter: Option<Spanned<String>>,
    pub quote: Option<Spanned<String>>,
    pub escape: Option<Spanned<String>>,
    /// `utf-8` (default), `latin-1`, `windows-1252`, `utf-16`, … (WHATWG labels).
    pub encoding: Option<Spanned<String>>,
    /// Values read as NULL besides the empty field, such as `["NA", "-"]`.
    #[serde(default)]
    pub null: Vec<String>,
    /// strftime formats, such as `%d/%m/%Y`: for every column, or a table
    /// of them by column (`{ ratified = "%d %b %Y" }`).
    pub date_format: Option<FormatConfig>,
    pub timestamp_format: Option<FormatConfig>,
    /// `,` for Indonesian exports (`1.234,56`).
    pub decimal_separator: Option<Spanned<String>>,
    pub thousands_separator: Option<Spanned<String>>,
    /// The longest line allowed, in bytes (DuckDB's default is 2,000,000);
    /// larger values cost memory while loading.
    pub max_line_size: Option<u64>,
    /// Data tests, run after every load (they do not affect loading).
    #[serde(default)]
    pub tests: TestsConfig,
    /// The sheet of a workbook to read (needed when it has several).
    pub sheet: Option<Spanned<SheetConfig>>,
    /// Lines (CSV) or rows (workbooks) above the header, such as a title
    /// and a line of units, that are not read.
    pub skip: Option<Spanned<u64>>,
}

/// `sheet = "2024"` (by name) or `sheet = 1` (the first worksheet: for a
/// folder of workbooks whose sheets are named differently).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SheetConfig {
    Name(String),
    Position(i64),
}

/// The sheet of a workbook a dataset reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sheet {
    Name(String),
    /// Counted from 1, among the worksheets.
    Position(usize),
}

/// A `date_format` or `timestamp_format`: one for every column, or one
/// per column.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FormatConfig {
    All(String),
    PerColumn(IndexMap<String, String>),
}

/// `[datasets.NAME.tests]`: assertions about the loaded data, as in dbt.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TestsConfig {
    /// Columns (or `"a, b"` combinations) whose values never repeat.
    #[serde(default)]
    pub unique: Vec<Spanned<String>>,
    /// Columns that are never NULL.
    #[serde(default)]
    pub not_null: Vec<Spanned<String>>,
    /// Per column, the only values it may hold (NULL aside).
    #[serde(default)]
    pub accepted_values: IndexMap<String, Spanned<Vec<String>>>,
    /// Per column, `"dataset.column"` that each value must exist in.
    #[serde(default)]
    pub relationships: IndexMap<String, Spanned<String>>,
    /// Bounds on the row count: `{ min = 1, max = 1000 }`.
    pub rows: Option<Spanned<RowBounds>>,
}

#[derive(Debug, Clone, Copy, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RowBounds {
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// One declared data test on a dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum DataTest {
    Unique(Vec<String>),
    NotNull(String),
    AcceptedValues { column: String, values: Vec<String> },
    Relationship { column: String, dataset: String, target: String },
    Rows { min: Option<u64>, max: Option<u64> },
}

/// A data test and where laporan.toml declares it.
#[derive(Debug, Clone)]
pub struct DeclaredTest {
    pub test: DataTest,
    pub span: std::ops::Range<usize>,
}

/// The format of a dataset's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Parquet,
    Json,
    /// Excel and OpenDocument workbooks, read through calamine.
    Workbook,
}

impl FileFormat {
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
            FileFormat::Json => "json",
            FileFormat::Workbook => "workbook",
        }
    }

    /// The formats laporan reads, for messages.
    pub const KNOWN: &str = ".csv, .parquet, .json/.jsonl/.ndjson and .xlsx/.xlsm/.xlsb/.xls/.ods files";

    pub fn from_path(path: &Path) -> Option<FileFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(FileFormat::Csv),
            "parquet" => Some(FileFormat::Parquet),
            "json" | "jsonl" | "ndjson" => Some(FileFormat::Json),
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Some(FileFormat::Workbook),
            _ => None,
        }
    }
}

/// Whether a file in `data/` documents the data (a README.md): expected
/// there, not loaded, and not warned about.
pub fn is_documentation(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// How a CSV dataset is read. The defaults are RFC 4180 in UTF-8.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    pub header: bool,
    pub delimiter: u8,
    pub quote: u8,
    pub escape: u8,
    /// `None` for UTF-8.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    pub nulls: Vec<String>,
    pub date_format: Option<String>,
    pub timestamp_format: Option<String>,
    /// Formats of single columns, by column: (column, format).
    pub date_formats: Vec<(String, String)>,
    pub timestamp_formats: Vec<(String, String)>,
    pub decimal_separator: u8,
    pub thousands_separator: Option<u8>,
    pub max_line_size: Option<u64>,
    /// Lines above the header (a title, a line of units) that are not
    /// read; for workbooks, sheet rows (with `nulls`, the one option of
    /// these that workbooks take too).
    pub skip: u64,
}

impl CsvOptions {
    /// The strftime format a column of type `ty` is read with: its own
    /// (`date_format = { column = "…" }`), else the dataset's; `None` for
    /// ISO 8601, and for types that are not dates or timestamps.
    pub fn format_of(&self, column: &str, ty: SqlType) -> Option<&str> {
        self.own_format(column, ty).or(match ty {
            SqlType::Date => self.date_format.as_deref(),
            SqlType::Timestamp | SqlType::TimestampTz => self.timestamp_format.as_deref(),
            _ => None,
        })
    }

    /// The column's own format, if laporan.toml gives it one.
    pub fn own_format(&self, column: &str, ty: SqlType) -> Option<&str> {
        let formats = match ty {
            SqlType::Date => &self.date_formats,
            SqlType::Timestamp | SqlType::TimestampTz => &self.timestamp_formats,
            _ => return None,
        };
        formats.iter().find(|(c, _)| c == column).map(|(_, format)| format.as_str())
    }
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            header: true,
            delimiter: b',',
            quote: b'"',
            escape: b'"',
            encoding: None,
            nulls: Vec::new(),
            date_format: None,
            timestamp_format: None,
            date_formats: Vec::new(),
            timestamp_formats: Vec::new(),
            decimal_separator: b'.',
            thousands_separator: None,
            max_line_size: None,
            skip: 0,
        }
    }
}

/// A declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    pub name: String,
    /// Parsed from the declaration; SQL only ever sees it rendered.
    pub ty: SqlType,
    /// Byte range in `laporan.toml`, for errors.
    pub span: std::ops::Range<usize>,
}

/// A column renamed on reading: its name in the file, and in the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    pub from: String,
    pub to: String,
    /// Byte range of the new name in `laporan.toml`, for errors.
    pub span: std::ops::Range<usize>,
}

/// A table to load.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    /// The file, or the folder of files, relative to the project root.
    pub source: PathBuf,
    /// The files to read, relative to the root, sorted.
    pub files: Vec<PathBuf>,
    pub format: FileFormat,
    pub csv: CsvOptions,
    /// Declared columns, in declaration order: some or all of the file's
    /// (the others are inferred); `None`: every column inferred.
    pub columns: Option<Vec<ColumnDecl>>,
    /// Columns renamed on reading, in laporan.toml's order.
    pub rename: Vec<Rename>,
    pub primary_key: Vec<String>,
    pub tests: Vec<DeclaredTest>,
    /// The sheet of a workbook to read; `None`: its only sheet.
    pub sheet: Option<Sheet>,
}

impl Dataset {
    /// Everything about how the dataset is read, for the load fingerprint:
    /// a change here reloads it even if its files did not change.
    pub fn declaration_fingerprint(&self) -> String {
        let mut key = Key::new("dataset declaration");
        key.add(self.format.name());
        for column in self.columns.iter().flatten() {
            key.add("column").add(&column.name).add(column.ty.to_string());
        }
        for rename in &self.rename {
            key.add("rename").add(&rename.from).add(&rename.to);
        }
        key.add("primary key");
        for column in &self.primary_key {
            key.add(column);
        }
        let csv = &self.csv;
        key.add([u8::from(csv.header), csv.delimiter, csv.quote, csv.escape, csv.decimal_separator]);
        key.add_option(csv.encoding.map(|e| e.name()));
        key.add("nulls");
        for null in &csv.nulls {
            key.add(null);
        }
        key.add_option(csv.date_format.as_ref()).add_option(csv.timestamp_format.as_ref());
        for (kind, formats) in [("date format", &csv.date_formats), ("timestamp format", &csv.timestamp_formats)] {
            for (column, format) in formats {
                key.add(kind).add(column).add(format);
            }
        }
        key.add_option(csv.thousands_separator.map(|b| [b])).add_option(csv.max_line_size.map(u64::to_le_bytes));
        match &self.sheet {
            Some(Sheet::Name(name)) => key.add("sheet named").add(name),
            Some(Sheet::Position(position)) => key.add("sheet at").add(position.to_le_bytes()),
            None => key.add("no sheet"),
        };
        key.add(csv.skip.to_le_bytes());
        key.finish()
    }

    /// Whether the declaration names every column: a file without a
    /// header, whose columns are the declared ones.
    pub fn all_columns_declared(&self) -> bool {
        self.columns.is_some() && !self.csv.header
    }

    /// The names a file's columns have in the table: `rename`d, or as
    /// they are. An error names a renamed column the file does not have.
    /// Every rename applies to the file's own names, all at once: `{ a =
    /// "b", b = "a" }` swaps two columns.
    pub fn renamed(&self, names: &mut [String]) -> Result<(), &Rename> {
        let original = names.to_vec();
        for rename in &self.rename {
            match original.iter().position(|n| *n == rename.from) {
                Some(index) => names[index] = rename.to.clone(),
                None => return Err(rename),
            }
        }
        Ok(())
    }

    pub fn column(&self, name: &str) -> Option<&ColumnDecl> {
        self.columns.as_ref()?.iter().find(|c| c.name == name)
    }
}

/// What the project module needs to place errors in `laporan.toml`.
pub trait ConfigPlace {
    fn config_error(&self, span: std::ops::Range<usize>, message: String) -> Error;
    fn shown(&self, relative: &Path) -> PathBuf;
}

/// Finds the datasets under `data/` (given as relative entries, sorted) and
/// applies their declarations.
pub fn resolve(
    place: &impl ConfigPlace,
    entries: Vec<(PathBuf, bool)>,
    list_folder: impl Fn(&Path) -> Result<Vec<PathBuf>, Error>,
    declared: &std::collections::BTreeMap<String, Spanned<DatasetConfig>>,
    problems: &mut Vec<Error>,
) -> Result<Vec<Dataset>, Error> {
    let mut datasets: Vec<Dataset> = Vec::new();
    // Names of data sources refused here: their declarations are not
    // "declared but missing".
    let mut refused: Vec<String> = Vec::new();
    for (entry, is_folder) in entries {
        // The table's name: the folder's, or the file's without extension.
        let name = if is_folder { entry.file_name() } else { entry.file_stem() };
        let name = name.and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let (files, format) = if is_folder {
            let files: Vec<PathBuf> =
                list_folder(&entry)?.into_iter().filter(|f| FileFormat::from_path(f).is_some()).collect();
            // DuckDB's readers take `*`, `?`, `[…]` and `{…}` in a file name
            // as a pattern, which could match other files (hidden ones too)
            // than the one laporan hashed.
            if let Some(file) = files.iter().find(|f| {
                f.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.contains(['*', '?', '[', ']', '{', '}']))
            }) {
                refused.push(name.clone());
                problems.push(Error::project(format!(
                    "{} has a pattern character in its name",
                    place.shown(file).display()
                ))
                .at(crate::error::Location::file(place.shown(file)))
                .help(
                    "rename the file without * ? [ ] { }: a reader would take its name as a pattern of other files",
                ));
                continue;
            }
            let Some(first) = files.first() else {
                refused.push(name.clone());
                problems.push(
                    Error::project(format!(
                        "dataset folder {} holds no data file (CSV, Parquet, JSON or workbook)",
                        entry.display()
                    ))
                    .at(crate::error::Location::file(place.shown(&entry)))
                    .help("put the dataset's files in the folder, or remove it"),
                );
                continue;
            };
            let format = FileFormat::from_path(first).expect("filtered above");
            if let Some(other) = files.iter().find(|f| FileFormat::from_path(f) != Some(format)) {
                refused.push(name.clone());
                problems.push(
                    Error::project(format!("dataset folder {} mixes file formats", entry.display()))
                        .at(crate::error::Location::file(place.shown(&entry)))
                        .label(crate::error::Location::file(place.shown(first)), format!("{} data", format.name()))
                        .label(crate::error::Location::file(place.shown(other)), "another format")
                        .help("a folder is one table: keep files of one format in it"),
                );
                continue;
            }
            (files, format)
        } else {
            let Some(format) = FileFormat::from_path(&entry) else { continue };
            (vec![entry.clone()], format)
        };
        if !is_identifier(&name) {
            problems.push(Error::project(format!("dataset name '{name}' cannot be a table name"))
                .at(crate::error::Location::file(place.shown(&entry)))
                .help(
                    "name data files and folders with letters, digits and underscores, such as event_participants.csv",
                ));
            refused.push(name);
            continue;
        }
        // DuckDB does not tell upper from lower case in table names.
        if let Some(other) = datasets.iter().find(|d| d.name.eq_ignore_ascii_case(&name)) {
            problems.push(
                Error::project(format!("two data sources would both be table {name}"))
                    .at(crate::error::Location::file(place.shown(&entry)))
                    .note(format!("the other one is {}", place.shown(&other.source).display()))
                    .help("rename or remove one of them (table names do not tell upper from lower case)"),
            );
            refused.push(name);
            continue;
        }
        let mut dataset = Dataset {
            name,
            source: entry,
            files,
            format,
            csv: CsvOptions::default(),
            columns: None,
            rename: Vec::new(),
            primary_key: Vec::new(),
            tests: Vec::new(),
            sheet: None,
        };
        let faults = declared.get(&dataset.name).map(|config| apply(place, &mut dataset, config)).unwrap_or_default();
        if !faults.is_empty() {
            // Loaded as undeclared, its declaration's problems reported.
            problems.extend(faults);
            refused.push(dataset.name.clone());
            dataset.columns = None;
            dataset.rename.clear();
            dataset.primary_key.clear();
            dataset.tests.clear();
        }
        datasets.push(dataset);
    }
    // Relationships that name no dataset or column: reported, and not run
    // as data tests (which would only fail again).
    let mut dangling: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    for dataset in &datasets {
        let Some(config) = declared.get(&dataset.name) else { continue };
        for (column, target) in &config.get_ref().tests.relationships {
            let Some((other, other_column)) = target.get_ref().split_once('.') else { continue };
            match datasets.iter().find(|d| d.name == other) {
                None if refused.iter().any(|r| r == other) => dangling.push((dataset.name.clone(), target.span())),
                None => {
                    dangling.push((dataset.name.clone(), target.span()));
                    problems.push(place.config_error(
                        target.span(),
                        format!("relationship of {}.{column}: there is no dataset {other}", dataset.name),
                    ));
                }
                Some(d) if d.all_columns_declared() && d.column(other_column).is_none() => {
                    dangling.push((dataset.name.clone(), target.span()));
                    problems.push(place.config_error(
                        target.span(),
                        format!(
                            "relationship of {}.{column}: dataset {other} declares no column {other_column}",
                            dataset.name
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    for dataset in &mut datasets {
        dataset.tests.retain(|t| !dangling.iter().any(|(name, span)| *name == dataset.name && *span == t.span));
    }
    for (name, config) in declared {
        if !datasets.iter().any(|d| &d.name == name) && !refused.contains(name) {
            problems.push(
                place
                    .config_error(
                        config.span(),
                        format!("dataset {name} is declared but data/ has no {name}.csv or {name}/ folder"),
                    )
                    .help("add the file, or remove the declaration"),
            );
        }
    }
    Ok(datasets)
}

/// Applies a dataset's declaration; every problem in it is returned (none:
/// the declaration is in force). A problem does not hide the next one: a
/// bad character setting takes its default, a column of unknown type is
/// still a column for the primary key and tests, so each mistake is
/// reported once, in one run.
fn apply(place: &impl ConfigPlace, dataset: &mut Dataset, declared: &Spanned<DatasetConfig>) -> Vec<Error> {
    let config = declared.get_ref();
    let whole = declared.span();
    let mut problems = Vec::new();
    let name = dataset.name.clone();
    let mut single_byte = |value: &Option<Spanned<String>>, what: &str, default: u8| -> u8 {
        let Some(value) = value else { return default };
        match value.get_ref().as_bytes() {
            [b] if b.is_ascii() && *b != b'\n' && *b != b'\r' => *b,
            _ => {
                problems.push(place.config_error(
                    value.span(),
                    format!("{what} of dataset {name} must be one ASCII character, not '{}'", value.get_ref()),
                ));
                default
            }
        }
    };
    let csv = &mut dataset.csv;
    csv.header = config.header.unwrap_or(true);
    csv.delimiter = single_byte(&config.delimiter, "delimiter", b',');
    csv.quote = single_byte(&config.quote, "quote", b'"');
    csv.escape = single_byte(&config.escape, "escape", csv.quote);
    csv.decimal_separator = single_byte(&config.decimal_separator, "decimal_separator", b'.');
    let thousands = config
        .thousands_separator
        .as_ref()
        .map(|t| (t.span(), single_byte(&config.thousands_separator, "thousands_separator", b',')));
    if !matches!(csv.decimal_separator, b'.' | b',') {
        let span = config.decimal_separator.as_ref().map(Spanned::span).unwrap_or_default();
        problems.push(place.config_error(span, "decimal_separator must be \".\" or \",\"".into()));
    }
    if let Some((span, b)) = thousands {
        if b == csv.decimal_separator || !matches!(b, b'.' | b',' | b' ' | b'\'' | b'_') {
            problems.push(place.config_error(
                span,
                "thousands_separator must differ from the decimal separator: one of . , ' _ or a space".into(),
            ));
        } else {
            csv.thousands_separator = Some(b);
        }
    }
    if let Some(label) = &config.encoding {
        // WHATWG labels, plus the spelling people write most.
        let name = label.get_ref().trim().to_ascii_lowercase();
        let name = if name == "latin-1" { "latin1" } else { name.as_str() };
        match encoding_rs::Encoding::for_label(name.as_bytes()) {
            Some(encoding) => csv.encoding = (encoding != encoding_rs::UTF_8).then_some(encoding),
            None => problems.push(
                place
                    .config_error(label.span(), format!("unknown encoding '{}'", label.get_ref()))
                    .help("use a label such as utf-8, latin-1, windows-1252, iso-8859-15 or utf-16"),
            ),
        }
    }
    csv.nulls = config.null.clone();
    if let Some(null) = csv.nulls.iter().find(|n| dataset.format == FileFormat::Csv && n.contains(csv.quote as char)) {
        problems.push(
            place
                .config_error(whole.clone(), format!("null value '{null}' holds the quote character {}", csv.quote as char))
                .help("a text that means \"no value\" cannot hold the quote character: correct those values in the file instead"),
        );
        csv.nulls.retain(|n| !n.contains(csv.quote as char));
    }
    csv.max_line_size = config.max_line_size;
    match &config.date_format {
        Some(FormatConfig::All(format)) => csv.date_format = Some(format.clone()),
        Some(FormatConfig::PerColumn(formats)) => csv.date_formats = formats.clone().into_iter().collect(),
        None => {}
    }
    match &config.timestamp_format {
        Some(FormatConfig::All(format)) => csv.timestamp_format = Some(format.clone()),
        Some(FormatConfig::PerColumn(formats)) => csv.timestamp_formats = formats.clone().into_iter().collect(),
        None => {}
    }

    // Every declared name, a column of unknown type included.
    let declared_names: Option<Vec<String>> =
        (!config.columns.is_empty()).then(|| config.columns.keys().cloned().collect());
    if !config.columns.is_empty() {
        let mut columns = Vec::with_capacity(config.columns.len());
        for (column, ty) in &config.columns {
            match ty.get_ref().parse::<SqlType>() {
                Ok(parsed) => columns.push(ColumnDecl { name: column.clone(), ty: parsed, span: ty.span() }),
                Err(e) => problems
                    .push(place.config_error(ty.span(), format!("column {column} of dataset {}: {e}", dataset.name))),
            }
        }
        dataset.columns = Some(columns);
    } else if !dataset.csv.header {
        problems.push(place.config_error(
            whole.clone(),
            format!("dataset {} has header = false, so its columns must be declared", dataset.name),
        ));
    }
    for (from, to) in &config.rename {
        let name = to.get_ref().trim();
        if !dataset.csv.header {
            problems.push(place.config_error(
                to.span(),
                format!(
                    "dataset {} has header = false: its columns are named by the declaration, not renamed",
                    dataset.name
                ),
            ));
        } else if from.is_empty() || name.is_empty() || name != to.get_ref() {
            problems.push(
                place.config_error(
                    to.span(),
                    "rename needs a column name and a new name, without spaces around it".into(),
                ),
            );
        } else if let Some(other) = dataset.rename.iter().find(|r| r.to.eq_ignore_ascii_case(name)) {
            problems.push(place.config_error(
                to.span(),
                format!(
                    "columns {} and {from} would both be named {name} (names do not tell upper from lower case)",
                    other.from
                ),
            ));
        } else {
            dataset.rename.push(Rename { from: from.clone(), to: name.to_owned(), span: to.span() });
        }
    }
    // Every column is declared when the file has no header (the
    // declaration names them); otherwise the file may have more, whose
    // names are known when it is read: the load checks those.
    let is_declared = |column: &str| {
        dataset.csv.header || declared_names.as_ref().is_none_or(|names| names.iter().any(|n| n == column))
    };
    for key in &config.primary_key {
        if !is_declared(key.get_ref()) {
            problems.push(place.config_error(
                key.span(),
                format!("primary key column {} is not among the declared columns", key.get_ref()),
            ));
        }
        dataset.primary_key.push(key.get_ref().clone());
    }
    dataset.tests = tests(place, dataset, &config.tests, &is_declared, &mut problems);
    dataset.csv.skip = config.skip.as_ref().map_or(0, |s| *s.get_ref());
    dataset.sheet = match config.sheet.as_ref().map(|s| (s.get_ref(), s.span())) {
        Some((SheetConfig::Name(name), _)) => Some(Sheet::Name(name.clone())),
        Some((SheetConfig::Position(position), _)) if *position >= 1 => Some(Sheet::Position(*position as usize)),
        Some((SheetConfig::Position(_), span)) => {
            problems.push(place.config_error(span, "sheet counts the worksheets from 1".into()));
            None
        }
        None => None,
    };
    if let Some(sheet) = &config.sheet
        && dataset.format != FileFormat::Workbook
    {
        problems.push(place.config_error(
            sheet.span(),
            format!(
                "dataset {} is not a workbook: sheet applies to .xlsx, .xlsm, .xlsb, .xls and .ods files",
                dataset.name
            ),
        ));
    }
    if let Some(skip) = &config.skip
        && !matches!(dataset.format, FileFormat::Csv | FileFormat::Workbook)
    {
        problems.push(place.config_error(
            skip.span(),
            format!("dataset {} is {}: skip applies to CSV files and workbooks", dataset.name, dataset.format.name()),
        ));
    }
    let only_nulls = CsvOptions { nulls: dataset.csv.nulls.clone(), skip: dataset.csv.skip, ..CsvOptions::default() };
    match dataset.format {
        FileFormat::Csv => {}
        FileFormat::Workbook if dataset.csv == only_nulls => {}
        FileFormat::Workbook => problems.push(place.config_error(
            whole,
            format!(
                "dataset {} is a workbook: of the CSV options only null applies (with columns, primary_key, tests, sheet and skip)",
                dataset.name
            ),
        )),
        FileFormat::Parquet | FileFormat::Json if config_has_csv_options(config) => problems.push(place.config_error(
            whole,
            format!("dataset {} is not CSV: only columns, rename, primary_key and tests apply", dataset.name),
        )),
        FileFormat::Parquet | FileFormat::Json => {}
    }
    problems
}

/// The declared data tests, with their columns checked against the
/// declaration (when there is one); a test naming an unknown column is
/// reported in `problems` and left out.
fn tests(
    place: &impl ConfigPlace,
    dataset: &Dataset,
    config: &TestsConfig,
    is_declared: &dyn Fn(&str) -> bool,
    problems: &mut Vec<Error>,
) -> Vec<DeclaredTest> {
    let known = |column: &str, span: std::ops::Range<usize>| -> Result<String, Error> {
        let column = column.trim();
        if column.is_empty() || !is_declared(column) {
            return Err(place.config_error(span, format!("dataset {} has no column '{column}'", dataset.name)));
        }
        Ok(column.to_owned())
    };
    let mut tests = Vec::new();
    for columns in &config.unique {
        let names: Result<Vec<String>, Error> =
            columns.get_ref().split(',').map(|c| known(c, columns.span())).collect();
        match names {
            Ok(names) => tests.push(DeclaredTest { test: DataTest::Unique(names), span: columns.span() }),
            Err(e) => problems.push(e),
        }
    }
    for column in &config.not_null {
        match known(column.get_ref(), column.span()) {
            Ok(name) => tests.push(DeclaredTest { test: DataTest::NotNull(name), span: column.span() }),
            Err(e) => problems.push(e),
        }
    }
    for (column, values) in &config.accepted_values {
        match known(column, values.span()) {
            Ok(column) => tests.push(DeclaredTest {
                test: DataTest::AcceptedValues { column, values: values.get_ref().clone() },
                span: values.span(),
            }),
            Err(e) => problems.push(e),
        }
    }
    for (column, target) in &config.relationships {
        let column = match known(column, target.span()) {
            Ok(column) => column,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let Some((other, other_column)) = target.get_ref().split_once('.') else {
            problems.push(
                place
                    .config_error(
                        target.span(),
                        format!("relationship of {}.{column} must name dataset.column", dataset.name),
                    )
                    .help("such as country_iso3 = \"countries.iso3\""),
            );
            continue;
        };
        tests.push(DeclaredTest {
            test: DataTest::Relationship { column, dataset: other.to_owned(), target: other_column.to_owned() },
            span: target.span(),
        });
    }
    if let Some(rows) = &config.rows {
        let RowBounds { min, max } = *rows.get_ref();
        if min.is_none() && max.is_none() || min > max && max.is_some() {
            problems.push(
                place
                    .config_error(rows.span(), "rows needs min, max or both, with min <= max".into())
                    .help("such as rows = { min = 1, max = 100000 }"),
            );
        } else {
            tests.push(DeclaredTest { test: DataTest::Rows { min, max }, span: rows.span() });
        }
    }
    tests
}

fn config_has_csv_options(config: &DatasetConfig) -> bool {
    config.header.is_some()
        || config.delimiter.is_some()
        || config.quote.is_some()
        || config.escape.is_some()
        || config.encoding.is_some()
        || !config.null.is_empty()
        || config.date_format.is_some()
        || config.timestamp_format.is_some()
        || config.decimal_separator.is_some()
        || config.thousands_separator.is_some()
        || config.max_line_size.is_some()
}
