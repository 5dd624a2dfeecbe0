//! Markdown in and out: escaping data for Markdown, and turning a rendered
//! Markdown report into HTML with heading ids and a table of contents.
//!
//! Safety rests on the escaping: a value from data is escaped before it
//! enters the Markdown, so `<script>` in a cell reaches the HTML as the text
//! `&lt;script&gt;`. Raw HTML written by the template author (or produced by
//! laporan's own helpers, already escaped) is trusted and passes through.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

use crate::error::{bidi_mark, visible};

/// A level-2 heading in the table of contents, with its level-3 headings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TocEntry {
    pub id: String,
    pub text: String,
    pub children: Vec<TocEntry>,
}

/// A Markdown document converted to HTML.
#[derive(Debug)]
pub struct HtmlDocument {
    pub body: String,
    /// The text of the first level-1 heading.
    pub title: Option<String>,
    /// Level 2 headings, each with its level 3 headings.
    pub toc: Vec<TocEntry>,
}

/// Which output a Markdown report's text is for: the `.md` file, or the
/// page made from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    File,
    Page,
}

/// Escapes `text` so that Markdown shows it literally, inline, in the `.md`
/// file. See [`escape_for`].
pub fn escape(text: &str, out: &mut String) {
    escape_for(text, Pass::File, out)
}

/// Escapes `text` so that it is inert wherever it lands in a Markdown
/// report: as Markdown text, and inside HTML the template writes around it
/// (a Markdown parser passes an HTML block through untouched, so Markdown
/// escapes alone would leave `<img onerror=…>` live there).
///
/// Punctuation that can start inline markup is backslash-escaped, as are
/// characters that only matter at the start of a line (`#`, `-`, `+`, `=`,
/// `1.`); the first of four spaces there, which would start a code block,
/// becomes a character reference. `<` and `>` become character references,
/// which mean the same character in Markdown and in HTML; line breaks
/// become `<br>` so a value cannot start a new block. For the page, `&`, `"` and `'` become
/// references too, so that a value cannot close an attribute; the `.md`
/// file keeps them readable.
pub fn escape_for(text: &str, pass: Pass, out: &mut String) {
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(shown) = bidi_mark(c) {
            out.push_str(shown);
            at_start = false;
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' if pass == Pass::Page => out.push_str("&amp;"),
            '"' if pass == Pass::Page => out.push_str("&quot;"),
            '\'' if pass == Pass::Page => out.push_str("&#39;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '&' | '|' | '~' | '!' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            // At a line's start `#` may open a heading; `-`, `+` and `=`
            // only before white space, the end or a run of themselves (a
            // list item, a rule, a heading's underline): `-7.1` stays.
            '#' if at_start => {
                out.push('\\');
                out.push(c);
            }
            // (`=` underlines a heading only when the line is nothing else.)
            '=' if at_start
                && chars.clone().take_while(|&n| n != '\n' && n != '\r').all(|n| n == '=' || n == ' ' || n == '\t') =>
            {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' if at_start && chars.peek().is_none_or(|&n| n.is_whitespace() || n == c) => {
                out.push('\\');
                out.push(c);
            }
            // `#` before a space or the end would close a heading the value
            // is written in (`## {{ name }}` with a name ending in ` #`).
            '#' if chars.peek().is_none_or(|n| n.is_whitespace()) => out.push_str("\\#"),
            // Indentation of four columns would make a code block: its
            // first space or tab becomes a reference. A shorter one passes,
            // and what follows it is still escaped as a line's start.
            ' ' | '\t' if at_start => {
                let mut run = String::from(c);
                while let Some(&w @ (' ' | '\t')) = chars.peek() {
                    run.push(w);
                    chars.next();
                }
                if run.contains('\t') || run.len() >= 4 {
                    out.push_str(if run.starts_with('\t') { "&#9;" } else { "&#32;" });
                    out.push_str(&run[1..]);
                } else {
                    out.push_str(&run);
                }
                continue;
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
                at_start = true;
                continue;
            }
            '\n' => {
                out.push_str("<br>");
                at_start = true;
                continue;
            }
            c if at_start && c.is_ascii_digit() => {
                // "1. text" or "1) text" would start an ordered list.
                out.push(c);
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() {
                        out.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if let Some(&p @ ('.' | ')')) = chars.peek() {
                    chars.next();
                    // Only "1. " or a bare "1." is a list marker; "3.571" is not.
                    if chars.peek().is_none_or(|c| c.is_whitespace()) {
                        out.push('\\');
                    }
                    out.push(p);
                }
            }
            // Control characters (ESC, BEL, …) are no text: shown as their
            // pictures, as on a terminal (see `error::visible`).
            c if c.is_control() && c != '\t' => out.push_str(&visible_control(c)),
            c => out.push(c),
        }
        at_start = false;
    }
}

pub fn escaped(text: &str) -> String {
    escaped_for(text, Pass::File)
}

pub fn escaped_for(text: &str, pass: Pass) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_for(text, pass, &mut out);
    out
}

/// Escapes `text` for HTML element content and attribute values.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        if let Some(shown) = bidi_mark(c) {
            out.push_str(shown);
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in HTML text; line ends
            // and tabs are white space.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push_str(&visible_control(c)),
            c => out.push(c),
        }
    }
}

/// A control character as text (see [`visible`]), its `<U+0085>` form
/// escaped: no markup in HTML or Markdown.
fn visible_control(c: char) -> String {
    visible(&c.to_string()).replace('<', "&lt;").replace('>', "&gt;")
}

pub fn html_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_html(text, &mut out);
    out
}

/// Converts Markdown (GitHub flavour: tables, strikethrough, task lists) to
/// HTML, giving every heading an id and collecting the table of contents.
pub fn to_html(markdown: &str) -> HtmlDocument {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_FOOTNOTES;
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    let mut title = None;
    let mut toc = Vec::new();
    let mut used_ids: Vec<String> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i] {
            let level = *level;
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let id = unique_id(slug(&text), &mut used_ids);
            let depth = heading_depth(level);
            if depth == 1 && title.is_none() {
                title = Some(text.clone());
            }
            let entry = TocEntry { id: id.clone(), text, children: Vec::new() };
            match (depth, toc.last_mut()) {
                (2, _) => toc.push(entry),
                (3, Some(parent)) => parent.children.push(entry),
                (3, None) => toc.push(entry),
                _ => {}
            }
            events[i] =
                Event::Start(Tag::Heading { level, id: Some(CowStr::from(id)), classes: vec![], attrs: vec![] });
            i = j;
        }
        i += 1;
    }
    // A link that is neither a page nor an address (`javascript:`,
    // `data:`) keeps its text only; an image from elsewhere would load it
    // (the page is offline) and keeps its description only. The start and
    // end of each link and image go together.
    let mut kept: Vec<bool> = Vec::new();
    let events = events.into_iter().filter(|event| match event {
        Event::Start(Tag::Link { dest_url, .. }) => {
            kept.push(link_allowed(dest_url));
            *kept.last().expect("just pushed")
        }
        Event::Start(Tag::Image { dest_url, .. }) => {
            kept.push(image_allowed(dest_url));
            *kept.last().expect("just pushed")
        }
        Event::End(TagEnd::Link | TagEnd::Image) => kept.pop().unwrap_or(true),
        _ => true,
    });
    let mut body = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut body, events);
    // Focusable: on a phone a wide table scrolls, by keyboard too.
    let body = body.replace("<table>", "<table tabindex=\"0\">");
    HtmlDocument { body, title, toc }
}

/// The scheme of a URL as a browser reads it (ignoring white space and
/// control characters, which browsers drop), lower-cased; `None` for a
/// relative address.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let (scheme, _) = cleaned.split_once(':')?;
    let valid = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Links go to pages (relative), web addresses and mail only.
fn link_allowed(url: &str) -> bool {
    scheme(url).is_none_or(|s| matches!(s.as_str(), "http" | "https" | "mailto"))
}

/// Images come from the published folder (relative) or are inline data.
fn image_allowed(url: &str) -> bool {
    let trimmed = url.trim_start();
    match scheme(url) {
        None => !trimmed.starts_with("//") && !trimmed.starts_with("\\\\"),
        Some(s) => s == "data" && trimmed.to_ascii_lowercase().starts_with("data:image/"),
    }
}

fn heading_depth(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// A GitHub-style heading id: lower case, letters and digits kept, spaces
/// to hyphens, other punctuation dropped.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == ' ' || c == '-' || c == '_' {
            out.push('-');
        }
    }
    if out.is_empty() { "section".to_owned() } else { out }
}

fn unique_id(base: String, used: &mut Vec<String>) -> String {
    let mut id = base.clone();
    let mut n = 1;
    while used.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    used.push(id.clone());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_never_markup() {
        assert_eq!(html_escaped("a\u{85}b\u{1b}c"), "a&lt;U+0085&gt;b␛c");
        assert_eq!(escaped_for("a\u{9b}b", Pass::Page), "a&lt;U+009B&gt;b");
        assert!(!to_html(&escaped("x\u{85}y")).body.contains("<U"), "no tag in the page");
    }

    #[test]
    fn escaped_data_stays_text_in_markdown_and_html() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "**bold** _em_ `code`",
            "# heading",
            "- item",
            "1. item",
            "a | b",
            "line\nbreak\r\n# heading",
            "&lt; entity",
            "![img](http://example.com/x.png)",
        ] {
            let md = format!("Value: {}\n", escaped(hostile));
            let html = to_html(&md).body;
            assert!(!html.contains("<script"), "{hostile:?} → {html}");
            assert!(!html.contains("<img"), "{hostile:?} → {html}");
            assert!(!html.contains("<a "), "{hostile:?} → {html}");
            assert!(
                !html.contains("<strong>") && !html.contains("<em>") && !html.contains("<code>"),
                "{hostile:?} → {html}"
            );
            assert!(!html.contains("<h1") && !html.contains("<li>"), "{hostile:?} → {html}");
        }
        // At the start of a line too.
        for hostile in [
            "# heading",
            "- item",
            "+ item",
            "1. item",
            "12) item",
            "=====",
            "> quote",
            "---",
            "- - -",
            "-",
            "+",
            "==",
            "***",
            "-\titem",
        ] {
            let html = to_html(&format!("Intro\n{}\n", escaped(hostile))).body;
            assert!(
                !html.contains("<h")
                    && !html.contains("<hr")
                    && !html.contains("<li>")
                    && !html.contains("<blockquote>"),
                "{hostile:?} → {html}"
            );
        }
    }

    #[test]
    fn bidi_controls_from_data_are_shown_not_obeyed() {
        assert_eq!(html_escaped("\u{202E}cod.exe"), "⟦RLO⟧cod.exe");
        assert_eq!(escaped("a\u{2067}b\u{2069}"), "a⟦RLI⟧b⟦PDI⟧");
        assert_eq!(html_escaped("مرحبا"), "مرحبا", "right-to-left text itself is untouched");
    }

    #[test]
    fn escaping_keeps_the_text_readable() {
        assert_eq!(escaped("Lyon, France (2024)"), "Lyon, France (2024)");
        assert_eq!(escaped("event_id"), "event\\_id");
        assert_eq!(escaped("2024-04-23"), "2024-04-23");
        // A negative or signed number is not a list item: no backslash before it.
        assert_eq!(escaped("-7.1"), "-7.1");
        assert_eq!(escaped("+62 21 555"), "+62 21 555");
        assert_eq!(escaped("=SUM(A1)"), "=SUM(A1)");
        assert_eq!(escaped("= 0"), "= 0", "a delta of nothing is no heading's underline");
        assert_eq!(escaped("-5"), "-5");
        assert_eq!(escaped("3.571"), "3.571", "a number is not a list marker");
        assert_eq!(escaped("3."), "3\\.");
        assert_eq!(escaped("Room #5"), "Room #5");
        assert_eq!(escaped("abc #"), "abc \\#", "not a heading's closing sequence");
        assert!(to_html(&format!("## {}\n", escaped("abc #"))).body.contains("abc #</h2>"));
    }

    #[test]
    fn headings_get_ids_title_and_toc() {
        let doc = to_html(
            "# Laporan Kerja Sama\n\n## Ringkasan\n\ntext\n\n## Operasi & Hasil\n\n### Detail\n\n## Ringkasan\n",
        );
        assert_eq!(doc.title.as_deref(), Some("Laporan Kerja Sama"));
        let ids: Vec<_> = doc.toc.iter().map(|e| (e.id.as_str(), e.children.len())).collect();
        assert_eq!(ids, vec![("ringkasan", 0), ("operasi--hasil", 1), ("ringkasan-1", 0)]);
        assert_eq!(doc.toc[1].children[0].id, "detail");
        assert!(doc.body.contains("<h2 id=\"ringkasan\">Ringkasan</h2>"), "{}", doc.body);
    }

    #[test]
    fn links_go_to_pages_and_images_stay_offline() {
        let html = to_html(
            "[a](javascript:alert(1)) [b](<java\tscript:x>) [c](data:text/html,x) [d](https://x.org/) [e](report.html) \
             [f](mailto:a@b.c)\n\n![g](http://127.0.0.1:9/x.png) ![h](//host/x.png) ![i](chart.png) ![j](data:image/png;base64,AA==)\n",
        )
        .body;
        for gone in ["javascript", "java\tscript", "java&#9;script", "data:text", "127.0.0.1", "//host"] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
        for kept in [
            "href=\"https://x.org/\"",
            "href=\"report.html\"",
            "href=\"mailto:a@b.c\"",
            "src=\"chart.png\"",
            "src=\"data:image/png",
        ] {
            assert!(html.contains(kept), "{kept} not in {html}");
        }
        assert!(html.starts_with("<p>a b c <a"), "the text stays: {html}");
        assert!(html.contains("<p>g h <img"), "descriptions stay: {html}");
    }

    #[test]
    fn tables_render() {
        let doc = to_html("| a | b |\n|---|--:|\n| x \\| y | 1 |\n");
        assert!(doc.body.contains("<table tabindex=\"0\">"), "{}", doc.body);
        assert!(doc.body.contains("x | y"), "{}", doc.body);
    }
}
