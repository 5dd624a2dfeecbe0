//! A report's HTML page, as it rendered for the browser, read back into
//! Word's blocks: the same pass gives the page, its PDF and its .docx.
//!
//! The page is parsed by an HTML5 parser (scraper, html5ever) and walked:
//! headings become paragraphs in Word's heading styles (with a bookmark
//! for every link to them), lists numbered paragraphs, tables Word tables
//! (the header rows repeated across pages, numbers right-aligned, the
//! layout's cell colours), charts and maps pictures (their SVG drawn as PNG
//! by [`picture`](super::picture), their title and description as the alt
//! text), headline tiles a table of tiles. What it does not know it reads
//! for its text; scripts and styles are left out. Text stays text: nothing
//! from the page becomes a field, a formula or markup in Word.

use std::cell::Cell;
use std::rc::Rc;

use docx_rs::{
    AlignmentType, BorderType, BreakType, Hyperlink, HyperlinkData, HyperlinkType, IndentLevel, NumberingId, Paragraph,
    Pic, Run, Shading, ShdType, Table, TableCell, TableCellBorder, TableCellBorderPosition, TableCellBorders, TableRow,
    VMergeType, WidthType,
};
use scraper::{ElementRef, Html, Node};

use super::picture;
use crate::error::Error;

/// The width of the text on a page (A4, 16 mm margins), in twips.
pub const TEXT_WIDTH: u32 = 10_092;
/// The tallest a picture is drawn (about 22 cm), in twips.
const MAX_HEIGHT: u32 = 12_500;
/// Pictures are drawn at print resolution.
const DPI: u32 = 300;
/// Twips in a CSS pixel (1/96 inch).
const TWIPS_PER_PX: u32 = 15;
/// EMUs (the unit of a drawing's size) in a twip.
const EMU_PER_TWIP: u32 = 635;

/// One block of the document's body.
pub enum Block {
    Paragraph(Box<Paragraph>),
    Table(Box<Table>),
}

/// The page read as Word blocks, with what the package needs to know.
pub struct Converted {
    pub blocks: Vec<Block>,
    /// Each picture's alt text, in document order.
    pub pictures: Vec<String>,
    /// Each list, in order (its numbering instance is [`FIRST_LIST`] + its place).
    pub lists: Vec<List>,
    /// Header rows written: each is marked to repeat on every page.
    pub header_rows: usize,
}

/// The numbering instance of the first list (docx-rs has 1).
pub const FIRST_LIST: usize = 2;

/// A numbered or bulleted list.
pub struct List {
    pub ordered: bool,
    pub level: usize,
    pub start: usize,
}

/// Reads `page` (a report's HTML page) as Word blocks: the masthead, the
/// report (`<main>`), then the provenance footer.
pub fn convert(page: &str) -> Result<Converted, Error> {
    let html = Html::parse_document(page);
    let root = html.root_element();
    let styles: String = find_all(root, |e| e.value().name() == "style").flat_map(|s| s.text()).collect();
    // Each heading's bookmark, numbered in page order: names Word accepts
    // (40 characters) and never two alike.
    let mut bookmarks = std::collections::HashMap::new();
    let headings = find_all(root, |e| matches!(e.value().name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"));
    for (i, id) in headings.filter_map(|h| h.value().id()).filter(|id| !id.is_empty()).enumerate() {
        bookmarks.entry(id.to_owned()).or_insert_with(|| bookmark_name(i + 1, id));
    }
    let mut converter = Converter {
        bookmarks,
        placed: std::collections::HashMap::new(),
        colours: CellColours::read(&styles),
        pictures: Vec::new(),
        lists: Vec::new(),
        links: 0,
        bookmark_ids: 0,
        header_rows: 0,
        depth: 0,
    };
    let mut blocks = Vec::new();
    let top = Ctx::new("Normal");
    if let Some(masthead) = find_all(root, |e| is(e, "header", "masthead")).next() {
        converter.container(masthead, &top, &mut blocks)?;
    }
    match find_all(root, |e| e.value().name() == "main").next() {
        Some(main) => converter.container(main, &top, &mut blocks)?,
        None => {
            let body = find_all(root, |e| e.value().name() == "body").next().unwrap_or(root);
            converter.container(body, &Ctx { outside_main: true, ..top.clone() }, &mut blocks)?;
        }
    }
    if let Some(footer) = find_all(root, |e| is(e, "footer", "provenance")).next() {
        converter.container(footer, &Ctx::new("Provenance"), &mut blocks)?;
    }
    Ok(Converted { blocks, pictures: converter.pictures, lists: converter.lists, header_rows: converter.header_rows })
}

/// The elements below `root` (itself included) for which `test` holds, in
/// document order.
fn find_all<'a>(root: ElementRef<'a>, test: impl Fn(&ElementRef<'a>) -> bool) -> impl Iterator<Item = ElementRef<'a>> {
    root.descendants().filter_map(ElementRef::wrap).filter(move |e| test(e))
}

/// Whether `element` is a `name` of class `class`.
fn is(element: &ElementRef<'_>, name: &str, class: &str) -> bool {
    element.value().name() == name && has_class(element, class)
}

fn has_class(element: &ElementRef<'_>, class: &str) -> bool {
    element.value().classes().any(|c| c == class)
}

/// Text formatting, inherited from the elements around a text.
#[derive(Clone, Default, PartialEq)]
struct Format {
    bold: bool,
    italic: bool,
    code: bool,
    strike: bool,
    /// RRGGBB.
    colour: Option<String>,
    /// Inside `<pre>`: spaces and line ends kept.
    pre: bool,
}

/// Where a link goes.
#[derive(Clone, PartialEq)]
enum Link {
    /// Another document or a web page: the relationship's number and the
    /// address.
    External(usize, String),
    /// A heading of this document, by its bookmark.
    Anchor(String),
}

enum Bit {
    Text(String),
    Break,
    Picture(Box<Pic>),
}

struct Piece {
    bit: Bit,
    format: Format,
    link: Option<Link>,
}

/// The text of a paragraph as it is read: HTML's white space collapsed.
#[derive(Default)]
struct Inline {
    pieces: Vec<Piece>,
    /// White space read and not yet written (written only before more text).
    space: bool,
}

impl Inline {
    fn text(&mut self, text: &str, format: &Format, link: &Option<Link>) {
        if format.pre {
            let text: String = text.chars().map(xml_char).collect();
            for (i, line) in text.split('\n').enumerate() {
                if i > 0 {
                    self.push(Bit::Break, format, link);
                }
                if !line.is_empty() {
                    self.push_text(line, format, link);
                }
            }
            return;
        }
        let mut out = String::new();
        for c in text.chars().map(xml_char) {
            if c.is_ascii_whitespace() {
                self.space = true;
                continue;
            }
            if self.space && (!out.is_empty() || self.has_text()) {
                out.push(' ');
            }
            self.space = false;
            out.push(c);
        }
        if !out.is_empty() {
            self.push_text(&out, format, link);
        }
    }

    fn has_text(&self) -> bool {
        self.pieces.last().is_some_and(|p| !matches!(p.bit, Bit::Break))
    }

    fn push_text(&mut self, text: &str, format: &Format, link: &Option<Link>) {
        if let Some(Piece { bit: Bit::Text(last), format: f, link: l }) = self.pieces.last_mut()
            && f == format
            && l == link
        {
            last.push_str(text);
            return;
        }
        self.push(Bit::Text(text.to_owned()), format, link);
    }

    fn push(&mut self, bit: Bit, format: &Format, link: &Option<Link>) {
        if matches!(bit, Bit::Break) {
            self.space = false;
        }
        self.pieces.push(Piece { bit, format: format.clone(), link: link.clone() });
    }

    fn is_empty(&self) -> bool {
        !self.pieces.iter().any(|p| match &p.bit {
            Bit::Text(text) => !text.trim().is_empty(),
            Bit::Picture(_) => true,
            Bit::Break => false,
        })
    }

    /// The pieces as runs of `paragraph`, the linked ones in hyperlinks.
    fn into_paragraph(self, mut paragraph: Paragraph) -> Paragraph {
        let mut pieces = self.pieces.into_iter().peekable();
        while let Some(piece) = pieces.next() {
            let Some(link) = piece.link.clone() else {
                paragraph = paragraph.add_run(run(piece, false));
                continue;
            };
            let mut hyperlink = match &link {
                Link::External(number, address) => {
                    let mut hyperlink = Hyperlink::new(address.clone(), HyperlinkType::External);
                    // docx-rs numbers links with a counter shared by every
                    // document the process makes: the number is ours, so the
                    // same report gives the same file.
                    if let HyperlinkData::External { rid, .. } = &mut hyperlink.link {
                        *rid = format!("rIdHyperlink{number}");
                    }
                    hyperlink
                }
                Link::Anchor(bookmark) => Hyperlink::new(bookmark.clone(), HyperlinkType::Anchor),
            };
            hyperlink = hyperlink.add_run(run(piece, true));
            while let Some(next) = pieces.next_if(|p| p.link.as_ref() == Some(&link)) {
                hyperlink = hyperlink.add_run(run(next, true));
            }
            paragraph = paragraph.add_hyperlink(hyperlink);
        }
        paragraph
    }
}

fn run(piece: Piece, linked: bool) -> Run {
    let mut run = match piece.bit {
        Bit::Text(text) => Run::new().add_text(text),
        Bit::Break => Run::new().add_break(BreakType::TextWrapping),
        Bit::Picture(picture) => Run::new().add_image(*picture),
    };
    let format = piece.format;
    if linked {
        run = run.style("Hyperlink");
    } else if format.code {
        run = run.style("VerbatimChar");
    }
    if format.bold {
        run = run.bold();
    }
    if format.italic {
        run = run.italic();
    }
    if format.strike {
        run = run.strike();
    }
    if let Some(colour) = format.colour {
        run = run.color(colour);
    }
    run
}

/// What the blocks being read inherit.
#[derive(Clone)]
struct Ctx {
    /// The style of a paragraph.
    style: &'static str,
    format: Format,
    align: Option<AlignmentType>,
    /// The list item's numbering (instance, level), taken by its first
    /// paragraph; the next ones are indented as far.
    /// Shared by the contexts inside the item (a quote, a definition), so
    /// that one paragraph only takes it.
    numbering: Rc<Cell<Option<(usize, usize)>>>,
    indent: Option<i32>,
    /// How deep in lists.
    level: usize,
    /// The page has no `<main>`: its masthead, contents and footer are
    /// left out of the body (read on their own).
    outside_main: bool,
}

impl Ctx {
    fn new(style: &'static str) -> Ctx {
        Ctx {
            style,
            format: Format::default(),
            align: None,
            numbering: Rc::new(Cell::new(None)),
            indent: None,
            level: 0,
            outside_main: false,
        }
    }
}

struct Converter {
    /// Each heading id's bookmark, until its heading is written…
    bookmarks: std::collections::HashMap<String, String>,
    /// …and after.
    placed: std::collections::HashMap<String, String>,
    colours: CellColours,
    pictures: Vec<String>,
    lists: Vec<List>,
    links: usize,
    bookmark_ids: usize,
    header_rows: usize,
    /// How deep in the page the walk is: past [`MAX_DEPTH`] an element is
    /// read as its text (a page nested thousands deep would overflow the
    /// stack).
    depth: usize,
}

/// The deepest an element is read as structure.
const MAX_DEPTH: usize = 48;

impl Converter {
    /// The children of `element`: text and inline elements gathered into
    /// paragraphs, blocks converted in their place.
    fn container(&mut self, element: ElementRef<'_>, ctx: &Ctx, out: &mut Vec<Block>) -> Result<(), Error> {
        let mut inline = Inline::default();
        for child in element.children() {
            match child.value() {
                Node::Text(text) => inline.text(text, &ctx.format, &None),
                Node::Element(_) => {
                    let Some(child) = ElementRef::wrap(child) else { continue };
                    if is_block(&child) {
                        self.flush(&mut inline, ctx, ctx.style, out);
                        self.block(child, ctx, out)?;
                    } else {
                        self.inline(child, &ctx.format, &None, &mut inline)?;
                    }
                }
                _ => {}
            }
        }
        self.flush(&mut inline, ctx, ctx.style, out);
        Ok(())
    }

    /// The text gathered so far as a paragraph in `style`.
    fn flush(&self, inline: &mut Inline, ctx: &Ctx, style: &str, out: &mut Vec<Block>) {
        let inline = std::mem::take(inline);
        if !inline.is_empty() {
            out.push(Block::Paragraph(Box::new(self.paragraph(inline, ctx, style))));
        }
    }

    fn paragraph(&self, inline: Inline, ctx: &Ctx, style: &str) -> Paragraph {
        let mut paragraph = Paragraph::new().style(style);
        if let Some(align) = ctx.align {
            paragraph = paragraph.align(align);
        }
        match ctx.numbering.take() {
            Some((instance, level)) => {
                paragraph = paragraph.numbering(NumberingId::new(instance), IndentLevel::new(level));
            }
            None => {
                if let Some(indent) = ctx.indent {
                    paragraph = paragraph.indent(Some(indent), None, None, None);
                }
            }
        }
        inline.into_paragraph(paragraph)
    }

    fn block(&mut self, element: ElementRef<'_>, ctx: &Ctx, out: &mut Vec<Block>) -> Result<(), Error> {
        if self.depth >= MAX_DEPTH {
            let mut inline = Inline::default();
            inline.text(&element.text().collect::<String>(), &ctx.format, &None);
            self.flush(&mut inline, ctx, ctx.style, out);
            return Ok(());
        }
        self.deeper(|me| me.block_within(element, ctx, out))
    }

    /// Runs `read` one level deeper in the page.
    fn deeper<T>(&mut self, read: impl FnOnce(&mut Self) -> T) -> T {
        self.depth += 1;
        let done = read(self);
        self.depth -= 1;
        done
    }

    fn block_within(&mut self, element: ElementRef<'_>, ctx: &Ctx, out: &mut Vec<Block>) -> Result<(), Error> {
        let name = element.value().name();
        if is_hidden(&element) {
            return Ok(());
        }
        if ctx.outside_main
            && (name == "nav" || is(&element, "header", "masthead") || is(&element, "footer", "provenance"))
        {
            return Ok(());
        }
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = &name[1..];
                let mut inline = Inline::default();
                self.children_inline(element, &Format::default(), &None, &mut inline)?;
                // Kept with what follows whatever the style says (a
                // reference document's may not).
                let mut paragraph = Paragraph::new().style(&format!("Heading{level}")).keep_next(true);
                // The first heading of an id has its bookmark; a second of
                // the same id has none.
                let bookmark = element.value().id().and_then(|id| self.bookmarks.remove(id).map(|name| (id, name)));
                let bookmark = bookmark.map(|(id, name)| {
                    self.placed.insert(id.to_owned(), name.clone());
                    name
                });
                self.bookmark_ids += 1;
                let number = self.bookmark_ids;
                if let Some(name) = &bookmark {
                    paragraph = paragraph.add_bookmark_start(number, name.clone());
                }
                paragraph = inline.into_paragraph(paragraph);
                if bookmark.is_some() {
                    paragraph = paragraph.add_bookmark_end(number);
                }
                out.push(Block::Paragraph(Box::new(paragraph)));
            }
            "p" => {
                let tiles: Vec<ElementRef<'_>> = element.children().filter_map(ElementRef::wrap).collect();
                let only_tiles = !tiles.is_empty()
                    && tiles.iter().all(|t| is(t, "span", "kpi"))
                    && element.children().all(|c| c.value().as_text().is_none_or(|t| t.trim().is_empty()));
                if only_tiles {
                    let table = self.tiles(&tiles)?;
                    push_table(out, table);
                    return Ok(());
                }
                let (style, mut format) = match element.value().classes().next() {
                    Some("table-note" | "map-note") => ("TableNote", ctx.format.clone()),
                    Some("org") => ("Masthead", ctx.format.clone()),
                    Some("period") => ("MastheadPeriod", ctx.format.clone()),
                    _ => (ctx.style, ctx.format.clone()),
                };
                if has_class(&element, "no-data") {
                    format.italic = true;
                }
                let mut inline = Inline::default();
                self.children_inline(element, &format, &None, &mut inline)?;
                self.flush(&mut inline, ctx, style, out);
            }
            "ul" | "ol" if has_class(&element, "legend") => {
                let paragraph = self.legend(element)?;
                out.push(Block::Paragraph(Box::new(paragraph)));
            }
            "ul" | "ol" => {
                // Word counts from 0 up (a negative start or `reversed` is not Word's).
                let start = element.value().attr("start").and_then(|s| s.trim().parse().ok()).unwrap_or(1).min(32_767);
                self.lists.push(List { ordered: name == "ol", level: ctx.level.min(8), start });
                let instance = FIRST_LIST + self.lists.len() - 1;
                for item in element.children().filter_map(ElementRef::wrap).filter(|e| e.value().name() == "li") {
                    let item_ctx = Ctx {
                        style: "ListParagraph",
                        numbering: Rc::new(Cell::new(Some((instance, ctx.level.min(8))))),
                        indent: Some(list_indent(ctx.level)),
                        level: ctx.level + 1,
                        ..ctx.clone()
                    };
                    self.container(item, &item_ctx, out)?;
                }
            }
            "blockquote" => self.container(element, &Ctx { style: "Quote", ..ctx.clone() }, out)?,
            "pre" => {
                let format = Format { pre: true, ..ctx.format.clone() };
                let mut inline = Inline::default();
                self.children_inline(element, &format, &None, &mut inline)?;
                self.flush(&mut inline, ctx, "SourceCode", out);
            }
            "hr" => out.push(Block::Paragraph(Box::new(Paragraph::new().style("HorizontalRule")))),
            "table" => {
                for caption in element.children().filter_map(ElementRef::wrap).filter(|c| c.value().name() == "caption")
                {
                    self.block(caption, ctx, out)?;
                }
                if let Some(table) = self.table(element)? {
                    push_table(out, table);
                }
            }
            "figcaption" | "caption" => {
                let mut inline = Inline::default();
                self.children_inline(element, &ctx.format, &None, &mut inline)?;
                if !inline.is_empty() {
                    let caption = self.paragraph(inline, ctx, "Caption").keep_next(true);
                    out.push(Block::Paragraph(Box::new(caption)));
                }
            }
            // A tile alone in its paragraph (the page has it without one).
            "span" => {
                let table = self.tiles(&[element])?;
                push_table(out, table);
            }
            "svg" => {
                let picture = self.picture(element)?;
                let paragraph = Paragraph::new().style("Figure").add_run(Run::new().add_image(picture));
                out.push(Block::Paragraph(Box::new(paragraph)));
            }
            // The data under a chart: the page folds it, the print leaves
            // it out; so does the document (the picture has it as alt text).
            "details" if has_class(&element, "chart-data") => {}
            "summary" | "dt" => self.container(element, &Ctx { format: bold(&ctx.format), ..ctx.clone() }, out)?,
            "dd" => self.container(element, &Ctx { indent: Some(list_indent(ctx.level)), ..ctx.clone() }, out)?,
            "li" => self.container(element, &Ctx { style: "ListParagraph", ..ctx.clone() }, out)?,
            _ if is_skipped(name) => {}
            _ => self.container(element, ctx, out)?,
        }
        Ok(())
    }

    fn children_inline(
        &mut self,
        element: ElementRef<'_>,
        format: &Format,
        link: &Option<Link>,
        inline: &mut Inline,
    ) -> Result<(), Error> {
        for child in element.children() {
            match child.value() {
                Node::Text(text) => inline.text(text, format, link),
                Node::Element(_) => {
                    if let Some(child) = ElementRef::wrap(child) {
                        self.inline(child, format, link, inline)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn inline(
        &mut self,
        element: ElementRef<'_>,
        format: &Format,
        link: &Option<Link>,
        inline: &mut Inline,
    ) -> Result<(), Error> {
        if self.depth >= MAX_DEPTH {
            inline.text(&element.text().collect::<String>(), format, link);
            return Ok(());
        }
        self.deeper(|me| me.inline_within(element, format, link, inline))
    }

    fn inline_within(
        &mut self,
        element: ElementRef<'_>,
        format: &Format,
        link: &Option<Link>,
        inline: &mut Inline,
    ) -> Result<(), Error> {
        let value = element.value();
        if is_hidden(&element) {
            return Ok(());
        }
        match value.name() {
            "br" => inline.push(Bit::Break, format, link),
            "strong" | "b" | "th" => self.children_inline(element, &bold(format), link, inline)?,
            "em" | "i" | "cite" | "dfn" | "var" => {
                self.children_inline(element, &Format { italic: true, ..format.clone() }, link, inline)?
            }
            "code" | "kbd" | "samp" | "tt" => {
                self.children_inline(element, &Format { code: true, ..format.clone() }, link, inline)?
            }
            "del" | "s" | "strike" => {
                self.children_inline(element, &Format { strike: true, ..format.clone() }, link, inline)?
            }
            "a" => {
                let target = value.attr("href").and_then(|href| self.link(href));
                self.children_inline(element, format, if target.is_some() { &target } else { link }, inline)?;
            }
            "img" => match value.attr("src").and_then(|src| self.image(src, value.attr("alt").unwrap_or_default())) {
                Some(picture) => inline.push(Bit::Picture(Box::new(picture?)), format, link),
                None => {
                    if let Some(alt) = value.attr("alt").filter(|a| !a.trim().is_empty()) {
                        inline.text(&format!("[{alt}]"), &Format { italic: true, ..format.clone() }, link);
                    }
                }
            },
            "svg" => {
                let picture = self.picture(element)?;
                inline.push(Bit::Picture(Box::new(picture)), format, link);
            }
            "input" if value.attr("type") == Some("checkbox") => {
                let mark = if value.attr("checked").is_some() { "☑ " } else { "☐ " };
                inline.text(mark, format, link);
            }
            "span" if has_class(&element, "cell-bar") => {}
            "span" if has_class(&element, "swatch") => {
                let colour = value.attr("style").and_then(css_colour);
                inline.text("■", &Format { colour, ..format.clone() }, link);
            }
            name if is_skipped(name) => {}
            _ => self.children_inline(element, format, link, inline)?,
        }
        Ok(())
    }

    /// A link's target, or none (its text stays) for one Word should not
    /// open: a web page (`http`, `https`), an e-mail address, a heading of
    /// this document, or a file beside the document (a path that stays below
    /// its folder: no `..`, no `/` or `\` first, no backslash, which Windows
    /// reads as a network share); never a script, a data URL or a local file.
    fn link(&mut self, href: &str) -> Option<Link> {
        let href = href.trim();
        if href.is_empty() || href.chars().any(|c| c.is_control() || xml_char(c) != c) {
            return None;
        }
        if let Some(id) = href.strip_prefix('#') {
            let id = percent_decoded(id);
            return self.bookmarks.get(&id).or_else(|| self.placed.get(&id)).map(|name| Link::Anchor(name.clone()));
        }
        let scheme = href.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).filter(|s| !s.contains(['/', '?', '#']));
        // Checked as written and as decoded (`%2e%2e/`, `%5c%5chost`).
        let decoded = percent_decoded(href);
        let safe = !decoded.contains('\\')
            && match scheme {
                Some(scheme) => ["http", "https", "mailto"].contains(&scheme.as_str()),
                None => {
                    let path = decoded.split(['?', '#']).next().unwrap_or_default();
                    !decoded.starts_with('/') && !path.split('/').any(|part| part == ".." || part.ends_with(':'))
                }
            };
        if !safe {
            return None;
        }
        self.links += 1;
        Some(Link::External(self.links, href.to_owned()))
    }

    /// A picture an `<img>` holds in its address (`data:image/png;base64,…`
    /// or `data:image/svg+xml,…`), the way a report carries an image
    /// offline; none for an address elsewhere (not read).
    fn image(&mut self, src: &str, alt: &str) -> Option<Result<Pic, Error>> {
        use base64::Engine;
        let (head, data) = src.trim().strip_prefix("data:")?.split_once(',')?;
        let base64 = head.ends_with(";base64");
        let bytes = if base64 {
            base64::engine::general_purpose::STANDARD.decode(data.trim()).ok()?
        } else {
            percent_decoded(data).into_bytes()
        };
        let media = head.split(';').next().unwrap_or_default().to_ascii_lowercase();
        let (png, width, height) = match media.as_str() {
            "image/png" => {
                // The size is in the header chunk (IHDR), bytes 16 to 24.
                let size = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                    return None;
                }
                let (width, height) = (size(16)?, size(20)?);
                (bytes, width, height)
            }
            "image/svg+xml" => {
                let text = String::from_utf8(bytes).ok()?;
                let document = Html::parse_fragment(&text);
                let svg = find_all(document.root_element(), |e| e.value().name() == "svg").next()?;
                return Some(self.picture(svg));
            }
            _ => return None,
        };
        if width == 0 || height == 0 {
            return None;
        }
        let size = fit(width.saturating_mul(TWIPS_PER_PX), f64::from(width), f64::from(height));
        let alt = alt.split_whitespace().collect::<Vec<_>>().join(" ");
        Some(Ok(self.place(png, (width, height), size, alt)))
    }

    /// A drawn picture (`pixels` wide and tall) shown `size` (twips) in the
    /// document, with its alt text: numbered in document order.
    fn place(&mut self, png: Vec<u8>, pixels: (u32, u32), size: (u32, u32), alt: String) -> Pic {
        self.pictures.push(alt);
        let id = format!("rIdImage{}", self.pictures.len());
        Pic::new_with_dimensions(png, pixels.0, pixels.1).size(size.0 * EMU_PER_TWIP, size.1 * EMU_PER_TWIP).id(id)
    }

    /// A map's or a donut's legend: a paragraph of coloured squares and
    /// their labels (a donut's, one per line).
    fn legend(&mut self, element: ElementRef<'_>) -> Result<Paragraph, Error> {
        let per_line = element.parent().and_then(ElementRef::wrap).is_some_and(|p| has_class(&p, "donut-wrap"));
        let mut inline = Inline::default();
        let format = Format::default();
        for (i, item) in element.children().filter_map(ElementRef::wrap).enumerate() {
            if i > 0 {
                if per_line {
                    inline.push(Bit::Break, &format, &None);
                } else {
                    inline.text("\u{a0}\u{a0}\u{a0} ", &format, &None);
                }
            }
            for child in item.children() {
                if let Some(child) = ElementRef::wrap(child)
                    && has_class(&child, "figure")
                {
                    inline.text(" ", &format, &None);
                }
                match child.value() {
                    Node::Text(text) => inline.text(text, &format, &None),
                    Node::Element(_) => {
                        if let Some(child) = ElementRef::wrap(child) {
                            self.inline(child, &format, &None, &mut inline)?;
                            if has_class(&child, "swatch") {
                                inline.text("\u{a0}", &format, &None);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(inline.into_paragraph(Paragraph::new().style("Legend")))
    }

    /// Headline tiles written together: a table of tiles, four to a row.
    fn tiles(&mut self, tiles: &[ElementRef<'_>]) -> Result<Table, Error> {
        let columns = tiles.len().min(4);
        let width = TEXT_WIDTH as usize / columns;
        let mut rows = Vec::new();
        for chunk in tiles.chunks(columns) {
            let mut cells = Vec::new();
            for tile in chunk {
                let mut cell = TableCell::new().width(width, WidthType::Dxa);
                let mut parts = 0;
                for part in tile.children().filter_map(ElementRef::wrap) {
                    let style = match part.value().classes().next() {
                        Some("kpi-label") => "TileLabel",
                        Some("kpi-value") => "TileValue",
                        _ => "TileChange",
                    };
                    let mut inline = Inline::default();
                    if part.value().name() == "svg" {
                        inline.push(Bit::Picture(Box::new(self.picture(part)?)), &Format::default(), &None);
                    } else {
                        self.children_inline(part, &Format::default(), &None, &mut inline)?;
                    }
                    if !inline.is_empty() {
                        cell = cell.add_paragraph(inline.into_paragraph(Paragraph::new().style(style)));
                        parts += 1;
                    }
                }
                if parts == 0 {
                    cell = cell.add_paragraph(Paragraph::new().style("TileChange"));
                }
                cells.push(cell);
            }
            while cells.len() < columns {
                let blank = Shading::new().shd_type(ShdType::Clear).color("auto").fill("FFFFFF");
                cells
                    .push(TableCell::new().width(width, WidthType::Dxa).shading(blank).add_paragraph(Paragraph::new()));
            }
            rows.push(TableRow::new(cells));
        }
        Ok(Table::without_borders(rows)
            .style("Tiles")
            .set_grid(vec![width; columns])
            .width(width * columns, WidthType::Dxa))
    }

    /// An HTML table as a Word table; none for a table without cells.
    fn table(&mut self, element: ElementRef<'_>) -> Result<Option<Table>, Error> {
        // Rows in the order they show: the header, the body, the totals.
        let mut rows: Vec<(ElementRef<'_>, bool)> = Vec::new();
        let mut footer: Vec<(ElementRef<'_>, bool)> = Vec::new();
        for part in element.children().filter_map(ElementRef::wrap).filter(|p| !is_hidden(p)) {
            let shown = |r: &ElementRef<'_>| r.value().name() == "tr" && !is_hidden(r);
            match part.value().name() {
                "tr" if !is_hidden(&part) => rows.push((part, false)),
                "tfoot" => {
                    footer.extend(part.children().filter_map(ElementRef::wrap).filter(shown).map(|r| (r, false)))
                }
                "thead" | "tbody" => {
                    let header = part.value().name() == "thead";
                    rows.extend(part.children().filter_map(ElementRef::wrap).filter(shown).map(|r| (r, header)));
                }
                _ => {}
            }
        }
        // The totals last, wherever the page wrote them.
        rows.extend(footer);
        // A table without <thead> whose first rows are all <th> has them as
        // its header.
        if !rows.iter().any(|(_, header)| *header) {
            for (row, header) in rows.iter_mut() {
                let all_th = row.children().filter_map(ElementRef::wrap).all(|c| c.value().name() == "th");
                if !all_th {
                    break;
                }
                *header = true;
            }
        }
        let widths = column_widths(&rows);
        let mut word_rows = Vec::new();
        // Cells of rows above that span down: (column, columns, rows left).
        let mut spanning: Vec<(usize, usize, usize)> = Vec::new();
        for (row, header) in &rows {
            let total = has_class(row, "total");
            let mut cells = Vec::new();
            let mut column = 0;
            let mut html_cells = row
                .children()
                .filter_map(ElementRef::wrap)
                .filter(|c| matches!(c.value().name(), "td" | "th") && !is_hidden(c))
                .peekable();
            while html_cells.peek().is_some() || spanning.iter().any(|(at, _, _)| *at >= column) {
                // A cell above covers this column: Word continues it.
                if let Some(&(_, span, _)) = spanning.iter().find(|(at, _, _)| *at == column) {
                    let width: usize = widths.iter().skip(column).take(span).sum();
                    let mut merged = TableCell::new()
                        .width(width, WidthType::Dxa)
                        .vertical_merge(VMergeType::Continue)
                        .add_paragraph(Paragraph::new().style("TableText"));
                    if span > 1 {
                        merged = merged.grid_span(span);
                    }
                    cells.push(merged);
                    column += span;
                    continue;
                }
                let Some(cell) = html_cells.next() else { break };
                let span = cell_span(&cell, "colspan");
                let down = cell_span(&cell, "rowspan");
                let width: usize = widths.iter().skip(column).take(span).sum();
                let mut word_cell = self.cell(cell, *header, total, span, width)?;
                if down > 1 {
                    word_cell = word_cell.vertical_merge(VMergeType::Restart);
                    spanning.push((column, span, down));
                }
                cells.push(word_cell);
                column += span;
            }
            // A cell spanning down from this row covers the next ones.
            for (_, _, left) in spanning.iter_mut() {
                *left -= 1;
            }
            spanning.retain(|(_, _, left)| *left > 0);
            if cells.is_empty() {
                continue;
            }
            let mut word_row = TableRow::new(cells);
            if *header {
                // Marked for the package, which makes it a header row
                // repeated on every page (docx-rs has no w:tblHeader).
                word_row = word_row.cant_split();
                self.header_rows += 1;
            }
            word_rows.push(word_row);
        }
        if word_rows.is_empty() {
            return Ok(None);
        }
        let width = widths.iter().sum();
        Ok(Some(Table::without_borders(word_rows).style("Table").set_grid(widths).width(width, WidthType::Dxa)))
    }

    fn cell(
        &mut self,
        cell: ElementRef<'_>,
        header: bool,
        total: bool,
        span: usize,
        width: usize,
    ) -> Result<TableCell, Error> {
        let classes: Vec<&str> = cell.value().classes().collect();
        let right = classes.contains(&"num")
            || cell.value().attr("style").is_some_and(|s| s.replace(' ', "").contains("text-align:right"));
        let (fill, colour) = self.colours.of(&classes);
        let format = Format { bold: header || total || classes.contains(&"hl"), colour, ..Format::default() };
        let ctx = Ctx { format, align: right.then_some(AlignmentType::Right), ..Ctx::new("TableText") };
        let mut blocks = Vec::new();
        self.container(cell, &ctx, &mut blocks)?;
        let mut word_cell = TableCell::new().width(width, WidthType::Dxa);
        if span > 1 {
            word_cell = word_cell.grid_span(span);
        }
        if let Some(fill) = fill {
            word_cell = word_cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(fill));
        }
        if total {
            let line = TableCellBorder::new(TableCellBorderPosition::Top)
                .border_type(BorderType::Single)
                .size(12)
                .color("1D2330");
            word_cell = word_cell.set_borders(TableCellBorders::with_empty().set(line));
        }
        // A cell ends with a paragraph.
        if !matches!(blocks.last(), Some(Block::Paragraph(_))) {
            let mut empty = Paragraph::new().style("TableText");
            if right {
                empty = empty.align(AlignmentType::Right);
            }
            blocks.push(Block::Paragraph(Box::new(empty)));
        }
        for block in blocks {
            word_cell = match block {
                Block::Paragraph(paragraph) => word_cell.add_paragraph(*paragraph),
                Block::Table(table) => word_cell.add_table(*table),
            };
        }
        Ok(word_cell)
    }

    /// An `<svg>` as a picture: drawn at print resolution as wide as it
    /// shows on the page (a chart the text's width, a sparkline its own),
    /// its alt text its title and description.
    fn picture(&mut self, svg: ElementRef<'_>) -> Result<Pic, Error> {
        let value = svg.value();
        let number = |name: &str| value.attr(name).and_then(|v| v.trim().trim_end_matches("px").parse::<f64>().ok());
        let view_box: Option<Vec<f64>> = value
            .attr("viewBox")
            .map(|v| v.split(|c: char| c == ',' || c.is_whitespace()).filter_map(|n| n.parse().ok()).collect());
        let (w, h) = match view_box.as_deref() {
            Some([_, _, w, h]) if *w > 0.0 && *h > 0.0 => (*w, *h),
            _ => (number("width").unwrap_or(300.0), number("height").unwrap_or(150.0)),
        };
        let wanted = if has_class(&svg, "donut") {
            // The page shows a donut 15rem wide.
            240 * TWIPS_PER_PX
        } else {
            match number("width") {
                Some(px) => (px * f64::from(TWIPS_PER_PX)).round().min(f64::from(TEXT_WIDTH)) as u32,
                None => TEXT_WIDTH,
            }
        };
        let (shown, tall) = fit(wanted, w, h);
        let png = picture::png(&standalone_svg(svg, w, h), (shown * DPI / 1440).max(1)).map_err(|e| {
            let text: String = svg.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
            let shown: String = text.chars().take(60).collect();
            Error::project(format!("an <svg> of the page (its text: \"{shown}\") could not be drawn for Word"))
                .wrapping(&e)
                .help(
                    "laporan draws each SVG of the page as a picture with resvg; \
                     fix the SVG in the template, or build without docx",
                )
        })?;
        Ok(self.place(png.bytes, (png.width, png.height), (shown, tall), alt_text(svg)))
    }
}

/// A table, and the space a page leaves under one (a table and the next
/// would otherwise be one table in Word).
fn push_table(out: &mut Vec<Block>, table: Table) {
    out.push(Block::Table(Box::new(table)));
    out.push(Block::Paragraph(Box::new(Paragraph::new().style("TableGap"))));
}

/// The size (twips) of a picture `w`×`h` in its own units, `wanted`
/// twips wide: at most the text's width and [`MAX_HEIGHT`] tall, its
/// proportions kept.
fn fit(wanted: u32, w: f64, h: f64) -> (u32, u32) {
    let mut shown = wanted.clamp(TWIPS_PER_PX, TEXT_WIDTH);
    let mut tall = (f64::from(shown) * h / w).round().clamp(1.0, f64::from(u32::MAX)) as u32;
    if tall > MAX_HEIGHT {
        shown = ((f64::from(shown) * f64::from(MAX_HEIGHT) / f64::from(tall)).round() as u32).max(TWIPS_PER_PX);
        tall = MAX_HEIGHT;
    }
    (shown, tall)
}

/// A cell's `colspan` or `rowspan` (1 to 64).
fn cell_span(cell: &ElementRef<'_>, attribute: &str) -> usize {
    cell.value().attr(attribute).and_then(|s| s.trim().parse().ok()).unwrap_or(1).clamp(1, 64)
}

fn bold(format: &Format) -> Format {
    Format { bold: true, ..format.clone() }
}

/// How far a list item at `level` is indented, in twips.
pub fn list_indent(level: usize) -> i32 {
    360 * (level.min(8) as i32 + 1)
}

/// Elements whose content is not text to show.
fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "template" | "noscript" | "head" | "title" | "meta" | "link" | "iframe" | "object"
    )
}

/// Elements that make blocks of their own in Word.
fn is_block(element: &ElementRef<'_>) -> bool {
    match element.value().name() {
        "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul" | "ol" | "li" | "dl" | "dt" | "dd" | "blockquote"
        | "pre" | "table" | "figure" | "figcaption" | "div" | "section" | "article" | "aside" | "header" | "footer"
        | "nav" | "main" | "details" | "summary" | "hr" | "address" | "form" | "fieldset" => true,
        "svg" => !has_class(element, "sparkline"),
        "span" => has_class(element, "kpi"),
        name => is_skipped(name),
    }
}

/// The bookmark of the `number`th heading, whose id is `id`: a name Word
/// accepts (letters, digits and `_`, starting with a letter, at most 40
/// characters), unique by its number.
pub fn bookmark_name(number: usize, id: &str) -> String {
    let mut name = format!("h{number}_");
    name.extend(id.chars().map(|c| if c.is_alphanumeric() { c } else { '_' }));
    name.chars().take(40).collect()
}

/// `text` with its `%XX` escapes decoded (a link to `#日本` is written
/// `#%E6%97%A5%E6%9C%AC`); invalid ones are kept as they are.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Whether the page does not show `element` (`hidden`, `display: none`).
fn is_hidden(element: &ElementRef<'_>) -> bool {
    let value = element.value();
    value.attr("hidden").is_some()
        || value.attr("style").is_some_and(|style| {
            // The declarations, comments left out; the last display wins.
            let mut text = String::new();
            let mut rest = style;
            while let Some(start) = rest.find("/*") {
                text.push_str(&rest[..start]);
                rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
            }
            text.push_str(rest);
            text.split(';')
                .filter_map(|d| d.split_once(':'))
                .rfind(|(p, _)| p.trim().eq_ignore_ascii_case("display"))
                .is_some_and(|(_, v)| {
                    let v = v.trim().trim_end_matches("!important").trim();
                    v.eq_ignore_ascii_case("none")
                })
        })
}

/// The first `#rgb` or `#rrggbb` colour in a CSS declaration list, as RRGGBB.
fn css_colour(style: &str) -> Option<String> {
    let start = style.find('#')? + 1;
    let hex: String = style[start..].chars().take_while(char::is_ascii_hexdigit).collect();
    match hex.len() {
        6 => Some(hex.to_ascii_uppercase()),
        3 => Some(hex.chars().flat_map(|c| [c, c]).collect::<String>().to_ascii_uppercase()),
        _ => None,
    }
}

/// The widths of a table's columns, in twips, summing to the text's width:
/// each in proportion to its longest text (between 3 and 40 characters),
/// and never narrower than its longest word.
fn column_widths(rows: &[(ElementRef<'_>, bool)]) -> Vec<usize> {
    let mut longest: Vec<usize> = Vec::new();
    for (row, _) in rows {
        let mut column = 0;
        for cell in row.children().filter_map(ElementRef::wrap).filter(|c| matches!(c.value().name(), "td" | "th")) {
            let span = cell_span(&cell, "colspan");
            if longest.len() < column + span {
                longest.resize(column + span, 3);
            }
            if span == 1 {
                let text: String = cell.text().collect();
                let chars = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().count();
                // A date is not broken (the page writes it on one line).
                let word = if has_class(&cell, "date") {
                    chars + 3
                } else {
                    text.split_whitespace().map(|w| w.chars().count() + 3).max().unwrap_or(0)
                };
                longest[column] = longest[column].max(chars.clamp(3, 40)).max(word.min(40));
            }
            column += span;
        }
    }
    if longest.is_empty() {
        return vec![TEXT_WIDTH as usize];
    }
    let sum: usize = longest.iter().sum();
    let mut widths: Vec<usize> = longest.iter().map(|l| l * TEXT_WIDTH as usize / sum).collect();
    let rest = TEXT_WIDTH as usize - widths.iter().sum::<usize>();
    if let Some(last) = widths.last_mut() {
        *last += rest;
    }
    widths
}

/// A picture's alt text: the chart's title and description, or its label.
fn alt_text(svg: ElementRef<'_>) -> String {
    let text = |name: &str| {
        svg.children()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == name)
            .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|t| !t.is_empty())
    };
    match (text("title"), text("desc")) {
        (Some(title), Some(desc)) => format!("{title}. {desc}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => svg.value().attr("aria-label").unwrap_or_default().to_owned(),
    }
}

/// An inline `<svg>` as a document of its own (XML, in the SVG namespace,
/// sized by its view box), its text the page's dark text colour.
fn standalone_svg(svg: ElementRef<'_>, width: f64, height: f64) -> String {
    let mut out = String::new();
    write_element(svg, 0, &mut out);
    let root_attributes =
        format!(" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" color=\"#1d2330\"");
    out.insert_str("<svg".len(), &root_attributes);
    out
}

fn write_element(element: ElementRef<'_>, depth: usize, out: &mut String) {
    let root = depth == 0;
    let value = element.value();
    if depth > MAX_DEPTH {
        return;
    }
    // What could make resvg allocate without bound (a filter's or a
    // pattern's region is the SVG's to choose) or read elsewhere; laporan's
    // charts use none of it.
    if matches!(
        value.name(),
        "filter" | "pattern" | "mask" | "image" | "feImage" | "foreignObject" | "script" | "style"
    ) {
        return;
    }
    out.push('<');
    out.push_str(value.name());
    for (name, attribute) in value.attrs() {
        if (root && matches!(name, "width" | "height" | "xmlns" | "color" | "class"))
            || matches!(name, "filter" | "mask" | "style")
            || name.contains(':')
        {
            continue;
        }
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        out.push_str(&xml_escaped(attribute));
        out.push('"');
    }
    out.push('>');
    for child in element.children() {
        match child.value() {
            Node::Text(text) => out.push_str(&xml_escaped(text)),
            Node::Element(_) => {
                if let Some(child) = ElementRef::wrap(child) {
                    write_element(child, depth + 1, out);
                }
            }
            _ => {}
        }
    }
    out.push_str("</");
    out.push_str(value.name());
    out.push('>');
}

pub fn xml_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// `c`, or U+FFFD for a character XML 1.0 does not allow (C0 controls
/// but tab and line ends, U+FFFE, U+FFFF): Word refuses a document with one.
pub fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

/// The colours the layout's CSS gives table cells by class (`td.heat.X`,
/// `td.neg`, `td.hl.hl`: background and text), read from the page's
/// `<style>` outside `@media` blocks (dark mode, print): a project's own
/// layout colours its documents too.
struct CellColours {
    /// The classes a rule needs, its fill and its text colour (RRGGBB).
    rules: Vec<(Vec<String>, Option<String>, Option<String>)>,
}

impl CellColours {
    fn read(css: &str) -> CellColours {
        let mut rules = Vec::new();
        let mut depth = 0usize;
        let mut at_rule = false;
        let mut selector = String::new();
        let mut declarations = String::new();
        for c in css.chars() {
            match c {
                '{' => {
                    depth += 1;
                    if depth == 1 {
                        at_rule = selector.trim_start().starts_with('@');
                    }
                }
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        if !at_rule {
                            let fill = declaration(&declarations, "background").and_then(|v| css_colour(&v));
                            let text = declaration(&declarations, "color").and_then(|v| css_colour(&v));
                            if fill.is_some() || text.is_some() {
                                for one in selector.split(',') {
                                    if let Some(classes) = one.trim().strip_prefix("td.") {
                                        let classes = classes.split('.').map(str::to_owned).collect();
                                        rules.push((classes, fill.clone(), text.clone()));
                                    }
                                }
                            }
                        }
                        selector.clear();
                        declarations.clear();
                    }
                }
                c if depth == 0 => selector.push(c),
                c if depth == 1 && !at_rule => declarations.push(c),
                _ => {}
            }
        }
        CellColours { rules }
    }

    /// The fill and text colour of a cell of `classes`: the last rule
    /// naming only classes it has wins, as in the browser.
    fn of(&self, classes: &[&str]) -> (Option<String>, Option<String>) {
        let (mut fill, mut text) = (None, None);
        for (needed, rule_fill, rule_text) in &self.rules {
            if needed.iter().all(|n| classes.contains(&n.as_str())) {
                fill = rule_fill.clone().or(fill);
                text = rule_text.clone().or(text);
            }
        }
        (fill, text)
    }
}

/// The value of the CSS property `name` in a declaration list.
fn declaration(declarations: &str, name: &str) -> Option<String> {
    declarations.split(';').find_map(|d| {
        let (property, value) = d.split_once(':')?;
        (property.trim() == name).then(|| value.trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_colours_come_from_the_layout_outside_media_blocks() {
        let css = "td.heat.blues-3 { background: #3f78b8; color: #fff; } td.neg { color: #b3261e; }\n\
                   @media (prefers-color-scheme: dark) { td.neg { color: #ff8a80; } }\n\
                   td.hl.hl { background: #fff1bf; color: #1d2330; }";
        let colours = CellColours::read(css);
        assert_eq!(colours.of(&["num", "heat", "blues-3"]), (Some("3F78B8".into()), Some("FFFFFF".into())));
        assert_eq!(colours.of(&["num", "neg"]), (None, Some("B3261E".into())));
        assert_eq!(colours.of(&["hl"]), (Some("FFF1BF".into()), Some("1D2330".into())));
        assert_eq!(colours.of(&["num"]), (None, None));
    }

    #[test]
    fn bookmarks_are_names_word_accepts() {
        assert_eq!(bookmark_name(3, "joint-operations"), "h3_joint_operations");
        assert_eq!(bookmark_name(1, &"x".repeat(60)).chars().count(), 40);
        assert_eq!(percent_decoded("%E6%97%A5%E6%9C%AC-x%2"), "日本-x%2");
    }

    #[test]
    fn what_the_page_hides() {
        let html = Html::parse_fragment(
            "<p hidden>a</p><p style=\"display:none !important\">b</p><p style=\"color:red;/* display:none */\">c</p>\
             <p style=\"display: nonesuch\">d</p><p style=\"display:none; display:block\">e</p>",
        );
        let hidden: Vec<bool> =
            find_all(html.root_element(), |e| e.value().name() == "p").map(|p| is_hidden(&p)).collect();
        assert_eq!(hidden, [true, true, false, false, false]);
    }

    #[test]
    fn white_space_collapses_as_in_a_browser() {
        let mut inline = Inline::default();
        let plain = Format::default();
        inline.text("  Two\n  words ", &plain, &None);
        inline.text(" and   more  ", &Format { bold: true, ..plain.clone() }, &None);
        let texts: Vec<&str> = inline
            .pieces
            .iter()
            .filter_map(|p| match &p.bit {
                Bit::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["Two words", " and more"]);
    }

    #[test]
    fn scripts_and_data_urls_are_not_links() {
        let mut converter = Converter {
            bookmarks: [("summary".to_owned(), "h1_summary".to_owned()), ("日本".to_owned(), "h2_日本".to_owned())]
                .into_iter()
                .collect(),
            placed: std::collections::HashMap::new(),
            colours: CellColours::read(""),
            pictures: Vec::new(),
            lists: Vec::new(),
            links: 0,
            bookmark_ids: 0,
            header_rows: 0,
            depth: 0,
        };
        for refused in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "\\\\attacker.example\\share\\x.docx",
            "//attacker.example/x",
            "/etc/passwd",
            "../../../etc/passwd",
            "a/../../b",
            "https://example.org/\u{1}x",
            "#nowhere",
            "%2e%2e/secret.txt",
            "..%2fsecret",
            "%5c%5chost%5cshare%5cx.docx",
            "%2f%2fhost/x",
            "https:\\\\host\\share",
        ] {
            assert!(converter.link(refused).is_none(), "{refused}");
        }
        assert!(matches!(converter.link("https://example.org/a?b=1&c=2"), Some(Link::External(1, _))));
        assert!(matches!(converter.link("partner_brief/JPN.id.html"), Some(Link::External(2, _))));
        assert!(matches!(converter.link("mailto:a@example.org"), Some(Link::External(3, _))));
        assert!(matches!(converter.link("#summary"), Some(Link::Anchor(name)) if name == "h1_summary"));
        assert!(matches!(converter.link("#%E6%97%A5%E6%9C%AC"), Some(Link::Anchor(name)) if name == "h2_日本"));
    }
}
