//! `build --pdf`: a PDF next to each HTML report, printed by headless
//! Chromium (A4, as the layout's print styles say).
//!
//! Chromium is found as `$LAPORAN_CHROMIUM`, or `chromium`,
//! `chromium-browser` or `google-chrome` on the PATH. Each PDF is printed
//! to a temporary name and renamed, like every other output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::Error;

/// The Chromium to print with, or an error that says how to get one.
pub fn chromium() -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os("LAPORAN_CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    });
    found.ok_or_else(|| {
        Error::usage("build --pdf needs Chromium, which was not found")
            .help("install it (Debian and Ubuntu: apt install chromium), or set LAPORAN_CHROMIUM to its path")
    })
}

/// Prints `html` (a file) to `pdf`, shown to users as `shown`.
pub fn print(chromium: &Path, html: &Path, pdf: &Path, shown: &Path) -> Result<(), Error> {
    let html = std::fs::canonicalize(html).map_err(|e| Error::io("read", shown, e))?;
    let folder = pdf.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".laporan-").suffix(".pdf");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Published files are read by others (a web server): rw-r--r--.
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let temp = builder.tempfile_in(folder).map_err(|e| Error::io("write", shown, e))?;
    let profile = tempfile::TempDir::new().map_err(|e| Error::io("create a temporary folder for", shown, e))?;
    let mut command = Command::new(chromium);
    command
        .args(["--headless", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer", "--disable-extensions"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", temp.path().display()))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Chromium's sandbox cannot run as root; the page is laporan's own,
    // script-free output.
    if running_as_root() {
        command.arg("--no-sandbox");
    }
    let mut child = command.spawn().map_err(|e| {
        Error::project(format!("cannot run {}", chromium.display())).note(e.to_string()).help("check LAPORAN_CHROMIUM")
    })?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| Error::io("print", shown, e))? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(Error::project(format!("Chromium took more than 2 minutes to print {}", shown.display())));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let printed = std::fs::metadata(temp.path()).map(|m| m.len()).unwrap_or(0);
    if !status.success() || printed == 0 {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        let last = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("no output").to_owned();
        return Err(Error::project(format!("Chromium could not print {}", shown.display())).note(last));
    }
    temp.persist(pdf).map_err(|e| Error::io("write", shown, e.error))?;
    Ok(())
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
