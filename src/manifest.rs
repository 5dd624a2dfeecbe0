//! What earlier builds did, so that the next one can skip what is still
//! up to date.
//!
//! Like `make`, but by content: each report of a build has a key, a hash of
//! everything its output depends on (the loaded data's fingerprints, the
//! saved queries, the templates, laporan.toml, the period, the parameters and
//! options, laporan's version). The manifest (`.laporan/builds.json`) holds,
//! per report and output folder, the key of the last build that wrote it and
//! the size and modification time of each file written. A report whose key
//! is the same and whose files are as they were left is not rendered again.
//! Passed data tests and the last successful check of the saved queries are
//! remembered the same way, under keys of the data and the SQL.
//!
//! The manifest is a cache: a missing or unreadable one means "build
//! everything", and `laporan build --force` ignores it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::project::{Project, STATE_DIR};
use crate::write::FileStamp;

const FILE_NAME: &str = "builds.json";
/// Bumped when the manifest's meaning changes; an older one is ignored.
/// 2: each report's title is recorded, for the site index.
/// 3: each record names its report (a report writes several pages: one per
/// locale, one per row of its `each` query).
const FORMAT: u32 = 3;

/// What one report's last build wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Built {
    /// The report it is a page (or, for an `each` report, the group) of;
    /// empty for the site index.
    #[serde(default)]
    pub report: String,
    pub key: String,
    pub files: Vec<FileStamp>,
    /// The report's title, for the site index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    format: u32,
    /// By output folder and report name (see [`unit_id`]).
    reports: BTreeMap<String, Built>,
    /// Keys of the data tests that passed.
    passed_tests: BTreeSet<String>,
    /// The key of the last check that found every saved query sound.
    checked_queries: Option<String>,
}

/// Identifies a report built into a folder: `/abs/out/2024-Q2|monthly`.
pub fn unit_id(dir: &Path, report: &str) -> String {
    format!("{}|{report}", dir.display())
}

impl Manifest {
    /// The project's manifest; empty if there is none or it cannot be read.
    pub fn read(project: &Project) -> Manifest {
        fs::read(path(project))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
            .filter(|m| m.format == FORMAT)
            .unwrap_or_default()
    }

    /// Saves the manifest, atomically.
    pub fn write(&mut self, project: &Project) -> Result<(), Error> {
        self.format = FORMAT;
        let json = serde_json::to_vec_pretty(self).expect("the manifest serializes");
        let file = crate::write::OutputFile { file_name: FILE_NAME.to_owned(), contents: json };
        crate::write::write_files(&project.path(STATE_DIR), &project.shown(Path::new(STATE_DIR)), &[file])?;
        Ok(())
    }

    /// The title of each HTML page recorded, by its path.
    pub fn titles(&self) -> BTreeMap<PathBuf, String> {
        let mut titles = BTreeMap::new();
        for built in self.reports.values() {
            let Some(title) = &built.title else { continue };
            for file in built.files.iter().filter(|f| f.path.extension().is_some_and(|e| e == "html")) {
                titles.insert(file.path.clone(), title.clone());
            }
        }
        titles
    }

    /// Whether the report `id` was built with `key` and its files are as
    /// that build left them.
    pub fn is_current(&self, id: &str, key: &str) -> bool {
        self.reports.get(id).is_some_and(|built| built.key == key && built.files.iter().all(FileStamp::is_current))
    }

    /// The files the report `id`'s last build wrote that are as it left
    /// them and of a kind `kept` says this build does not write (the PDF
    /// of an earlier `--pdf` build, say): they stay the report's.
    pub fn kept_files(&self, id: &str, kept: impl Fn(&Path) -> bool) -> Vec<FileStamp> {
        let Some(built) = self.reports.get(id) else { return Vec::new() };
        built.files.iter().filter(|f| kept(&f.path) && f.is_current()).cloned().collect()
    }

    /// Records what the report `id` wrote now, and returns the files its
    /// last build wrote that this one did not (a query no longer called, a
    /// format no longer asked for).
    pub fn record(&mut self, id: String, built: Built) -> Vec<FileStamp> {
        let old = self.reports.insert(id, built.clone()).map(|b| b.files).unwrap_or_default();
        old.into_iter().filter(|f| !built.files.iter().any(|n| n.path == f.path)).collect()
    }

    /// Forgets the pages built into `root` (or a folder in it) that
    /// `stale` says no report writes now (given the page's folder, its id
    /// and its record), and returns the files they wrote.
    pub fn forget(&mut self, root: &Path, stale: impl Fn(&Path, &str, &Built) -> bool) -> Vec<FileStamp> {
        let gone: Vec<String> = self
            .reports
            .iter()
            .filter(|(id, built)| {
                id.rsplit_once('|').is_some_and(|(dir, _)| {
                    let dir = Path::new(dir);
                    dir.starts_with(root) && stale(dir, id, built)
                })
            })
            .map(|(id, _)| id.clone())
            .collect();
        gone.iter().filter_map(|id| self.reports.remove(id)).flat_map(|built| built.files).collect()
    }

    /// The pages recorded in folder `dir` (an `each` report's): how many,
    /// and whether all of them are as their build left them.
    pub fn pages_in(&self, dir: &Path) -> (usize, bool) {
        let prefix = format!("{}|", dir.display());
        let pages: Vec<&Built> = self
            .reports
            .iter()
            .filter(|(id, _)| id.strip_prefix(&prefix).is_some_and(|rest| !rest.contains('|')))
            .map(|(_, built)| built)
            .collect();
        (pages.len(), pages.iter().all(|b| b.files.iter().all(FileStamp::is_current)))
    }

    pub fn test_passed(&self, key: &str) -> bool {
        self.passed_tests.contains(key)
    }

    /// Replaces the passed tests with `keys` (the tests of this build).
    pub fn set_passed_tests(&mut self, keys: BTreeSet<String>) {
        self.passed_tests = keys;
    }

    pub fn queries_checked(&self, key: &str) -> bool {
        self.checked_queries.as_deref() == Some(key)
    }

    pub fn set_queries_checked(&mut self, key: Option<String>) {
        self.checked_queries = key;
    }
}

fn path(project: &Project) -> PathBuf {
    project.path(STATE_DIR).join(FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_or_missing_file_is_not_current() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.html");
        fs::write(&file, "one").unwrap();
        let mut manifest = Manifest::default();
        manifest.record(
            "r".into(),
            Built { report: "r".into(), key: "k".into(), files: vec![FileStamp::of(&file).unwrap()], title: None },
        );
        assert!(manifest.is_current("r", "k"));
        assert!(!manifest.is_current("r", "other key"));
        assert!(!manifest.is_current("other report", "k"));
        fs::write(&file, "three").unwrap();
        assert!(!manifest.is_current("r", "k"), "the size changed");
        fs::remove_file(&file).unwrap();
        assert!(!manifest.is_current("r", "k"), "the file is gone");
    }
}
