//! The project's folders as laporan reads them: its own (never a link to
//! a folder elsewhere), their files listed without following a link out of
//! the project, and paths from laporan.toml kept inside it. A project
//! received from someone else must not make laporan read or write
//! anywhere else.

use std::fs;
use std::path::{Path, PathBuf};

use super::{DEFAULT_OUT_DIR, Project, STATE_DIR};
use crate::error::{Error, Location};

/// Whether `path` is inside `dir`, both with links resolved: what a link
/// in a folder laporan reads or serves from must pass. An error if either
/// does not exist.
pub fn resolves_inside(path: &Path, dir: &Path) -> std::io::Result<bool> {
    Ok(fs::canonicalize(path)?.starts_with(fs::canonicalize(dir)?))
}

/// The project folder `root` (named `shown` in messages) as an absolute
/// path with links resolved; an error if it is not a folder.
pub fn real_root(root: &Path, shown: &Path) -> Result<PathBuf, Error> {
    fs::canonicalize(root).ok().filter(|r| r.is_dir()).ok_or_else(|| {
        Error::usage(format!("project directory {} does not exist", shown.display()))
            .help("pass an existing directory to -C/--project, or create one with laporan new")
    })
}

/// Reads a UTF-8 text file, naming it (as shown) on failure.
pub fn read_text(path: &Path, shown: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io("read", shown, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        Error::project(format!("{} is not valid UTF-8", shown.display()))
            .at(Location::at_offset(shown, &text, offset))
            .help("save the file as UTF-8")
    })
}

impl Project {
    /// A folder laporan reads or writes by its fixed name (`data/`,
    /// `.laporan/`, `out/`, …) must be the project's own: a link to a folder
    /// elsewhere would let a project received from someone else read or
    /// write outside itself.
    pub(super) fn check_own_folder(&self, name: &str) -> Result<(), Error> {
        let path = self.path(name);
        let Ok(meta) = fs::symlink_metadata(&path) else { return Ok(()) };
        if !meta.file_type().is_symlink() {
            return Ok(());
        }
        let target = fs::canonicalize(&path).ok();
        let shown = self.shown(Path::new(name));
        // What laporan writes goes into folders of their own, never
        // through a link (to elsewhere, or to data/ or queries/).
        if name == STATE_DIR || name == DEFAULT_OUT_DIR {
            return Err(Error::project(format!("{} is a link", shown.display()))
                .at(Location::file(&shown))
                .note(match &target {
                    Some(target) => format!("it points to {}", target.display()),
                    None => "it points to nothing".to_owned(),
                })
                .help(format!("laporan writes only into a real {name}/ folder of the project: remove the link")));
        }
        if target.as_ref().is_some_and(|t| t.starts_with(&self.root) && t != &self.root) {
            return Ok(());
        }
        Err(Error::project(format!("{} is a link to a folder outside the project", shown.display()))
            .at(Location::file(&shown))
            .note(match target {
                Some(target) => format!("it points to {}", target.display()),
                None => "it points to nothing".to_owned(),
            })
            .help(format!(
                "a project reads and writes only inside its own folder: replace the link with a real {name}/ folder"
            )))
    }

    /// Everything under an input folder (`data/`, `queries/`, …, hidden
    /// entries and subfolders included) must be a folder, a regular file, or
    /// a link to a regular file inside that folder. A link to a folder is
    /// refused wherever it is: with `..` after it, a path would name one
    /// place for DuckDB's sandbox, which reads `..` as text, and another for
    /// the file system, which follows the link (and two such links loop).
    /// A FIFO, socket or device would hang whatever reads it. A link to
    /// nothing is skipped: the warnings for those that are not hidden (an
    /// editor's lock file is such a link) are returned, in path order.
    pub(super) fn check_tree(&self, top: &str) -> Result<Vec<Error>, Error> {
        let Ok(top_real) = fs::canonicalize(self.path(top)) else { return Ok(Vec::new()) };
        let mut skipped = Vec::new();
        let mut folders = vec![PathBuf::from(top)];
        while let Some(folder) = folders.pop() {
            let shown_folder = self.shown(&folder);
            let entries = fs::read_dir(self.path(&folder)).map_err(|e| Error::io("read folder", &shown_folder, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io("read folder", &shown_folder, e))?;
                let relative = folder.join(entry.file_name());
                let shown = self.shown(&relative);
                // A name that is not text (a Latin-1 name from an old zip)
                // would be left out without a word.
                if entry.file_name().to_str().is_none() {
                    return Err(Error::project(format!("{}: a name in it is not UTF-8 text", shown_folder.display()))
                        .at(Location::file(&shown))
                        .help("rename the file or folder (its name shows with � for the bytes that are not text)"));
                }
                let kind = entry.file_type().map_err(|e| Error::io("read", &shown, e))?;
                if kind.is_dir() {
                    folders.push(relative);
                    continue;
                }
                if kind.is_file() {
                    continue;
                }
                let refuse = |what: String, help: String| {
                    Err(Error::project(format!("{} {what}", shown.display())).at(Location::file(&shown)).help(help))
                };
                if !kind.is_symlink() {
                    return refuse(
                        "is not a file or folder (a FIFO, socket or device)".into(),
                        "remove it: laporan reads only files".into(),
                    );
                }
                let Ok(target) = fs::canonicalize(entry.path()) else {
                    let hidden = relative.components().any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
                    if !hidden {
                        skipped.push(
                            Error::project(format!("{} is a link to nothing: skipped", shown.display()))
                                .at(Location::file(&shown))
                                .help("remove it, or replace it with the file it stands for"),
                        );
                    }
                    continue;
                };
                let meta = fs::metadata(&target).map_err(|e| Error::io("read", &shown, e))?;
                if meta.is_dir() {
                    return refuse(
                        format!("is a link to a folder ({})", target.display()),
                        format!("links to folders are not followed: put the files themselves in {top}/"),
                    );
                }
                if !target.starts_with(&top_real) {
                    return refuse(
                        format!("is a link to {}, outside {top}/", target.display()),
                        format!(
                            "a project reads only its own files: copy the file into {top}/ instead of linking to it"
                        ),
                    );
                }
                if !meta.is_file() {
                    return refuse(
                        format!("is a link to {}, which is not a file", target.display()),
                        "remove it: laporan reads only files".into(),
                    );
                }
            }
        }
        skipped.sort_by(|a, b| a.location().map(|l| &l.path).cmp(&b.location().map(|l| &l.path)));
        Ok(skipped)
    }

    /// `relative` as an absolute path, if it stays inside the project:
    /// relative, without `..` climbing out, and not through a link to
    /// elsewhere (checked on the part that exists).
    pub(super) fn inside(&self, relative: &Path) -> Option<PathBuf> {
        use std::path::Component;
        let mut path = self.root.clone();
        for component in relative.components() {
            match component {
                Component::Normal(part) => path.push(part),
                Component::CurDir => {}
                Component::ParentDir if path != self.root => {
                    path.pop();
                }
                _ => return None,
            }
        }
        let mut existing = path.as_path();
        while !existing.exists() {
            existing = existing.parent()?;
        }
        fs::canonicalize(existing).ok()?.starts_with(&self.root).then_some(path)
    }

    /// Files directly in a project folder, sorted, relative to the root;
    /// hidden files are skipped and a missing folder is empty.
    pub(super) fn list_dir_files(&self, dir: &str) -> Result<Vec<PathBuf>, Error> {
        Ok(self.list_dir(dir, false)?.into_iter().map(|(path, _)| path).collect())
    }

    /// Entries of a project folder with whether each is a folder, sorted;
    /// folders only when `folders` is set. The folder's links and special
    /// files were checked when the project was opened (see `check_tree`):
    /// what is neither a file nor a folder now is a link to nothing, skipped.
    pub(super) fn list_dir(&self, dir: &str, folders: bool) -> Result<Vec<(PathBuf, bool)>, Error> {
        let shown = self.shown(Path::new(dir));
        let entries = match fs::read_dir(self.path(dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("read folder", &shown, e)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read folder", &shown, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = entry.path();
            let is_folder = path.is_dir();
            // `~$budget.xlsx` is the lock file Office writes while a
            // workbook is open: not data, and gone when it is closed.
            if name.starts_with('.')
                || name.starts_with("~$")
                || (is_folder && !folders)
                || !(is_folder || path.is_file())
            {
                continue;
            }
            files.push((Path::new(dir).join(name), is_folder));
        }
        files.sort();
        Ok(files)
    }
}
