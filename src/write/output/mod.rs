//! Output formats: the files a rendered report becomes.
//!
//! The render step gives each report as a [`RenderedReport`], a plain
//! context (its Markdown and HTML passes, its title, the data behind it);
//! each format is one [`Output`] that turns that context into files, in
//! the spirit of mdBook's `Renderer`. A build asks for formats by name
//! ([`Format`]); [`Outputs`] holds the chosen ones, tells the render step
//! which passes to make, and knows which files are theirs.
//!
//! ```text
//! page.rs      md, html  a render pass as it is
//! pdf.rs       pdf       the HTML page printed by Chromium (chromium.rs)
//! docx/        docx      the HTML page read into a Word document
//! data.rs      csv, json each query call behind the report
//! xlsx.rs      xlsx      the same, as one workbook of typed sheets
//! ```
//!
//! A new format is a file with its [`Output`], a variant of [`Format`] and
//! a line in [`Format::output`].

pub mod chromium;
mod data;
pub mod docx;
mod page;
mod pdf;
mod xlsx;

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::render::{Passes, RenderedReport};
use crate::write::OutputFile;

/// One output format.
pub trait Output: Send + Sync {
    /// The render passes it reads.
    fn passes(&self) -> Passes;
    /// The files it makes of `report`, named relative to the report's
    /// folder (a file may be in a folder of its own: `name.data/q.csv`).
    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error>;
    /// Whether `file` (as an earlier build wrote it) is one of this
    /// format's: a build that asks for the format and no longer writes the
    /// file removes it; one that does not ask for the format leaves it.
    fn owns(&self, file: &Path) -> bool;
}

/// The formats laporan writes, by the names users give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// `NAME.md`, from a Markdown report.
    Md,
    /// `NAME.html`.
    Html,
    /// `NAME.pdf`, the HTML page printed.
    Pdf,
    /// `NAME.data/QUERY.csv`, safe for spreadsheets.
    Csv,
    /// `NAME.data/QUERY.json`.
    Json,
    /// `NAME.data/NAME.xlsx`: every query call, a sheet each.
    Xlsx,
    /// `NAME.docx`, from a Markdown report.
    Docx,
}

/// What some formats need from outside the report, found before anything
/// is loaded.
#[derive(Debug, Default)]
pub struct Needs {
    /// The browser that prints PDFs.
    pub chromium: Option<PathBuf>,
    /// The styles of `report_templates/_reference.docx`, when there is one.
    pub reference_docx: Option<Vec<u8>>,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
        }
    }

    /// The format's [`Output`], with what it needs.
    fn output(self, needs: &Needs) -> Result<Box<dyn Output>, Error> {
        Ok(match self {
            Format::Md => Box::new(page::Page { extension: "md", pass: Passes { markdown: true, html: false } }),
            Format::Html => Box::new(page::Page { extension: "html", pass: Passes { markdown: false, html: true } }),
            Format::Pdf => Box::new(pdf::Pdf {
                chromium: needs.chromium.clone().ok_or_else(|| {
                    Error::usage("build --pdf needs Chromium, which was not found").help(chromium::HOW_TO_GET)
                })?,
            }),
            Format::Csv => Box::new(data::Export { extension: "csv", write: crate::print::csv_for_spreadsheets }),
            Format::Json => Box::new(data::Export { extension: "json", write: crate::print::json }),
            Format::Xlsx => Box::new(xlsx::Xlsx),
            Format::Docx => Box::new(docx::Docx { reference: needs.reference_docx.clone().map(std::sync::Arc::new) }),
        })
    }
}

/// The formats of a build, validated.
pub struct Outputs {
    formats: Vec<Format>,
    outputs: Vec<Box<dyn Output>>,
}

impl Outputs {
    /// The outputs for `formats` (each once, in the order of [`Format`]).
    /// A PDF is printed from the HTML page, so it needs `html` too.
    pub fn new(formats: &[Format], needs: &Needs) -> Result<Outputs, Error> {
        let mut formats = formats.to_vec();
        formats.sort();
        formats.dedup();
        if formats.contains(&Format::Pdf) && !formats.contains(&Format::Html) {
            return Err(Error::usage("--pdf prints the HTML reports: keep html in --format"));
        }
        let outputs = formats.iter().map(|f| f.output(needs)).collect::<Result<_, _>>()?;
        Ok(Outputs { formats, outputs })
    }

    /// Whether the build writes `format`.
    pub fn has(&self, format: Format) -> bool {
        self.formats.contains(&format)
    }

    /// The formats' names, comma-separated: part of a report's build key.
    pub fn names(&self) -> String {
        self.formats.iter().map(|f| f.name()).collect::<Vec<_>>().join(",")
    }

    /// The passes the formats read.
    pub fn passes(&self) -> Passes {
        self.outputs
            .iter()
            .map(|o| o.passes())
            .fold(Passes::default(), |all, p| Passes { markdown: all.markdown || p.markdown, html: all.html || p.html })
    }

    /// Every file of `report`, in the order of the formats.
    pub fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        let mut files = Vec::new();
        for output in &self.outputs {
            files.extend(output.files(report)?);
        }
        Ok(files)
    }

    /// Whether `file`, written by an earlier build, is of a format this
    /// build writes.
    pub fn owns(&self, file: &Path) -> bool {
        self.outputs.iter().any(|o| o.owns(file))
    }
}

/// Whether `file` has the extension `extension`.
fn has_extension(file: &Path, extension: &str) -> bool {
    file.extension().is_some_and(|e| e == extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_needs_html_and_a_browser() {
        let needs = Needs { chromium: Some("/bin/chromium".into()), ..Needs::default() };
        let error = Outputs::new(&[Format::Md, Format::Pdf], &needs).err().unwrap();
        assert!(error.to_string().contains("keep html"), "{error}");
        let error = Outputs::new(&[Format::Html, Format::Pdf], &Needs::default()).err().unwrap();
        assert!(error.to_string().contains("needs Chromium"), "{error}");
    }

    #[test]
    fn each_format_owns_its_files_only() {
        let outputs = Outputs::new(&[Format::Md, Format::Csv, Format::Docx], &Needs::default()).unwrap();
        assert!(outputs.owns(Path::new("/out/r.md")));
        assert!(outputs.owns(Path::new("/out/r.data/q.csv")));
        assert!(!outputs.owns(Path::new("/out/r.csv")), "a CSV outside a report's data folder");
        assert!(!outputs.owns(Path::new("/out/r.html")));
        assert!(!outputs.owns(Path::new("/out/r.data/q.json")));
        assert!(outputs.owns(Path::new("/out/r.docx")));
        assert_eq!(outputs.names(), "md,csv,docx");
        assert_eq!(outputs.passes(), Passes::ALL, "a Word document is made from the HTML pass");
    }
}
