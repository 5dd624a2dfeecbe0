//! `pdf`: the report's HTML page printed by headless Chromium, `NAME.pdf`
//! (A4, as the layout's print styles say). The browser is given the page
//! and nothing else (see [`chromium`](super::chromium)).

use std::path::{Path, PathBuf};

use super::chromium::Browser;
use super::{Output, has_extension};
use crate::error::Error;
use crate::render::{Passes, RenderedReport};
use crate::write::OutputFile;

pub struct Pdf {
    pub chromium: PathBuf,
}

impl Output for Pdf {
    fn passes(&self) -> Passes {
        Passes { markdown: false, html: true }
    }

    fn files(&self, report: &RenderedReport) -> Result<Vec<OutputFile>, Error> {
        let Some(page) = &report.html else { return Ok(Vec::new()) };
        // The browser's own error, its notes and causes as the notes.
        let failed =
            |e: Error| Error::project(format!("Chromium could not print the report {}", report.name)).wrapping(&e);
        let mut browser = Browser::launch(&self.chromium, &Browser::ISOLATED).map_err(failed)?;
        let pdf = browser.print_isolated(page.as_bytes()).map_err(failed)?;
        Ok(vec![OutputFile { file_name: format!("{}.pdf", report.name), contents: pdf }])
    }

    fn owns(&self, file: &Path) -> bool {
        has_extension(file, "pdf")
    }
}
