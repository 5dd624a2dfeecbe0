//! `xlsx` (`--export xlsx`): the data behind a report as one workbook,
//! `NAME.data/NAME.xlsx`, written by the rust_xlsxwriter crate. A first
//! sheet lists the query calls (sheet, query, rows, the parameters it ran
//! with, the query's description); then one sheet per call, named after its
//! query (shortened to Excel's 31 characters, `QUERY.2` for a second call,
//! never two alike), with a bold, frozen header row and typed cells:
//! integers and decimals as numbers showing their decimals, dates and
//! timestamps as dates, booleans as booleans, and text as text, never a
//! formula, whatever it starts with. An integer beyond 2^53, which a
//! spreadsheet's number would round, stays text. The same inputs and
//! `--as-of` give the same bytes: the workbook's creation time is the
//! build's, and the zip's entries carry a fixed time.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as CellFormat, Workbook, Worksheet, XlsxError};

use super::data::{exported_results, in_data_folder};
use super::{Output, has_extension};
use crate::error::Error;
use crate::params::format_decimal;
use crate::render::{Passes, RenderedReport};
use crate::value::{Cell, QueryResult};
use crate::write::OutputFile;

pub struct Xlsx;

impl Output for Xlsx {
    fn passes(&self) -> Passes {
        Passes::default()
    }

    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        let bytes = workbook(report).map_err(|e| {
            Error::project(format!("the workbook of report {} could not be written", report.name)).note(e.to_string())
        })?;
        Ok(vec![OutputFile { file_name: format!("{0}.data/{0}.xlsx", report.name), contents: bytes }])
    }

    fn owns(&self, file: &Path) -> bool {
        in_data_folder(file) && has_extension(file, "xlsx")
    }
}

/// The name of the first sheet, which lists the others.
const ABOUT: &str = "laporan";

/// Names no query's sheet takes: the first sheet's, and History, which
/// Excel keeps for itself.
const RESERVED: [&str; 2] = [ABOUT, "History"];

/// The most a cell holds (Excel's limit), in UTF-16 units as Excel counts.
const CELL_LIMIT: usize = 32_767;

/// The most rows a sheet holds, its header included.
const ROW_LIMIT: usize = 1_048_576;

/// `text`, or its beginning and a note of what was cut when Excel's cell
/// cannot hold it all (the CSV and JSON exports have it whole).
fn within_a_cell(text: String) -> String {
    let units: usize = text.chars().map(char::len_utf16).sum();
    if units <= CELL_LIMIT {
        return text;
    }
    let note = format!(" … [{} characters: the CSV and JSON exports have them all]", text.chars().count());
    let mut room = CELL_LIMIT - note.chars().map(char::len_utf16).sum::<usize>();
    let mut kept = String::new();
    for c in text.chars() {
        if c.len_utf16() > room {
            break;
        }
        room -= c.len_utf16();
        kept.push(c);
    }
    kept.push_str(&note);
    kept
}

/// A decimal without the zeros that end its fraction.
fn without_trailing_zeros(mut unscaled: i128, mut scale: u8) -> (i128, u8) {
    while scale > 0 && unscaled % 10 == 0 {
        unscaled /= 10;
        scale -= 1;
    }
    (unscaled, scale)
}

/// The largest integer a spreadsheet's number holds exactly.
const EXACT: i128 = 1 << 53;

fn workbook(report: &RenderedReport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::parse_from_str(report.generated_at.trim_end_matches('Z'))
        .or_else(|_| ExcelDateTime::from_ymd(1980, 1, 1))?;
    book.set_properties(&DocProperties::new().set_title(&report.title).set_creation_datetime(&created));
    let bold = CellFormat::new().set_bold();
    let calls = exported_results(report);
    let mut names: Vec<String> = RESERVED.iter().map(|n| n.to_string()).collect();
    for (stem, _) in &calls {
        names.push(sheet_name(stem, &names));
    }
    let about = book.add_worksheet();
    about.set_name(ABOUT)?;
    about.write_string_with_format(0, 0, "Sheet", &bold)?;
    about.write_string_with_format(0, 1, "Query", &bold)?;
    about.write_string_with_format(0, 2, "Rows", &bold)?;
    about.write_string_with_format(0, 3, "Parameters", &bold)?;
    about.write_string_with_format(0, 4, "Description", &bold)?;
    about.write_string(0, 6, &report.title)?;
    about.write_string(1, 6, format!("Generated {}", report.generated_at))?;
    let names = &names[RESERVED.len()..];
    for (i, ((_, call), name)) in calls.iter().zip(names).enumerate() {
        let row = i as u32 + 1;
        about.write_string(row, 0, name)?;
        about.write_string(row, 1, &call.query)?;
        about.write_number(row, 2, call.result.rows.len() as f64)?;
        let params: Vec<String> = call.params.iter().map(|(name, value)| format!("{name} = {value}")).collect();
        about.write_string(row, 3, params.join(", "))?;
        if let Some((_, description)) = report.descriptions.iter().find(|(n, _)| *n == call.query) {
            about.write_string(row, 4, within_a_cell(description.clone()))?;
        }
    }
    about.set_freeze_panes(1, 0)?;
    about.autofit();
    for ((_, call), name) in calls.iter().zip(names) {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        write_result(sheet, &call.result, &bold)?;
    }
    book.save_to_buffer()
}

/// A sheet's name: the query's, without the characters Excel refuses,
/// at most 31 characters, different from every name in `taken` (letter
/// case aside, as Excel compares them).
fn sheet_name(stem: &str, taken: &[String]) -> String {
    let clean: String = stem.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    let clean = clean.trim_matches('\'').to_owned();
    let base: String = clean.chars().take(31).collect();
    let base = if base.is_empty() { "data".to_owned() } else { base };
    let free = |name: &str| !taken.iter().any(|t| t.to_lowercase() == name.to_lowercase());
    if free(&base) {
        return base;
    }
    (2..)
        .map(|n| {
            let suffix = format!("~{n}");
            let kept: String = base.chars().take(31 - suffix.chars().count()).collect();
            format!("{kept}{suffix}")
        })
        .find(|name| free(name))
        .expect("a free name")
}

/// The result as a sheet: a bold header row, frozen, and a typed cell per value.
fn write_result(sheet: &mut Worksheet, result: &QueryResult, bold: &CellFormat) -> Result<(), XlsxError> {
    for (c, column) in result.columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, within_a_cell(column.name.clone()), bold)?;
    }
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let timestamp = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let integer = CellFormat::new().set_num_format("#,##0");
    // A sheet holds 1,048,575 rows under its header: the last says what
    // more there was.
    let shown = result.rows.len().min(ROW_LIMIT - 2);
    if shown < result.rows.len() {
        let note = format!("… {} more rows: the CSV and JSON exports have them all", result.rows.len() - shown);
        sheet.write_string(shown as u32 + 1, 0, note)?;
    }
    for (r, row) in result.rows.iter().take(shown).enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            let type_name = result.columns[c as usize].type_name.as_str();
            match cell {
                Cell::Null => {}
                Cell::Bool(b) => {
                    sheet.write_boolean(r, c, *b)?;
                }
                Cell::Int(i) if i.abs() <= EXACT => {
                    sheet.write_number_with_format(r, c, *i as f64, &integer)?;
                }
                // Trailing zeros do not count (1.5 as DECIMAL(38,20)).
                Cell::Decimal { unscaled, scale } if without_trailing_zeros(*unscaled, *scale).0.abs() <= EXACT => {
                    let decimals = "0".repeat(*scale as usize);
                    let format = CellFormat::new().set_num_format(if decimals.is_empty() {
                        "#,##0".to_owned()
                    } else {
                        format!("#,##0.{decimals}")
                    });
                    let value: f64 = format_decimal(*unscaled, *scale).parse().unwrap_or(f64::NAN);
                    sheet.write_number_with_format(r, c, value, &format)?;
                }
                Cell::Float(f) if f.is_finite() => {
                    sheet.write_number(r, c, *f)?;
                }
                Cell::Text(text) if type_name == "DATE" => match ExcelDateTime::parse_from_str(text) {
                    Ok(day) => {
                        sheet.write_date_with_format(r, c, &day, &date)?;
                    }
                    Err(_) => {
                        sheet.write_string(r, c, within_a_cell(text.clone()))?;
                    }
                },
                Cell::Text(text) if type_name == "TIMESTAMP" => match ExcelDateTime::parse_from_str(text) {
                    Ok(time) => {
                        sheet.write_datetime_with_format(r, c, &time, &timestamp)?;
                    }
                    Err(_) => {
                        sheet.write_string(r, c, within_a_cell(text.clone()))?;
                    }
                },
                // Text, and what a spreadsheet's number cannot hold exactly.
                other => {
                    sheet.write_string(r, c, within_a_cell(other.to_text()))?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{sheet_name, within_a_cell, without_trailing_zeros};

    #[test]
    fn a_cell_holds_what_excel_counts() {
        let emoji = "😀".repeat(20_000);
        let cut = within_a_cell(emoji);
        assert!(cut.chars().map(char::len_utf16).sum::<usize>() <= 32_767);
        assert!(cut.ends_with("[20000 characters: the CSV and JSON exports have them all]"));
        assert_eq!(without_trailing_zeros(150_000, 5), (15, 1));
    }

    #[test]
    fn sheet_names_are_short_legal_and_distinct() {
        let mut taken = Vec::new();
        for stem in [
            "participating_countries_per_event_in_the_period",
            "participating_countries_per_event_in_the_year",
            "a/b:c",
            "A/B:C",
        ] {
            let name = sheet_name(stem, &taken);
            assert!(name.chars().count() <= 31, "{name}");
            taken.push(name);
        }
        assert_eq!(taken[0], "participating_countries_per_eve");
        assert_eq!(taken[1], "participating_countries_per_e~2");
        assert_eq!(taken[2], "a_b_c");
        assert_eq!(taken[3], "A_B_C~2", "Excel compares names without letter case");
    }
}
