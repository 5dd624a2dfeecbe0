//! What every helper (`table`, `bar`, `line`) shares: reading its query
//! result and column arguments, and handing back its markup (in a
//! Markdown report's page pass, through a placeholder the Markdown parser
//! never sees).

use minijinja::value::ValueKind;
use minijinja::{ErrorKind, State, Value};

use super::{markdown, rows};
use crate::locale::Locale;
use crate::value::QueryResult;

/// In a Markdown report, which pass is rendering (`.md` file or page);
/// `None` in an HTML report or the layout. The renderer marks a Markdown
/// report's passes with `__markdown__` in their context.
pub(super) fn writes_markdown(state: &State<'_, '_>) -> Option<markdown::Pass> {
    if !state.lookup("__markdown__").is_some_and(|m| m.is_true()) {
        return None;
    }
    Some(if is_html(state) { markdown::Pass::Page } else { markdown::Pass::File })
}

/// HTML made by laporan's helpers in the page pass of a Markdown report.
/// The Markdown around it is converted to HTML by a Markdown parser, which
/// would read the text inside the helper's HTML as Markdown again (a blank
/// line ends an HTML block; a table or chart written mid-paragraph is
/// inline HTML, its text Markdown). So the helper writes a placeholder, an
/// unguessable word, and the HTML replaces it after the conversion: what a
/// helper emits never meets the Markdown parser.
#[derive(Debug)]
pub(super) struct Fragments {
    /// Random for each render, so that no value from data can name it.
    nonce: String,
    html: std::sync::Mutex<Vec<String>>,
}

impl minijinja::value::Object for Fragments {}

pub(super) const FRAGMENTS: &str = "laporan.fragments";

impl Fragments {
    pub(super) fn new() -> Fragments {
        use std::hash::{BuildHasher, Hasher};
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        Fragments { nonce: format!("{random:016x}"), html: std::sync::Mutex::new(Vec::new()) }
    }

    pub(super) fn placeholder(&self, index: usize) -> String {
        format!("laporanfragment{}x{index}x", self.nonce)
    }

    /// Puts each fragment in the place of its placeholder in `body` (the
    /// converted page): a paragraph holding only a placeholder becomes the
    /// fragment itself, not a paragraph around it.
    pub(super) fn restore(&self, mut body: String) -> String {
        let html = self.html.lock().unwrap_or_else(|p| p.into_inner());
        // A paragraph of several block fragments (maps written one per
        // line) becomes those blocks: a figure cannot be in a paragraph.
        // Inline ones (tiles) stay in theirs.
        let prefix = format!("laporanfragment{}x", self.nonce);
        let mut from = 0;
        while let Some(start) = body[from..].find("<p>").map(|i| i + from) {
            let Some(end) = body[start..].find("</p>\n").map(|i| i + start) else { break };
            let fragments: Option<Vec<&String>> = body[start + 3..end]
                .split_whitespace()
                .map(|word| {
                    let index: usize = word.strip_prefix(&prefix)?.strip_suffix('x')?.parse().ok()?;
                    html.get(index).filter(|f| is_block(f))
                })
                .collect();
            match fragments.filter(|f| f.len() > 1) {
                Some(blocks) => {
                    let joined: String = blocks.iter().map(|f| f.as_str()).collect();
                    body.replace_range(start..end + 5, &joined);
                    from = start + joined.len();
                }
                None => from = end,
            }
        }
        let mut out = String::with_capacity(body.len() + html.iter().map(String::len).sum::<usize>());
        expand(&body, &prefix, &html, &mut out, 0);
        out
    }
}

/// Fragments placed in their text: helpers nested in helpers (a
/// placeholder in a fragment) at most this deep.
const MAX_NESTING: usize = 8;

/// Writes `text` to `out` with each placeholder (`prefix`, an index, `x`)
/// replaced by its fragment, in one pass over the text: a placeholder alone
/// in a paragraph by the fragment itself, one elsewhere by the fragment
/// without its last line break. A placeholder inside a fragment is
/// replaced too.
fn expand(text: &str, prefix: &str, html: &[String], out: &mut String, depth: usize) {
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
        let fragment = after[..digits]
            .parse::<usize>()
            .ok()
            .filter(|_| after[digits..].starts_with('x') && depth < MAX_NESTING)
            .and_then(|index| html.get(index));
        let Some(fragment) = fragment else {
            out.push_str(&rest[..at + prefix.len()]);
            rest = after;
            continue;
        };
        let (before, mut next) = (&rest[..at], &after[digits + 1..]);
        match (before.strip_suffix("<p>"), next.strip_prefix("</p>\n")) {
            (Some(before), Some(after_paragraph)) => {
                out.push_str(before);
                expand(fragment, prefix, html, out, depth + 1);
                next = after_paragraph;
            }
            _ => {
                out.push_str(before);
                expand(fragment.trim_end(), prefix, html, out, depth + 1);
            }
        }
        rest = next;
    }
    out.push_str(rest);
}

/// Whether a helper's markup is a block (a figure, a table, a paragraph),
/// which a paragraph cannot hold.
fn is_block(markup: &str) -> bool {
    ["<figure", "<table", "<div", "<p", "<details"].iter().any(|tag| markup.starts_with(tag))
}

/// What a helper returns: its markup as a safe value, or in the page pass
/// of a Markdown report a placeholder for it (see [`Fragments`]).
pub(super) fn helper_output(state: &State<'_, '_>, markup: String) -> Value {
    if writes_markdown(state) != Some(markdown::Pass::Page) {
        return Value::from_safe_string(markup);
    }
    let fragments = state.get_or_set_temp_object(FRAGMENTS, Fragments::new);
    let mut html = fragments.html.lock().unwrap_or_else(|p| p.into_inner());
    html.push(markup);
    Value::from_safe_string(fragments.placeholder(html.len() - 1))
}

/// What a table or chart shows in place of an empty result.
pub(super) fn no_data(locale: Locale, html: bool) -> String {
    let text = locale.words().ui.no_data;
    if html { format!("<p class=\"no-data\">{text}</p>\n") } else { format!("*{text}*\n") }
}

/// `labels={…}` names columns of the result: a key that is not one is a
/// mistake (a misspelling would leave the header unlabelled).
pub(super) fn check_labels(
    result: &QueryResult,
    labels: Option<&Value>,
    function: &str,
) -> Result<(), minijinja::Error> {
    let Some(labels) = labels else { return Ok(()) };
    if labels.kind() != ValueKind::Map {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{function}(): labels is a map from column names to headers, such as {{\"iso3\": \"Country\"}}"),
        ));
    }
    for key in labels.try_iter()? {
        let name = key.to_string();
        column_index(result, &name, function).map_err(|_| {
            let known: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "{function}(): labels names `{name}`, which is not a column of query {} (its columns are {})",
                    result.name,
                    known.join(", ")
                ),
            )
        })?;
    }
    Ok(())
}

pub(super) fn is_html(state: &State<'_, '_>) -> bool {
    state.lookup("output").and_then(|v| v.as_str().map(|s| s == "html")).unwrap_or(false)
}

pub(super) fn query_result<'a>(value: &'a Value, function: &str) -> Result<&'a QueryResult, minijinja::Error> {
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    value.downcast_object_ref::<QueryResult>().ok_or_else(|| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{function}() takes the result of query(…), not {}", value.kind()),
        )
    })
}

pub(super) fn column_index(result: &QueryResult, name: &str, function: &str) -> Result<usize, minijinja::Error> {
    result.columns.iter().position(|c| c.name == name).ok_or_else(|| {
        let known: Vec<String> = result.columns.iter().map(|c| c.name.clone()).collect();
        let near = rows::closest(name, &known).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{function}(): query {} has no column `{name}`; its columns are {}{near}",
                result.name,
                known.join(", ")
            ),
        )
    })
}

/// A column's header: its label from `labels={…}`, or its name.
pub(super) fn label_of(labels: Option<&Value>, name: &str) -> String {
    labels
        .and_then(|l| l.get_attr(name).ok())
        .filter(|v| !v.is_undefined() && !v.is_none())
        .map(|v| v.to_string())
        .unwrap_or_else(|| name.to_owned())
}

/// The small-count suppression helpers applied while a report rendered:
/// the result (by address: the render holds it) and its columns with their
/// thresholds. The data export hides the same counts.
#[derive(Debug, Default)]
pub(super) struct Suppressions(std::sync::Mutex<Vec<(usize, usize, i64)>>);

impl minijinja::value::Object for Suppressions {}

pub(super) const SUPPRESSIONS: &str = "laporan.suppressions";

/// Records that `columns` of `result` were suppressed in this render.
pub(super) fn record_suppression(state: &State<'_, '_>, result: &QueryResult, columns: &[(usize, i64)]) {
    if columns.is_empty() {
        return;
    }
    let sink = state.get_or_set_temp_object(SUPPRESSIONS, Suppressions::default);
    let mut list = sink.0.lock().unwrap_or_else(|p| p.into_inner());
    let address = std::ptr::from_ref(result) as usize;
    for &(column, threshold) in columns {
        if !list.contains(&(address, column, threshold)) {
            list.push((address, column, threshold));
        }
    }
}

/// What [`record_suppression`] recorded in a render's state.
pub(super) fn suppressions(state: &State<'_, '_>) -> Vec<(usize, usize, i64)> {
    state
        .get_temp(SUPPRESSIONS)
        .and_then(|v| {
            v.downcast_object_ref::<Suppressions>().map(|s| s.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
        })
        .unwrap_or_default()
}

/// A chart's figure with nothing to draw: its title and "No data." (in
/// Markdown, the title in bold).
pub(super) fn empty_figure(title: &str, locale: Locale, html: bool) -> String {
    if !html {
        return format!("**{}**\n\n{}", markdown::escaped(title), no_data(locale, false));
    }
    let mut out = String::from("<figure class=\"chart\">\n<figcaption>");
    markdown::escape_html(title, &mut out);
    out.push_str("</figcaption>\n");
    out.push_str(&no_data(locale, true));
    out.push_str("</figure>\n");
    out
}

/// A chart's figure: its title, the drawing (`body`, HTML: a scrolling SVG,
/// a legend, a note), and the data as a table under it, folded.
pub(super) fn figure(title: &str, body: &str, table: &str, locale: Locale) -> String {
    let mut out = String::from("<figure class=\"chart\">\n<figcaption>");
    markdown::escape_html(title, &mut out);
    out.push_str("</figcaption>\n");
    out.push_str(body);
    out.push_str("<details class=\"chart-data\"><summary>");
    out.push_str(locale.words().ui.the_data);
    out.push_str("</summary>\n");
    out.push_str(table);
    out.push_str("</details>\n</figure>\n");
    out
}

/// An SVG in a box that scrolls sideways when the page is narrower, by
/// keyboard too.
pub(super) fn scrolling(svg: &str) -> String {
    format!("<div class=\"chart-scroll\" tabindex=\"0\">{svg}</div>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragments(html: &[&str]) -> Fragments {
        let fragments = Fragments::new();
        fragments.html.lock().unwrap().extend(html.iter().map(|h| (*h).to_owned()));
        fragments
    }

    #[test]
    fn placeholders_become_their_fragments_in_one_pass() {
        let f = fragments(&["<table>t</table>\n", "<span>i</span>\n", "<b>n</b>"]);
        let (p0, p1, p2) = (f.placeholder(0), f.placeholder(1), f.placeholder(2));
        // Alone in a paragraph: the block itself. Inline: without its line
        // break. Inside a fragment: replaced too. Twice: both.
        let body = format!("<p>{p0}</p>\n<p>a {p1} b</p>\n<p>{p1}{p1}</p>\n");
        assert_eq!(
            f.restore(body),
            "<table>t</table>\n<p>a <span>i</span> b</p>\n<p><span>i</span><span>i</span></p>\n"
        );
        let nested = fragments(&["<div>[PLACE]</div>\n", "<b>n</b>"]);
        let inner = nested.placeholder(1);
        nested.html.lock().unwrap()[0] = format!("<div>{inner}</div>\n");
        assert_eq!(nested.restore(format!("<p>{}</p>\n", nested.placeholder(0))), "<div><b>n</b></div>\n");
        // An index no helper wrote, or a prefix alone, stays as it is.
        let unknown = format!("laporanfragment{}x", f.nonce);
        assert!(p2.starts_with(&unknown));
        let text = format!("<p>{unknown}99x and {unknown}</p>\n");
        assert_eq!(f.restore(text.clone()), text);
    }

    #[test]
    fn a_fragment_holding_its_own_placeholder_ends() {
        let f = fragments(&[""]);
        let own = f.placeholder(0);
        f.html.lock().unwrap()[0] = format!("<i>{own}</i>");
        let out = f.restore(format!("<p>{own}</p>\n"));
        assert!(out.len() < 1000 && out.starts_with("<i><i>"), "{out}");
    }
}
