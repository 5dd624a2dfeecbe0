//! `md` and `html`: a render pass written as it is, `NAME.md` (a
//! Markdown report's own text; an `.html.j2` report has none) and
//! `NAME.html` (a Markdown report converted and wrapped in the layout, or
//! an `.html.j2` report as it rendered).

use std::path::Path;

use super::{Output, has_extension};
use crate::error::Error;
use crate::render::{Passes, RenderedReport};
use crate::write::OutputFile;

pub struct Page {
    pub extension: &'static str,
    /// The pass the file holds.
    pub pass: Passes,
}

impl Output for Page {
    fn passes(&self) -> Passes {
        self.pass
    }

    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        let text = if self.pass.markdown { &report.markdown } else { &report.html };
        Ok(text.iter().map(|text| OutputFile::text(format!("{}.{}", report.name, self.extension), text)).collect())
    }

    fn owns(&self, file: &Path) -> bool {
        has_extension(file, self.extension)
    }
}
