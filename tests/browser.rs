//! Browser tests: the sample reports (both locales) and a report of hostile
//! values, opened in headless Chromium at desktop and phone widths and
//! printed to PDF. A page fails on a console error or exception, on any
//! network request, on a JavaScript dialog (data run as script), and on
//! horizontal overflow at phone width.
//!
//! Screenshots and PDFs are kept in `$CARGO_TARGET_TMPDIR/browser/`.
//! Chromium is found as `$LAPORAN_CHROMIUM`, `chromium` or
//! `chromium-browser`; without it the test is skipped, unless
//! `LAPORAN_REQUIRE_BROWSER=1` (as `.ci/run` sets), where it fails.

mod common;
use common::copy_dir;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use serde_json::{Value, json};
use tempfile::TempDir;

fn chromium() -> Option<PathBuf> {
    laporan::write::output::chromium::find(std::env::var_os("LAPORAN_CHROMIUM"), std::env::var_os("PATH"))
}

fn laporan(dir: &Path, args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .output()
        .unwrap();
    assert!(output.status.success(), "laporan {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// laporan's own DevTools driver, with the checks these tests make.
struct Browser(laporan::write::output::chromium::Browser);

impl Browser {
    fn launch(binary: &Path) -> Browser {
        let mut browser = laporan::write::output::chromium::Browser::launch(binary, &[]).unwrap();
        for domain in ["Page", "Runtime", "Network", "Log"] {
            browser.call(&format!("{domain}.enable"), json!({})).unwrap();
        }
        Browser(browser)
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.0.call(method, params).unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn wait_for(&mut self, method: &str) {
        self.0.wait_for(method).unwrap_or_else(|e| panic!("{method}: {e}"));
    }

    /// Opens `page` at `width`, and returns the problems seen.
    fn open(&mut self, page: &Path, width: u32, mobile: bool) -> Vec<String> {
        self.open_with(page, width, mobile, false)
    }

    /// Like `open`, dismissing JavaScript dialogs (which block a page) as they come.
    fn open_answering_dialogs(&mut self, page: &Path, width: u32, mobile: bool) -> Vec<String> {
        self.open_with(page, width, mobile, true)
    }

    fn open_with(&mut self, page: &Path, width: u32, mobile: bool, answer_dialogs: bool) -> Vec<String> {
        self.0.events.clear();
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": if mobile { 844 } else { 900 }, "deviceScaleFactor": 1, "mobile": mobile }),
        );
        let url = format!("file://{}", page.display());
        self.call("Page.navigate", json!({ "url": url }));
        if answer_dialogs {
            self.wait_for("Page.javascriptDialogOpening");
            self.call("Page.handleJavaScriptDialog", json!({ "accept": true }));
        }
        self.wait_for("Page.loadEventFired");
        // Let late work (timers, fonts) show itself.
        self.call(
            "Runtime.evaluate",
            json!({ "expression": "new Promise(r => setTimeout(r, 300))", "awaitPromise": true }),
        );
        let overflow = self.call(
            "Runtime.evaluate",
            json!({ "expression": "[document.documentElement.scrollWidth, window.innerWidth]", "returnByValue": true }),
        );
        let mut problems = Vec::new();
        if let Some([scroll, inner]) = overflow["result"]["value"].as_array().map(|v| [v[0].clone(), v[1].clone()]) {
            let (scroll, inner) = (scroll.as_f64().unwrap_or(0.0), inner.as_f64().unwrap_or(0.0));
            if scroll > inner + 1.0 {
                problems.push(format!("horizontal overflow: {scroll}px of content in a {inner}px viewport"));
            }
        }
        for event in &self.0.events {
            let params = &event["params"];
            match event["method"].as_str().unwrap_or_default() {
                "Network.requestWillBeSent" if params["request"]["url"] != url.as_str() => {
                    problems.push(format!("network request: {}", params["request"]["url"]));
                }
                "Runtime.consoleAPICalled"
                    if matches!(params["type"].as_str(), Some("error" | "warning" | "assert")) =>
                {
                    problems.push(format!("console {}: {}", params["type"], params["args"]));
                }
                "Runtime.exceptionThrown" => problems.push(format!("exception: {}", params["exceptionDetails"])),
                "Log.entryAdded" if params["entry"]["level"] == "error" => {
                    problems.push(format!("console error: {}", params["entry"]["text"]));
                }
                "Page.javascriptDialogOpening" => problems.push(format!("a script ran: dialog {}", params["message"])),
                _ => {}
            }
        }
        problems
    }

    /// The whole page, or its first 12,000 pixels when it is longer.
    fn screenshot(&mut self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let (width, height) = (size["width"].as_f64().unwrap_or(1280.0), size["height"].as_f64().unwrap_or(900.0));
        let clip = json!({ "x": 0, "y": 0, "width": width.min(2_560.0), "height": height.min(12_000.0), "scale": 1 });
        let shot = self
            .call("Page.captureScreenshot", json!({ "format": "png", "captureBeyondViewport": true, "clip": clip }));
        let bytes = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    fn pdf(&mut self, path: &Path) -> Vec<u8> {
        let printed = self.call(
            "Page.printToPDF",
            json!({ "preferCSSPageSize": true, "printBackground": true, "displayHeaderFooter": false }),
        );
        let bytes = base64::engine::general_purpose::STANDARD.decode(printed["data"].as_str().unwrap()).unwrap();
        fs::write(path, &bytes).unwrap();
        bytes
    }
}

/// The hostile fixture: the hostile values case, plus right-to-left
/// overrides and a 100,000-character cell, shown in lists, a table and a
/// chart.
fn hostile_project(dir: &Path) {
    copy_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases/hostile_values/project"), dir);
    fs::write(
        dir.join("report_templates/report.md.j2"),
        "# Events\n\n{% for e in query(\"events\") %}\n- {{ e.name if e.name | length < 1000 else \"(long)\" }} ({{ e.city }})\n{% endfor %}\n\n\
         {{ table(query(\"events\")) }}\n\n{{ bar(query(\"events\"), x=\"name\", y=\"countries\", horizontal=true) }}\n\n\
         {{ \"javascript:alert(3)\" | link(\"a link from data\") }}\n",
    )
    .unwrap();
    let mut events = fs::read_to_string(dir.join("data/events.csv")).unwrap();
    events.push_str("E4,\u{202E}cod.exe \u{2067}isolate,\"<svg onload=alert(2)>\",2024-01-01,5\n");
    events.push_str(&format!("E5,{},Long,2024-02-02,7\n", "A".repeat(100_000)));
    fs::write(dir.join("data/events.csv"), events).unwrap();
}

#[test]
fn reports_open_cleanly_in_a_browser_at_desktop_and_phone_width_and_print() {
    let Some(binary) = chromium() else {
        assert!(
            std::env::var_os("LAPORAN_REQUIRE_BROWSER").is_none(),
            "LAPORAN_REQUIRE_BROWSER is set but Chromium was not found"
        );
        eprintln!("skipped: Chromium not found (install it, or set LAPORAN_CHROMIUM)");
        return;
    };
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    fs::create_dir_all(&artifacts).unwrap();

    let sample = TempDir::new().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for folder in ["data", "queries", "report_templates", "data_tests"] {
        copy_dir(&root.join(folder), &sample.path().join(folder));
    }
    fs::copy(root.join("laporan.toml"), sample.path().join("laporan.toml")).unwrap();
    laporan(sample.path(), &["build", "--period", "2024-Q2"]);
    let hostile = TempDir::new().unwrap();
    hostile_project(hostile.path());
    laporan(hostile.path(), &["build"]);

    let pages = [
        ("cooperation_report", sample.path().join("out/2024-Q2/cooperation_report.en.html")),
        ("laporan_kerja_sama", sample.path().join("out/2024-Q2/cooperation_report.id.html")),
        ("partner_brief", sample.path().join("out/2024-Q2/partner_brief/THA.id.html")),
        ("index", sample.path().join("out/index.html")),
        ("hostile", hostile.path().join("out/report.html")),
    ];
    let mut browser = Browser::launch(&binary);
    let mut failures = Vec::new();
    for (name, page) in &pages {
        for (label, width, mobile) in [("desktop", 1280, false), ("phone", 390, true)] {
            let problems = browser.open(page, width, mobile);
            browser.screenshot(&artifacts.join(format!("{name}-{label}.png")));
            failures.extend(problems.into_iter().map(|p| format!("{name} at {label} width: {p}")));
        }
        let pdf = browser.pdf(&artifacts.join(format!("{name}.pdf")));
        assert!(pdf.starts_with(b"%PDF"), "{name}: not a PDF");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The hostile values are on the page as text.
    let html = fs::read_to_string(&pages[4].1).unwrap();
    assert!(html.contains("&lt;svg onload=alert(2)&gt;") && html.contains(&"A".repeat(1000)));
    eprintln!("screenshots and PDFs: {}", artifacts.display());
}

/// The checks themselves: a page that breaks every rule is caught on each.
#[test]
fn the_browser_check_catches_requests_errors_scripts_and_overflow() {
    let Some(binary) = chromium() else {
        assert!(std::env::var_os("LAPORAN_REQUIRE_BROWSER").is_none(), "Chromium was not found");
        return;
    };
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("bad.html");
    fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://example.invalid/x.png\">\
         <div style=\"width: 2000px\">wide</div><script>console.error('boom'); alert('ran');</script></body></html>",
    )
    .unwrap();
    let mut browser = Browser::launch(&binary);
    // An alert blocks the page until it is answered.
    let problems = browser.open_answering_dialogs(&page, 390, true);
    let all = problems.join("\n");
    for expected in
        ["network request: \"http://example.invalid/x.png\"", "console error", "a script ran", "horizontal overflow"]
    {
        assert!(all.contains(expected), "{expected} not caught in:\n{all}");
    }
}

#[test]
fn build_pdf_prints_each_html_report_on_a4() {
    let Some(binary) = chromium() else {
        assert!(std::env::var_os("LAPORAN_REQUIRE_BROWSER").is_none(), "Chromium was not found");
        return;
    };
    let dir = TempDir::new().unwrap();
    copy_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases/period_labels_id/project"), dir.path());
    let output = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .args(["build", "--period", "2024-Q2", "--pdf"])
        .current_dir(dir.path())
        .env("LAPORAN_CHROMIUM", &binary)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("wrote out/2024-Q2/report.pdf"));
    let pdf = fs::read(dir.path().join("out/2024-Q2/report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("MediaBox [0 0 594.9") || text.contains("MediaBox [0 0 595"), "A4 pages");
}

/// `build --pdf` prints pages a project received from someone else made:
/// the printing browser gets the page and reaches nothing else, neither the
/// network (a canary server counts connections) nor local files.
#[test]
fn pdf_printing_reaches_nothing_but_the_page() {
    let Some(binary) = chromium() else {
        assert!(std::env::var_os("LAPORAN_REQUIRE_BROWSER").is_none(), "Chromium was not found");
        return;
    };
    let canary_server = common::Canary::start();
    let canary = canary_server.address();
    let dir = TempDir::new().unwrap();
    let secret = dir.path().join("secret.txt");
    fs::write(&secret, "the outside world\n").unwrap();
    let project = dir.path().join("project");
    fs::create_dir_all(project.join("report_templates")).unwrap();
    let url = format!("http://{canary}");
    let file = format!("file://{}", secret.display());
    fs::write(
        project.join("report_templates/page.html.j2"),
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><title>t</title>\
             <link rel=\"stylesheet\" href=\"{url}/a.css\"><link rel=\"prefetch\" href=\"{url}/b\">\
             <link rel=\"preconnect\" href=\"{url}\"><link rel=\"dns-prefetch\" href=\"//laporan-canary.example\">\
             <style>@import url({url}/c.css); @font-face {{ font-family: x; src: url({url}/f.woff); }} \
             body {{ background: url({url}/d.png); font-family: x; }}</style>\
             <meta http-equiv=\"refresh\" content=\"0; url={url}/e\"></head><body><main>\
             <p>page</p><img src=\"{url}/g.png\"><iframe src=\"{file}\"></iframe><iframe src=\"{url}/h\"></iframe>\
             <object data=\"{file}\"></object><embed src=\"{url}/i\"><video poster=\"{url}/j.png\"></video>\
             <a ping=\"{url}/k\" href=\"{url}/l\">link</a><img src=\"http://laporan-canary.example/m.png\">\
             <script>fetch('{url}/n'); new WebSocket('ws://{canary}/o'); document.body.append('script ran');</script>\
             </main></body></html>\n"
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .args(["build", "--pdf"])
        .current_dir(&project)
        .env("LAPORAN_CHROMIUM", &binary)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let pdf = fs::read(project.join("out/page.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(canary_server.hits(), 0, "the printing browser connected to the network");
    // What a page printed is in the PDF's text; Chromium writes it
    // uncompressed enough to find a plain word when it is there.
    let artifacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    fs::create_dir_all(&artifacts).unwrap();
    fs::write(artifacts.join("isolated.pdf"), &pdf).unwrap();
}
