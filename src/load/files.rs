//! The files of a dataset as DuckDB reads them: hashed and scanned in one
//! pass ([`super::scan`]), and copied when the file itself would not do (a
//! declared encoding, lines skipped above the header, CRLF and LF mixed);
//! what tells that a file changed, before and after it was read.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::shapes::ShapeTracker;
use super::{path_text, scan};
use crate::error::{Error, Location};
use crate::project::{Dataset, FileFormat, Project, STATE_DIR};

/// Hashes and scans a dataset's files; transcodes declared non-UTF-8 files
/// into temporary UTF-8 copies, and copies a CSV that skips lines or mixes
/// CRLF and LF (see [`readable_copy`]).
pub(super) fn prepare_files(project: &Project, dataset: &Dataset) -> Result<Vec<ReadableFile>, Error> {
    let dialect = (dataset.format == FileFormat::Csv).then(|| dataset.csv.dialect());
    // The values' shapes, for the types of the columns not declared and
    // for reading declared numbers and dates directly (see [`super::shapes`]).
    let shapes = || dialect.map(|_| ShapeTracker::new(&dataset.csv));
    let mut files = Vec::with_capacity(dataset.files.len());
    for file in &dataset.files {
        let path = project.path(file);
        let shown = project.shown(file);
        let identity = FileIdentity::of(&path).map_err(|e| Error::io("read", &shown, e))?;
        let readable = match (dataset.csv.encoding, dataset.format) {
            (Some(encoding), FileFormat::Csv) => {
                let (copy, facts) = transcode(project, &path, &shown, encoding, dialect, shapes())?;
                ReadableFile { file: file.clone(), path: copy.to_path_buf(), facts, identity, _copy: Some(copy) }
            }
            _ => {
                let facts = scan::scan_file(&path, dialect, shapes()).map_err(|e| Error::io("read", &shown, e))?;
                ReadableFile { file: file.clone(), path, facts, identity, _copy: None }
            }
        };
        // DuckDB reads a blank line of a one-column file as a NULL.
        let one_column = readable.facts.shapes.as_ref().is_some_and(|s| s.columns.len() <= 1);
        let blank_tail = one_column && readable.facts.blank_tail.is_some();
        let readable = match dialect {
            Some(dialect) if dialect.skip > 0 || readable.facts.crlf_and_lf() || blank_tail => {
                let copy = readable_copy(project, &readable.path, &shown, dialect, &readable.facts)?;
                ReadableFile { path: copy.to_path_buf(), _copy: Some(copy), ..readable }
            }
            _ => readable,
        };
        files.push(readable);
    }
    Ok(files)
}

/// Decodes `path` from `encoding` into a UTF-8 temporary file, scanning the
/// decoded text on the way; returns the file and its facts, with the
/// SHA-256 and size of the original.
fn transcode(
    project: &Project,
    path: &Path,
    shown: &Path,
    encoding: &'static encoding_rs::Encoding,
    dialect: Option<scan::Dialect>,
    shapes: Option<ShapeTracker>,
) -> Result<(tempfile::TempPath, scan::FileFacts), Error> {
    let tmp_dir = project.path(STATE_DIR).join("tmp");
    fs::create_dir_all(&tmp_dir).map_err(|e| Error::io("create", &project.shown(Path::new(STATE_DIR)), e))?;
    let mut input = fs::File::open(path).map_err(|e| Error::io("read", shown, e))?;
    let mut output = tempfile::Builder::new()
        .prefix("transcoded-")
        .suffix(".csv")
        .tempfile_in(&tmp_dir)
        .map_err(|e| Error::io("write a temporary file in", &project.shown(Path::new(STATE_DIR)), e))?;
    let mut decoder = encoding.new_decoder();
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut buffer = vec![0u8; 1 << 16];
    let mut text = String::with_capacity(1 << 17);
    let mut line = 1u64;
    std::thread::scope(|scope| {
        let mut pass = scan::Pass::start(scope, dialect, shapes);
        loop {
            let n = input.read(&mut buffer).map_err(|e| Error::io("read", shown, e))?;
            hasher.update(&buffer[..n]);
            bytes += n as u64;
            let last = n == 0;
            let mut consumed = 0;
            loop {
                text.clear();
                text.reserve(decoder.max_utf8_buffer_length_without_replacement(n - consumed).unwrap_or(1 << 18));
                let (result, read) =
                    decoder.decode_to_string_without_replacement(&buffer[consumed..n], &mut text, last);
                consumed += read;
                output.write_all(text.as_bytes()).map_err(|e| Error::io("write", shown, e))?;
                pass.feed(text.as_bytes());
                line += text.matches('\n').count() as u64;
                match result {
                    encoding_rs::DecoderResult::InputEmpty => break,
                    encoding_rs::DecoderResult::OutputFull => continue,
                    encoding_rs::DecoderResult::Malformed(_, _) => {
                        return Err(Error::project(format!("{} is not valid {}", shown.display(), encoding.name()))
                            .at(Location { line: Some(line as usize), ..Location::file(shown) })
                            .help("check the encoding declared for the dataset in laporan.toml"));
                    }
                }
            }
            if last {
                break;
            }
        }
        output.flush().map_err(|e| Error::io("write", shown, e))?;
        let facts = scan::FileFacts { sha256: scan::hex_digest(hasher), bytes, ..pass.finish() };
        Ok((output.into_temp_path(), facts))
    })
}

/// A copy of `path` for DuckDB to read, when the file itself would not do:
///
/// - The `skip` lines above the header are blanked. They are free text (a
///   title, a note with a stray quote), which DuckDB's reader still parses
///   when it skips them, and in strict mode a stray quote there makes it
///   read no row at all. Blank, they are skipped and still counted, so line
///   numbers stay the file's.
/// - Blank lines at the end are left out: they are no records, but DuckDB
///   reads one as a NULL when the file has one column.
/// - When the file mixes CRLF and LF, every CRLF that ends a record becomes LF (a file
///   whose lines end with both, rows appended by another tool, which
///   DuckDB's strict reader refuses). Line breaks inside quoted values are
///   data, and kept as they are.
fn readable_copy(
    project: &Project,
    path: &Path,
    shown: &Path,
    dialect: scan::Dialect,
    facts: &scan::FileFacts,
) -> Result<tempfile::TempPath, Error> {
    let normalise = facts.crlf_and_lf();
    let state = project.shown(Path::new(STATE_DIR));
    let tmp_dir = project.path(STATE_DIR).join("tmp");
    fs::create_dir_all(&tmp_dir).map_err(|e| Error::io("create", &state, e))?;
    let bytes = fs::read(path).map_err(|e| Error::io("read", shown, e))?;
    let mut output = tempfile::Builder::new()
        .prefix("readable-")
        .suffix(".csv")
        .tempfile_in(&tmp_dir)
        .map_err(|e| Error::io("write a temporary file in", &state, e))?;
    let (bom, text) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (&bytes[..3], rest),
        None => (&bytes[..0], &bytes[..]),
    };
    let text = match facts.blank_tail {
        Some(end) => &text[..(end as usize).min(text.len())],
        None => text,
    };
    let rest = scan::skip_lines(text, dialect.skip);
    let skipped = text.len() - rest.len();
    let mut copy = Vec::with_capacity(bytes.len());
    copy.extend_from_slice(bom);
    // Each skipped line blank, ended as the records are: DuckDB decides
    // the file's line ending from its first line.
    let ending: &[u8] = match facts.line_ending {
        Some(scan::LineEnding::CrLf) if !normalise => b"\r\n",
        Some(scan::LineEnding::Cr) => b"\r",
        _ => b"\n",
    };
    for _ in 0..scan::line_breaks(&text[..skipped], rest.first().copied()) {
        copy.extend_from_slice(ending);
    }
    if normalise {
        scan::end_records_with_lf(rest, dialect, &mut copy);
    } else {
        copy.extend_from_slice(rest);
    }
    output.write_all(&copy).map_err(|e| Error::io("write", &state, e))?;
    output.flush().map_err(|e| Error::io("write", &state, e))?;
    Ok(output.into_temp_path())
}

/// A file as DuckDB will read it: the original, or a UTF-8 copy of it.
pub struct ReadableFile {
    /// Relative to the project root, for messages.
    pub file: PathBuf,
    /// What DuckDB reads.
    pub path: PathBuf,
    pub facts: scan::FileFacts,
    /// The original file before it was hashed: it must be the same after
    /// it was loaded.
    pub identity: FileIdentity,
    /// Keeps a transcoded copy alive until the load is over.
    pub _copy: Option<tempfile::TempPath>,
}

/// What tells that a file may have changed, without reading it: size,
/// modification and change times, and (on Unix) the file's inode. Taken
/// before the file is hashed and compared after DuckDB read it, so that a
/// file replaced or rewritten during the load fails the load instead of
/// being recorded with the old bytes' SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64, i64, i64),
}

impl FileIdentity {
    pub fn of(path: &Path) -> std::io::Result<FileIdentity> {
        let meta = fs::metadata(path)?;
        Ok(FileIdentity {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec())
            },
        })
    }
}

impl ReadableFile {
    /// Fails if the file changed since it was hashed (see [`FileIdentity`]).
    pub(super) fn unchanged_since_hashed(&self, project: &Project) -> Result<(), Error> {
        let shown = project.shown(&self.file);
        let now = FileIdentity::of(&project.path(&self.file)).map_err(|e| Error::io("read", &shown, e))?;
        if now == self.identity {
            return Ok(());
        }
        Err(Error::project(format!("{} changed while it was being loaded", shown.display()))
            .at(Location::file(&shown))
            .help("another program wrote the file during the load; nothing was changed: run laporan again once it is done"))
    }
}

/// One hash for a dataset: the file's, or for a folder a hash of its files'
/// names and hashes.
pub(super) fn combined_hash(files: &[ReadableFile]) -> String {
    if let [single] = files {
        return single.facts.sha256.clone();
    }
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(path_text(&file.file).as_bytes());
        hasher.update(b"\0");
        hasher.update(file.facts.sha256.as_bytes());
        hasher.update(b"\n");
    }
    scan::hex_digest(hasher)
}

/// Sizes and modification times of a dataset's files: when they match the
/// last load, the files are not read again.
pub(super) fn stat_text(project: &Project, dataset: &Dataset) -> Result<String, Error> {
    let mut text = String::new();
    for file in &dataset.files {
        let meta = fs::metadata(project.path(file)).map_err(|e| Error::io("read", &project.shown(file), e))?;
        let modified =
            meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        text.push_str(&format!("{}:{}:{modified};", path_text(file), meta.len()));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_rewritten_or_replaced_after_it_was_hashed_is_noticed() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("a.csv");
        fs::write(&path, "a\n1\n").unwrap();
        let before = FileIdentity::of(&path).unwrap();
        assert_eq!(FileIdentity::of(&path).unwrap(), before, "reading is not a change");
        // The same size, written again.
        fs::write(&path, "a\n2\n").unwrap();
        assert_ne!(FileIdentity::of(&path).unwrap(), before);
        // Replaced by another file of the same size and time.
        let before = FileIdentity::of(&path).unwrap();
        let other = dir.path().join("b.csv");
        fs::write(&other, "a\n3\n").unwrap();
        let times = fs::metadata(&path).unwrap().modified().unwrap();
        fs::File::options().write(true).open(&other).unwrap().set_modified(times).unwrap();
        fs::rename(&other, &path).unwrap();
        assert_ne!(FileIdentity::of(&path).unwrap(), before);
    }
}
