//! Charts as inline SVG: bars (vertical, horizontal, stacked) and lines.
//!
//! A [`Chart`] is built from a query result by the template functions
//! `bar(…)` and `line(…)` in the parent module; [`Chart::svg`] draws it.
//! The SVG needs no script and no font or file from elsewhere: labelled
//! axes, values on the bars, a legend for several series, a `<title>` and
//! `<desc>` for screen readers. Colours are presentation attributes that
//! the layout's CSS may override (dark mode); text uses `currentColor`.
//! Every text from data is escaped.

use std::fmt::Write as _;

mod axis;
pub mod choropleth;
pub mod donut;
mod svg;
pub mod world;

use super::format;
use super::markdown::escape_html;
use crate::locale::Locale;
use axis::{CategoryAxis, Scale, Stack, shorten, text_width};
use svg::{axis_title, gridline, label, text, value_label};

/// Colour-blind-safe series colours (Okabe–Ito, led by the layout's blue).
pub(super) const COLOURS: [&str; 8] =
    ["#1f5fa8", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7a7a7a", "#b8860b"];

/// The most series a chart draws: one colour each.
pub const MAX_SERIES: usize = COLOURS.len();

const WIDTH: f64 = 720.0;
const FONT: f64 = 12.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bar { horizontal: bool, stacked: bool },
    Line,
}

/// How values are written on the chart.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueFormat {
    Number,
    /// Compact money in a currency: `USD 300 million`.
    Money(String),
    /// Fractions as percentages.
    Percent,
}

impl ValueFormat {
    /// Reads `format=` (`number`, `money`, `percent`; default `number`)
    /// and `currency=` (for money, default USD).
    pub fn parse(name: Option<&str>, currency: Option<String>) -> Result<ValueFormat, String> {
        Ok(match name.unwrap_or("number") {
            "number" => ValueFormat::Number,
            "money" => ValueFormat::Money(currency.unwrap_or_else(|| "USD".to_owned())),
            "percent" => ValueFormat::Percent,
            other => return Err(format!("unknown format '{other}' (use number, money or percent)")),
        })
    }

    /// A value in a few characters, for a legend: two significant digits
    /// from ten thousand (`840k`, `USD 1.3M`, `25%`).
    pub fn short(&self, value: f64, locale: Locale) -> String {
        let rounded = if value.abs() >= 1e4 {
            let magnitude = 10f64.powi(value.abs().log10().floor() as i32 - 1);
            (value / magnitude).round() * magnitude
        } else {
            value
        };
        let number =
            if rounded.abs() >= 1e4 { format::compact(rounded, locale) } else { format::number(rounded, None, locale) };
        match self {
            ValueFormat::Number => number,
            ValueFormat::Money(currency) => format!("{} {number}", format::currency_symbol(currency)),
            ValueFormat::Percent => format::percent(value, 0, locale),
        }
    }

    /// A value as a chart writes it.
    pub fn text(&self, value: f64, locale: Locale) -> String {
        match self {
            ValueFormat::Number => format::number(value, None, locale),
            ValueFormat::Money(currency) => format::money_label(value, currency, locale),
            ValueFormat::Percent => format::percent(value, 1, locale),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// One per category; `None` for NULL.
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub kind: Kind,
    pub title: String,
    pub description: Option<String>,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub x_label: String,
    pub y_label: String,
    pub format: ValueFormat,
    pub locale: Locale,
    /// Distinguishes several charts on one page (ids of title and desc).
    pub id: String,
}

impl Chart {
    /// The chart as one `<svg>` element, without blank lines (it sits in a
    /// Markdown HTML block).
    pub fn svg(&self) -> String {
        match self.kind {
            Kind::Bar { horizontal: true, stacked } => self.horizontal_bars(stacked),
            Kind::Bar { horizontal: false, stacked } => self.vertical(Some(stacked)),
            Kind::Line => self.vertical(None),
        }
    }

    /// A sentence for screen readers: what is shown, and its extremes.
    fn summary(&self) -> String {
        if let Some(description) = &self.description {
            return description.clone();
        }
        let what = match self.kind {
            Kind::Bar { horizontal: true, .. } => "Horizontal bar chart",
            Kind::Bar { stacked: true, .. } => "Stacked bar chart",
            Kind::Bar { .. } => "Bar chart",
            Kind::Line => "Line chart",
        };
        let names: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        let mut text = format!("{what} of {} by {}", names.join(", "), self.x_label);
        if let (Some(first), Some(last)) = (self.categories.first(), self.categories.last()) {
            let _ = write!(text, ", {} categories from {first} to {last}", self.categories.len());
        }
        text.push_str(". The data is in the table below the chart.");
        text
    }

    fn value_text(&self, value: f64) -> String {
        self.format.text(value, self.locale)
    }

    fn tick_text(&self, value: f64) -> String {
        match &self.format {
            ValueFormat::Percent => format::percent(value, 0, self.locale),
            _ => format::compact(value, self.locale),
        }
    }

    /// The value range to draw: from 0 (or the lowest negative) to the
    /// highest (stacked: the highest total), with nice ticks.
    fn scale(&self, stacked: bool) -> Scale {
        let mut low: f64 = 0.0;
        let mut high: f64 = 0.0;
        for i in 0..self.categories.len() {
            if stacked {
                let (neg, pos) = self
                    .series
                    .iter()
                    .filter_map(|s| s.values[i])
                    .fold((0.0, 0.0), |(n, p), v| if v < 0.0 { (n + v, p) } else { (n, p + v) });
                low = low.min(neg);
                high = high.max(pos);
            } else {
                for v in self.series.iter().filter_map(|s| s.values[i]) {
                    low = low.min(v);
                    high = high.max(v);
                }
            }
        }
        Scale::new(low, high)
    }

    fn open(&self, height: f64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"100%\" role=\"img\" \
             aria-labelledby=\"{0}-title {0}-desc\" font-size=\"{FONT}\" \
             font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">",
            self.id
        );
        out.push_str(&format!("<title id=\"{}-title\">", self.id));
        escape_html(&self.title, &mut out);
        out.push_str(&format!("</title>\n<desc id=\"{}-desc\">", self.id));
        escape_html(&self.summary(), &mut out);
        out.push_str("</desc>\n");
        out
    }

    /// Where each series' legend entry goes (series, x), in rows that fit
    /// the width, starting at `x0`; none for a single series.
    fn legend_rows(&self, x0: f64) -> Vec<Vec<(usize, f64)>> {
        if self.series.len() < 2 {
            return Vec::new();
        }
        let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
        let mut x = x0;
        for (i, series) in self.series.iter().enumerate() {
            let width = 17.0 + text_width(&shorten(&series.name, 32)) + 18.0;
            if x + width > WIDTH - 8.0 && x > x0 {
                rows.push(Vec::new());
                x = x0;
            }
            rows.last_mut().expect("a row").push((i, x));
            x += width;
        }
        rows
    }

    /// The legend: a swatch and a name per series, in `rows` from `y` down.
    fn legend(&self, out: &mut String, rows: &[Vec<(usize, f64)>], y: f64) {
        if rows.is_empty() {
            return;
        }
        out.push_str("<g class=\"legend\">\n");
        for (r, row) in rows.iter().enumerate() {
            let y = y + 22.0 * r as f64;
            for &(i, x) in row {
                let _ = writeln!(
                    out,
                    "<rect class=\"s{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" rx=\"2\" fill=\"{}\"/>",
                    i % COLOURS.len(),
                    y - 10.0,
                    COLOURS[i % COLOURS.len()]
                );
                let at = format!("x=\"{:.1}\" y=\"{y:.1}\" fill=\"currentColor\"", x + 17.0);
                label(out, &at, &self.series[i].name, 32);
            }
        }
        out.push_str("</g>\n");
    }

    /// A bar or point: its shape, with a tooltip naming category, series and value.
    fn mark(&self, out: &mut String, shape: &str, series: usize, category: usize, value: f64) {
        let _ = write!(out, "<{shape}><title>");
        let tip = format!("{}, {}: {}", self.categories[category], self.series[series].name, self.value_text(value));
        escape_html(&tip, out);
        let element = shape.split(' ').next().unwrap_or(shape);
        let _ = writeln!(out, "</title></{element}>");
    }

    /// Vertical bars (`Some(stacked)`) or lines (`None`), categories along
    /// the bottom.
    fn vertical(&self, bars: Option<bool>) -> String {
        let stacked = bars == Some(true);
        let scale = self.scale(stacked);
        let ticks = scale.ticks();
        let tick_width = ticks.iter().map(|t| text_width(&self.tick_text(*t))).fold(0.0, f64::max);
        let right = 16.0;
        let n = self.categories.len().max(1) as f64;
        let mut left = 24.0 + tick_width + 8.0;
        let mut axis = CategoryAxis::new(&self.categories, (WIDTH - left - right) / n);
        if axis.turned {
            // The first label, turned, reaches left of its point: room for it.
            let reach = axis.longest * 0.77 + 6.0 - (WIDTH - left - right) / n / 2.0;
            if reach > left {
                left = reach.min(WIDTH * 0.3);
                axis = CategoryAxis::new(&self.categories, (WIDTH - left - right) / n);
            }
        }
        let plot_width = WIDTH - left - right;
        let band = plot_width / n;
        let label_height = if axis.turned { axis.longest * 0.65 + 12.0 } else { FONT + 6.0 };
        let legend_rows = self.legend_rows(left);
        let legend_height = 22.0 * legend_rows.len() as f64 + if legend_rows.is_empty() { 0.0 } else { 4.0 };
        // Room above the highest point for its value.
        let top = 24.0 + legend_height;
        let plot_height = 240.0;
        let height = top + plot_height + label_height + 30.0;
        let y_of = |v: f64| top + plot_height * (1.0 - scale.fraction(v));

        let mut out = self.open(height);
        self.legend(&mut out, &legend_rows, 18.0);
        // Grid and value axis.
        out.push_str("<g class=\"axis\">\n");
        for tick in &ticks {
            let y = y_of(*tick);
            gridline(&mut out, (left, WIDTH - right), (y, y), *tick);
            let at = format!("x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"currentColor\"", left - 6.0, y + 4.0);
            text(&mut out, &at, &self.tick_text(*tick));
        }
        let at = format!(
            "transform=\"translate(12 {:.1}) rotate(-90)\" text-anchor=\"middle\" fill=\"currentColor\"",
            top + plot_height / 2.0
        );
        text(&mut out, &at, &self.y_label);
        out.push_str("</g>\n");

        match bars {
            Some(_) => self.vertical_bars(&mut out, stacked, band, left, &y_of),
            None => self.lines(&mut out, band, left, &y_of),
        }
        let turned = axis.turned;

        // Category labels and the axis title.
        out.push_str("<g class=\"categories\">\n");
        let base = top + plot_height;
        // A run of places with the same label (months labelled by their
        // quarter, x_format coarser than the data) is labelled once, at its
        // middle.
        let mut start = 0;
        while start < self.categories.len() {
            let category = &self.categories[start];
            let end = (start..self.categories.len())
                .find(|&j| self.categories[j] != *category)
                .unwrap_or(self.categories.len());
            let run = start..end;
            start = end;
            if !run.clone().any(|i| axis.shows(i)) {
                continue;
            }
            let x = left + band * ((run.start + run.end) as f64 / 2.0);
            let at = if turned {
                format!(
                    "transform=\"translate({x:.1} {:.1}) rotate(-40)\" text-anchor=\"end\" fill=\"currentColor\"",
                    base + 14.0
                )
            } else {
                format!("x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"currentColor\"", base + 16.0)
            };
            label(&mut out, &at, category, 28);
        }
        axis_title(&mut out, left + plot_width / 2.0, height - 8.0, &self.x_label);
        out.push_str("</g>\n</svg>");
        out
    }

    fn vertical_bars(&self, out: &mut String, stacked: bool, band: f64, left: f64, y_of: &dyn Fn(f64) -> f64) {
        let groups = if stacked { 1 } else { self.series.len().max(1) };
        let bar_width = (band * 0.72 / groups as f64).min(64.0);
        // Values are written on the bars only when every one fits its
        // bar's width: in full, else in short (`300M`), else not at all.
        let shown: Vec<f64> = (0..self.categories.len())
            .flat_map(|i| {
                let values: Vec<f64> = self.series.iter().filter_map(|s| s.values[i]).collect();
                if stacked { vec![values.iter().filter(|v| **v > 0.0).sum()] } else { values }
            })
            .collect();
        let room = (if stacked { band } else { band / groups as f64 }).max(bar_width);
        let fits =
            |text: &dyn Fn(f64) -> String| shown.iter().all(|v| text_width(&text(*v)) * 11.0 / FONT + 4.0 <= room);
        let full = |v: f64| self.value_text(v);
        let short = |v: f64| self.tick_text(v);
        let label: Option<&dyn Fn(f64) -> String> = if fits(&full) {
            Some(&full)
        } else if fits(&short) {
            Some(&short)
        } else {
            None
        };
        for i in 0..self.categories.len() {
            let centre = left + band * (i as f64 + 0.5);
            let mut stack = Stack::default();
            for (s, series) in self.series.iter().enumerate() {
                let Some(value) = series.values[i] else { continue };
                let (x, from, to) = if stacked {
                    let (from, to) = stack.place(value);
                    (centre - bar_width / 2.0, from, to)
                } else {
                    let x = centre - bar_width * groups as f64 / 2.0 + bar_width * s as f64;
                    (x, 0.0, value)
                };
                let (y1, y2) = (y_of(from), y_of(to));
                let shape = format!(
                    "rect class=\"s{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"",
                    s % COLOURS.len(),
                    y1.min(y2),
                    (bar_width - 1.0).max(1.0),
                    (y1 - y2).abs(),
                    COLOURS[s % COLOURS.len()]
                );
                self.mark(out, &shape, s, i, value);
                if let Some(label) = label
                    && !stacked
                {
                    let y = if value < 0.0 { y_of(value) + 13.0 } else { y_of(value) - 4.0 };
                    value_label(out, x + bar_width / 2.0, y, "middle", &label(value));
                }
            }
            if let Some(label) = label
                && stacked
                && stack.above > 0.0
            {
                value_label(out, centre, y_of(stack.above) - 4.0, "middle", &label(stack.above));
            }
        }
    }

    fn lines(&self, out: &mut String, band: f64, left: f64, y_of: &dyn Fn(f64) -> f64) {
        // A value at every point when the values fit between the points,
        // else only at the last one.
        let widest_value = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .map(|v| text_width(&self.value_text(*v)) * 11.0 / FONT)
            .fold(0.0, f64::max);
        let few = self.categories.len() <= 24 && widest_value + 6.0 <= band;
        for (s, series) in self.series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            // A NULL breaks the line.
            let mut path = String::new();
            let mut pen_down = false;
            for (i, value) in series.values.iter().enumerate() {
                let x = left + band * (i as f64 + 0.5);
                match value {
                    Some(v) => {
                        let _ = write!(path, "{}{x:.1},{:.1} ", if pen_down { "L" } else { "M" }, y_of(*v));
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
            }
            let _ = writeln!(
                out,
                "<path class=\"s{0}\" d=\"{1}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
                s % COLOURS.len(),
                path.trim_end()
            );
            for (i, value) in series.values.iter().enumerate() {
                let Some(v) = value else { continue };
                let x = left + band * (i as f64 + 0.5);
                let shape = format!(
                    "circle class=\"s{}\" cx=\"{x:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"",
                    s % COLOURS.len(),
                    y_of(*v)
                );
                self.mark(out, &shape, s, i, *v);
                // The value at the last point, and at every point when few.
                if self.series.len() == 1 && (few || i + 1 == series.values.len()) {
                    value_label(out, x, y_of(*v) - 8.0, "middle", &self.value_text(*v));
                }
            }
        }
    }

    /// Bars along a vertical list of categories: long labels stay readable.
    fn horizontal_bars(&self, stacked: bool) -> String {
        let scale = self.scale(stacked);
        let ticks = scale.ticks();
        let groups = if stacked { 1 } else { self.series.len().max(1) };
        let row = (16.0 * groups as f64 + 10.0).max(26.0);
        let longest = self.categories.iter().map(|c| text_width(&shorten(c, 40))).fold(0.0, f64::max);
        let left = (longest + 12.0).min(WIDTH * 0.42);
        let value_room = (0..self.categories.len()).fold(0.0, |room: f64, i| {
            let total = if stacked {
                self.series.iter().filter_map(|s| s.values[i]).sum::<f64>()
            } else {
                self.series.iter().filter_map(|s| s.values[i]).fold(0.0, f64::max)
            };
            room.max(text_width(&self.value_text(total)))
        });
        let right = value_room + 14.0;
        // Values of bars that go left of zero are written before them.
        let negative_room = if stacked {
            0.0
        } else {
            self.series
                .iter()
                .flat_map(|s| s.values.iter().flatten())
                .filter(|v| **v < 0.0)
                .map(|v| text_width(&self.value_text(*v)) + 10.0)
                .fold(0.0, f64::max)
        };
        let legend_rows = self.legend_rows(left);
        let legend_height = 22.0 * legend_rows.len() as f64 + if legend_rows.is_empty() { 0.0 } else { 4.0 };
        let top = 10.0 + legend_height;
        let plot_height = row * self.categories.len().max(1) as f64;
        let height = top + plot_height + 44.0;
        let plot_width = WIDTH - left - right - negative_room;
        let plot_left = left + negative_room;
        let x_of = |v: f64| plot_left + plot_width * scale.fraction(v);

        let mut out = self.open(height);
        self.legend(&mut out, &legend_rows, 16.0);
        out.push_str("<g class=\"axis\">\n");
        for tick in &ticks {
            let x = x_of(*tick);
            gridline(&mut out, (x, x), (top, top + plot_height), *tick);
            let at = format!(
                "x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"currentColor\"",
                top + plot_height + 16.0
            );
            text(&mut out, &at, &self.tick_text(*tick));
        }
        axis_title(&mut out, plot_left + plot_width / 2.0, height - 6.0, &self.y_label);
        out.push_str("</g>\n");

        let bar_height = if stacked { row - 10.0 } else { (row - 10.0) / groups as f64 };
        for (i, category) in self.categories.iter().enumerate() {
            let y0 = top + row * i as f64 + 5.0;
            let middle = y0 + (row - 10.0) / 2.0 + 4.0;
            let at = format!("x=\"{:.1}\" y=\"{middle:.1}\" text-anchor=\"end\" fill=\"currentColor\"", left - 8.0);
            label(&mut out, &at, category, 40);
            let mut stack = Stack::default();
            for (s, series) in self.series.iter().enumerate() {
                let Some(value) = series.values[i] else { continue };
                let (y, from, to) = if stacked {
                    let (from, to) = stack.place(value);
                    (y0, from, to)
                } else {
                    (y0 + bar_height * s as f64, 0.0, value)
                };
                let (x1, x2) = (x_of(from), x_of(to));
                let shape = format!(
                    "rect class=\"s{}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"",
                    s % COLOURS.len(),
                    x1.min(x2),
                    (x2 - x1).abs(),
                    (bar_height - 2.0).max(1.0),
                    COLOURS[s % COLOURS.len()]
                );
                self.mark(&mut out, &shape, s, i, value);
                if !stacked {
                    let y = y + bar_height / 2.0 + 3.0;
                    let text = self.value_text(value);
                    if value < 0.0 {
                        value_label(&mut out, x_of(value) - 5.0, y, "end", &text);
                    } else {
                        value_label(&mut out, x_of(value) + 5.0, y, "start", &text);
                    }
                }
            }
            if stacked && stack.above > 0.0 {
                value_label(&mut out, x_of(stack.above) + 5.0, middle, "start", &self.value_text(stack.above));
            }
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(kind: Kind, categories: &[&str], series: &[(&str, &[Option<f64>])]) -> Chart {
        Chart {
            kind,
            title: "Countries per event".into(),
            description: None,
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            series: series.iter().map(|(n, v)| Series { name: (*n).to_owned(), values: v.to_vec() }).collect(),
            x_label: "Event".into(),
            y_label: "Countries".into(),
            format: ValueFormat::Number,
            locale: Locale::En,
            id: "chart-1".into(),
        }
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(Scale::new(0.0, 136.0).ticks(), vec![0.0, 50.0, 100.0, 150.0]);
        assert_eq!(Scale::new(0.0, 300e6).ticks(), vec![0.0, 100e6, 200e6, 300e6]);
        assert_eq!(Scale::new(-3.0, 7.0).ticks(), vec![-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(Scale::new(0.0, 0.0).ticks().len(), 6, "an empty chart still has an axis");
    }

    #[test]
    fn data_is_escaped_and_there_are_no_blank_lines() {
        let c = chart(
            Kind::Bar { horizontal: false, stacked: false },
            &["<script>alert(1)</script>", "Lyon"],
            &[("Countries", &[Some(3.0), Some(136.0)])],
        );
        let svg = c.svg();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("\n\n"), "a blank line would end the Markdown HTML block");
        assert!(svg.contains("<title id=\"chart-1-title\">Countries per event</title>"));
        assert!(svg.contains(">136</text>"), "values are labelled");
    }

    /// The category labels written along the bottom, with their x.
    fn category_labels(svg: &str) -> Vec<(f64, String)> {
        let part = svg.split("<g class=\"categories\">").nth(1).unwrap_or_default();
        part.lines()
            .filter(|line| !line.contains("font-weight"))
            .filter_map(|line| {
                let x = line.split("x=\"").nth(1).or_else(|| line.split("translate(").nth(1))?;
                let x: f64 = x.split(['"', ' ']).next()?.parse().ok()?;
                let text = line.rsplit_once('>').map(|_| line.split('>').nth(1).unwrap_or_default())?;
                Some((x, text.trim_end_matches("</text").to_owned()))
            })
            .filter(|(_, t)| !t.is_empty())
            .collect()
    }

    #[test]
    fn a_run_of_one_label_is_written_once() {
        let quarters = ["Q1 2024", "Q1 2024", "Q1 2024", "Q2 2024", "Q2 2024", "Q2 2024"];
        let svg = chart(Kind::Line, &quarters, &[("n", &[Some(1.0); 6])]).svg();
        let part = svg.split("<g class=\"categories\">").nth(1).unwrap_or_default();
        assert_eq!(part.matches(">Q1 2024<").count(), 1, "{part}");
        assert_eq!(part.matches(">Q2 2024<").count(), 1, "{part}");
    }

    #[test]
    fn labels_never_overlap_from_1_to_500_categories() {
        for n in [1, 2, 12, 48, 60, 120, 500] {
            let months: Vec<String> =
                (0..n).map(|i| format!("{} {}", ["Jan", "Feb", "Mar"][i % 3], 2012 + i / 12)).collect();
            let names: Vec<&str> = months.iter().map(String::as_str).collect();
            let values: Vec<Option<f64>> = (0..n).map(|i| Some(1000.0 + i as f64 * 37.0)).collect();
            for kind in [Kind::Bar { horizontal: false, stacked: false }, Kind::Line] {
                let svg = chart(kind, &names, &[("Rain", &values)]).svg();
                let labels = category_labels(&svg);
                assert!(!labels.is_empty(), "{n} {kind:?}");
                for pair in labels.windows(2) {
                    let gap = pair[1].0 - pair[0].0;
                    assert!(gap >= text_width(&pair[0].1) + 4.0, "{n} {kind:?}: {pair:?} overlap");
                }
                // Values on the chart only where each fits: never one per point at 48.
                let values_written = svg.matches("font-size=\"11\"").count();
                if n >= 48 {
                    assert!(values_written <= 1, "{n} {kind:?}: {values_written} value labels");
                }
            }
        }
    }

    #[test]
    fn long_legends_wrap_inside_the_chart() {
        let values: &[Option<f64>] = &[Some(1.0), Some(2.0)];
        let names: Vec<String> = (0..8).map(|i| format!("A rather long series name {i}")).collect();
        let series: Vec<(&str, &[Option<f64>])> = names.iter().map(|n| (n.as_str(), values)).collect();
        let svg = chart(Kind::Line, &["a", "b"], &series).svg();
        for x in svg
            .split("<rect class=\"s")
            .skip(1)
            .filter_map(|r| r.split("x=\"").nth(1)?.split('"').next()?.parse::<f64>().ok())
        {
            assert!(x < WIDTH, "{x}");
        }
    }

    #[test]
    fn every_kind_draws_every_value() {
        let values: &[Option<f64>] = &[Some(1.0), None, Some(3.0)];
        for kind in [
            Kind::Bar { horizontal: false, stacked: false },
            Kind::Bar { horizontal: true, stacked: false },
            Kind::Bar { horizontal: false, stacked: true },
            Kind::Bar { horizontal: true, stacked: true },
            Kind::Line,
        ] {
            let svg = chart(kind, &["Q1", "Q2", "Q3"], &[("a", values), ("b", values)]).svg();
            let marks = svg.matches("<rect class=\"s").count() + svg.matches("<circle").count();
            // Two legend swatches, and one mark per non-NULL value.
            assert_eq!(marks, 2 + 4, "{kind:?}: {svg}");
        }
    }
}
