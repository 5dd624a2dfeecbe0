//! The SVG elements charts are drawn with: text (always escaped), labels
//! shortened with the whole text as a tooltip, value labels, grid lines.

use std::fmt::Write as _;

use super::axis::shorten;
use crate::render::markdown::escape_html;

/// `<text ATTRS>content</text>`, the content escaped.
pub(super) fn text(out: &mut String, attrs: &str, content: &str) {
    let _ = write!(out, "<text {attrs}>");
    escape_html(content, out);
    out.push_str("</text>\n");
}

/// The title of the axis along the bottom, centred at `x`.
pub(super) fn axis_title(out: &mut String, x: f64, y: f64, title: &str) {
    let at = format!("x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" fill=\"currentColor\" font-weight=\"600\"");
    text(out, &at, title);
}

/// A category's label, shortened to `max` characters with the whole of it
/// as a tooltip.
pub(super) fn label(out: &mut String, attrs: &str, full: &str, max: usize) {
    let shown = shorten(full, max);
    let _ = write!(out, "<text {attrs}>");
    if shown != full {
        out.push_str("<title>");
        escape_html(full, out);
        out.push_str("</title>");
    }
    escape_html(&shown, out);
    out.push_str("</text>\n");
}

/// A value written at a bar's end or a point, its text anchored at `x`
/// (`middle` above a point or vertical bar; for horizontal bars `start`
/// after a positive bar, `end` before a negative one).
pub(super) fn value_label(out: &mut String, x: f64, y: f64, anchor: &str, value: &str) {
    text(
        out,
        &format!("x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" fill=\"currentColor\" font-size=\"11\""),
        value,
    );
}

/// A grid line at `tick`; the zero line stronger.
pub(super) fn gridline(out: &mut String, (x1, x2): (f64, f64), (y1, y2): (f64, f64), tick: f64) {
    let _ = writeln!(
        out,
        "<line x1=\"{x1:.1}\" x2=\"{x2:.1}\" y1=\"{y1:.1}\" y2=\"{y2:.1}\" stroke=\"currentColor\" stroke-opacity=\"{}\"/>",
        if tick == 0.0 { "0.6" } else { "0.15" }
    );
}
