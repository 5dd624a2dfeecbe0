//! `md`: a Markdown report's own text, `NAME.md`. An `.html.j2` report
//! has no Markdown pass and gives no file.

use std::path::Path;

use super::{Output, has_extension};
use crate::error::Error;
use crate::render::{Passes, RenderedReport};
use crate::write::OutputFile;

pub struct Markdown;

impl Output for Markdown {
    fn passes(&self) -> Passes {
        Passes { markdown: true, html: false }
    }

    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        Ok(report.markdown.iter().map(|text| OutputFile::text(format!("{}.md", report.name), text)).collect())
    }

    fn owns(&self, file: &Path) -> bool {
        has_extension(file, "md")
    }
}
