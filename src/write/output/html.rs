//! `html`: the report's page, `NAME.html`: a Markdown report converted and
//! wrapped in the layout, or an `.html.j2` report as it rendered.

use std::path::Path;

use super::{Output, has_extension};
use crate::error::Error;
use crate::render::{Passes, RenderedReport};
use crate::write::OutputFile;

pub struct Html;

impl Output for Html {
    fn passes(&self) -> Passes {
        Passes { markdown: false, html: true }
    }

    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        Ok(report.html.iter().map(|page| OutputFile::text(format!("{}.html", report.name), page)).collect())
    }

    fn owns(&self, file: &Path) -> bool {
        has_extension(file, "html")
    }
}
