//! A donut chart: the shares of a whole, up to [`MAX_PARTS`] parts, each
//! labelled with its percentage on the ring (when there is room) and in
//! the legend beside it with its value. One inline `<svg>`, no script.

use std::f64::consts::PI;
use std::fmt::Write as _;

use super::svg::{label, text};
use super::{COLOURS, FONT, ValueFormat};
use crate::locale::Locale;
use crate::render::format;
use crate::render::markdown::escape_html;

const WIDTH: f64 = 560.0;

/// More parts than this are hard to compare as angles: a bar chart then.
pub const MAX_PARTS: usize = 6;

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

    pub fn svg(&self) -> String {
        let (cx, cy, outer, inner) = (130.0, 125.0, 110.0, 64.0);
        let legend_x = 275.0;
        let height = (250.0f64).max(40.0 + 26.0 * self.parts.len() as f64);
        let shares = self.shares();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg class=\"chart donut\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"100%\" role=\"img\" \
             aria-labelledby=\"{id}-title {id}-desc\" font-size=\"{FONT}\" \
             font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">",
            id = self.id
        );
        let _ = write!(out, "<title id=\"{}-title\">", self.id);
        escape_html(&self.title, &mut out);
        let _ = write!(out, "</title>\n<desc id=\"{}-desc\">", self.id);
        escape_html(&self.summary(&shares), &mut out);
        out.push_str("</desc>\n");
        let mut start = 0.0;
        for (i, ((name, value), share)) in self.parts.iter().zip(&shares).enumerate() {
            let end = start + share;
            let colour = COLOURS[i % COLOURS.len()];
            let _ = write!(out, "<path class=\"s{i}\" fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"1\" d=\"");
            ring_segment(&mut out, (cx, cy), (inner, outer), start, end);
            out.push_str("\"><title>");
            escape_html(
                &format!("{name}: {} ({})", self.format.text(*value, self.locale), percent(*share, self.locale)),
                &mut out,
            );
            out.push_str("</title></path>\n");
            // The percentage on the ring, where the part is wide enough.
            if *share >= 0.06 {
                let middle = (start + end) / 2.0 * 2.0 * PI;
                let r = (inner + outer) / 2.0;
                let (x, y) = (cx + r * middle.sin(), cy - r * middle.cos() + 4.0);
                // Contrast of at least 4.5 on each part's colour.
                let on_dark = i % COLOURS.len() == 0;
                text(
                    &mut out,
                    &format!(
                        "x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-weight=\"600\" fill=\"{}\" class=\"on-s{i}\"",
                        if on_dark { "#ffffff" } else { "#000000" }
                    ),
                    &percent(*share, self.locale),
                );
            }
            start = end;
        }
        out.push_str("<g class=\"legend\">\n");
        for (i, ((name, value), share)) in self.parts.iter().zip(&shares).enumerate() {
            let y = 40.0 + 26.0 * i as f64;
            let colour = COLOURS[i % COLOURS.len()];
            let _ = writeln!(
                out,
                "<rect class=\"s{i}\" x=\"{legend_x}\" y=\"{:.1}\" width=\"14\" height=\"14\" rx=\"2\" fill=\"{colour}\"/>",
                y - 11.0
            );
            label(&mut out, &format!("x=\"{:.1}\" y=\"{y:.1}\" fill=\"currentColor\"", legend_x + 22.0), name, 24);
            text(
                &mut out,
                &format!(
                    "x=\"{:.0}\" y=\"{y:.1}\" text-anchor=\"end\" fill=\"currentColor\" style=\"font-variant-numeric: tabular-nums\"",
                    WIDTH - 8.0
                ),
                &format!("{} · {}", self.format.text(*value, self.locale), percent(*share, self.locale)),
            );
        }
        out.push_str("</g>\n</svg>\n");
        out
    }

    fn summary(&self, shares: &[f64]) -> String {
        if let Some(description) = &self.description {
            return description.clone();
        }
        let parts: Vec<String> = self
            .parts
            .iter()
            .zip(shares)
            .map(|((name, _), share)| format!("{name} {}", percent(*share, self.locale)))
            .collect();
        format!("Donut chart of {} parts: {}. The data is in the table below the chart.", parts.len(), parts.join(", "))
    }
}

fn percent(share: f64, locale: Locale) -> String {
    format::percent(share, if share < 0.1 { 1 } else { 0 }, locale)
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
