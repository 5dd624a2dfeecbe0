//! `pdf`: the report's HTML page printed by headless Chromium, `NAME.pdf`
//! (A4, as the layout's print styles say), every page with a running
//! header (the report's title and period, the project's title) and its
//! number ("Page 3 of 9"). The browser is given the page and nothing else
//! (see [`chromium`](super::chromium)).

use std::path::{Path, PathBuf};

use super::chromium::Browser;
use super::{Output, has_extension};
use crate::error::Error;
use crate::render::markdown::html_escaped;
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
        let (header, footer) = margins(report);
        let pdf = browser.print_isolated(page.as_bytes(), Some((&header, &footer))).map_err(failed)?;
        Ok(vec![OutputFile { file_name: format!("{}.pdf", report.name), contents: pdf }])
    }

    fn owns(&self, file: &Path) -> bool {
        has_extension(file, "pdf")
    }
}

/// The running header and the footer of every printed page, as Chromium's
/// templates (their own document: inline styles, no outside resource; the
/// texts escaped).
fn margins(report: &RenderedReport) -> (String, String) {
    let style = "font: 8px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #444; width: 100%; \
                 margin: 0 16mm; display: flex; justify-content: space-between; gap: 8mm";
    let project = report.project_title.as_deref().map(html_escaped).unwrap_or_default();
    let header = format!(
        "<div style=\"{style}\"><span>{}</span><span>{project}</span></div>",
        html_escaped(&report.running_header)
    );
    let [page, of] = report.locale.words().helpers.page_of;
    let footer = format!(
        "<div style=\"{style}\"><span></span><span>{page} <span class=\"pageNumber\"></span> {of} \
         <span class=\"totalPages\"></span></span></div>"
    );
    (header, footer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locale::Locale;

    #[test]
    fn every_printed_page_has_the_title_and_its_number() {
        let report = RenderedReport {
            name: "r".into(),
            title: "t".into(),
            markdown: None,
            html: None,
            from_markdown: true,
            data: Vec::new(),
            suppressed: Vec::new(),
            running_header: "Report <script>x</script> · Q2 2024".into(),
            project_title: Some("Divisi & co".into()),
            locale: Locale::Id,
            generated_at: String::new(),
            descriptions: Vec::new(),
        };
        let (header, footer) = margins(&report);
        assert!(header.contains("Report &lt;script&gt;x&lt;/script&gt; · Q2 2024"), "{header}");
        assert!(header.contains("Divisi &amp; co"), "{header}");
        assert!(footer.contains("Halaman <span class=\"pageNumber\"></span> dari <span class=\"totalPages\"></span>"));
    }
}
