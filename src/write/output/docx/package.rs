//! The parts docx-rs writes, finished and zipped: what it cannot say is
//! patched into its XML, and the package is made reproducible.
//!
//! - a picture's `wp:docPr` gets a number of its own and its alt text
//!   (docx-rs writes `id="1"`, no description, for every one);
//! - a table's header rows get `w:tblHeader`, Word's "repeat as header row
//!   at the top of each page" (docx-rs has no such property: the converter
//!   marks them `w:cantSplit`, which no other row has);
//! - paragraph ids (`w14:paraId`, from a counter docx-rs keeps per thread)
//!   and the order of the document's relationships (from a hash map) are
//!   made the same on every run;
//! - `word/styles.xml` is laporan's (`styles.xml`) or the project's
//!   reference document's, and `docProps/core.xml` is laporan's own (the
//!   report's title, the build's time);
//! - every entry carries the same fixed time (1980-01-01).

use std::io::{Cursor, Read, Write};

use docx_rs::XMLDocx;
use zip::write::SimpleFileOptions;

use super::convert::Converted;
use super::convert::xml_escaped;
use crate::error::Error;

const BUILT_IN_STYLES: &str = include_str!("styles.xml");

/// What the package says about the document.
pub struct About<'a> {
    pub title: &'a str,
    /// ISO 8601, UTC.
    pub created: &'a str,
    /// BCP 47, such as `id-ID`.
    pub language: &'a str,
}

/// The `word/styles.xml` of a reference document (`_reference.docx`).
pub fn reference_styles(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("it is not a zip archive ({e})"))?;
    let mut entry = archive
        .by_name("word/styles.xml")
        .map_err(|_| "it has no word/styles.xml, which every Word document has".to_owned())?;
    // A style sheet is some kilobytes; a larger one is not read whole (a
    // small zip can unpack to gigabytes).
    const LIMIT: u64 = 16 << 20;
    let too_large = || "its word/styles.xml is larger than 16 MB, which no style sheet is".to_owned();
    if entry.size() > LIMIT {
        return Err(too_large());
    }
    let mut styles = Vec::new();
    (&mut entry)
        .take(LIMIT + 1)
        .read_to_end(&mut styles)
        .map_err(|e| format!("its word/styles.xml could not be read ({e})"))?;
    if styles.len() as u64 > LIMIT {
        return Err(too_large());
    }
    let text = std::str::from_utf8(&styles)
        .map_err(|_| "its word/styles.xml is not UTF-8 (save it again from Word or LibreOffice)".to_owned())?;
    let document = roxmltree::Document::parse(text).map_err(|e| format!("its word/styles.xml is not XML ({e})"))?;
    let root = document.root_element();
    if root.tag_name().name() != "styles" || root.tag_name().namespace() != Some(MAIN) {
        return Err("its word/styles.xml holds no w:styles".to_owned());
    }
    Ok(styles)
}

/// WordprocessingML's namespace.
const MAIN: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// The document's styles: the reference's, with every style of laporan's
/// it lacks (so that a reference made elsewhere, such as pandoc's, still
/// has the tiles and the table style); else laporan's own.
pub fn styles(reference: Option<&[u8]>, language: &str) -> Vec<u8> {
    let built_in = BUILT_IN_STYLES.replace("LANGUAGE", language);
    let Some(reference) = reference else { return built_in.into_bytes() };
    let mut text = String::from_utf8_lossy(reference).into_owned();
    // Read as XML (checked when the reference was read): its style ids
    // however it quotes them, its default language, where it ends.
    let (ids, language_at, end) = match roxmltree::Document::parse(&text) {
        Ok(document) => {
            let root = document.root_element();
            let ids: Vec<String> = root
                .children()
                .filter(|n| n.tag_name().name() == "style")
                .filter_map(|n| n.attribute((MAIN, "styleId")).map(str::to_owned))
                .collect();
            // The report's language, not the reference's: the defaults'
            // w:lang w:val.
            let language_at = root
                .descendants()
                .find(|n| n.tag_name().name() == "rPrDefault")
                .and_then(|d| d.descendants().find(|n| n.tag_name().name() == "lang"))
                .and_then(|lang| lang.attribute_node((MAIN, "val")))
                .map(|value| value.range_value());
            (ids, language_at, root.range().end)
        }
        Err(_) => return text.into_bytes(),
    };
    let mut missing = String::new();
    for block in style_blocks(&built_in) {
        let Some(id) = attribute(block, "w:styleId") else { continue };
        if !ids.iter().any(|known| known == id) {
            // Its own namespace declaration: the reference may name
            // WordprocessingML with another prefix than w.
            missing.push_str(&block.replacen("<w:style ", &format!("<w:style xmlns:w=\"{MAIN}\" "), 1));
        }
    }
    // Before the end tag of the root, however its prefix is written; a
    // root written empty (`<w:styles/>`) is opened and closed.
    if text[..end].ends_with("/>") {
        let start = text[..end].rfind('<').unwrap_or(0);
        let name: String =
            text[start + 1..].chars().take_while(|c| !c.is_whitespace() && *c != '/' && *c != '>').collect();
        text.replace_range(end - 2..end, &format!(">{missing}</{name}>"));
    } else if let Some(close) = text[..end].rfind("</") {
        text.insert_str(close, &missing);
    }
    if let Some(range) = language_at {
        text.replace_range(range, language);
    }
    text.into_bytes()
}

/// Each `<w:style …>…</w:style>` of laporan's styles.
fn style_blocks(styles: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = styles;
    while let Some(start) = rest.find("<w:style ") {
        let Some(end) = rest[start..].find("</w:style>") else { break };
        let end = start + end + "</w:style>".len();
        blocks.push(&rest[start..end]);
        rest = &rest[end..];
    }
    blocks
}

fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!("{name}=\""))? + name.len() + 2;
    let end = element[start..].find('"')?;
    Some(&element[start..start + end])
}

/// The document part with its pictures numbered and described and its
/// header rows repeating.
pub fn patch_document(document: Vec<u8>, converted: &Converted) -> Result<Vec<u8>, Error> {
    let mut text =
        String::from_utf8(document).map_err(|_| Error::project("docx-rs wrote a document that is not UTF-8"))?;
    const DOC_PR: &str = "<wp:docPr id=\"1\" name=\"Figure\" />";
    let found = text.matches(DOC_PR).count();
    if found != converted.pictures.len() {
        return Err(Error::project(format!(
            "the document has {found} pictures where {} were drawn",
            converted.pictures.len()
        )));
    }
    let mut pictures = converted.pictures.iter().enumerate();
    text = replace_each(&text, DOC_PR, || {
        let (i, alt) = pictures.next().expect("counted above");
        format!("<wp:docPr id=\"{0}\" name=\"Figure {0}\" descr=\"{1}\" />", i + 1, xml_escaped(alt))
    });
    const HEADER_ROW: &str = "<w:trPr><w:cantSplit /></w:trPr>";
    let found = text.matches(HEADER_ROW).count();
    if found != converted.header_rows {
        return Err(Error::project(format!(
            "the document has {found} marked rows where {} header rows were written",
            converted.header_rows
        )));
    }
    text = text.replace(HEADER_ROW, "<w:trPr><w:cantSplit /><w:tblHeader /></w:trPr>");
    Ok(text.into_bytes())
}

/// `text` with each `pattern` replaced by the next of `with`.
fn replace_each(text: &str, pattern: &str, mut with: impl FnMut() -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(pattern) {
        out.push_str(&rest[..at]);
        out.push_str(&with());
        rest = &rest[at + pattern.len()..];
    }
    out.push_str(rest);
    out
}

/// Numbers the paragraphs of `parts` 1, 2, 3… in order (`w14:paraId`).
pub fn number_paragraphs(parts: &mut [&mut Vec<u8>]) {
    const ID: &str = "w14:paraId=\"";
    let mut next = 0u32;
    for part in parts.iter_mut() {
        let Ok(text) = std::str::from_utf8(part) else { continue };
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(ID) {
            let value_start = at + ID.len();
            let Some(length) = rest[value_start..].find('"') else { break };
            next += 1;
            out.push_str(&rest[..value_start]);
            out.push_str(&format!("{next:08X}"));
            rest = &rest[value_start + length..];
        }
        out.push_str(rest);
        **part = out.into_bytes();
    }
}

/// A relationships part with its relationships in one order (by id).
pub fn sorted_relationships(rels: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(rels);
    let Some(first) = text.find("<Relationship ") else { return rels.to_vec() };
    let Some(end) = text.rfind("</Relationships>") else { return rels.to_vec() };
    let mut items: Vec<&str> =
        text[first..end].split_inclusive("/>").map(str::trim).filter(|s| !s.is_empty()).collect();
    items.sort_by_key(|item| {
        let id = attribute(item, "Id").unwrap_or_default();
        let digits = id.trim_start_matches(|c: char| !c.is_ascii_digit());
        (id.len() - digits.len(), id[..id.len() - digits.len()].to_owned(), digits.parse::<u64>().unwrap_or(0))
    });
    let mut out = text[..first].to_owned();
    out.push_str(&items.concat());
    out.push_str(&text[end..]);
    out.into_bytes()
}

/// `docProps/core.xml`: the title, laporan as the author, the build's time.
pub fn core(about: &About<'_>) -> Vec<u8> {
    let created = xml_escaped(about.created);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:creator>laporan</dc:creator><dc:language>{}</dc:language>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{created}</dcterms:modified></cp:coreProperties>",
        xml_escaped(about.title),
        xml_escaped(about.language),
    )
    .into_bytes()
}

/// The package's parts, by name, in the order they are written.
pub fn parts(xml: XMLDocx) -> Vec<(String, Vec<u8>)> {
    let mut parts = vec![
        ("[Content_Types].xml".to_owned(), xml.content_type),
        ("_rels/.rels".to_owned(), xml.rels),
        ("docProps/app.xml".to_owned(), xml.doc_props.app),
        ("docProps/core.xml".to_owned(), xml.doc_props.core),
        ("docProps/custom.xml".to_owned(), xml.doc_props.custom),
        ("word/_rels/document.xml.rels".to_owned(), xml.document_rels),
        ("word/document.xml".to_owned(), xml.document),
        ("word/styles.xml".to_owned(), xml.styles),
        ("word/settings.xml".to_owned(), xml.settings),
        ("word/fontTable.xml".to_owned(), xml.font_table),
        ("word/comments.xml".to_owned(), xml.comments),
        ("word/numbering.xml".to_owned(), xml.numberings),
        ("word/commentsExtended.xml".to_owned(), xml.comments_extended),
        ("word/footnotes.xml".to_owned(), xml.footnotes),
    ];
    for (i, header) in xml.headers.into_iter().enumerate() {
        parts.push((format!("word/header{}.xml", i + 1), header));
        if let Some(rels) = xml.header_rels.get(i) {
            parts.push((format!("word/_rels/header{}.xml.rels", i + 1), rels.clone()));
        }
    }
    for (i, footer) in xml.footers.into_iter().enumerate() {
        parts.push((format!("word/footer{}.xml", i + 1), footer));
        if let Some(rels) = xml.footer_rels.get(i) {
            parts.push((format!("word/_rels/footer{}.xml.rels", i + 1), rels.clone()));
        }
    }
    for (name, png) in xml.media {
        parts.push((format!("word/media/{name}.png"), png));
    }
    parts
}

/// The parts as a zip archive: deflated, each with the same fixed time.
pub fn zip(parts: &[(String, Vec<u8>)]) -> Result<Vec<u8>, Error> {
    let failed = |e: zip::result::ZipError| Error::project(format!("the Word document could not be zipped: {e}"));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), options).map_err(failed)?;
        zip.write_all(bytes).map_err(|e| failed(e.into()))?;
    }
    Ok(zip.finish().map_err(failed)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_gets_the_styles_it_lacks() {
        let reference = "<?xml version=\"1.0\"?><w:styles \
                         xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:docDefaults>\
                         <w:rPrDefault><w:rPr><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/></w:rPr></w:rPrDefault>\
                         </w:docDefaults><w:style w:type='paragraph' w:styleId='Heading1'><w:name w:val=\"heading 1\"/>\
                         <w:rPr><w:sz w:val=\"48\"/></w:rPr></w:style></w:styles>";
        assert!(reference_styles(&zipped(reference)).is_ok());
        let merged = String::from_utf8(styles(Some(reference.as_bytes()), "id-ID")).unwrap();
        assert_eq!(merged.matches("w:styleId=\"Heading1\"").count(), 0, "laporan's heading is not added");
        assert!(merged.contains("w:styleId='Heading1'"), "the reference's heading is kept");
        assert!(merged.contains("<w:lang w:val=\"id-ID\" w:eastAsia=\"zh-CN\"/>"), "the report's language: {merged}");
        assert!(merged.contains("<w:sz w:val=\"48\"/>"));
        assert!(merged.contains("w:styleId=\"TileValue\""), "laporan's tile style is added");
        assert!(merged.trim_end().ends_with("</w:styles>"));
        let own = String::from_utf8(styles(None, "id-ID")).unwrap();
        assert!(own.contains("<w:lang w:val=\"id-ID\"/>"));
    }

    #[test]
    fn a_reference_with_another_prefix_or_no_styles_gets_laporans() {
        let other = "<x:styles xmlns:x=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
                     <x:style x:styleId=\"Heading1\"/></x:styles>";
        let merged = String::from_utf8(styles(Some(other.as_bytes()), "en-GB")).unwrap();
        assert!(roxmltree::Document::parse(&merged).is_ok(), "{merged}");
        assert!(merged.contains("w:styleId=\"TileValue\"") && !merged.contains("w:styleId=\"Heading1\""));
        let empty = "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"/>";
        let merged = String::from_utf8(styles(Some(empty.as_bytes()), "en-GB")).unwrap();
        assert!(roxmltree::Document::parse(&merged).is_ok(), "{merged}");
        assert!(merged.contains("w:styleId=\"Heading1\"") && merged.ends_with("</w:styles>"));
    }

    #[test]
    fn relationships_and_paragraph_ids_come_out_in_one_order() {
        let rels = b"<?xml version=\"1.0\"?><Relationships xmlns=\"x\"><Relationship Id=\"rIdHyperlink10\" \
                     Target=\"b\" /><Relationship Id=\"rId2\" Target=\"s\" /><Relationship Id=\"rIdHyperlink9\" \
                     Target=\"a\" /></Relationships>";
        let sorted = String::from_utf8(sorted_relationships(rels)).unwrap();
        let order: Vec<usize> =
            ["rId2", "rIdHyperlink9", "rIdHyperlink10"].iter().map(|id| sorted.find(id).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{sorted}");
        let mut document = b"<w:p w14:paraId=\"0000ABCD\"/><w:p w14:paraId=\"00000007\"/>".to_vec();
        let mut header = b"<w:p w14:paraId=\"00000001\"/>".to_vec();
        number_paragraphs(&mut [&mut document, &mut header]);
        assert_eq!(document, b"<w:p w14:paraId=\"00000001\"/><w:p w14:paraId=\"00000002\"/>");
        assert_eq!(header, b"<w:p w14:paraId=\"00000003\"/>");
    }

    #[test]
    fn a_file_that_is_not_a_word_document_is_named_as_such() {
        assert!(reference_styles(b"not a zip").unwrap_err().contains("not a zip archive"));
        let broken = reference_styles(&zipped("<w:styles><w:style></w:styles>")).unwrap_err();
        assert!(broken.contains("is not XML"), "{broken}");
        let other = reference_styles(&zipped("<styles/>")).unwrap_err();
        assert!(other.contains("holds no w:styles"), "{other}");
    }

    /// A zip archive holding `styles` as word/styles.xml.
    fn zipped(styles: &str) -> Vec<u8> {
        zip(&[("word/styles.xml".to_owned(), styles.as_bytes().to_vec())]).unwrap()
    }
}
