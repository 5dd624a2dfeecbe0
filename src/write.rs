//! Writing rendered files, atomically.
//!
//! Each file is written to a temporary name in the target folder and renamed
//! over the old one, so a reader (or a web server) never sees half a report,
//! and a build that fails midway leaves the previous files whole. A file
//! whose contents did not change is left untouched.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::render::RenderedFile;

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Written,
    Unchanged,
}

/// Writes `files` into `dir` (created if missing). `shown_dir` is the folder
/// as the user names it, for messages. Returns each file's path as shown.
pub fn write_files(dir: &Path, shown_dir: &Path, files: &[RenderedFile]) -> Result<Vec<(PathBuf, Outcome)>, Error> {
    fs::create_dir_all(dir).map_err(|e| Error::io("create", shown_dir, e))?;
    let mut written = Vec::with_capacity(files.len());
    for file in files {
        let target = dir.join(&file.file_name);
        let shown = shown_dir.join(&file.file_name);
        if fs::read(&target).is_ok_and(|old| old == file.contents.as_bytes()) {
            written.push((shown, Outcome::Unchanged));
            continue;
        }
        write_atomic(dir, &target, file.contents.as_bytes()).map_err(|e| Error::io("write", &shown, e))?;
        written.push((shown, Outcome::Written));
    }
    Ok(written)
}

fn write_atomic(dir: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".laporan-").suffix(".tmp");
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
