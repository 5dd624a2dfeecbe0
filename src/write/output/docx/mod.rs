//! `docx`: a Markdown report as a Word document, `NAME.docx`, made from
//! the same render pass as its HTML page (an `.html.j2` report has no
//! Word document). The docx-rs crate writes WordprocessingML; laporan
//! reads the page into it and finishes the package.
//!
//! ```text
//! convert.rs   the page's HTML as Word blocks: headings, lists, tables, pictures
//! picture.rs   a chart's SVG as PNG (resvg, with the bundled DejaVu Sans)
//! package.rs   what docx-rs cannot say, patched in; the zip, reproducible
//! styles.xml   the built-in styles (report_templates/_reference.docx replaces them)
//! ```
//!
//! Every page has a running header (the report's title and period, the
//! project's title) and its number ("Halaman 2 dari 9"), like the PDF.

mod convert;
mod package;
mod picture;

use std::path::Path;
use std::sync::Arc;

use docx_rs::{
    AbstractNumbering, Footer, Header, Level, LevelJc, LevelOverride, LevelText, NumPages, NumberFormat, Numbering,
    PageMargin, PageNum, Paragraph, Run, SpecialIndentType, Start,
};

use super::{Output, has_extension};
use crate::error::{Error, Location};
use crate::locale::Locale;
use crate::render::{Passes, RenderedReport};
use crate::write::OutputFile;
use convert::Block;

/// Where a project keeps the Word styles of its documents.
pub const REFERENCE: &str = "_reference.docx";

pub struct Docx {
    /// The reference document's `word/styles.xml`, when the project has one.
    pub reference: Option<Arc<Vec<u8>>>,
}

impl Docx {
    /// The styles of `bytes`, the project's reference document (`shown`
    /// names it in an error).
    pub fn reference(bytes: &[u8], shown: &Path) -> Result<Vec<u8>, Error> {
        package::reference_styles(bytes).map_err(|why| {
            Error::project(format!("{} is not a Word document: {why}", shown.display())).at(Location::file(shown)).help(
                "save the reference document from Word (or LibreOffice) as .docx; \
                 or remove it to use laporan's built-in styles",
            )
        })
    }
}

impl Output for Docx {
    fn passes(&self) -> Passes {
        Passes { markdown: false, html: true }
    }

    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        let Some(page) = report.html.as_deref().filter(|_| report.from_markdown) else { return Ok(Vec::new()) };
        let contents = document(report, page, self.reference.as_deref().map(Vec::as_slice)).map_err(|e| {
            Error::project(format!("the Word document of report {} could not be made", report.name)).wrapping(&e)
        })?;
        Ok(vec![OutputFile { file_name: format!("{}.docx", report.name), contents }])
    }

    fn owns(&self, file: &Path) -> bool {
        has_extension(file, "docx")
    }
}

/// The page's margins: A4, as the PDF (18 mm top, 20 mm bottom, 16 mm at
/// the sides; the header and footer 8 mm from the edge), in twips.
fn margins() -> PageMargin {
    PageMargin { top: 1021, bottom: 1134, left: 907, right: 907, header: 454, footer: 454, gutter: 0 }
}

fn document(report: &RenderedReport, page: &str, reference: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    let mut converted = convert::convert(page)?;
    let mut docx = docx_rs::Docx::new().page_size(11_906, 16_838).page_margin(margins());
    // docx-rs writes a numbering of its own as number 1: laporan's come after.
    docx = docx.add_abstract_numbering(list_style(BULLETS, false)).add_abstract_numbering(list_style(NUMBERS, true));
    for (i, list) in converted.lists.iter().enumerate() {
        let abstract_id = if list.ordered { NUMBERS } else { BULLETS };
        let numbering = Numbering::new(convert::FIRST_LIST + i, abstract_id)
            .add_override(LevelOverride::new(list.level).start(list.start));
        docx = docx.add_numbering(numbering);
    }
    let mut blocks = std::mem::take(&mut converted.blocks);
    // No space under the last table (it could make a blank last page).
    if blocks.len() > 1
        && matches!(blocks.last(), Some(Block::Paragraph(_)))
        && matches!(blocks.get(blocks.len() - 2), Some(Block::Table(_)))
    {
        blocks.pop();
    }
    for block in blocks {
        docx = match block {
            Block::Paragraph(paragraph) => docx.add_paragraph(*paragraph),
            Block::Table(table) => docx.add_table(*table),
        };
    }
    let [page_word, of] = report.locale.words().helpers.page_of;
    let text = |text: &str| text.chars().map(convert::xml_char).collect::<String>();
    let mut header = Paragraph::new().style("Header").add_run(Run::new().add_text(text(&report.running_header)));
    if let Some(project) = &report.project_title {
        header = header.add_run(Run::new().add_tab().add_text(text(project)));
    }
    let footer = Paragraph::new()
        .style("Footer")
        .add_run(Run::new().add_text(format!("{page_word} ")))
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(format!(" {of} ")))
        .add_num_pages(NumPages::new());
    docx = docx.header(Header::new().add_paragraph(header)).footer(Footer::new().add_paragraph(footer));

    let xml = docx.build();
    let language = language(report.locale);
    let mut parts = package::parts(xml);
    for (name, bytes) in &mut parts {
        match name.as_str() {
            "word/document.xml" => *bytes = package::patch_document(std::mem::take(bytes), &converted)?,
            "word/_rels/document.xml.rels" => *bytes = package::sorted_relationships(bytes),
            "word/styles.xml" => *bytes = package::styles(reference, language),
            "docProps/core.xml" => {
                *bytes = package::core(&package::About {
                    title: &text(&report.title),
                    created: &report.generated_at,
                    language,
                })
            }
            _ => {}
        }
    }
    let mut numbered: Vec<&mut Vec<u8>> = parts
        .iter_mut()
        .filter(|(name, _)| {
            name == "word/document.xml" || name.starts_with("word/header") || name.starts_with("word/footer")
        })
        .map(|(_, bytes)| bytes)
        .collect();
    package::number_paragraphs(&mut numbered);
    package::zip(&parts)
}

/// The abstract numberings of bulleted and numbered lists.
const BULLETS: usize = 2;
const NUMBERS: usize = 3;

/// The language of a report's text, for Word's spelling and hyphenation.
fn language(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "en-GB",
        Locale::Id => "id-ID",
    }
}

/// Bullets (•, ◦, ▪) or numbers (1., a., i.) on nine levels, each
/// indented as [`convert::list_indent`] says.
fn list_style(id: usize, ordered: bool) -> AbstractNumbering {
    let mut numbering = AbstractNumbering::new(id);
    for level in 0..9 {
        let (format, text) = match (ordered, level % 3) {
            (false, 0) => ("bullet", "•".to_owned()),
            (false, 1) => ("bullet", "◦".to_owned()),
            (false, _) => ("bullet", "▪".to_owned()),
            (true, 0) => ("decimal", format!("%{}.", level + 1)),
            (true, 1) => ("lowerLetter", format!("%{}.", level + 1)),
            (true, _) => ("lowerRoman", format!("%{}.", level + 1)),
        };
        numbering = numbering.add_level(
            Level::new(level, Start::new(1), NumberFormat::new(format), LevelText::new(text), LevelJc::new("left"))
                .indent(Some(convert::list_indent(level)), Some(SpecialIndentType::Hanging(300)), None, None),
        );
    }
    numbering
}
