//! Reading CSV strictly: the header checked against the schema, every value
//! converted or the load refused, every problem placed on its line.
//!
//! DuckDB reads the file with a fixed dialect and explicit columns (nothing
//! sniffed), recording rejected rows with `store_rejects`. Two conversions
//! DuckDB's reader would make silently are done here instead: a value with
//! more decimals than its DECIMAL column allows (DuckDB rounds) and a
//! fractional value in an integer column (DuckDB rounds too). Such columns
//! are read as text and cast in the query with a check; when the check
//! fails, a second pass finds the offending lines.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::ReadableFile;
use super::problems::{MAX_LISTED, NamesFrom, Problem, check_declared, report, shorten};
use super::scan::{self, Dialect, LineEnding, first_record};
use crate::engine::{Database, quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::project::{CsvOptions, Dataset};
use crate::sql_type::SqlType;

/// DuckDB stops recording rejected rows after this many.
const REJECTS_LIMIT: usize = 1000;

/// The column layout of a CSV dataset: names in file order, and the type
/// each is loaded as.
#[derive(Debug, Clone)]
pub struct Layout {
    pub columns: Vec<(String, SqlType)>,
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
    let fields = first_record(scan::skip_lines(head, options.skip), options.dialect());
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

/// Matches the header against the declaration and decides how each column
/// is read. Without a declaration every column is read as text, for type
/// inference.
pub fn layout(shown: &Path, header: Option<Vec<String>>, dataset: &Dataset) -> Result<Layout, Error> {
    let Some(declared) = &dataset.columns else {
        let names = header.expect("an undeclared dataset has a header");
        return Ok(Layout { columns: names.into_iter().map(|n| (n, SqlType::Varchar)).collect() });
    };
    let Some(names) = header else {
        return Ok(Layout { columns: declared.iter().map(|c| (c.name.clone(), c.ty)).collect() });
    };
    let from = NamesFrom {
        place: "not in the file's header",
        have: "the header has",
        at: Location { line: Some(1), ..Location::file(shown) },
    };
    check_declared(dataset, names.iter().map(String::as_str), from)?;
    let columns = names
        .into_iter()
        .map(|name| {
            let ty = dataset.column(&name).expect("checked above").ty;
            (name, ty)
        })
        .collect();
    Ok(Layout { columns })
}

/// How a declared type is read from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// DuckDB's reader converts it strictly (text, booleans, dates in a
    /// declared format, …).
    Direct,
    /// Read as text, its shape checked, then cast: numbers (DuckDB's casts
    /// round), and ISO dates and times (they drop an offset or a time).
    Checked,
}

fn reading(ty: SqlType, options: &CsvOptions) -> Reading {
    let declared_format = match ty {
        SqlType::Date => options.date_format.is_some(),
        SqlType::Timestamp | SqlType::TimestampTz => options.timestamp_format.is_some(),
        _ => false,
    };
    if ty.is_number() || (ty.iso_shape().is_some() && !declared_format) { Reading::Checked } else { Reading::Direct }
}

/// The regular expression a checked column's text must match in full
/// (`None` for floating point, which only has to convert).
fn shape(ty: SqlType, options: &CsvOptions) -> Option<String> {
    match ty.iso_shape() {
        Some(shape) => Some(shape.to_owned()),
        None => number_shape(ty.scale(), options),
    }
}

/// The expression cast to a checked column's type: numbers with their
/// separators normalised, dates and times as they are.
fn cast_input(column: &str, ty: SqlType, options: &CsvOptions) -> String {
    if ty.is_number() { normalised(column, options) } else { column.to_owned() }
}

/// The `read_csv(…)` call for `files` with `layout`.
fn read_csv_sql(files: &[ReadableFile], layout: &Layout, options: &CsvOptions, store_rejects: bool) -> String {
    let paths: Vec<String> = files.iter().map(|f| quote_literal(&f.path.to_string_lossy())).collect();
    let columns: Vec<String> = layout
        .columns
        .iter()
        .map(|(name, ty)| {
            let read_as = match reading(*ty, options) {
                Reading::Direct => *ty,
                Reading::Checked => SqlType::Varchar,
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
    if let Some(format) = &options.date_format {
        let _ = write!(sql, ", dateformat = {}", quote_literal(format));
    }
    if let Some(format) = &options.timestamp_format {
        let _ = write!(sql, ", timestampformat = {}", quote_literal(format));
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

/// A text value as a number: separators normalised to `1234.5`.
fn normalised(column: &str, options: &CsvOptions) -> String {
    let mut expr = column.to_owned();
    if let Some(t) = options.thousands_separator {
        expr = format!("replace({expr}, {}, '')", quote_literal(&(t as char).to_string()));
    }
    if options.decimal_separator == b',' {
        expr = format!("replace({expr}, ',', '.')");
    }
    expr
}

/// The regular expression a checked column's text must match in full: plain
/// digits with an optional sign, the declared separators, no more decimals
/// than the scale; no exponent, hex, binary or `_`, which DuckDB's casts
/// would accept and round or reinterpret. `None` for floating point.
fn number_shape(scale: Option<u32>, options: &CsvOptions) -> Option<String> {
    let scale = scale?;
    let class = |c: u8| match c {
        b']' | b'\\' | b'^' | b'-' => format!("[\\{}]", c as char),
        _ => format!("[{}]", c as char),
    };
    let whole = match options.thousands_separator {
        Some(t) => format!("([0-9]{{1,3}}({}[0-9]{{3}})+|[0-9]+)", class(t)),
        None => "[0-9]+".to_owned(),
    };
    let number = if scale == 0 {
        whole
    } else {
        let point = class(options.decimal_separator);
        format!("({whole}({point}[0-9]{{0,{scale}}})?|{point}[0-9]{{1,{scale}}})")
    };
    Some(format!(" *[+-]?{number} *"))
}

/// The SQL condition that a floating-point column's text is a number too
/// small for the type, which the cast would turn into 0 (`1e-400` in a
/// DOUBLE): a digit that is not zero before any exponent, and a zero.
fn underflow(column: &str, ty: SqlType, options: &CsvOptions) -> String {
    format!(
        "(TRY_CAST({} AS {ty}) = 0 AND regexp_matches(regexp_replace({column}, '[eE].*$', ''), '[1-9]'))",
        normalised(column, options)
    )
}

/// The SQL condition that a checked column's text is NOT acceptable (for
/// finding the bad values after a load stopped).
pub(super) fn bad_value(column: &str, ty: SqlType, options: &CsvOptions) -> Option<String> {
    if reading(ty, options) == Reading::Direct {
        return None;
    }
    let cast_fails = format!("TRY_CAST({} AS {ty}) IS NULL", cast_input(column, ty, options));
    Some(match shape(ty, options) {
        Some(shape) => format!("(NOT regexp_full_match({column}, {}) OR {cast_fails})", quote_literal(&shape)),
        None => format!("({cast_fails} OR {})", underflow(column, ty, options)),
    })
}

/// `SELECT` list converting checked columns, stopping on a bad value. Each
/// value is cast once: the shape check is textual, and a failed cast (an
/// overflow) stops the load too.
fn select_list(layout: &Layout, options: &CsvOptions) -> String {
    layout
        .columns
        .iter()
        .map(|(name, ty)| {
            let column = quote_ident(name);
            if reading(*ty, options) == Reading::Direct {
                return column;
            }
            let stop = format!("error({})", quote_literal(&format!("laporan: bad value in column {name}")));
            let cast = format!("coalesce(TRY_CAST({} AS {ty}), {stop})", cast_input(&column, *ty, options));
            match shape(*ty, options) {
                Some(shape) => format!(
                    "CASE WHEN {column} IS NULL THEN NULL WHEN NOT regexp_full_match({column}, {}) THEN {stop} ELSE {cast} END AS {column}",
                    quote_literal(&shape)
                ),
                None => format!(
                    "CASE WHEN {column} IS NULL THEN NULL WHEN {} THEN {stop} ELSE {cast} END AS {column}",
                    underflow(&column, *ty, options)
                ),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Loads `files` into `table` (a qualified, quoted name; with `temp` a
/// temporary table's plain name). Returns the rows.
pub fn load_into(
    db: &Database,
    table: &str,
    temp: bool,
    files: &[ReadableFile],
    layout: &Layout,
    options: &CsvOptions,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<u64, Error> {
    db.batch("DROP TABLE IF EXISTS temp.laporan_rejects; DROP TABLE IF EXISTS temp.laporan_reject_scans;")
        .map_err(|e| e.while_trying("prepare the load"))?;
    let sql = format!(
        "CREATE OR REPLACE {}TABLE {table} AS SELECT {} FROM {}",
        if temp { "TEMP " } else { "" },
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

/// A value for a message: quoted and shortened.
fn quoted(value: &str) -> String {
    if value.is_empty() { "\"\" (empty text)".to_owned() } else { format!("'{}'", shorten(value, 40)) }
}

fn expected_text(ty: SqlType, options: &CsvOptions) -> String {
    ty.expected(options.date_format.as_deref(), options.timestamp_format.as_deref())
}

/// Lists what DuckDB's reader rejected, if anything.
fn reject_report(
    db: &Database,
    files: &[ReadableFile],
    layout: &Layout,
    options: &CsvOptions,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<(), Error> {
    let rows = db
        .rows(
            "SELECT e.file_id, e.line, e.column_idx, e.error_type::VARCHAR, e.csv_line, e.error_message, \
             (SELECT count(DISTINCT (file_id, line)) FROM temp.laporan_rejects) \
             FROM temp.laporan_rejects e QUALIFY row_number() OVER (PARTITION BY e.file_id, e.line ORDER BY e.column_idx) = 1 \
             ORDER BY e.file_id, e.line LIMIT 10",
            &[],
            |row| {
                Ok((
                    row.int(0)? as u64,
                    row.int(1)? as u64,
                    row.opt_int(2)?.map(|c| c as u64),
                    row.text(3)?,
                    row.opt_text(4)?,
                    row.text(5)?,
                    row.int(6)?,
                ))
            },
        )
        .map_err(|e| e.while_trying("read rejected rows"))?;
    let Some(total) = rows.first().map(|r| r.6 as usize) else { return Ok(()) };
    // DuckDB's `line` counts records (the header included), not lines: a
    // quoted value over two lines earlier in the file would make it one
    // low. The line each record starts on, per file.
    let mut starts: std::collections::HashMap<u64, Vec<(u64, u64)>> = std::collections::HashMap::new();
    for file_id in rows.iter().map(|r| r.0).collect::<std::collections::BTreeSet<_>>() {
        let Some(file) = files.get(file_id as usize) else { continue };
        // DuckDB counts the lines skipped above the header too.
        let records: Vec<u64> =
            rows.iter().filter(|r| r.0 == file_id).map(|r| r.1.saturating_sub(1 + options.skip)).collect();
        let lines = scan::record_lines(&file.path, options.dialect(), &records)
            .map_err(|e| Error::io("read", &shown(&file.file), e))?;
        starts.insert(file_id, lines);
    }
    let line_of = |file_id: u64, line: u64| {
        starts
            .get(&file_id)
            .and_then(|l| l.iter().find(|(r, _)| *r + 1 + options.skip == line))
            .map_or(line, |(_, l)| *l)
    };
    let columns = layout.columns.len();
    let mut miscounted: Option<(usize, String)> = None;
    let problems: Vec<Problem> = rows
        .into_iter()
        .map(|(file_id, line, column, kind, csv_line, message, _)| {
            let line = line_of(file_id, line);
            // DuckDB's copy of a line after a CRLF one starts with that
            // line's LF: not part of this line.
            let csv_line = csv_line.map(|l| l.trim_start_matches(['\r', '\n']).to_owned());
            let file = files.get(file_id as usize).map(|f| shown(&f.file)).unwrap_or_default();
            // DuckDB numbers columns from 1 here.
            let column = column.and_then(|c| c.checked_sub(1));
            let column_name = column.and_then(|c| layout.columns.get(c as usize)).map(|(n, t)| (n.clone(), *t));
            let value = csv_line.as_deref().zip(column).and_then(|(l, c)| {
                let fields = first_record(l.as_bytes(), options.dialect());
                fields.get(c as usize).map(|f| String::from_utf8_lossy(f).into_owned())
            });
            let found = |line: &str| first_record(line.as_bytes(), options.dialect()).len();
            let text = match (kind.as_str(), &column_name, &value) {
                ("CAST", Some((name, ty)), Some(value)) => {
                    format!("column {name}: {} is not {}", quoted(value), expected_text(*ty, options))
                }
                ("TOO MANY COLUMNS" | "MISSING COLUMNS", _, _) => {
                    if let Some(line) = &csv_line
                        && miscounted.is_none()
                    {
                        miscounted = Some((file_id as usize, line.clone()));
                    }
                    let expected = if options.header {
                        format!("the header has {columns}")
                    } else {
                        format!("laporan.toml declares {columns} columns")
                    };
                    format!(
                        "{} fields where {expected}",
                        csv_line.as_deref().map(found).map_or("a different number of".to_owned(), |n| n.to_string())
                    )
                }
                ("UNQUOTED VALUE", _, _) => {
                    "a quoted value is not closed, or text follows its closing quote".to_owned()
                }
                ("INVALID ENCODING", _, _) => {
                    "not valid UTF-8: declare the file's encoding in laporan.toml, such as encoding = \"windows-1252\""
                        .to_owned()
                }
                ("LINE SIZE OVER MAXIMUM", _, _) => format!(
                    "the line is longer than {} bytes: declare a larger max_line_size for the dataset in laporan.toml",
                    options.max_line_size.unwrap_or(2_000_000)
                ),
                _ => message.lines().next().unwrap_or_default().to_owned(),
            };
            Problem { file, line, text, source_line: csv_line }
        })
        .collect();
    let error = report(problems, total, total >= REJECTS_LIMIT, "line");
    let hint = miscounted.and_then(|(file, line)| {
        let header = header_line(&files.get(file)?.file, options.skip)?;
        delimiter_hint(&header, line.as_bytes(), options)
    });
    Err(match hint {
        Some(hint) => error.note(hint),
        None => error,
    })
}

/// The line of `path` after the `skip` lines above the header (read up to
/// 64 KiB), without its line end.
fn header_line(path: &Path, skip: u64) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let mut head = Vec::new();
    std::fs::File::open(path).ok()?.take(64 * 1024).read_to_end(&mut head).ok()?;
    let head = scan::skip_lines(&head, skip);
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let mut line = head[..end].to_vec();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Some(line)
}

/// When the header and a line with the wrong number of fields split into
/// the same number of fields (more than one) on another common delimiter,
/// that is most likely the file's: say which, and how to declare it.
fn delimiter_hint(header: &[u8], line: &[u8], options: &CsvOptions) -> Option<String> {
    [b';', b'\t', b'|', b','].into_iter().filter(|&d| d != options.delimiter).find_map(|delimiter| {
        let with = CsvOptions { delimiter, ..options.clone() };
        let fields = first_record(header, with.dialect()).len();
        (fields > 1 && first_record(line, with.dialect()).len() == fields).then(|| {
            let shown = if delimiter == b'\t' { "\\t".to_owned() } else { (delimiter as char).to_string() };
            format!(
                "the header and this line both split into {fields} fields on '{shown}': if that is the file's \
                     delimiter, declare it in laporan.toml: [datasets.NAME] delimiter = \"{shown}\""
            )
        })
    })
}

/// A reader failure without rejected rows (an invalid state, an I/O error).
fn reader_error(files: &[ReadableFile], text: &str, shown: &dyn Fn(&Path) -> PathBuf) -> Error {
    let summary = text.lines().next().unwrap_or_default().trim();
    let files_shown: Vec<String> = files.iter().map(|f| shown(&f.file).display().to_string()).collect();
    Error::project(format!("cannot read {}", files_shown.join(", ")))
        .note(summary.to_owned())
        .help("check that the file is a CSV file in the declared dialect")
}

/// After a checked cast stopped the load: finds the offending values and
/// their lines. The load's transaction is aborted by then, so this reads the
/// file again on a connection of its own. Lines DuckDB rejects (the wrong
/// number of fields, say) are reported instead, if there are any: a
/// rejected line would shift the rows after it, and the file's structure
/// comes before its values.
fn find_bad_values(
    load_db: &Database,
    files: &[ReadableFile],
    layout: &Layout,
    options: &CsvOptions,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Error {
    let attempt = || -> Result<Error, Error> {
        let db = &load_db.try_clone()?;
        let checked: Vec<(usize, &str, SqlType, String)> = layout
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, (name, ty))| {
                bad_value(&quote_ident(name), *ty, options).map(|bad| (i, name.as_str(), *ty, bad))
            })
            .collect();
        let mut problems = Vec::new();
        let mut total = 0;
        for (file_index, file) in files.iter().enumerate() {
            db.batch(&format!(
                "DROP TABLE IF EXISTS temp.laporan_rejects; DROP TABLE IF EXISTS temp.laporan_reject_scans; \
                 CREATE OR REPLACE TEMP TABLE laporan_diagnose AS SELECT * FROM {}",
                read_csv_sql(std::slice::from_ref(file), layout, options, true)
            ))
            .map_err(|e| e.while_trying("re-read the file"))?;
            if let Err(rejected) = reject_report(db, std::slice::from_ref(file), layout, options, shown) {
                return Ok(rejected);
            }
            for (_, name, ty, bad) in &checked {
                let column = quote_ident(name);
                let found = db
                    .rows(
                        &format!(
                            "SELECT rowid - (SELECT min(rowid) FROM temp.laporan_diagnose), {column}, count(*) OVER () \
                             FROM temp.laporan_diagnose WHERE {column} IS NOT NULL AND {bad} ORDER BY rowid LIMIT {MAX_LISTED}"
                        ),
                        &[],
                        |row| Ok((row.int(0)?, row.text(1)?, row.int(2)?)),
                    )
                    .map_err(|e| e.while_trying("find bad values"))?;
                total += found.first().map_or(0, |f| f.2 as usize);
                let records: Vec<u64> =
                    found.iter().map(|(rowid, _, _)| *rowid as u64 + u64::from(options.header)).collect();
                let lines = scan::record_lines(&file.path, options.dialect(), &records)
                    .map_err(|e| Error::io("read", &shown(&file.file), e))?;
                for ((rowid, value, _), record) in found.iter().zip(&records) {
                    let line = lines.iter().find(|(r, _)| r == record).map_or(0, |(_, l)| *l);
                    problems.push((
                        file_index,
                        line,
                        *rowid,
                        Problem {
                            file: shown(&file.file),
                            line,
                            text: format!("column {name}: {} is not {}", quoted(value), expected_text(*ty, options)),
                            source_line: None,
                        },
                    ));
                }
            }
        }
        db.batch("DROP TABLE IF EXISTS temp.laporan_diagnose").map_err(|e| e.while_trying("clean up"))?;
        problems.sort_by_key(|(file, line, _, _)| (*file, *line));
        let problems: Vec<Problem> = problems.into_iter().map(|(_, _, _, p)| p).collect();
        if problems.is_empty() {
            return Ok(Error::project("a value could not be converted, but laporan could not find it")
                .help("this is a bug in laporan: please report it with the file"));
        }
        Ok(report(problems, total, false, "line"))
    };
    attempt().unwrap_or_else(|e| e)
}
