//! Headless Chromium, driven over the DevTools protocol ([`Browser`]):
//! the printer behind `--format pdf` and the browser of the browser tests.
//!
//! Chromium is found as `$LAPORAN_CHROMIUM`, or `chromium`,
//! `chromium-browser` or `google-chrome` on the PATH ([`find`]; the command
//! reads the environment and passes it here). A page to print comes from
//! a project that may have been received from someone else, so the browser
//! is given the page and nothing else: laporan hands it the page's bytes
//! for one made-up address and refuses every other request the page makes
//! (images, fonts, frames, links to local files), scripts are off, and as
//! a second wall every host name resolves to nothing and every connection
//! goes to a closed proxy.

use std::ffi::OsString;
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::error::Error;

/// What to do when Chromium is not found.
pub const HOW_TO_GET: &str =
    "install it (Debian and Ubuntu: apt install chromium), or set LAPORAN_CHROMIUM to its path";

/// The Chromium to print with: `explicit` (the value of
/// `LAPORAN_CHROMIUM`), else the first of the known names found in `path`
/// (the value of `PATH`); `None` when there is none.
pub fn find(explicit: Option<OsString>, path: Option<OsString>) -> Option<PathBuf> {
    if let Some(explicit) = explicit {
        return Some(PathBuf::from(explicit));
    }
    path.and_then(|path| {
        std::env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    })
}

/// The address the page is given: never resolved, never fetched.
const PAGE_URL: &str = "http://report.laporan.invalid/report.html";

/// How long one page may take to print.
const PRINT_TIMEOUT: Duration = Duration::from_secs(120);

/// A headless Chromium driven over the DevTools protocol (a WebSocket to
/// its debugging port), with one page attached. Killed when dropped.
pub struct Browser {
    /// Kept for its drop, which kills Chromium.
    _process: Process,
    socket: tungstenite::WebSocket<TcpStream>,
    next_id: u64,
    /// The attached page's session.
    session: Option<String>,
    /// Events received while waiting for answers, oldest first.
    pub events: Vec<Value>,
    /// When set, the only page the browser may load: every request for
    /// [`PAGE_URL`] is answered with these bytes, every other one refused.
    served: Option<Vec<u8>>,
    deadline: Instant,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Switches that keep a browser printing an untrusted page from
    /// reaching anything: no name resolves, every connection goes to a
    /// closed port, no script runs, nothing runs in the background.
    pub const ISOLATED: [&'static str; 8] = [
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--blink-settings=scriptEnabled=false",
        "--dns-prefetch-disable",
        "--no-pings",
        "--disable-background-networking",
        "--disable-component-update",
    ];

    /// Starts Chromium with `extra` switches and attaches to a blank page.
    pub fn launch(binary: &Path, extra: &[&str]) -> Result<Browser, Error> {
        let profile =
            tempfile::TempDir::new().map_err(|e| Error::project("cannot create a browser profile").caused_by(e))?;
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-sync",
                "--disable-default-apps",
                "--remote-debugging-port=0",
            ])
            .args(extra)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Chromium's own sandbox cannot run as root.
        if running_as_root() {
            command.arg("--no-sandbox");
        }
        // Killed on every way out of here, as with the browser itself.
        let mut process = Process(command.spawn().map_err(|e| {
            Error::project(format!("cannot run {}", binary.display()))
                .note(e.to_string())
                .help("check LAPORAN_CHROMIUM")
        })?);
        let deadline = Instant::now() + PRINT_TIMEOUT;
        // Chromium writes its port and address to DevToolsActivePort once it listens.
        let port_file = profile.path().join("DevToolsActivePort");
        let (port, path) = loop {
            if let Ok(text) = fs::read_to_string(&port_file)
                && let [port, path] = text.lines().collect::<Vec<_>>()[..]
                && let Ok(port) = port.trim().parse::<u16>()
            {
                break (port, path.trim().to_owned());
            }
            if let Ok(Some(status)) = process.0.try_wait() {
                return Err(Error::project(format!("Chromium stopped at start ({status})")));
            }
            if Instant::now() > deadline {
                return Err(Error::project("Chromium did not start within 2 minutes"));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let (socket, _) = TcpStream::connect(("127.0.0.1", port))
            .map_err(|e| e.to_string())
            .and_then(|stream| {
                stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
                tungstenite::client(format!("ws://127.0.0.1:{port}{path}"), stream).map_err(|e| e.to_string())
            })
            .map_err(|e| Error::project("cannot reach Chromium's DevTools").note(e))?;
        let mut browser = Browser {
            _process: process,
            socket,
            next_id: 0,
            session: None,
            events: Vec::new(),
            served: None,
            deadline,
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }))?;
        let attached =
            browser.call("Target.attachToTarget", json!({ "targetId": target["targetId"], "flatten": true }))?;
        browser.session = attached["sessionId"].as_str().map(str::to_owned);
        Ok(browser)
    }

    /// Loads `page` as the only thing the browser may fetch, and prints it
    /// to PDF (A4 unless the page's CSS says otherwise).
    /// `margins` are the header's and footer's HTML (Chromium's templates:
    /// `pageNumber` and `totalPages` spans are filled in), repeated on
    /// every page; `None` prints none.
    pub fn print_isolated(&mut self, page: &[u8], margins: Option<(&str, &str)>) -> Result<Vec<u8>, Error> {
        self.served = Some(page.to_vec());
        self.call("Fetch.enable", json!({ "patterns": [{ "urlPattern": "*" }] }))?;
        self.call("Emulation.setScriptExecutionDisabled", json!({ "value": true }))?;
        self.call("Page.enable", json!({}))?;
        let navigated = self.call("Page.navigate", json!({ "url": PAGE_URL }))?;
        if let Some(error) = navigated["errorText"].as_str() {
            return Err(Error::project(format!("the page did not load: {error}")));
        }
        self.wait_for("Page.loadEventFired")?;
        let printed = self.call(
            "Page.printToPDF",
            match margins {
                Some((header, footer)) => json!({
                    "preferCSSPageSize": true,
                    "printBackground": true,
                    "displayHeaderFooter": true,
                    "headerTemplate": header,
                    "footerTemplate": footer,
                }),
                None => json!({ "preferCSSPageSize": true, "printBackground": true, "displayHeaderFooter": false }),
            },
        )?;
        base64::engine::general_purpose::STANDARD
            .decode(printed["data"].as_str().unwrap_or_default())
            .map_err(|e| Error::project("Chromium sent an unreadable PDF").caused_by(e))
    }

    /// Sends a command to the attached page (or the browser, before one is
    /// attached) and waits for its answer, keeping events.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, Error> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        self.send(message)?;
        loop {
            let value = self.receive()?;
            if value["id"] == id {
                if let Some(error) = value.get("error") {
                    return Err(Error::project(format!("DevTools {method} failed")).note(error.to_string()));
                }
                return Ok(value["result"].clone());
            }
            self.events.push(value);
        }
    }

    /// Waits for an event, keeping the ones before it.
    pub fn wait_for(&mut self, method: &str) -> Result<Value, Error> {
        if let Some(found) = self.events.iter().find(|e| e["method"] == method) {
            return Ok(found.clone());
        }
        loop {
            let value = self.receive()?;
            let found = value["method"] == method;
            self.events.push(value.clone());
            if found {
                return Ok(value);
            }
        }
    }

    fn send(&mut self, message: Value) -> Result<(), Error> {
        self.socket
            .send(tungstenite::Message::text(message.to_string()))
            .map_err(|e| Error::project("lost the connection to Chromium").caused_by(e))
    }

    /// The next message from the browser. Requests a served page makes are
    /// answered here, as they come.
    fn receive(&mut self) -> Result<Value, Error> {
        loop {
            if Instant::now() > self.deadline {
                return Err(Error::project("Chromium did not finish within 2 minutes"));
            }
            let message = match self.socket.read() {
                Ok(message) => message,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    continue;
                }
                Err(e) => return Err(Error::project("lost the connection to Chromium").caused_by(e)),
            };
            let Ok(text) = message.to_text() else { continue };
            let Ok(value) = serde_json::from_str::<Value>(text) else { continue };
            if value["method"] == "Fetch.requestPaused" && self.served.is_some() {
                self.answer(&value["params"])?;
                continue;
            }
            return Ok(value);
        }
    }

    /// Gives the served page for its own address; refuses anything else,
    /// as aborted (a refused navigation, such as a `<meta http-equiv=
    /// refresh>`, then leaves the page in place instead of an error page).
    fn answer(&mut self, request: &Value) -> Result<(), Error> {
        let id = request["requestId"].clone();
        let url = request["request"]["url"].as_str().unwrap_or_default();
        let mut reply = if url == PAGE_URL && request["request"]["method"] == "GET" {
            let body = base64::engine::general_purpose::STANDARD.encode(self.served.as_deref().unwrap_or_default());
            json!({ "id": 0, "method": "Fetch.fulfillRequest", "params": {
                "requestId": id,
                "responseCode": 200,
                "responseHeaders": [
                    { "name": "Content-Type", "value": "text/html; charset=utf-8" },
                    { "name": "Content-Security-Policy", "value": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:" },
                ],
                "body": body,
            }})
        } else {
            json!({ "id": 0, "method": "Fetch.failRequest", "params": { "requestId": id, "errorReason": "Aborted" } })
        };
        self.next_id += 1;
        reply["id"] = json!(self.next_id);
        if let Some(session) = &self.session {
            reply["sessionId"] = json!(session);
        }
        self.send(reply)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.socket.close(None);
        // Then `_process` is dropped: Chromium is killed.
    }
}

/// The browser's process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(not(unix))]
fn running_as_root() -> bool {
    false
}
