//! What a CSV load that failed reports: the lines DuckDB's reader rejected
//! (its record numbers turned into the file's lines, with a hint when the
//! delimiter looks wrong), and the values a checked cast refused, found by
//! reading the file again.

use std::path::{Path, PathBuf};

use super::checks::bad_value;
use super::{Layout, REJECTS_LIMIT, read_csv_sql};
use crate::engine::{Database, quote_ident};
use crate::error::Error;
use crate::load::ReadableFile;
use crate::load::problems::{MAX_LISTED, Problem, report, shorten};
use crate::load::scan::{self, first_record};
use crate::load::shapes::count_values;
use crate::project::CsvOptions;
use crate::sql_type::SqlType;

/// A value for a message: quoted and shortened.
fn quoted(value: &str) -> String {
    if value.is_empty() { "\"\" (empty text)".to_owned() } else { format!("'{}'", shorten(value, 40)) }
}

fn expected_text(name: &str, ty: SqlType, options: &CsvOptions) -> String {
    let format = options.format_of(name, ty);
    ty.expected(format, format)
}

/// Lists what DuckDB's reader rejected, if anything.
pub(super) fn reject_report(
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
            let found = |line: &str| count_values(line.as_bytes(), options);
            let text = match (kind.as_str(), &column_name, &value) {
                ("CAST", Some((name, ty)), Some(value)) => {
                    format!("column {name}: {} is not {}", quoted(value), expected_text(name, *ty, options))
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
pub(super) fn reader_error(files: &[ReadableFile], text: &str, shown: &dyn Fn(&Path) -> PathBuf) -> Error {
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
pub(super) fn find_bad_values(
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
                bad_value(&layout.reading(name, &quote_ident(name), *ty, options))
                    .map(|bad| (i, name.as_str(), *ty, bad))
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
                            text: format!(
                                "column {name}: {} is not {}",
                                quoted(value),
                                expected_text(name, *ty, options)
                            ),
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
