//! Reading CSV strictly: the header checked against the schema, every value
//! converted or the load refused, every problem placed on its line.
//!
//! DuckDB reads the file once, with a fixed dialect and explicit columns
//! (nothing sniffed), recording rejected rows with `store_rejects`. Each
//! column is read as its declared type, or the type inferred ([`infer`])
//! from what the pre-load scan saw of its values ([`super::shapes`]). A
//! column whose every value has the exact shape of its type is read
//! directly; any other is read as text and checked and cast in the query
//! ([`checks`]), since DuckDB's conversions would round or reinterpret
//! some values (`1.5` into an integer, a third decimal into DECIMAL(18,2));
//! when a check fails, a second pass finds the offending lines.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod checks;
mod rejects;

use checks::Reading;
pub(super) use checks::{bad_value, checked, format_shape};

use rejects::{find_bad_values, reader_error, reject_report};

use super::problems::{NamesFrom, check_declared};
use super::scan::{self, Dialect, LineEnding};
use super::shapes::{ColumnShape, Shapes, first_values};
use super::{Input, Loaded, ReadableFile, TypeNote, infer};
use crate::engine::{Database, quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::project::{CsvOptions, Dataset};
use crate::sql_type::SqlType;

/// DuckDB stops recording rejected rows after this many.
pub(super) const REJECTS_LIMIT: usize = 1000;

/// The column layout of a CSV dataset: names in file order, and the type
/// each is loaded as (text for the columns whose type is inferred).
#[derive(Debug, Clone)]
pub struct Layout {
    pub columns: Vec<(String, SqlType)>,
    /// The columns not declared, whose types are inferred.
    pub inferred: Vec<String>,
    /// The columns DuckDB reads directly as their type: every value was
    /// seen to have its exact shape (see [`super::shapes`]).
    pub direct: Vec<String>,
}

impl CsvOptions {
    pub fn dialect(&self) -> Dialect {
        Dialect { delimiter: self.delimiter, quote: self.quote, escape: self.escape, skip: self.skip }
    }
}

/// Checks what the scan found, before DuckDB reads anything.
pub fn check_facts(shown: &Path, file: &ReadableFile, options: &CsvOptions) -> Result<(), Error> {
    let facts = &file.facts;
    let at = |line: u64| Location { line: Some(line as usize), ..Location::file(shown) };
    if facts.records == 0 && facts.bytes > 0 && options.skip > 0 {
        return Err(Error::project(format!(
            "{} has nothing below the {} lines skipped",
            shown.display(),
            options.skip
        ))
        .at(at(1))
        .help("skip counts the lines above the header: check it in laporan.toml"));
    }
    if facts.bytes == 0 || facts.records == 0 {
        let what = if options.header { "a header line" } else { "at least one line" };
        return Err(Error::project(format!("{} is empty", shown.display()))
            .at(at(1))
            .help(format!("a CSV file needs {what}; remove the file if the dataset has no data")));
    }
    if let Some(line) = facts.nul_line {
        return Err(Error::project(format!("{} contains a NUL byte, which is not text", shown.display()))
            .at(at(line))
            .help(if options.encoding.is_none() {
                "if the file is UTF-16 (some spreadsheet exports are), declare encoding = \"utf-16\" for the dataset in laporan.toml"
            } else {
                "remove the NUL bytes from the file"
            }));
    }
    if let Some(line) = facts.open_quote_line {
        return Err(Error::project(format!("{}: a quoted value is never closed", shown.display()))
            .at(at(line))
            .help("the quote opened on this line runs to the end of the file: close it, or double a quote inside a value (\"\")"));
    }
    if let (Some(first), Some((line, other))) = (facts.line_ending, facts.mixed_ending_line)
        && !facts.crlf_and_lf()
    {
        if let Some(cr) = facts.cr_line
            && first != LineEnding::Cr
        {
            return Err(Error::project(format!(
                "{}: line {cr} ends with a carriage return (CR) alone",
                shown.display()
            ))
            .at(at(cr))
            .note(format!("the file's lines end with {}; a CR alone, outside quotes, is neither", first.name()))
            .help("remove the stray CR from the line, or quote the value it belongs to"));
        }
        return Err(Error::project(format!("{} mixes line endings", shown.display()))
            .at(at(line))
            .note(format!("this line ends with {}, the first line with {}", other.name(), first.name()))
            .help("save the file with one kind of line ending"));
    }
    if let Some(line) = facts.blank_line {
        return Err(Error::project(format!("{}: line {line} is blank", shown.display()))
            .at(at(line))
            .help("a blank line is not a record: remove it (blank lines at the very end are fine)"));
    }
    Ok(())
}

/// Reads the header record: the column names, verbatim.
pub fn read_header(shown: &Path, path: &Path, options: &CsvOptions) -> Result<Vec<String>, Error> {
    use std::io::Read;
    let mut head = Vec::new();
    let file = std::fs::File::open(path).map_err(|e| Error::io("read", shown, e))?;
    // A header longer than 1 MiB is not a header.
    file.take(1 << 20).read_to_end(&mut head).map_err(|e| Error::io("read", shown, e))?;
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let fields = first_values(head, options);
    let line = options.skip as usize + 1;
    let mut names = Vec::with_capacity(fields.len());
    for (index, field) in fields.into_iter().enumerate() {
        let name = String::from_utf8(field).map_err(|_| {
            Error::project(format!("{}: the header is not valid UTF-8", shown.display()))
                .at(Location { line: Some(line), ..Location::file(shown) })
                .help(
                    "declare the file's encoding for the dataset in laporan.toml, such as encoding = \"windows-1252\"",
                )
        })?;
        let at_header = || Location::in_source(shown, &String::from_utf8_lossy(head), line, None);
        if name.is_empty() {
            return Err(Error::project(format!("{}: column {} of the header has no name", shown.display(), index + 1))
                .at(at_header())
                .help("give every column a name in the header line"));
        }
        if let Some(first) = names.iter().position(|n: &String| n.eq_ignore_ascii_case(&name)) {
            return Err(Error::project(format!(
                "{}: the header names column {} twice (columns {} and {})",
                shown.display(),
                name,
                first + 1,
                index + 1
            ))
            .at(at_header())
            .help("column names must be unique (SQL does not tell upper from lower case)"));
        }
        names.push(name);
    }
    Ok(names)
}

/// Matches the header (its names as the table has them) against the
/// declaration and decides how each column is read: a declared column as
/// its type, any other as text, for type inference.
pub fn layout(shown: &Path, header: Option<Vec<String>>, dataset: &Dataset) -> Result<Layout, Error> {
    let Some(names) = header else {
        let declared = dataset.columns.iter().flatten();
        let columns = declared.map(|c| (c.name.clone(), c.ty)).collect();
        return Ok(Layout { columns, inferred: Vec::new(), direct: Vec::new() });
    };
    let from = NamesFrom {
        place: "not in the file's header",
        have: "the header has",
        at: Location { line: Some(dataset.csv.skip as usize + 1), ..Location::file(shown) },
    };
    check_declared(dataset, names.iter().map(String::as_str), from)?;
    let inferred = names.iter().filter(|name| dataset.column(name).is_none()).cloned().collect();
    let columns = names
        .into_iter()
        .map(|name| {
            let ty = dataset.column(&name).map_or(SqlType::Varchar, |c| c.ty);
            (name, ty)
        })
        .collect();
    Ok(Layout { columns, inferred, direct: Vec::new() })
}

/// Loads a CSV dataset (see [`Input`]): declared columns as declared, the
/// others read as text and their types inferred ([`infer`]) from the
/// whole file.
pub fn load(input: &Input<'_>) -> Result<Loaded, Error> {
    let Input { db, table, dataset, files, shown, renamed } = *input;
    for file in files {
        check_facts(&shown(&file.file), file, &dataset.csv)?;
    }
    let header = if dataset.csv.header {
        let first = read_header(&shown(&files[0].file), &files[0].path, &dataset.csv)?;
        for file in &files[1..] {
            let names = read_header(&shown(&file.file), &file.path, &dataset.csv)?;
            if names != first {
                return Err(Error::project(format!(
                    "{} has a different header from {}",
                    shown(&file.file).display(),
                    shown(&files[0].file).display()
                ))
                .at(Location { line: Some(dataset.csv.skip as usize + 1), ..Location::file(shown(&file.file)) })
                .note(format!("expected: {}\n   found: {}", first.join(", "), names.join(", ")))
                .help("every file of a dataset folder has the same columns, in the same order"));
            }
        }
        Some(renamed(&shown(&files[0].file), first)?)
    } else {
        None
    };
    let layout = layout(&shown(&dataset.source), header, dataset)?;
    let formats = dataset.csv.date_formats.iter().map(|f| ("date_format", f));
    let formats = formats.chain(dataset.csv.timestamp_formats.iter().map(|f| ("timestamp_format", f)));
    for (key, (column, _)) in formats {
        if !layout.columns.iter().any(|(name, _)| name == column) {
            let names: Vec<&str> = layout.columns.iter().map(|(name, _)| name.as_str()).collect();
            return Err(Error::project(format!(
                "dataset {}: {key} names column {column}, which {} does not have",
                dataset.name,
                shown(&dataset.source).display()
            ))
            .at(Location { line: Some(dataset.csv.skip as usize + 1), ..Location::file(shown(&files[0].file)) })
            .note(format!("its columns: {}", names.join(", ")))
            .help(format!(
                "write the column's name as the table has it, in [datasets.{}] in laporan.toml",
                dataset.name
            )));
        }
    }
    let mut layout = layout;
    let undeclared = choose_types(input, &mut layout)?;
    let rows = load_into(db, table, files, &layout, &dataset.csv, shown)?;
    // The columns whose shapes did not tell, typed now that they are read.
    let later: Vec<_> = undeclared.iter().filter(|u| u.3.is_none()).map(|(c, f, s, _)| (c.as_str(), f, s)).collect();
    let mut decided = infer::by_format(db, table, &later)?.into_iter();
    let mut notes = Vec::new();
    for (column, _, _, inferred) in &undeclared {
        let nearly = match inferred {
            Some(inferred) => inferred.nearly.clone(),
            None => decided.next().and_then(|inferred| inferred.nearly),
        };
        if let Some(nearly) = nearly {
            notes.push(type_note(input, column, &nearly)?);
        }
    }
    Ok(Loaded { rows, notes, places: None })
}

/// A column not declared: its name, formats, shape, and its type when its
/// shape tells ([`infer::from_shape`]).
type Undeclared = (String, infer::Formats, ColumnShape, Option<infer::Inferred>);

/// Gives the columns not declared their types from the shapes the
/// pre-load pass saw (those it cannot tell stay text, for
/// [`infer::by_format`]), and marks every column whose values all have the
/// exact shape of its type to be read directly as that type.
fn choose_types(input: &Input<'_>, layout: &mut Layout) -> Result<Vec<Undeclared>, Error> {
    let Input { dataset, files, shown, .. } = *input;
    let shapes = Shapes::merged(files.iter().filter_map(|f| f.facts.shapes.as_ref()));
    let records: u64 = files.iter().map(|f| f.facts.records.saturating_sub(u64::from(dataset.csv.header))).sum();
    if files.iter().any(|f| f.facts.shapes.is_none()) || shapes.rows != records {
        return Err(Error::project(format!(
            "{}: laporan counted {records} records, and {} values per column",
            shown(&dataset.source).display(),
            shapes.rows
        ))
        .help("this is a bug in laporan's reading of the file: please report it with the file"));
    }
    let none = ColumnShape::default();
    let mut undeclared = Vec::new();
    for (index, (name, ty)) in layout.columns.iter_mut().enumerate() {
        let shape = shapes.columns.get(index).unwrap_or(&none);
        if layout.inferred.contains(name) {
            let own = |ty| dataset.csv.own_format(name, ty).is_some();
            let formats = infer::Formats {
                date: dataset.csv.format_of(name, SqlType::Date).map(str::to_owned),
                timestamp: dataset.csv.format_of(name, SqlType::Timestamp).map(str::to_owned),
                own: own(SqlType::Date) || own(SqlType::Timestamp),
            };
            let inferred = infer::from_shape(shape, &formats);
            if let Some(inferred) = &inferred {
                *ty = inferred.ty;
                layout.direct.push(name.clone());
            }
            undeclared.push((name.clone(), formats, shape.clone(), inferred));
        } else if matches!(checks::checked(name, "", *ty, &dataset.csv), Reading::Checked { .. })
            && dataset.csv.format_of(name, *ty).is_none()
            && infer::reads_directly(shape, *ty)
        {
            layout.direct.push(name.clone());
        }
    }
    Ok(undeclared)
}

/// Why `column` is text, with the line of its first value that is not of
/// the stricter type, and how to read it as that type.
fn type_note(input: &Input<'_>, column: &str, nearly: &infer::Nearly) -> Result<TypeNote, Error> {
    let Input { dataset, files, shown, .. } = *input;
    let rows: Vec<u64> = nearly.examples.iter().map(|(row, _)| *row).collect();
    let places = lines_of_rows(files, &dataset.csv, &rows, shown)?;
    let mut examples = Vec::new();
    let mut at = Location::file(shown(&dataset.source));
    for (position, ((_, value), (file, line))) in nearly.examples.iter().zip(places).enumerate() {
        let shown_file = shown(&files[file].file);
        if position == 0 {
            at = Location { line: Some(line as usize), ..Location::file(&shown_file) };
        }
        let place = if files.len() > 1 { format!("{}:{line}", shown_file.display()) } else { format!("line {line}") };
        examples.push((value.as_str(), place));
    }
    // Each text once, with its places: 'n/a' on lines 51, 52.
    let mut texts: Vec<(&str, Vec<String>)> = Vec::new();
    for (value, place) in examples {
        match texts.iter_mut().find(|(text, _)| *text == value) {
            Some((_, places)) => places.push(place.trim_start_matches("line ").to_owned()),
            None => texts.push((value, vec![place])),
        }
    }
    let listed: Vec<String> = texts
        .iter()
        .map(|(text, places)| {
            let places = places.join(", ");
            let places = if places.contains(", ") { places.replacen("line ", "lines ", 1) } else { places };
            format!("'{}' on {places}", super::problems::shorten(text, 40))
        })
        .collect();
    let why = if nearly.failing == 1 {
        format!("{} is not {} (1 of {} values)", listed.join(""), nearly.what, nearly.values)
    } else {
        format!("{} of {} values are not {}, such as {}", nearly.failing, nearly.values, nearly.what, listed.join("; "))
    };
    // When the few texts are all known, NULL is what they most likely mean.
    let texts: Vec<&str> = texts.iter().map(|(text, _)| *text).collect();
    let fix = if nearly.distinct as usize == texts.len() && texts.iter().all(|t| t.chars().count() <= 20) {
        let nulls: Vec<String> = dataset.csv.nulls.iter().map(String::as_str).chain(texts).map(toml_string).collect();
        format!(
            "to read it as {}, set null = [{}] for [datasets.{}] in laporan.toml",
            nearly.would_be,
            nulls.join(", "),
            dataset.name
        )
    } else {
        format!(
            "to read it as {0}, correct those values, or declare {1} = \"{0}\" under [datasets.{2}.columns] and the load lists each of them",
            nearly.would_be, column, dataset.name
        )
    };
    Ok(TypeNote { column: column.to_owned(), why, fix, rare: nearly.failing * 100 < nearly.values, at })
}

/// The file and line of each of `rows` of a dataset's table (counted from
/// 0 across its files, in order): the files' records give each its file
/// and record, and one reading of each file the records' lines.
pub fn lines_of_rows(
    files: &[ReadableFile],
    options: &CsvOptions,
    rows: &[u64],
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<(usize, u64)>, Error> {
    let header = u64::from(options.header);
    let records: Vec<(usize, u64)> = rows
        .iter()
        .map(|&row| {
            let mut first = 0;
            for (index, file) in files.iter().enumerate() {
                let count = file.facts.records.saturating_sub(header);
                if row < first + count || index + 1 == files.len() {
                    return (index, row - first + header);
                }
                first += count;
            }
            (0, row + header)
        })
        .collect();
    let mut lines = vec![(0, 0); rows.len()];
    for (index, file) in files.iter().enumerate() {
        let wanted: Vec<u64> = records.iter().filter(|(f, _)| *f == index).map(|(_, record)| *record).collect();
        if wanted.is_empty() {
            continue;
        }
        let found = scan::record_lines(&file.path, options.dialect(), &wanted)
            .map_err(|e| Error::io("read", &shown(&file.file), e))?;
        for (place, (f, record)) in lines.iter_mut().zip(&records) {
            if *f == index {
                let line = found.iter().find(|(r, _)| r == record).map_or(0, |(_, line)| *line);
                *place = (index, line);
            }
        }
    }
    Ok(lines)
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    toml_edit::Value::from(text).to_string().trim().to_owned()
}

/// The `read_csv(…)` call for `files` with `layout`.
pub(super) fn read_csv_sql(
    files: &[ReadableFile],
    layout: &Layout,
    options: &CsvOptions,
    store_rejects: bool,
) -> String {
    let paths: Vec<String> = files.iter().map(|f| quote_literal(&f.path.to_string_lossy())).collect();
    let columns: Vec<String> = layout
        .columns
        .iter()
        .map(|(name, ty)| {
            let read_as = match layout.reading(name, "", *ty, options) {
                Reading::Direct => *ty,
                Reading::Checked { .. } => SqlType::Varchar,
            };
            format!("{}: {}", quote_literal(name), quote_literal(&read_as.to_string()))
        })
        .collect();
    let byte = |b: u8| quote_literal(&(b as char).to_string());
    let mut sql = format!(
        "read_csv([{}], columns = {{{}}}, header = {}, auto_detect = false, delim = {}, quote = {}, escape = {}, \
         strict_mode = true, null_padding = false, allow_quoted_nulls = false, encoding = 'utf-8', \
         nullstr = [{}], decimal_separator = {}",
        paths.join(", "),
        columns.join(", "),
        options.header,
        byte(options.delimiter),
        byte(options.quote),
        byte(options.escape),
        std::iter::once(String::new())
            .chain(options.nulls.iter().cloned())
            .map(|n| quote_literal(&n))
            .collect::<Vec<_>>()
            .join(", "),
        byte(options.decimal_separator),
    );
    if let Some(thousands) = options.thousands_separator {
        let _ = write!(sql, ", thousands = {}", byte(thousands));
    }
    if options.skip > 0 {
        let _ = write!(sql, ", skip = {}", options.skip);
    }
    if let Some(size) = options.max_line_size {
        let _ = write!(sql, ", max_line_size = {size}");
    }
    if store_rejects {
        let _ = write!(
            sql,
            ", store_rejects = true, rejects_table = 'laporan_rejects', rejects_scan = 'laporan_reject_scans', rejects_limit = {REJECTS_LIMIT}"
        );
    }
    sql.push(')');
    sql
}

/// `SELECT` list converting checked columns, stopping on a bad value (see
/// [`checks`]). Each value is cast once.
fn select_list(layout: &Layout, options: &CsvOptions) -> String {
    layout
        .columns
        .iter()
        .map(|(name, ty)| {
            let column = quote_ident(name);
            checks::select(&layout.reading(name, &column, *ty, options), &column, name)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Loads `files` into `table` (a qualified, quoted name). Returns the rows.
pub fn load_into(
    db: &Database,
    table: &str,
    files: &[ReadableFile],
    layout: &Layout,
    options: &CsvOptions,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<u64, Error> {
    db.batch("DROP TABLE IF EXISTS temp.laporan_rejects; DROP TABLE IF EXISTS temp.laporan_reject_scans;")
        .map_err(|e| e.while_trying("prepare the load"))?;
    let sql = format!(
        "CREATE OR REPLACE TABLE {table} AS SELECT {} FROM {}",
        select_list(layout, options),
        read_csv_sql(files, layout, options, true)
    );
    if let Err(err) = db.batch(&sql) {
        if err.0.contains("laporan: bad value in column") {
            return Err(find_bad_values(db, files, layout, options, shown));
        }
        return Err(reader_error(files, &err.0, shown));
    }
    reject_report(db, files, layout, options, shown)?;
    let rows = db.count(&format!("SELECT count(*) FROM {table}")).map_err(|e| e.while_trying("count rows"))?;
    let expected: u64 = files.iter().map(|f| f.facts.records.saturating_sub(u64::from(options.header))).sum();
    if rows != expected {
        return Err(Error::project(format!(
            "{}: the file has {expected} records but {rows} were read",
            files.iter().map(|f| shown(&f.file).display().to_string()).collect::<Vec<_>>().join(", ")
        ))
        .help("this is a bug in laporan's reading of the file: please report it with the file"));
    }
    Ok(rows)
}
