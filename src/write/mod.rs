//! Writing rendered files, atomically.
//!
//! Each file is written to a temporary name in the target folder and renamed
//! over the old one, so a reader (or a web server) never sees half a report,
//! and a build that fails midway leaves the previous files whole. A file
//! whose contents did not change is left untouched.

pub mod index;
pub mod output;

pub use index::site_index;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One file to write, named relative to its folder.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub file_name: String,
    pub contents: Vec<u8>,
}

impl OutputFile {
    pub fn text(file_name: String, contents: &str) -> OutputFile {
        OutputFile { file_name, contents: contents.as_bytes().to_vec() }
    }
}

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Written,
    Unchanged,
}

/// Writes `files` into `dir` (created if missing). `shown_dir` is the folder
/// as the user names it, for messages. Returns each file's path as shown.
pub fn write_files(dir: &Path, shown_dir: &Path, files: &[OutputFile]) -> Result<Vec<(PathBuf, Outcome)>, Error> {
    // Each folder written into once: created, checked, cleaned.
    let mut prepared: Vec<PathBuf> = Vec::new();
    let mut prepare = |folder: &Path, shown: &Path| -> Result<(), Error> {
        if !prepared.iter().any(|p| p == folder) {
            own_folder(folder, shown)?;
            remove_stale_temporaries(folder);
            prepared.push(folder.to_path_buf());
        }
        Ok(())
    };
    prepare(dir, shown_dir)?;
    let mut written = Vec::with_capacity(files.len());
    for file in files {
        let target = dir.join(&file.file_name);
        let shown = shown_dir.join(&file.file_name);
        // A file may be in a folder of its own (`report.data/query.csv`).
        prepare(target.parent().unwrap_or(dir), shown.parent().unwrap_or(shown_dir))?;
        let folder = target.parent().unwrap_or(dir);
        // Only a regular file is compared (a FIFO or a link to a device
        // would never end being read); anything else is replaced.
        let regular = fs::symlink_metadata(&target).is_ok_and(|m| m.is_file());
        if regular && fs::read(&target).is_ok_and(|old| old == file.contents) {
            written.push((shown, Outcome::Unchanged));
            continue;
        }
        write_atomic(folder, &target, &file.contents).map_err(|e| Error::io("write", &shown, e))?;
        written.push((shown, Outcome::Written));
    }
    Ok(written)
}

/// Creates `folder` if needed and checks that it is a folder of its own,
/// not a link: a link in the output folder (`out/2024-Q2` pointing
/// elsewhere) would have laporan write outside it.
fn own_folder(folder: &Path, shown: &Path) -> Result<(), Error> {
    fs::create_dir_all(folder).map_err(|e| Error::io("create", shown, e))?;
    let meta = fs::symlink_metadata(folder).map_err(|e| Error::io("read", shown, e))?;
    if meta.file_type().is_symlink() {
        return Err(Error::project(format!(
            "{} is a link, not a folder: laporan does not write through it",
            shown.display()
        ))
        .help("remove the link; laporan creates the folder itself"));
    }
    Ok(())
}

/// Checks that no folder between `root` (the output folder) and `dir`
/// that exists is a link: `out/2024-Q2` linked elsewhere would have the
/// pages of `out/2024-Q2/brief/` written outside. `shown_root` names the
/// output folder in messages. Nothing is created.
pub fn no_links_below(root: &Path, shown_root: &Path, dir: &Path) -> Result<(), Error> {
    let Ok(relative) = dir.strip_prefix(root) else { return Ok(()) };
    let (mut real, mut shown) = (root.to_path_buf(), shown_root.to_path_buf());
    for part in relative.components() {
        real.push(part);
        shown.push(part);
        match fs::symlink_metadata(&real) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(Error::project(format!(
                    "{} is a link, not a folder: laporan does not write through it",
                    shown.display()
                ))
                .help("remove the link; laporan creates the folder itself"));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// Temporary files (`.laporan-*.tmp`, `.laporan-*.pdf`) that a build killed
/// midway left behind in `folder`. Builds of one project never overlap (the
/// database is locked), so any such file is stale. Best effort.
fn remove_stale_temporaries(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let temporary = name.starts_with(TEMP_PREFIX) && (name.ends_with(".tmp") || name.ends_with(".pdf"));
        if temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The prefix of laporan's temporary files in the output folder.
const TEMP_PREFIX: &str = ".laporan-";

/// Writes `bytes` to `target` through a temporary file in `dir`, renamed
/// over it once complete.
pub fn write_atomic(dir: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Published files are read by others (a web server): rw-r--r--.
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    let mut temp = builder.tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// Removes files an earlier build wrote into `root` that no report writes
/// now. The record of them (`.laporan/builds.json`) comes with the project
/// and may be forged, so a file is removed only if it is a regular file
/// inside `root` (through no link), and its size and modification time are
/// still those laporan recorded: anything else is left alone. Folders
/// emptied by it (`<report>.data/`, a period's) are removed too. Returns
/// the paths removed, relative to `root`.
pub fn remove_stale(root: &Path, stale: &[FileStamp]) -> Vec<PathBuf> {
    let Ok(real_root) = fs::canonicalize(root) else { return Vec::new() };
    let mut removed = Vec::new();
    for stamp in stale {
        let path = &stamp.path;
        let Ok(relative) = path.strip_prefix(root) else { continue };
        if relative.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            continue;
        }
        let inside = path.parent().and_then(|p| fs::canonicalize(p).ok()).is_some_and(|p| p.starts_with(&real_root));
        let regular = fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
        if !inside || !regular || FileStamp::of(path).as_ref() != Some(stamp) {
            continue;
        }
        if fs::remove_file(path).is_ok() {
            removed.push(relative.to_path_buf());
            // Empty folders left behind, up to the output folder.
            let mut folder = path.parent();
            while let Some(dir) = folder.filter(|d| *d != root && d.starts_with(root)) {
                if fs::remove_dir(dir).is_err() {
                    break;
                }
                folder = dir.parent();
            }
        }
    }
    removed
}

/// A page already published in the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPage {
    /// Relative to the output folder, with `/`: `2024-Q2/cooperation_report.html`.
    pub href: String,
    /// The period folder it is in, if any (`2024-Q2`).
    pub folder: Option<String>,
    /// The `each` report whose page it is, if any (its folder's name).
    pub group: Option<String>,
    /// The report's title, as its build recorded it; else the file's name.
    pub title: String,
}

/// The HTML pages in `root`, in its period folders, and in the folders of
/// the `each` reports named in `groups` (at the top or in a period's
/// folder), except `index.html`, with their titles from `titles` (by path,
/// as the manifest records them). Other folders one level down are listed
/// as folders of their own. Reading is best effort: an unreadable folder is
/// left out.
pub fn published_pages(
    root: &Path,
    titles: &BTreeMap<PathBuf, String>,
    groups: &BTreeMap<String, String>,
) -> Vec<PublishedPage> {
    let mut pages = Vec::new();
    let mut visit = |dir: &Path, href: &str, folder: Option<&str>, group: Option<&str>| {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Links are not pages laporan wrote: never followed.
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            // The site's own index is `index.html` at the top; an `each`
            // report's page may be named so (a key `index`).
            let site_index = name == "index.html" && group.is_none();
            if !name.ends_with(".html") || site_index || name.starts_with('.') || !is_file {
                continue;
            }
            let title = titles.get(&entry.path()).cloned().unwrap_or_else(|| name.trim_end_matches(".html").to_owned());
            pages.push(PublishedPage {
                href: format!("{href}{name}"),
                folder: folder.map(str::to_owned),
                group: group.map(str::to_owned),
                title,
            });
        }
    };
    visit(root, "", None, None);
    for folder in subfolders(root) {
        let path = root.join(&folder);
        if groups.contains_key(&folder) {
            visit(&path, &format!("{folder}/"), None, Some(&folder));
            continue;
        }
        visit(&path, &format!("{folder}/"), Some(&folder), None);
        if folder.parse::<crate::period::Period>().is_ok() {
            for group in subfolders(&path).into_iter().filter(|g| groups.contains_key(g)) {
                visit(&path.join(&group), &format!("{folder}/{group}/"), Some(&folder), Some(&group));
            }
        }
    }
    pages.sort_by(|a, b| a.href.cmp(&b.href));
    pages
}

/// The folders in `dir` (not links, not hidden), sorted.
fn subfolders(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut folders: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    folders.sort();
    folders
}

/// A written file as it was left: if its size or modification time differ,
/// someone changed or replaced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub path: PathBuf,
    pub len: u64,
    pub modified_ns: u128,
}

impl FileStamp {
    /// The file at `path` as it is now; `None` if it cannot be read.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let meta = fs::metadata(path).ok()?;
        let modified_ns = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
        Some(FileStamp { path: path.to_path_buf(), len: meta.len(), modified_ns })
    }

    pub fn is_current(&self) -> bool {
        FileStamp::of(&self.path).as_ref() == Some(self)
    }
}
