//! `laporan serve`'s web server: the output folder on 127.0.0.1, with live
//! reload.
//!
//! Pages are served as built, plus a small script (only here, never in the
//! published files) that listens on `/_laporan/events` (server-sent events)
//! and reloads the page after each rebuild, or shows the build's error over
//! the page when a rebuild fails. Only files inside the output folder are
//! served, and only to this machine: a request must name the server as
//! `localhost`, `127.0.0.1` or `[::1]` with its port in its Host header, so
//! that a web page elsewhere cannot read the reports through a DNS name it
//! points at 127.0.0.1 (DNS rebinding). Requests, connections and open
//! event streams are bounded, so that no client can exhaust the server.
//!
//! The server is a few lines over `std::net` rather than a crate: it answers
//! GET with a whole file or an open event stream and closes the connection,
//! and the event stream must be written and flushed event by event, which
//! the small server crates buffer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::error::Error;

const EVENTS_PATH: &str = "/_laporan/events";

/// The longest request line or header line read, in bytes.
const MAX_LINE: u64 = 8 * 1024;
/// The most header lines read.
const MAX_HEADERS: usize = 100;
/// The most connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 64;
/// The most open event streams (one per open page).
const MAX_EVENT_STREAMS: usize = 16;

/// Injected before `</body>` of every page served.
const RELOAD_SCRIPT: &str = r#"<script>/* laporan serve: live reload; not part of the published file */
(function () {
  var events = new EventSource("/_laporan/events");
  events.onmessage = function (e) {
    if (e.data === "reload") { location.reload(); return; }
    var box = document.getElementById("laporan-serve-error") || document.createElement("pre");
    box.id = "laporan-serve-error";
    box.style.cssText = "position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;overflow:auto;margin:0;padding:1rem;" +
      "background:#fff5f5;color:#7a1010;border:2px solid #c53030;border-radius:6px;font:13px/1.4 monospace;white-space:pre-wrap;z-index:99999";
    box.textContent = "laporan: the last rebuild failed; this page is the previous build.\n\n" + e.data;
    document.body.appendChild(box);
  };
})();
</script>
"#;

/// What the watcher tells the pages: a successful build or an error text.
#[derive(Debug, Clone)]
enum Event {
    Reload,
    Failed(String),
}

/// The shared state between the builder and the open pages.
#[derive(Default)]
struct Hub {
    /// Incremented on each event; the event itself.
    state: Mutex<(u64, Option<Event>)>,
    changed: Condvar,
    /// Connections being served, and how many of them are event streams.
    connections: AtomicUsize,
    streams: AtomicUsize,
}

/// Counts one connection (or stream) while it lives.
struct Slot<'a>(&'a AtomicUsize);

impl<'a> Slot<'a> {
    /// A slot if fewer than `max` are taken.
    fn take(counter: &'a AtomicUsize, max: usize) -> Option<Slot<'a>> {
        counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).ok()?;
        Some(Slot(counter))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A running server. Dropping it does not stop it: it lives as long as the
/// process (`laporan serve` runs until interrupted).
pub struct LiveServer {
    hub: Arc<Hub>,
    pub address: SocketAddr,
}

impl LiveServer {
    /// Serves `dir` on 127.0.0.1:`port` (0: any free port).
    pub fn start(dir: PathBuf, port: u16) -> Result<LiveServer, Error> {
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
            Error::usage(format!("cannot serve on 127.0.0.1:{port}"))
                .caused_by(e)
                .help("another program may use the port: pass another with --port")
        })?;
        let address = listener.local_addr().map_err(|e| Error::usage("cannot serve").caused_by(e))?;
        let hub = Arc::new(Hub::default());
        let shared = hub.clone();
        let port = address.port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let hub = shared.clone();
                let dir = dir.clone();
                // One thread per connection (event streams stay open), up
                // to a bound; past it the connection is closed unanswered.
                std::thread::spawn(move || {
                    if let Some(_slot) = Slot::take(&hub.connections, MAX_CONNECTIONS) {
                        let _ = handle(stream, &dir, &hub, port);
                    }
                });
            }
        });
        Ok(LiveServer { hub, address })
    }

    /// Tells every open page to reload.
    pub fn reload(&self) {
        self.publish(Event::Reload);
    }

    /// Shows `text` (a rendered error) over every open page.
    pub fn failed(&self, text: String) {
        self.publish(Event::Failed(text));
    }

    fn publish(&self, event: Event) {
        let mut state = self.hub.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 += 1;
        state.1 = Some(event);
        self.hub.changed.notify_all();
    }
}

/// Answers one request and closes the connection.
fn handle(stream: TcpStream, dir: &Path, hub: &Hub, port: u16) -> std::io::Result<()> {
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    // The whole request head within 10 seconds, however slowly it comes.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    let read_line = |reader: &mut BufReader<TcpStream>| {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::from(std::io::ErrorKind::TimedOut));
        }
        reader.get_ref().set_read_timeout(Some(left))?;
        read_line(reader)
    };
    let Some(request_line) = read_line(&mut reader)? else {
        return respond(&mut out, "400 Bad Request", "text/plain", b"request line too long", false);
    };
    let mut host = None;
    let mut complete = false;
    for _ in 0..MAX_HEADERS {
        let Some(header) = read_line(&mut reader)? else {
            return respond(&mut out, "431 Request Header Fields Too Large", "text/plain", b"header too long", false);
        };
        if header.trim().is_empty() {
            complete = true;
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("host")
        {
            if host.is_some() {
                return respond(&mut out, "400 Bad Request", "text/plain", b"two Host headers", false);
            }
            host = Some(value.trim().to_owned());
        }
    }
    if !complete {
        return respond(&mut out, "431 Request Header Fields Too Large", "text/plain", b"too many headers", false);
    }
    if !host.as_deref().is_some_and(|host| is_local_host(host, port)) {
        return respond(
            &mut out,
            "421 Misdirected Request",
            "text/plain",
            b"laporan serve answers only requests for localhost, 127.0.0.1 or [::1] with its port",
            false,
        );
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    if method != "GET" && method != "HEAD" {
        return respond(&mut out, "405 Method Not Allowed", "text/plain", b"only GET", method == "HEAD");
    }
    let url = target.split(['?', '#']).next().unwrap_or("/");
    if url == EVENTS_PATH {
        let Some(_slot) = Slot::take(&hub.streams, MAX_EVENT_STREAMS) else {
            return respond(&mut out, "503 Service Unavailable", "text/plain", b"too many open pages", false);
        };
        return events(&mut out, hub);
    }
    match resolve(dir, url) {
        Some(path) => match std::fs::read(&path) {
            Ok(bytes) => {
                let kind = content_type(&path);
                let bytes = if kind.starts_with("text/html") { with_reload_script(bytes) } else { bytes };
                respond(&mut out, "200 OK", kind, &bytes, method == "HEAD")
            }
            Err(_) => not_found(&mut out, url),
        },
        None if url == "/" => {
            let page = with_reload_script(listing(dir).into_bytes());
            respond(&mut out, "200 OK", "text/html; charset=utf-8", &page, method == "HEAD")
        }
        None => not_found(&mut out, url),
    }
}

/// One line of the request, at most [`MAX_LINE`] bytes; `None` if longer.
fn read_line(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    let read = (&mut *reader).take(MAX_LINE).read_until(b'\n', &mut line)?;
    if read as u64 >= MAX_LINE && !line.ends_with(b"\n") {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Whether a Host header names this server: a loopback name and its port.
fn is_local_host(host: &str, port: u16) -> bool {
    let (name, given_port) = match host.rsplit_once(':') {
        Some((name, p)) if !p.contains(']') => (name, p.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    let name = name.to_ascii_lowercase();
    given_port == Some(port) && matches!(name.as_str(), "localhost" | "127.0.0.1" | "[::1]")
}

fn respond(out: &mut TcpStream, status: &str, kind: &str, body: &[u8], head: bool) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        out.write_all(body)?;
    }
    out.flush()
}

fn not_found(out: &mut TcpStream, url: &str) -> std::io::Result<()> {
    let text = format!("{url} is not in the output folder (yet)");
    respond(out, "404 Not Found", "text/plain; charset=utf-8", text.as_bytes(), false)
}

/// A server-sent event stream: one event per build, until the page closes.
fn events(out: &mut TcpStream, hub: &Hub) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
         Connection: close\r\n\r\nretry: 500\n\n"
    )?;
    out.flush()?;
    let mut seen = hub.state.lock().unwrap_or_else(|p| p.into_inner()).0;
    loop {
        let message = {
            let state = hub.state.lock().unwrap_or_else(|p| p.into_inner());
            let (state, timeout) = hub
                .changed
                .wait_timeout_while(state, Duration::from_secs(15), |s| s.0 == seen)
                .unwrap_or_else(|p| p.into_inner());
            if timeout.timed_out() {
                // A comment keeps the connection alive and finds closed ones.
                ": ping\n\n".to_owned()
            } else {
                seen = state.0;
                match &state.1 {
                    Some(Event::Reload) | None => "data: reload\n\n".to_owned(),
                    Some(Event::Failed(text)) => {
                        let mut event: String = text.lines().map(|line| format!("data: {line}\n")).collect();
                        event.push('\n');
                        event
                    }
                }
            }
        };
        out.write_all(message.as_bytes())?;
        out.flush()?;
    }
}

/// The file for a URL path, only inside `dir`; a folder means its index.html.
fn resolve(dir: &Path, url: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url.trim_start_matches('/'))?;
    let relative = Path::new(&decoded);
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let path = dir.join(relative);
    let path = if path.is_dir() { path.join("index.html") } else { path };
    // A link in the output folder is served only if it stays inside it.
    let inside = crate::project::resolves_inside(&path, dir).unwrap_or(false);
    (inside && path.is_file()).then_some(path)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The site index laporan builds, made on the fly while out/ has none yet
/// (before the first build, or when only Markdown is built).
fn listing(dir: &Path) -> String {
    crate::write::site_index(
        &crate::write::published_pages(dir, &Default::default(), &Default::default()),
        &Default::default(),
        "Reports",
        crate::locale::Locale::En,
        "laporan serve",
    )
}

fn with_reload_script(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&bytes);
    match text.rfind("</body>") {
        Some(at) => format!("{}{RELOAD_SCRIPT}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{RELOAD_SCRIPT}").into_bytes(),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_stay_inside_the_output_folder() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(dir.path().join("a b.html"), "x").unwrap();
        assert_eq!(resolve(dir.path(), "/a%20b.html"), Some(dir.path().join("a b.html")));
        assert_eq!(resolve(dir.path(), "/../etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "//etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/missing.html"), None);
        let outside = tempfile::NamedTempFile::new().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link.html")).unwrap();
        assert_eq!(resolve(dir.path(), "/link.html"), None, "a link out of the folder is not followed");
    }

    #[test]
    fn only_loopback_names_with_the_port_are_this_server() {
        for host in ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST:8000"] {
            assert!(is_local_host(host, 8000), "{host}");
        }
        for host in [
            "evil.example:8000",
            "localhost.evil.example:8000",
            "127.0.0.1.nip.io:8000",
            "localhost:8001",
            "localhost",
            "127.0.0.1:80",
            "[::1]",
            "",
            ":8000",
            "localhost:8000:8000",
        ] {
            assert!(!is_local_host(host, 8000), "{host}");
        }
        assert!(is_local_host("localhost", 80));
    }

    #[test]
    fn the_script_goes_before_the_end_of_the_body() {
        let page = String::from_utf8(with_reload_script(b"<html><body><p>x</p></body></html>".to_vec())).unwrap();
        assert!(page.ends_with("</script>\n</body></html>"), "{page}");
    }
}
