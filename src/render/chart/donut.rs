//! A donut chart: the shares of a whole, up to [`MAX_PARTS`] parts, each
//! labelled with its percentage on the ring (when there is room) and in
//! the legend beside it (HTML, legible at any width) with its value. The
//! percentages are rounded so that they add up to 100. One inline `<svg>`,
//! no script.

use std::f64::consts::PI;
use std::fmt::Write as _;

use super::svg::text;
use super::{COLOURS, FONT, ValueFormat};
use crate::locale::Locale;
use crate::render::format;
use crate::render::markdown::escape_html;

/// More parts than this are hard to compare as angles: a bar chart then.
pub const MAX_PARTS: usize = 6;

const SIZE: f64 = 260.0;

pub struct Donut {
    pub title: String,
    pub description: Option<String>,
    /// Each part's name and value (not negative).
    pub parts: Vec<(String, f64)>,
    pub format: ValueFormat,
    pub locale: Locale,
    pub id: String,
}

impl Donut {
    /// Each part's share of the total.
    fn shares(&self) -> Vec<f64> {
        let total: f64 = self.parts.iter().map(|(_, v)| v).sum();
        self.parts.iter().map(|(_, v)| if total > 0.0 { v / total } else { 0.0 }).collect()
    }

    /// The percentages as written: whole numbers, or with one decimal when
    /// a part is under 10%, rounded by largest remainder so that they add
    /// up to exactly 100.
    fn percentages(&self, shares: &[f64]) -> Vec<String> {
        let decimals = if shares.iter().any(|s| *s > 0.0 && *s < 0.1) { 1 } else { 0 };
        let unit = 10f64.powi(decimals);
        let scaled: Vec<f64> = shares.iter().map(|s| s * 100.0 * unit).collect();
        let mut units: Vec<i64> = scaled.iter().map(|v| v.floor() as i64).collect();
        let missing = (100.0 * unit) as i64 - units.iter().sum::<i64>();
        let mut order: Vec<usize> = (0..scaled.len()).collect();
        order.sort_by(|a, b| (scaled[*b] - scaled[*b].floor()).total_cmp(&(scaled[*a] - scaled[*a].floor())));
        for &i in order.iter().take(missing.max(0) as usize) {
            units[i] += 1;
        }
        units.iter().map(|u| format::percent(*u as f64 / unit / 100.0, decimals as usize, self.locale)).collect()
    }

    /// The ring as one `<svg>` element.
    pub fn svg(&self) -> String {
        let (cx, cy, outer, inner) = (SIZE / 2.0, SIZE / 2.0, 120.0, 70.0);
        let shares = self.shares();
        let percents = self.percentages(&shares);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg class=\"chart donut\" viewBox=\"0 0 {SIZE} {SIZE}\" width=\"100%\" role=\"img\" \
             aria-labelledby=\"{id}-title {id}-desc\" font-size=\"{FONT}\" \
             font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">",
            id = self.id
        );
        let _ = write!(out, "<title id=\"{}-title\">", self.id);
        escape_html(&self.title, &mut out);
        let _ = write!(out, "</title>\n<desc id=\"{}-desc\">", self.id);
        escape_html(&self.summary(&percents), &mut out);
        out.push_str("</desc>\n");
        let mut start = 0.0;
        for (i, ((name, value), share)) in self.parts.iter().zip(&shares).enumerate() {
            let end = start + share;
            let colour = COLOURS[i % COLOURS.len()];
            let _ = write!(out, "<path class=\"s{i}\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"1\" d=\"");
            ring_segment(&mut out, (cx, cy), (inner, outer), start, end);
            out.push_str("\"><title>");
            escape_html(&format!("{name}: {} ({})", self.format.text(*value, self.locale), percents[i]), &mut out);
            out.push_str("</title></path>\n");
            // The percentage on the ring, where the part is wide enough.
            if *share >= 0.06 {
                let middle = (start + end) / 2.0 * 2.0 * PI;
                let r = (inner + outer) / 2.0;
                let (x, y) = (cx + r * middle.sin(), cy - r * middle.cos() + 4.5);
                // Contrast of at least 4.5 on each part's colour.
                let on_dark = i % COLOURS.len() == 0;
                text(
                    &mut out,
                    &format!(
                        "x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"600\" \
                         fill=\"{}\" class=\"on-s{i}\"",
                        if on_dark { "#ffffff" } else { "#000000" }
                    ),
                    &percents[i],
                );
            }
            start = end;
        }
        out.push_str("</svg>\n");
        out
    }

    /// The legend beside the ring: a swatch, the part's name, its value and
    /// percentage.
    pub fn legend(&self) -> String {
        let percents = self.percentages(&self.shares());
        let mut out = String::from("<ul class=\"legend\">");
        for (i, ((name, value), percent)) in self.parts.iter().zip(&percents).enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let _ = write!(out, "<li><span class=\"swatch s{i}\" style=\"background: {colour}\"></span>");
            escape_html(name, &mut out);
            out.push_str(" <span class=\"figure\">");
            escape_html(&format!("{} · {percent}", self.format.text(*value, self.locale)), &mut out);
            out.push_str("</span></li>");
        }
        out.push_str("</ul>\n");
        out
    }

    fn summary(&self, percents: &[String]) -> String {
        if let Some(description) = &self.description {
            return description.clone();
        }
        let parts: Vec<String> =
            self.parts.iter().zip(percents).map(|((name, _), percent)| format!("{name} {percent}")).collect();
        format!("Donut chart of {} parts: {}. The data is in the table below the chart.", parts.len(), parts.join(", "))
    }
}

/// The path of the ring between radii `inner` and `outer` from `start` to
/// `end` (fractions of a turn, clockwise from the top).
fn ring_segment(out: &mut String, (cx, cy): (f64, f64), (inner, outer): (f64, f64), start: f64, end: f64) {
    // A whole ring is two halves: an arc cannot end where it starts.
    if end - start >= 0.9999 {
        ring_segment(out, (cx, cy), (inner, outer), 0.0, 0.5);
        ring_segment(out, (cx, cy), (inner, outer), 0.5, 1.0);
        return;
    }
    let point = |r: f64, t: f64| {
        let a = t * 2.0 * PI;
        (cx + r * a.sin(), cy - r * a.cos())
    };
    let large = if end - start > 0.5 { 1 } else { 0 };
    let (x0, y0) = point(outer, start);
    let (x1, y1) = point(outer, end);
    let (x2, y2) = point(inner, end);
    let (x3, y3) = point(inner, start);
    let _ = write!(
        out,
        "M{x0:.2},{y0:.2}A{outer},{outer} 0 {large} 1 {x1:.2},{y1:.2}L{x2:.2},{y2:.2}A{inner},{inner} 0 {large} 0 {x3:.2},{y3:.2}Z"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn donut(values: &[f64]) -> Donut {
        Donut {
            title: "t".into(),
            description: None,
            parts: values.iter().enumerate().map(|(i, v)| (format!("p{i}"), *v)).collect(),
            format: ValueFormat::Number,
            locale: Locale::En,
            id: "d".into(),
        }
    }

    #[test]
    fn percentages_add_up_to_a_hundred() {
        let thirds = donut(&[1.0, 1.0, 1.0]);
        assert_eq!(thirds.percentages(&thirds.shares()), ["34%", "33%", "33%"]);
        let lopsided = donut(&[1000.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        let percents = lopsided.percentages(&lopsided.shares());
        assert_eq!(percents[0], "99.5%");
        assert!(percents[1..].iter().all(|p| p == "0.1%"), "{percents:?}");
    }
}
