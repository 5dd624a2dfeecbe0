//! Helpers shared by the integration test binaries (each uses some).
#![allow(dead_code)]

use std::fs;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Copies a folder, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A server on 127.0.0.1 that counts the connections made to it: pointed
/// at by an attack, any connection means something reached the network.
pub struct Canary {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl Canary {
    pub fn start() -> Canary {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Canary { port, hits }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A Word document read back as text, one line per block of its body:
/// `[Style] text` for a paragraph (`[picture: ALT]` for each image in it),
/// then a table's rows as `| a | b |` (`‖` marks a header row that repeats
/// on every page, `>` a right-aligned cell, `{FILL}` a cell's shading).
/// It is read with the zip crate and roxmltree, not with what wrote it.
pub fn docx_outline(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a .docx is a zip archive");
    let mut xml = String::new();
    archive.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).unwrap();
    let document = roxmltree::Document::parse(&xml).expect("word/document.xml is XML");
    let body = document.descendants().find(|n| n.tag_name().name() == "body").expect("a body");
    let mut out = String::new();
    for block in body.children().filter(|n| n.is_element()) {
        match block.tag_name().name() {
            "p" => out.push_str(&format!("{}\n", paragraph_outline(block))),
            "tbl" => {
                for row in block.children().filter(|n| n.tag_name().name() == "tr") {
                    let header = row.descendants().any(|n| n.tag_name().name() == "tblHeader");
                    let cells: Vec<String> = row
                        .children()
                        .filter(|n| n.tag_name().name() == "tc")
                        .map(|cell| {
                            let right = cell
                                .descendants()
                                .any(|n| n.tag_name().name() == "jc" && attr(n, "val") == Some("right"));
                            let fill = cell
                                .children()
                                .filter(|n| n.tag_name().name() == "tcPr")
                                .flat_map(|p| p.children())
                                .find(|n| n.tag_name().name() == "shd")
                                .and_then(|n| attr(n, "fill"))
                                .map(|f| format!(" {{{f}}}"))
                                .unwrap_or_default();
                            let text: Vec<String> = cell
                                .children()
                                .filter(|n| n.tag_name().name() == "p")
                                .map(paragraph_text)
                                .filter(|t| !t.is_empty())
                                .collect();
                            format!("{}{}{fill}", if right { ">" } else { "" }, text.join(" / "))
                        })
                        .collect();
                    out.push_str(&format!("{} {} |\n", if header { "‖" } else { "|" }, cells.join(" | ")));
                }
            }
            _ => {}
        }
    }
    out
}

fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes().find(|a| a.name() == name).map(|a| a.value())
}

fn paragraph_outline(paragraph: roxmltree::Node<'_, '_>) -> String {
    let style = paragraph
        .descendants()
        .find(|n| n.tag_name().name() == "pStyle")
        .and_then(|n| attr(n, "val"))
        .unwrap_or("Normal");
    let numbered = paragraph.descendants().any(|n| n.tag_name().name() == "numPr");
    format!("[{style}{}] {}", if numbered { " •" } else { "" }, paragraph_text(paragraph))
}

/// A paragraph's text, its line breaks as ` / `, its pictures as
/// `[picture: ALT]`.
fn paragraph_text(paragraph: roxmltree::Node<'_, '_>) -> String {
    let mut out = String::new();
    for node in paragraph.descendants() {
        match node.tag_name().name() {
            "t" => out.push_str(node.text().unwrap_or_default()),
            "br" => out.push_str(" / "),
            "tab" if node.parent().is_some_and(|p| p.tag_name().name() == "r") => out.push('\t'),
            "docPr" => out.push_str(&format!("[picture: {}]", attr(node, "descr").unwrap_or("NO ALT TEXT"))),
            _ => {}
        }
    }
    out
}
