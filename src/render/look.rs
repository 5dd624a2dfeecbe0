//! What `table()` shows beyond each cell's text, and what it hides:
//!
//! - `color={"col": "blues"}`: the cell's background by its value, on a
//!   scale (`blues`, `greens`, `oranges`, `reds`; `diverging`: reds below
//!   zero, blues above);
//! - `bars=["col"]`: a bar in the cell, its length the value's share of
//!   the column's largest;
//! - `negative="red"`: values below zero in red (their minus sign stays);
//! - `highlight={"col": "max"}`: cells that meet a rule in bold on a
//!   marked background (`max`, `min`, `> 10`, `>= 10`, `< 0`, `<= 0`,
//!   `= IDN`, `!= IDN`, or a value to equal);
//! - `suppress={"victims": 5}`: small counts (above zero, below the
//!   threshold) shown as `< 5`; the column's total, which would give their
//!   sum away, is hidden too (see [`Look::suppressed`]). Colour scales,
//!   bars and highlight rules are computed over the values shown only.
//!
//! Colour is never the only carrier of meaning: the number is always
//! written, a highlighted cell is bold too. In Markdown, highlighted cells
//! are bold and suppressed ones hidden; colours and bars are HTML only.

use minijinja::Value;
use minijinja::value::ValueKind;

use crate::value::{Cell, QueryResult};

/// The colour scales, each with the classes the layout's CSS colours.
pub const SCALES: [&str; 5] = ["blues", "greens", "oranges", "reds", "diverging"];

/// How many steps a colour scale has.
const LEVELS: f64 = 5.0;

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    Max,
    Min,
    /// `>`, `>=`, `<`, `<=` a number.
    Compare(&'static str, f64),
    /// `= text` (or a value), `!= text`.
    Equals(String),
    Differs(String),
}

impl Rule {
    /// Reads a rule: `"max"`, `"min"`, `"> 10"`, `">= 2.5"`, `"= IDN"`,
    /// `"!= IDN"`, or a number or text to equal.
    pub fn parse(value: &Value) -> Result<Rule, String> {
        if value.kind() == ValueKind::Number {
            return Ok(Rule::Equals(value.to_string()));
        }
        let Some(text) = value.as_str() else {
            return Err(format!("a highlight rule is text such as \"max\" or \"> 10\", not {}", value.kind()));
        };
        let text = text.trim();
        match text {
            "max" => return Ok(Rule::Max),
            "min" => return Ok(Rule::Min),
            _ => {}
        }
        for op in [">=", "<=", "!=", ">", "<", "="] {
            if let Some(rest) = text.strip_prefix(op) {
                let rest = rest.trim();
                return match op {
                    "=" => Ok(Rule::Equals(rest.to_owned())),
                    "!=" => Ok(Rule::Differs(rest.to_owned())),
                    _ => rest.parse::<f64>().map(|n| Rule::Compare(op, n)).map_err(|_| {
                        format!("highlight rule '{text}': {op} compares with a number, such as \"{op} 10\"")
                    }),
                };
            }
        }
        Ok(Rule::Equals(text.to_owned()))
    }
}

/// The look of one table (see the module's notes), by column index.
#[derive(Debug, Default)]
pub struct Look {
    pub colours: Vec<(usize, &'static str)>,
    pub bars: Vec<usize>,
    pub negative_red: bool,
    pub highlight: Vec<(usize, Rule)>,
    /// Column and threshold: counts above zero and below it are hidden.
    pub suppress: Vec<(usize, i64)>,
    /// Columns of fractions written as percentages (a chart's data table).
    pub percent: Vec<usize>,
}

/// What a cell shows in place of its value: a small count, `< threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hidden(pub i64);

/// What a column's colour scale, bars and rules are computed over: the
/// values shown (hidden ones left out, so that a colour or a bar's length
/// gives none of them away).
#[derive(Debug, Clone, Copy)]
pub struct ColumnStats {
    low: f64,
    high: f64,
    /// The largest magnitude.
    largest: f64,
}

impl Look {
    /// The cells hidden in `result` (row, column, what shows), and the
    /// columns whose total must be hidden too. Primary suppression: counts
    /// above zero and below the threshold. Secondary: the total of a
    /// column with a hidden count (shown in `totals`), from which the sum of
    /// the hidden counts would follow; hiding another cell instead is not
    /// enough, as its bounds (it is at least the threshold, at most the
    /// values shown) can still pin the hidden counts down.
    pub fn suppressed(&self, result: &QueryResult, totals: &[usize]) -> (Vec<(usize, usize, Hidden)>, Vec<usize>) {
        let mut hidden = Vec::new();
        let mut hidden_totals = Vec::new();
        for &(column, threshold) in &self.suppress {
            let mut any = false;
            for (r, row) in result.rows.iter().enumerate() {
                if is_small(&row[column], threshold) {
                    hidden.push((r, column, Hidden(threshold)));
                    any = true;
                }
            }
            if any && totals.contains(&column) {
                hidden_totals.push(column);
            }
        }
        (hidden, hidden_totals)
    }

    /// The statistics of each column a scale, bars or a rule reads, over
    /// the values shown; computed once per table.
    pub fn stats(&self, result: &QueryResult, hidden: &[(usize, usize, Hidden)]) -> Vec<(usize, ColumnStats)> {
        let mut columns: Vec<usize> = self.colours.iter().map(|(c, _)| *c).collect();
        columns.extend(&self.bars);
        columns.extend(self.highlight.iter().map(|(c, _)| *c));
        columns.sort_unstable();
        columns.dedup();
        columns
            .into_iter()
            .map(|column| {
                let mut stats = ColumnStats { low: f64::INFINITY, high: f64::NEG_INFINITY, largest: 0.0 };
                let hidden_rows: std::collections::HashSet<usize> =
                    hidden.iter().filter(|(_, c, _)| *c == column).map(|(r, _, _)| *r).collect();
                for (r, row) in result.rows.iter().enumerate() {
                    if hidden_rows.contains(&r) {
                        continue;
                    }
                    if let Some(v) = row[column].as_f64().filter(|v| v.is_finite()) {
                        stats.low = stats.low.min(v);
                        stats.high = stats.high.max(v);
                        stats.largest = stats.largest.max(v.abs());
                    }
                }
                (column, stats)
            })
            .collect()
    }

    /// The colour class of a cell (`heat blues-3`), if its column has a scale.
    pub fn colour_class(
        &self,
        result: &QueryResult,
        stats: &[(usize, ColumnStats)],
        row: usize,
        column: usize,
    ) -> Option<String> {
        let (_, scale) = self.colours.iter().find(|(c, _)| *c == column)?;
        let value = result.rows[row][column].as_f64().filter(|v| v.is_finite())?;
        let ColumnStats { low, high, .. } = stats_of(stats, column)?;
        if *scale == "diverging" {
            let reach = low.abs().max(high.abs());
            if reach == 0.0 || value == 0.0 {
                return Some("heat div-0".to_owned());
            }
            let level = ((value.abs() / reach) * (LEVELS - 1.0)).ceil().clamp(1.0, LEVELS - 1.0) as usize;
            let side = if value < 0.0 { "neg" } else { "pos" };
            return Some(format!("heat div-{side}-{level}"));
        }
        let level = if high > low { ((value - low) / (high - low) * (LEVELS - 1.0)).round() as usize } else { 0 };
        Some(format!("heat {scale}-{level}"))
    }

    /// The length of a cell's bar, as a percentage of the column's largest
    /// magnitude shown; `None` if its column has no bars.
    pub fn bar(&self, result: &QueryResult, stats: &[(usize, ColumnStats)], row: usize, column: usize) -> Option<f64> {
        if !self.bars.contains(&column) {
            return None;
        }
        let value = result.rows[row][column].as_f64().filter(|v| v.is_finite())?;
        let largest = stats_of(stats, column)?.largest;
        Some(if largest > 0.0 { value.abs() / largest * 100.0 } else { 0.0 })
    }

    /// Whether a cell meets its column's highlight rule (`max` and `min`
    /// among the values shown).
    pub fn highlighted(
        &self,
        result: &QueryResult,
        stats: &[(usize, ColumnStats)],
        row: usize,
        column: usize,
        shown: &str,
    ) -> bool {
        let Some((_, rule)) = self.highlight.iter().find(|(c, _)| *c == column) else { return false };
        let cell = &result.rows[row][column];
        let number = cell.as_f64().filter(|v| v.is_finite());
        let extremes = stats_of(stats, column);
        match rule {
            Rule::Max => number.zip(extremes).is_some_and(|(v, s)| v >= s.high),
            Rule::Min => number.zip(extremes).is_some_and(|(v, s)| v <= s.low),
            Rule::Compare(op, limit) => number.is_some_and(|v| match *op {
                ">" => v > *limit,
                ">=" => v >= *limit,
                "<" => v < *limit,
                _ => v <= *limit,
            }),
            Rule::Equals(text) => equals(cell, shown, text),
            Rule::Differs(text) => !cell.is_null() && !equals(cell, shown, text),
        }
    }

    pub fn negative(&self, result: &QueryResult, row: usize, column: usize) -> bool {
        self.negative_red && result.rows[row][column].as_f64().is_some_and(|v| v < 0.0)
    }
}

/// Whether a value is a small count under `threshold`: above zero, below it.
pub fn is_small(cell: &Cell, threshold: i64) -> bool {
    cell.as_f64().is_some_and(|v| small(v, threshold))
}

/// [`is_small`] for a number.
pub fn small(value: f64, threshold: i64) -> bool {
    value > 0.0 && value < threshold as f64
}

/// A `suppress` threshold as given: a whole number from 2 (the error says
/// what it is instead).
pub fn threshold(value: &Value) -> Result<i64, String> {
    value
        .as_i64()
        .filter(|t| *t >= 2)
        .ok_or_else(|| format!("the threshold is a whole number from 2 (counts below it are hidden), not {value}"))
}

fn stats_of(stats: &[(usize, ColumnStats)], column: usize) -> Option<ColumnStats> {
    stats.iter().find(|(c, _)| *c == column).map(|(_, s)| *s).filter(|s| s.low <= s.high)
}

/// Whether a cell equals a rule's text: as text (its value or as shown),
/// or as a number.
fn equals(cell: &Cell, shown: &str, text: &str) -> bool {
    let value = cell.to_text();
    value == text || shown == text || matches!((cell.as_f64(), text.parse::<f64>()), (Some(a), Ok(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Column;

    fn counts(values: &[i128]) -> QueryResult {
        QueryResult::new(
            "q".into(),
            vec![Column { name: "n".into(), type_name: "BIGINT".into() }],
            values.iter().map(|v| vec![Cell::Int(*v)]).collect(),
        )
    }

    #[test]
    fn small_counts_are_hidden_and_a_total_cannot_reveal_them() {
        let look = Look { suppress: vec![(0, 5)], ..Look::default() };
        let result = counts(&[0, 3, 12, 7, 40]);
        let (hidden, totals) = look.suppressed(&result, &[]);
        assert_eq!(hidden, vec![(1, 0, Hidden(5))], "zero is shown, 3 is hidden");
        assert!(totals.is_empty());
        let (hidden, totals) = look.suppressed(&result, &[0]);
        assert_eq!(hidden.len(), 1);
        assert_eq!(totals, vec![0], "the total would give the hidden count away");
        let (_, totals) = look.suppressed(&counts(&[5, 12]), &[0]);
        assert!(totals.is_empty(), "nothing hidden, the total stays");
    }

    #[test]
    fn scales_and_bars_ignore_hidden_values() {
        let look = Look { suppress: vec![(0, 5)], bars: vec![0], colours: vec![(0, "blues")], ..Look::default() };
        for hidden_value in [1, 4] {
            let result = counts(&[hidden_value, 5, 7]);
            let (hidden, _) = look.suppressed(&result, &[]);
            let stats = look.stats(&result, &hidden);
            assert_eq!(look.colour_class(&result, &stats, 1, 0).as_deref(), Some("heat blues-0"));
            assert_eq!(look.bar(&result, &stats, 2, 0), Some(100.0), "the largest shown is the full bar");
        }
    }

    #[test]
    fn rules_read_as_written() {
        assert_eq!(Rule::parse(&Value::from("max")).unwrap(), Rule::Max);
        assert_eq!(Rule::parse(&Value::from(">= 10")).unwrap(), Rule::Compare(">=", 10.0));
        assert_eq!(Rule::parse(&Value::from("= IDN")).unwrap(), Rule::Equals("IDN".into()));
        assert_eq!(Rule::parse(&Value::from("IDN")).unwrap(), Rule::Equals("IDN".into()));
        assert_eq!(Rule::parse(&Value::from(3)).unwrap(), Rule::Equals("3".into()));
        assert!(Rule::parse(&Value::from("> ten")).unwrap_err().contains("compares with a number"));
        let look = Look { highlight: vec![(0, Rule::Max)], ..Look::default() };
        let result = counts(&[3, 9, 9, 1]);
        let stats = look.stats(&result, &[]);
        let marked: Vec<bool> = (0..4).map(|r| look.highlighted(&result, &stats, r, 0, "")).collect();
        assert_eq!(marked, [false, true, true, false], "every cell at the maximum");
    }
}
