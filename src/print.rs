//! Printing a query result for `laporan query`: an aligned text table, CSV,
//! JSON or a Markdown table.
//!
//! JSON is an array of objects, keys in column order, numbers as JSON
//! numbers with every digit, dates as ISO 8601 text. CSV follows RFC 4180,
//! written by the csv crate (a field is quoted when it holds a comma, a
//! quote or a line break).

use std::str::FromStr;

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use crate::error::visible;
use crate::render::markdown;
use crate::value::{Cell, QueryResult, write_json_string};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
    Markdown,
}

impl FromStr for OutputFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<OutputFormat, String> {
        Ok(match text {
            "table" => OutputFormat::Table,
            "csv" => OutputFormat::Csv,
            "json" => OutputFormat::Json,
            "md" | "markdown" => OutputFormat::Markdown,
            _ => return Err(format!("unknown format '{text}': use table, csv, json or md")),
        })
    }
}

/// Renders `result` in `format`. `color` only affects the table.
pub fn format_result(result: &QueryResult, format: OutputFormat, color: bool) -> String {
    match format {
        OutputFormat::Table => table(result, color),
        OutputFormat::Csv => csv(result),
        OutputFormat::Json => json(result),
        OutputFormat::Markdown => markdown_table(result),
    }
}

pub fn json(result: &QueryResult) -> String {
    if result.rows.is_empty() {
        return "[]\n".to_owned();
    }
    let mut out = String::from("[\n");
    for (r, row) in result.rows.iter().enumerate() {
        out.push_str("  {");
        for (i, (column, cell)) in result.columns.iter().zip(row).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_json_string(&mut out, &column.name);
            out.push_str(": ");
            cell.write_json(&mut out);
        }
        out.push('}');
        if r + 1 < result.rows.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str("]\n");
    out
}

pub fn csv(result: &QueryResult) -> String {
    csv_with(result, false)
}

/// CSV to be opened in a spreadsheet: a text cell starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return is prefixed with `'`, so that no
/// spreadsheet runs it as a formula. Numbers are written as numbers.
pub fn csv_for_spreadsheets(result: &QueryResult) -> String {
    csv_with(result, true)
}

fn csv_with(result: &QueryResult, defuse: bool) -> String {
    // Header cells too: a column may be named like a formula.
    let defused = |text: &str| {
        if defuse && text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() }
    };
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let written = writer.write_record(result.columns.iter().map(|c| defused(&c.name))).and_then(|()| {
        for row in &result.rows {
            writer.write_record(row.iter().map(|cell| match cell {
                Cell::Text(text) => defused(text),
                _ => cell.to_text(),
            }))?;
        }
        Ok(())
    });
    written.expect("writing CSV to memory cannot fail");
    let bytes = writer.into_inner().expect("writing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8")
}

fn markdown_table(result: &QueryResult) -> String {
    let mut out = String::from("|");
    for column in &result.columns {
        out.push(' ');
        out.push_str(&visible(&markdown::escaped(&column.name)));
        out.push_str(" |");
    }
    out.push_str("\n|");
    for i in 0..result.columns.len() {
        out.push_str(if result.is_numeric(i) { " ---: |" } else { " --- |" });
    }
    out.push('\n');
    for row in &result.rows {
        out.push('|');
        for cell in row {
            out.push(' ');
            out.push_str(&visible(&markdown::escaped(&cell.to_text())));
            out.push_str(" |");
        }
        out.push('\n');
    }
    out
}

/// Longest cell shown in full in a text table, in terminal columns (a
/// CJK character takes two, a combining accent none: unicode-width).
const MAX_WIDTH: usize = 48;

fn table(result: &QueryResult, color: bool) -> String {
    aligned(result, color, true)
}

/// A few rows in an error note: names, values, no types and no row count.
pub fn sample_table(result: &QueryResult) -> String {
    aligned(result, false, false)
}

fn aligned(result: &QueryResult, color: bool, full: bool) -> String {
    let shorten = |text: String| -> String {
        // A tab has no width of its own in a terminal's columns: a space.
        let one_line = visible(&text.replace(['\n', '\r'], "⏎").replace('\t', " ")).into_owned();
        if one_line.width() > MAX_WIDTH {
            let mut cut = String::new();
            for c in one_line.chars() {
                if cut.width() + c.width().unwrap_or(0) > MAX_WIDTH - 1 {
                    break;
                }
                cut.push(c);
            }
            cut.push('…');
            cut
        } else {
            one_line
        }
    };
    let cells: Vec<Vec<(String, bool)>> = result
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Cell::Null => ("NULL".to_owned(), true),
                    other => (shorten(other.to_text()), false),
                })
                .collect()
        })
        .collect();
    let numeric: Vec<bool> = (0..result.columns.len()).map(|i| result.is_numeric(i)).collect();
    let names: Vec<String> = result.columns.iter().map(|c| shorten(c.name.clone())).collect();
    let widths: Vec<usize> = result
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let data = cells.iter().map(|row| row[i].0.width()).max().unwrap_or(0);
            let ty = if full { c.type_name.width() } else { 0 };
            data.max(names[i].width()).max(ty)
        })
        .collect();
    let pad = |text: &str, width: usize, right: bool| -> String {
        let fill = " ".repeat(width.saturating_sub(text.width()));
        if right { format!("{fill}{text}") } else { format!("{text}{fill}") }
    };
    let paint = |code: &str, text: String| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text };
    let mut out = String::new();
    let line = |parts: Vec<String>| parts.join("  ").trim_end().to_owned() + "\n";
    out.push_str(&line(
        names.iter().enumerate().map(|(i, name)| paint("1", pad(name, widths[i], numeric[i]))).collect(),
    ));
    if full {
        out.push_str(&line(
            result
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| paint("2", pad(&c.type_name, widths[i], numeric[i])))
                .collect(),
        ));
    }
    out.push_str(&line(widths.iter().map(|w| "─".repeat(*w)).collect()));
    for row in &cells {
        out.push_str(&line(
            row.iter()
                .enumerate()
                .map(|(i, (text, null))| {
                    let padded = pad(text, widths[i], numeric[i]);
                    if *null { paint("2;3", padded) } else { padded }
                })
                .collect(),
        ));
    }
    if full {
        let n = result.rows.len();
        out.push_str(&format!("({n} row{})\n", if n == 1 { "" } else { "s" }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Column;

    fn result() -> QueryResult {
        QueryResult::new(
            "q".into(),
            vec![
                Column { name: "name".into(), type_name: "VARCHAR".into() },
                Column { name: "countries".into(), type_name: "BIGINT".into() },
                Column { name: "assets_usd".into(), type_name: "DECIMAL(38,2)".into() },
            ],
            vec![
                vec![
                    Cell::Text("Lyon, \"NCB\" heads".into()),
                    Cell::Int(136),
                    Cell::Decimal { unscaled: 30000000000, scale: 2 },
                ],
                vec![Cell::Text("a|b".into()), Cell::Null, Cell::Null],
            ],
        )
    }

    #[test]
    fn json_is_an_array_of_objects_in_column_order() {
        assert_eq!(
            json(&result()),
            "[\n  {\"name\": \"Lyon, \\\"NCB\\\" heads\", \"countries\": 136, \"assets_usd\": 300000000.00},\n  \
             {\"name\": \"a|b\", \"countries\": null, \"assets_usd\": null}\n]\n"
        );
    }

    #[test]
    fn csv_for_spreadsheets_defuses_formulas_in_text_only() {
        let result = QueryResult::new(
            "q".into(),
            vec![
                Column { name: "t".into(), type_name: "VARCHAR".into() },
                Column { name: "n".into(), type_name: "INTEGER".into() },
            ],
            vec![
                vec![Cell::Text("=HYPERLINK(\"http://x\")".into()), Cell::Int(-5)],
                vec![Cell::Text("+1".into()), Cell::Int(1)],
                vec![Cell::Text("@SUM(A1)".into()), Cell::Null],
                vec![Cell::Text("-2".into()), Cell::Int(2)],
                vec![Cell::Text("plain".into()), Cell::Int(3)],
            ],
        );
        assert_eq!(
            csv_for_spreadsheets(&result),
            "t,n\n\"'=HYPERLINK(\"\"http://x\"\")\",-5\n'+1,1\n'@SUM(A1),\n'-2,2\nplain,3\n"
        );
        assert!(csv(&result).starts_with("t,n\n\"=HYPERLINK"), "plain csv keeps text as it is");
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv(&result()), "name,countries,assets_usd\n\"Lyon, \"\"NCB\"\" heads\",136,300000000.00\na|b,,\n");
    }

    #[test]
    fn text_table_aligns_numbers_and_shows_null() {
        assert_eq!(
            table(&result(), false),
            "name               countries     assets_usd\n\
             VARCHAR               BIGINT  DECIMAL(38,2)\n\
             ─────────────────  ─────────  ─────────────\n\
             Lyon, \"NCB\" heads        136   300000000.00\n\
             a|b                     NULL           NULL\n\
             (2 rows)\n"
        );
    }

    #[test]
    fn markdown_escapes_pipes() {
        assert_eq!(
            markdown_table(&result()),
            "| name | countries | assets\\_usd |\n| --- | ---: | ---: |\n| Lyon, \"NCB\" heads | 136 | 300000000.00 |\n| a\\|b |  |  |\n"
        );
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let result = QueryResult::new(
            "q".into(),
            vec![
                Column { name: "city".into(), type_name: "VARCHAR".into() },
                Column { name: "n".into(), type_name: "INTEGER".into() },
            ],
            vec![vec![Cell::Text("東京".into()), Cell::Int(1)], vec![Cell::Text("Lyon".into()), Cell::Int(22)]],
        );
        // 東京 is four columns wide, as wide as Lyon: the numbers line up; a
        // tab is a space.
        let tabbed = QueryResult::new(
            "q".into(),
            vec![Column { name: "t".into(), type_name: "VARCHAR".into() }],
            vec![vec![Cell::Text("a\tb".into())], vec![Cell::Text("abc".into())]],
        );
        assert_eq!(sample_table(&tabbed), "t\n───\na b\nabc\n");
        assert_eq!(sample_table(&result), "city   n\n────  ──\n東京   1\nLyon  22\n");
        let long = QueryResult::new(
            "q".into(),
            vec![Column { name: "t".into(), type_name: "VARCHAR".into() }],
            vec![vec![Cell::Text("字".repeat(40))]],
        );
        let shown = sample_table(&long);
        let cell = shown.lines().nth(2).unwrap();
        assert!(cell.width() <= MAX_WIDTH && cell.ends_with('…'), "{cell}");
    }

    #[test]
    fn csv_reads_back_as_written() {
        let text = csv(&result());
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!(rows, [vec!["Lyon, \"NCB\" heads", "136", "300000000.00"], vec!["a|b", "", ""]]);
    }
}
