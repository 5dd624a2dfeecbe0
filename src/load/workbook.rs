//! Reading workbooks: `.xlsx`, `.xlsm`, `.xlsb`, `.xls` and `.ods`, through
//! the calamine crate (no DuckDB extension, nothing fetched).
//!
//! One sheet is one table: a workbook's only worksheet, or the one
//! `[datasets.NAME] sheet = "…"` names. Its header is the first row with
//! anything in it, after the `skip` rows above it (a title, a line of
//! units); its columns are every column with something in the header row
//! or below it, and each needs a header. Rows that are wholly empty are
//! left out. Cells keep their place: every message names the sheet and the
//! cell (`sheet "2024", cell C14`), whatever the sheet's used range.
//!
//! Values are what the workbook stores, never guessed from how they look:
//!
//! - A number keeps the digits Excel shows, 15 significant ones
//!   ([`excel_digits`]: 0.1 + 0.2 is 0.3), and a whole number is a whole
//!   number (BIGINT when inferred).
//! - A date cell is a DATE, with a time of day a TIMESTAMP, a time cell a
//!   TIME (Excel's 1900 and 1904 date systems; a serial outside Excel's
//!   calendar or its phantom 1900-02-29 is an error). An elapsed time
//!   (`[h]:mm:ss`) is text, as ISO 8601 (`PT1H30M`).
//! - A formula gives the value the workbook saved with it; a formula saved
//!   without one (as some generators write them) is an error, as is an
//!   error value (`#DIV/0!`, `#REF!`, `#N/A`), never a silent NULL.
//! - Text is text (a cell equal to one of `null = [...]` is NULL); an empty
//!   cell is NULL.
//!
//! Then the records load as all records laporan reads itself do
//! ([`super::records`]): declared types checked cell by cell, or the
//! narrowest exact types inferred.
//!
//! Two gaps of calamine are closed here: an `.xlsb` written with short
//! cell records (SheetJS writes them; calamine skips those cells without a
//! word) is refused, and an OpenDocument formula whose result is an error
//! (which calamine reads as its text) is an error.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use calamine::{
    Data, Dimensions, ExcelDateTime, Ods, Range, Reader, SheetType, Sheets, Xls, Xlsb, Xlsx, open_workbook,
};
use jiff::SignedDuration;
use jiff::civil::{Date, DateTime, Time};

use super::records::{Field, Kind, Origin, Place, Records, cell_name};
use super::{Input, Loaded};
use crate::error::{Error, Location};
use crate::project::Sheet as Chosen;

/// Loads a workbook dataset (see [`Input`]): one sheet of each file.
pub fn load(input: &Input<'_>) -> Result<Loaded, Error> {
    let Input { dataset, files, shown, renamed, .. } = *input;
    let shown_files: Vec<PathBuf> = files.iter().map(|f| shown(&f.file)).collect();
    let mut records = Records::new(Origin::Sheet);
    for (index, file) in files.iter().enumerate() {
        let shown = &shown_files[index];
        let sheet = Workbook::open(&file.path, shown)?.read(dataset.sheet.as_ref(), dataset.csv.skip)?;
        let names: Vec<String> = sheet.header.iter().map(|(name, _)| name.clone()).collect();
        let names = renamed(shown, names)?;
        if index == 0 {
            records.columns = names;
        } else if names != records.columns {
            return Err(Error::project(format!(
                "{}, sheet \"{}\" has a different header from {}",
                shown.display(),
                sheet.name,
                shown_files[0].display()
            ))
            .at(Location::file(shown))
            .note(format!("expected: {}\n   found: {}", records.columns.join(", "), names.join(", ")))
            .help("every workbook of a dataset folder has the same columns, in the same order"));
        }
        for (row, values) in sheet.rows {
            let fields = values
                .into_iter()
                .enumerate()
                .filter_map(|(column, value)| field(value, &dataset.csv.nulls).map(|f| (column, f)))
                .collect();
            records.rows.push(fields);
            records.places.push(Place::Row { file: index, row });
        }
        records.sheets.push((sheet.name, sheet.header.iter().map(|(_, at)| at.column).collect()));
    }
    super::records::load(input, records, &shown_files)
}

/// A cell's value as a field of the records; `None` for NULL.
fn field(value: Value, nulls: &[String]) -> Option<Field> {
    let (kind, text) = match value {
        Value::Null => return None,
        Value::Text(text) if nulls.contains(&text) => return None,
        Value::Text(text) => (Kind::Text, text),
        Value::Bool(b) => (Kind::Bool, b.to_string()),
        Value::Number(digits) => (Kind::Number, digits),
        Value::Date(date) => (Kind::Date, date.to_string()),
        Value::Timestamp(at) => (Kind::Timestamp, at.to_string()),
        Value::Time(time) => (Kind::Time, time.to_string()),
        Value::Duration(span) => (Kind::Text, span.to_string()),
    };
    Some(Field { kind, text, written: None })
}

/// A cell's place, counted from 0 (calamine's `(row, column)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    row: u32,
    column: u32,
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&cell_name(self.row, self.column))
    }
}

/// One cell's value, as the workbook stores it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    /// The digits Excel shows (see [`excel_digits`]).
    Number(String),
    Text(String),
    Date(Date),
    Timestamp(DateTime),
    Time(Time),
    Duration(SignedDuration),
}

/// A sheet read as a table: its name, its header (names and cells) and
/// its rows (the sheet row, counted from 0, and a value per column).
struct Sheet {
    name: String,
    header: Vec<(String, Cell)>,
    rows: Vec<(u32, Vec<Value>)>,
}

struct Workbook<'a> {
    /// As shown in messages.
    shown: &'a Path,
    book: Sheets<BufReader<File>>,
    is_1904: bool,
}

impl<'a> Workbook<'a> {
    fn open(path: &Path, shown: &'a Path) -> Result<Workbook<'a>, Error> {
        let cannot = |e: &dyn std::fmt::Display| {
            Error::project(format!("cannot read the workbook {}", shown.display()))
                .at(Location::file(shown))
                .note(e.to_string())
                .help("check that the file is a workbook saved by Excel or LibreOffice, and that its extension says which kind")
        };
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
        let book = match extension.as_str() {
            "xlsx" | "xlsm" => Sheets::Xlsx(open_workbook::<Xlsx<_>, _>(path).map_err(|e| cannot(&e))?),
            "xlsb" => {
                if xlsb_has_short_records(path).map_err(|e| cannot(&e))? {
                    return Err(Error::project(format!("cannot read the workbook {}", shown.display()))
                        .at(Location::file(shown))
                        .note("its cells are stored in the short form some programs (such as SheetJS) write, which the reader would skip")
                        .help("open it in Excel or LibreOffice and save it again, or save it as .xlsx"));
                }
                Sheets::Xlsb(open_workbook::<Xlsb<_>, _>(path).map_err(|e| cannot(&e))?)
            }
            "xls" => Sheets::Xls(open_workbook::<Xls<_>, _>(path).map_err(|e| cannot(&e))?),
            _ => Sheets::Ods(open_workbook::<Ods<_>, _>(path).map_err(|e| cannot(&e))?),
        };
        let is_1904 = match &book {
            Sheets::Xlsx(b) => b.has_1904_epoch(),
            Sheets::Xlsb(b) => b.has_1904_epoch(),
            Sheets::Xls(b) => b.has_1904_epoch(),
            // OpenDocument stores dates as ISO 8601 text.
            Sheets::Ods(_) => false,
        };
        Ok(Workbook { shown, book, is_1904 })
    }

    /// The worksheets, in the workbook's order (chart sheets left out).
    fn sheet_names(&self) -> Vec<String> {
        let sheets = self.book.sheets_metadata().iter();
        sheets.filter(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).collect()
    }

    /// Reads sheet `chosen` (without one, the only sheet), its header the
    /// first row with anything in it after the first `skip` rows.
    fn read(&mut self, chosen: Option<&Chosen>, skip: u64) -> Result<Sheet, Error> {
        let names = self.sheet_names();
        let listed =
            || format!("its sheets: {}", names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "));
        let name = match (chosen, names.as_slice()) {
            (Some(Chosen::Position(position)), _) => match names.get(position - 1) {
                Some(name) => name.clone(),
                None => {
                    return Err(self
                        .error(None, None, format!("has no sheet {position}: it has {}", names.len()))
                        .note(listed())
                        .help("sheet = N counts the worksheets from 1, in the order of their tabs"));
                }
            },
            (Some(Chosen::Name(chosen)), _) if names.iter().any(|n| n == chosen) => chosen.to_owned(),
            (Some(Chosen::Name(chosen)), _) => {
                return Err(self.error(None, None, format!("has no sheet \"{chosen}\""))
                    .note(listed())
                    .help("name one of its sheets in laporan.toml: sheet = \"…\" (the name as Excel shows it on the sheet's tab)"));
            }
            (None, [only]) => only.clone(),
            (None, []) => return Err(self.error(None, None, "has no worksheet".into())),
            (None, _) => {
                return Err(self
                    .error(None, None, format!("has {} sheets", names.len()))
                    .note(listed())
                    .help("say which one is the dataset's in laporan.toml: [datasets.NAME] sheet = \"…\" (its name) or sheet = 1 (the first)"));
            }
        };
        let failed = |this: &Self, e: calamine::Error| this.error(Some(&name), None, format!("cannot be read: {e}"));
        self.check_size(&name)?;
        let values = self.book.worksheet_range(&name).map_err(|e| failed(self, e))?;
        let formulas = self.book.worksheet_formula(&name).map_err(|e| failed(self, e))?;
        // calamine reads no merged cells from .xlsb or .ods: a header cell
        // merged across columns reads as empty there, and is refused so.
        let merged = match &mut self.book {
            Sheets::Xlsx(b) => b.merge_cells_by_sheet_name(&name).map_err(calamine::Error::Xlsx),
            Sheets::Xls(b) => b.merge_cells_by_sheet_name(&name).map_err(calamine::Error::Xls),
            Sheets::Xlsb(_) | Sheets::Ods(_) => Ok(Vec::new()),
        }
        .map_err(|e| failed(self, e))?;
        let is_ods = matches!(self.book, Sheets::Ods(_));
        let reader =
            SheetReader { book: self, sheet: &name, values: &values, formulas: &formulas, merged: &merged, is_ods };
        reader.table(skip)
    }

    /// Refuses a sheet whose used cells span more than [`MAX_CELLS`]: the
    /// reader holds a sheet as a grid from its first used cell to its last,
    /// and one stray cell at XFD1048576 (8 KB of file) would be a grid of
    /// 17 billion cells. The cells of an .xlsx or .xlsb are counted first,
    /// as they stream by; an .xls holds at most 16 million, and the
    /// OpenDocument reader limits itself.
    fn check_size(&mut self, name: &str) -> Result<(), Error> {
        let mut bounds: Option<(u32, u32, u32, u32)> = None;
        let mut add = |(row, column): (u32, u32)| {
            bounds = Some(match bounds {
                None => (row, row, column, column),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(column), c1.max(column)),
            });
        };
        let read: Result<(), String> = (|| {
            match &mut self.book {
                Sheets::Xlsx(book) => {
                    let mut cells = book.worksheet_cells_reader(name).map_err(|e| e.to_string())?;
                    while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
                        add(cell.get_position());
                    }
                }
                Sheets::Xlsb(book) => {
                    let mut cells = book.worksheet_cells_reader(name).map_err(|e| e.to_string())?;
                    while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
                        add(cell.get_position());
                    }
                }
                Sheets::Xls(_) | Sheets::Ods(_) => {}
            }
            Ok(())
        })();
        read.map_err(|e| self.error(Some(name), None, format!("cannot be read: {e}")))?;
        let Some((r0, r1, c0, c1)) = bounds else { return Ok(()) };
        let cells = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
        if cells <= MAX_CELLS {
            return Ok(());
        }
        let (first, last) = (Cell { row: r0, column: c0 }, Cell { row: r1, column: c1 });
        Err(self
            .error(Some(name), None, format!("spans {first}:{last}, {cells} cells, more than laporan reads ({MAX_CELLS})"))
            .help("delete what lies beyond the table (a stray value or format far below or to the right of it), or save the table on a sheet of its own"))
    }

    /// `data/budget.xlsx, sheet "2024", cell C14: {text}`.
    fn error(&self, sheet: Option<&str>, cell: Option<Cell>, text: String) -> Error {
        let mut place = self.shown.display().to_string();
        if let Some(sheet) = sheet {
            place.push_str(&format!(", sheet \"{sheet}\""));
        }
        if let Some(cell) = cell {
            place.push_str(&format!(", cell {cell}"));
        }
        let separator = if cell.is_some() { ":" } else { "" };
        Error::project(format!("{place}{separator} {text}")).at(Location::file(self.shown))
    }
}

struct SheetReader<'a> {
    book: &'a Workbook<'a>,
    sheet: &'a str,
    values: &'a Range<Data>,
    formulas: &'a Range<String>,
    merged: &'a [Dimensions],
    is_ods: bool,
}

impl SheetReader<'_> {
    fn error(&self, cell: Cell, text: String) -> Error {
        self.book.error(Some(self.sheet), Some(cell), text)
    }

    /// Both ranges are read by a cell's place on the sheet: they do not
    /// start at the same cell (an `.xlsx` leaves empty cells out, and a
    /// formula without a value is only among the formulas).
    fn data(&self, cell: Cell) -> &Data {
        static EMPTY: Data = Data::Empty;
        self.values.get_value((cell.row, cell.column)).unwrap_or(&EMPTY)
    }

    fn formula(&self, cell: Cell) -> Option<&str> {
        self.formulas.get_value((cell.row, cell.column)).map(String::as_str).filter(|f| !f.is_empty())
    }

    fn occupied(&self, cell: Cell) -> bool {
        !matches!(self.data(cell), Data::Empty) || self.formula(cell).is_some()
    }

    /// The rows and columns holding anything: (first row, last row, first
    /// column, last column).
    fn bounds(&self) -> Option<(u32, u32, u32, u32)> {
        let ranges = [self.values.start().zip(self.values.end()), self.formulas.start().zip(self.formulas.end())];
        ranges.into_iter().flatten().fold(None, |bounds, ((r0, c0), (r1, c1))| {
            Some(match bounds {
                None => (r0, r1, c0, c1),
                Some((a, b, c, d)) => (a.min(r0), b.max(r1), c.min(c0), d.max(c1)),
            })
        })
    }

    fn table(&self, skip: u64) -> Result<Sheet, Error> {
        let empty = || {
            let text =
                if skip == 0 { "is empty".to_owned() } else { format!("has nothing below the {skip} rows skipped") };
            self.book
                .error(Some(self.sheet), None, text)
                .help("a dataset's sheet holds a header row and the rows of data below it")
        };
        let (r0, r1, c0, c1) = self.bounds().ok_or_else(empty)?;
        let has_data = |row: u32| (c0..=c1).any(|column| self.occupied(Cell { row, column }));
        let first = r0.max(u32::try_from(skip).unwrap_or(u32::MAX));
        let header_row = (first..=r1).find(|&row| has_data(row)).ok_or_else(empty)?;
        // Every column with something in the header row or below it: an
        // empty column between two (a spacer) is no column.
        let columns: Vec<u32> =
            (c0..=c1).filter(|&column| (header_row..=r1).any(|row| self.occupied(Cell { row, column }))).collect();
        let header = self.header(header_row, &columns)?;
        let mut rows = Vec::new();
        for row in header_row + 1..=r1 {
            if !has_data(row) {
                continue;
            }
            let values = columns.iter().map(|&column| self.value(Cell { row, column }));
            rows.push((row, values.collect::<Result<Vec<_>, _>>()?));
        }
        Ok(Sheet { name: self.sheet.to_owned(), header, rows })
    }

    fn header(&self, row: u32, columns: &[u32]) -> Result<Vec<(String, Cell)>, Error> {
        let mut header: Vec<(String, Cell)> = Vec::new();
        let mut seen = HashSet::new();
        for &column in columns {
            let cell = Cell { row, column };
            if let Some(merge) = self.merged.iter().find(|m| m.contains(row, column) && m.start != m.end) {
                let start = Cell { row: merge.start.0, column: merge.start.1 };
                let end = Cell { row: merge.end.0, column: merge.end.1 };
                return Err(self
                    .error(start, format!("the header cells {start}:{end} are merged"))
                    .help("unmerge them and give each column its own name in the header row"));
            }
            let name = match self.value(cell)? {
                Value::Null => {
                    return Err(self.error(cell, "the header cell is empty, with data below it".into()).help(
                        "give the column a name in the header row (or skip the rows above the header: skip = N)",
                    ));
                }
                value => header_text(value),
            };
            // DuckDB does not tell upper from lower case in column names.
            let folded = name.to_lowercase();
            if !seen.insert(folded.clone()) {
                let (other, at) = header.iter().find(|(n, _)| n.to_lowercase() == folded).expect("seen");
                return Err(self
                    .error(cell, format!("the header {name} is already the name of column {at} ({other})"))
                    .help("give each column its own name (names do not tell upper from lower case)"));
            }
            header.push((name, cell));
        }
        Ok(header)
    }

    fn value(&self, cell: Cell) -> Result<Value, Error> {
        let bad_date = |why: String| self.error(cell, why).help("correct the cell in the workbook");
        Ok(match self.data(cell) {
            Data::Empty => match self.formula(cell) {
                Some(formula) => {
                    let formula = if self.is_ods {
                        formula.strip_prefix("of:").unwrap_or(formula).to_owned()
                    } else {
                        format!("={formula}")
                    };
                    return Err(self.error(cell, format!("the formula {formula} was saved without its value")).help(
                        "open the workbook in Excel or LibreOffice and save it, so that its formulas are computed",
                    ));
                }
                None => Value::Null,
            },
            Data::Error(error) => return Err(self.error_value(cell, &error.to_string())),
            // calamine reads an OpenDocument formula's error result as its text.
            Data::String(text) if self.is_ods && self.formula(cell).is_some() && is_error_text(text) => {
                return Err(self.error_value(cell, text));
            }
            Data::String(text) if text.is_empty() => Value::Null,
            Data::String(text) => Value::Text(text.clone()),
            Data::Bool(b) => Value::Bool(*b),
            Data::Int(i) => Value::Number(i.to_string()),
            Data::Float(f) => Value::Number(excel_digits(*f)),
            Data::DateTime(at) => excel_date_time(at, self.book.is_1904).map_err(bad_date)?,
            Data::DateTimeIso(text) => iso_date_time(text).map_err(bad_date)?,
            Data::DurationIso(text) => Value::Duration(
                text.parse::<SignedDuration>()
                    .map_err(|e| bad_date(format!("the duration {text} cannot be read: {e}")))?,
            ),
        })
    }

    fn error_value(&self, cell: Cell, error: &str) -> Error {
        self.error(cell, format!("the cell holds the error {error}")).help(
            "correct the formula (or the cells it uses) in the workbook; laporan does not load an error as a value",
        )
    }
}

fn header_text(value: Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => if b { "TRUE" } else { "FALSE" }.to_owned(),
        Value::Number(digits) => digits,
        Value::Text(text) => text.trim().to_owned(),
        Value::Date(date) => date.to_string(),
        Value::Timestamp(at) => at.to_string(),
        Value::Time(time) => time.to_string(),
        Value::Duration(span) => span.to_string(),
    }
}

/// The texts of spreadsheet errors (LibreOffice's own `Err:502` included).
fn is_error_text(text: &str) -> bool {
    matches!(text, "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!" | "#VALUE!")
        || text.strip_prefix("Err:").is_some_and(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A number as Excel shows it: 15 significant digits (a binary double
/// holds noise beyond them: 0.1 + 0.2 is 0.30000000000000004, shown 0.3),
/// without trailing zeros, written out in full for exponents from -18 to
/// 20 (so that it fits DECIMAL(38, s)) and as `1.5e300` beyond.
pub fn excel_digits(x: f64) -> String {
    if x == 0.0 {
        return "0".to_owned();
    }
    if !x.is_finite() {
        return x.to_string();
    }
    // A whole number a double holds exactly (below 2^53) keeps every digit:
    // a 16-digit identifier is not rounded to Excel's 15.
    if x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        return format!("{}", x as i64);
    }
    // Rounds the exact binary value to 15 significant digits, carrying into
    // the exponent (9.999…e5 → 1.00000000000000e6).
    let scientific = format!("{:.14e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e').expect("an exponent");
    let exponent: i32 = exponent.parse().expect("a whole exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let sign = if x < 0.0 { "-" } else { "" };
    if !(-18..=20).contains(&exponent) {
        let (head, tail) = digits.split_at(1);
        let point = if tail.is_empty() { "" } else { "." };
        return format!("{sign}{head}{point}{tail}e{exponent}");
    }
    let whole = exponent + 1;
    let body = if whole <= 0 {
        format!("0.{}{digits}", "0".repeat(whole.unsigned_abs() as usize))
    } else if whole as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(whole as usize - digits.len()))
    } else {
        let (int, fraction) = digits.split_at(whole as usize);
        format!("{int}.{fraction}")
    };
    format!("{sign}{body}")
}

/// The most cells a sheet's used range may span (see [`Workbook::check_size`]).
const MAX_CELLS: u64 = 30_000_000;

/// The first serial after 9999-12-31 in each date system.
const END_1900: f64 = 2_958_466.0;
const END_1904: f64 = END_1900 - 1462.0;

/// A date or time cell of Excel: a DATE when its time is midnight, a TIME
/// for a serial below 1 (a time of day), a TIMESTAMP otherwise; an elapsed
/// time as a duration.
fn excel_date_time(at: &ExcelDateTime, is_1904: bool) -> Result<Value, String> {
    let serial = at.as_f64();
    if at.is_duration() {
        return Ok(Value::Duration(SignedDuration::from_millis((serial * 86_400_000.0).round() as i64)));
    }
    let end = if is_1904 { END_1904 } else { END_1900 };
    if !(0.0..end).contains(&serial) {
        return Err(format!("the date {} is outside Excel's calendar (Excel shows it as ####)", excel_digits(serial)));
    }
    // calamine does the calendar arithmetic in both date systems, to the
    // millisecond.
    let (y, mo, d, h, mi, s, ms) = at.to_ymd_hms_milli();
    let time = Time::new(h as i8, mi as i8, s as i8, i32::from(ms) * 1_000_000).map_err(|e| e.to_string())?;
    if serial < 1.0 {
        // A time of day to the millisecond, never rounded into the next
        // day's 00:00:00 (23:59:59.9999 is 23:59:59.999).
        let ms = ((serial * 86_400_000.0).round() as i64).min(86_399_999);
        let (seconds, ms) = (ms / 1000, ms % 1000);
        let time =
            Time::new((seconds / 3600) as i8, (seconds / 60 % 60) as i8, (seconds % 60) as i8, ms as i32 * 1_000_000)
                .map_err(|e| e.to_string())?;
        return Ok(Value::Time(time));
    }
    // Only Excel's phantom 1900-02-29 (serial 60) is not a date.
    let date = Date::new(y as i16, mo as i8, d as i8).map_err(|_| {
        format!("{y:04}-{mo:02}-{d:02} is not a date (Excel's calendar has a 29 February 1900 that never was)")
    })?;
    Ok(if time == Time::midnight() { Value::Date(date) } else { Value::Timestamp(date.to_datetime(time)) })
}

/// An OpenDocument date (`2024-01-15`, `2024-01-15T08:30:00.25`), or an
/// `.xlsx` cell stored as ISO 8601 text. A date with a UTC offset is refused
/// (a TIMESTAMP has none); a trailing `Z` is read as it is.
fn iso_date_time(text: &str) -> Result<Value, String> {
    let local = text.strip_suffix('Z').unwrap_or(text);
    if local.split_once('T').is_some_and(|(_, time)| time.contains(['+', '-'])) {
        return Err(format!("the date {text} has a UTC offset, which a TIMESTAMP cannot keep"));
    }
    if !local.contains('T')
        && let Ok(date) = local.parse::<Date>()
    {
        return Ok(Value::Date(date));
    }
    match local.parse::<DateTime>() {
        Ok(at) if at.time() == Time::midnight() => Ok(Value::Date(at.date())),
        Ok(at) => Ok(Value::Timestamp(at)),
        Err(e) => Err(format!("the date {text} cannot be read: {e}")),
    }
}

/// Whether a worksheet of this `.xlsb` holds a short cell record (types
/// 0x0C to 0x12: a cell without its column, which is the previous cell's
/// plus one). Excel writes full records; calamine skips short ones.
fn xlsb_has_short_records(path: &Path) -> Result<bool, Box<dyn std::error::Error>> {
    let mut zip = zip::ZipArchive::new(BufReader::new(File::open(path)?))?;
    let parts: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/worksheets/") && n.ends_with(".bin"))
        .map(|n| n.into_owned())
        .collect();
    for part in parts {
        let mut bytes = Vec::new();
        zip.by_name(&part)?.read_to_end(&mut bytes)?;
        if record_types(&bytes).any(|kind| (0x0C..=0x12).contains(&kind)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The record types of an XLSB record stream ([MS-XLSB] 2.1.4: a type of
/// one or two bytes and a size of one to four, seven bits a byte, the high
/// bit saying another byte follows).
fn record_types(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let mut kind = u16::from(*bytes.get(i)? & 0x7F);
        if bytes[i] & 0x80 != 0 {
            i += 1;
            kind |= u16::from(*bytes.get(i)? & 0x7F) << 7;
        }
        i += 1;
        let mut size = 0usize;
        for shift in 0..4 {
            let byte = *bytes.get(i)?;
            i += 1;
            size |= usize::from(byte & 0x7F) << (7 * shift);
            if byte & 0x80 == 0 {
                break;
            }
        }
        i += size;
        Some(kind)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_the_digits_excel_shows() {
        assert_eq!(excel_digits(0.1 + 0.2), "0.3");
        assert_eq!(excel_digits(1e15), "1000000000000000");
        assert_eq!(excel_digits(123456789012345678.0), "123456789012346000", "beyond 2^53, Excel's 15 digits");
        assert_eq!(excel_digits(3201234567890123.0), "3201234567890123", "an exact whole number keeps its digits");
        assert_eq!(excel_digits(-0.0), "0");
        assert_eq!(excel_digits(1.0 / 3.0), "0.333333333333333");
        assert_eq!(excel_digits(-2.0 / 3.0), "-0.666666666666667");
        assert_eq!(excel_digits(2.5e-10), "0.00000000025");
        assert_eq!(excel_digits(42.0), "42");
        assert_eq!(excel_digits(-1234.5), "-1234.5");
        assert_eq!(excel_digits(999999.9999999999999), "1000000");
        assert_eq!(excel_digits(1e20), "100000000000000000000");
        assert_eq!(excel_digits(1e21), "1e21");
        assert_eq!(excel_digits(-1.5e300), "-1.5e300");
        assert_eq!(excel_digits(45306.35416666666), "45306.3541666667");
    }

    fn serial(value: f64, is_1904: bool) -> Result<Value, String> {
        excel_date_time(&ExcelDateTime::new(value, calamine::ExcelDateTimeType::DateTime, is_1904), is_1904)
    }

    #[test]
    fn serials_are_dates_in_both_date_systems() {
        use jiff::civil::{date, time};
        assert_eq!(serial(45306.0, false), Ok(Value::Date(date(2024, 1, 15))));
        assert_eq!(serial(43844.0, true), Ok(Value::Date(date(2024, 1, 15))), "the 1904 system");
        assert_eq!(serial(61.0, false), Ok(Value::Date(date(1900, 3, 1))));
        assert_eq!(serial(59.0, false), Ok(Value::Date(date(1900, 2, 28))));
        assert_eq!(serial(0.5, false), Ok(Value::Time(time(12, 0, 0, 0))));
        assert_eq!(serial(0.999999999, false), Ok(Value::Time(time(23, 59, 59, 999_000_000))), "not the next midnight");
        assert!(serial(60.0, false).unwrap_err().contains("29 February 1900"));
        assert!(serial(-1.0, false).unwrap_err().contains("outside"));
        assert!(serial(3e6, false).unwrap_err().contains("outside"));
        assert_eq!(serial(2958465.0, false), Ok(Value::Date(date(9999, 12, 31))));
        assert_eq!(serial(45306.35416666666, false), Ok(Value::Timestamp(date(2024, 1, 15).at(8, 30, 0, 0))));
    }

    #[test]
    fn iso_dates_are_local() {
        use jiff::civil::date;
        assert_eq!(iso_date_time("2024-01-15"), Ok(Value::Date(date(2024, 1, 15))));
        assert_eq!(iso_date_time("2024-01-15T00:00:00"), Ok(Value::Date(date(2024, 1, 15))));
        assert_eq!(
            iso_date_time("2024-01-15T08:30:00.25"),
            Ok(Value::Timestamp(date(2024, 1, 15).at(8, 30, 0, 250_000_000)))
        );
        assert!(iso_date_time("2024-01-15T08:30:00+02:00").is_err());
    }

    #[test]
    fn error_texts() {
        assert!(is_error_text("#DIV/0!"));
        assert!(is_error_text("Err:502"));
        assert!(!is_error_text("#hashtag"));
        assert!(!is_error_text("Err:5021"));
    }
}
