//! The project: what is on disk, read once and validated.
//!
//! ```text
//! laporan.toml         optional configuration
//! data/                one table per file, named after the file
//! queries/             one saved query per .sql file
//! report_templates/    *.md.j2 and *.html.j2 reports; _name files are layouts and partials
//! out/                 rendered reports
//! .laporan/            the database (never versioned)
//! ```
//!
//! [`Project::open`] reads the configuration, finds the datasets, parses the
//! saved queries and finds the reports, and fails with a positioned error if
//! any of it is malformed. Later steps get a `&Project` and never look at the
//! file system layout themselves.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Location, line_and_column};
use crate::params::is_identifier;
use crate::query::saved::SavedQuery;

pub mod dataset;
pub use dataset::{ColumnDecl, CsvOptions, DataTest, Dataset, DatasetConfig, DeclaredTest, FileFormat};

pub const CONFIG_FILE: &str = "laporan.toml";
pub const DATA_DIR: &str = "data";
pub const QUERIES_DIR: &str = "queries";
pub const TEMPLATES_DIR: &str = "report_templates";
pub const DATA_TESTS_DIR: &str = "data_tests";
pub const STATE_DIR: &str = ".laporan";
pub const DEFAULT_OUT_DIR: &str = "out";

/// `laporan.toml`. Everything has a default.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Shown in report headers and the provenance footer.
    pub title: Option<String>,
    /// `en` or `id`; formatting filters follow it. Default `en`.
    pub locale: Option<String>,
    /// Per-report settings, keyed by report name.
    #[serde(default)]
    pub reports: BTreeMap<String, ReportConfig>,
    /// Dataset declarations (schema and dialect), keyed by dataset name.
    #[serde(default)]
    pub datasets: BTreeMap<String, Spanned<DatasetConfig>>,
    /// DuckDB settings.
    pub duckdb: Option<Spanned<DuckdbConfig>>,
}

/// `[duckdb]`: how the embedded database may use the machine. Unset means
/// DuckDB's default (memory: 80% of RAM; threads: every core; temporary
/// files: next to the database in `.laporan/`).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DuckdbConfig {
    /// Such as `"4GB"`; beyond it DuckDB spills to temporary files.
    pub memory_limit: Option<String>,
    pub threads: Option<u32>,
    /// Where to spill, relative to the project.
    pub temp_directory: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub title: Option<String>,
    pub locale: Option<String>,
}

pub const LOCALES: [&str; 2] = ["en", "id"];

/// How a report template is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    /// `*.md.j2`: renders to `.md`, and to `.html` through the layout.
    Markdown,
    /// `*.html.j2`: renders to `.html` only.
    Html,
}

/// A report: one template in `report_templates/` not starting with `_`.
#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    /// The template's file name, which is also its name in the environment.
    pub template: String,
    pub kind: TemplateKind,
    pub title: Option<String>,
    pub locale: String,
}

#[derive(Debug)]
pub struct Project {
    /// The project directory as the user gave it (`.` by default).
    pub root: PathBuf,
    pub config: Config,
    /// The text of laporan.toml, to place errors in it.
    config_text: String,
    pub datasets: Vec<Dataset>,
    pub queries: BTreeMap<String, SavedQuery>,
    /// For each saved query, the saved queries it builds on, by name.
    pub dependencies: BTreeMap<String, Vec<String>>,
    /// Custom data tests: `data_tests/*.sql`, each returning failing rows.
    pub data_tests: BTreeMap<String, SavedQuery>,
    /// Saved queries left out as unusable (malformed, in a cycle, building
    /// on such a one); their problems were reported.
    pub broken_queries: Vec<String>,
    pub reports: Vec<Report>,
}

impl Project {
    /// Reads and validates the project; fails on the first problem.
    pub fn open(root: &Path) -> Result<Project, Error> {
        let (project, mut problems) = Project::open_checking(root)?;
        if problems.is_empty() { Ok(project) } else { Err(problems.remove(0)) }
    }

    /// Like [`Project::open`], but a broken saved query or data test does
    /// not stop the reading: it is left out of the project and returned
    /// among the problems, so that `laporan check` can list them all.
    pub fn open_checking(root: &Path) -> Result<(Project, Vec<Error>), Error> {
        if !root.is_dir() {
            return Err(Error::usage(format!("project directory {} does not exist", root.display()))
                .help("pass an existing directory to -C/--project, or create one with laporan new"));
        }
        let mut project = Project {
            root: root.to_path_buf(),
            config: Config::default(),
            config_text: String::new(),
            datasets: Vec::new(),
            queries: BTreeMap::new(),
            dependencies: BTreeMap::new(),
            data_tests: BTreeMap::new(),
            broken_queries: Vec::new(),
            reports: Vec::new(),
        };
        let mut problems = Vec::new();
        (project.config, project.config_text) = project.read_config()?;
        if !LOCALES.contains(&project.locale()) {
            return Err(project.config_error("locale", project.locale()));
        }
        project.datasets = project.find_datasets()?;
        (project.queries, project.broken_queries) = project.read_sql_files(QUERIES_DIR, &mut problems)?;
        (project.data_tests, _) = project.read_sql_files(DATA_TESTS_DIR, &mut problems)?;
        for test in project.data_tests.values() {
            if let Some(param) = test.params.first() {
                problems.push(
                    Error::project(format!("data test {} declares parameter {}", test.name, param.name))
                        .at(Location::file(&test.path))
                        .help("a data test runs on the whole loaded data: it takes no parameters"),
                );
            }
        }
        project.data_tests.retain(|_, test| test.params.is_empty());
        project.resolve_dependencies(&mut problems);
        project.reports = project.find_reports()?;
        if [DATA_DIR, QUERIES_DIR, TEMPLATES_DIR].iter().all(|dir| !root.join(dir).is_dir()) {
            return Err(Error::usage(format!(
                "{} is not a laporan project: it has no {DATA_DIR}/, {QUERIES_DIR}/ or {TEMPLATES_DIR}/",
                project.shown(Path::new(".")).display()
            ))
            .help("run laporan in a project directory, pass one with -C, or create one with laporan new"));
        }
        Ok((project, problems))
    }

    /// The path of a project file as the user would type it from where they are.
    pub fn shown(&self, relative: &Path) -> PathBuf {
        if self.root == Path::new(".") || self.root.as_os_str().is_empty() {
            relative.to_path_buf()
        } else if relative == Path::new(".") {
            self.root.clone()
        } else {
            self.root.join(relative)
        }
    }

    /// The real path of a project file.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    pub fn locale(&self) -> &str {
        self.config.locale.as_deref().unwrap_or("en")
    }

    pub fn title(&self) -> Option<&str> {
        self.config.title.as_deref()
    }

    /// DuckDB settings from `[duckdb]`, as (name, value) pairs, and the
    /// error to show when DuckDB refuses them.
    pub fn duckdb_settings(&self) -> Vec<(&'static str, String)> {
        let mut settings = Vec::new();
        let Some(config) = self.config.duckdb.as_ref().map(Spanned::get_ref) else { return settings };
        if let Some(limit) = &config.memory_limit {
            settings.push(("memory_limit", limit.clone()));
        }
        if let Some(threads) = config.threads {
            settings.push(("threads", threads.to_string()));
        }
        if let Some(dir) = &config.temp_directory {
            settings.push(("temp_directory", self.path(dir).to_string_lossy().into_owned()));
        }
        settings
    }

    /// An error about the `[duckdb]` table of laporan.toml.
    pub fn duckdb_config_error(&self, message: String) -> Error {
        let span = self.config.duckdb.as_ref().map(Spanned::span).unwrap_or_default();
        dataset::ConfigPlace::config_error(self, span, message)
    }

    /// How many threads laporan's own parallel work (data tests, rendering)
    /// may use: one per core, at most `[duckdb] threads`.
    pub fn threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let limit = self.config.duckdb.as_ref().and_then(|d| d.get_ref().threads).map_or(cores, |t| t as usize);
        cores.min(limit).max(1)
    }

    /// The text of laporan.toml.
    pub fn config_text(&self) -> &str {
        &self.config_text
    }

    pub fn database_path(&self) -> PathBuf {
        self.path(STATE_DIR).join("laporan.duckdb")
    }

    pub fn report(&self, name: &str) -> Option<&Report> {
        self.reports.iter().find(|r| r.name == name)
    }

    fn config_error(&self, key: &str, value: &str) -> Error {
        Error::project(format!("{CONFIG_FILE}: locale '{value}' is not supported"))
            .at(Location::file(self.shown(Path::new(CONFIG_FILE))))
            .help(format!("set {key} to one of: {}", LOCALES.join(", ")))
    }

    fn read_config(&self) -> Result<(Config, String), Error> {
        let path = self.path(CONFIG_FILE);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Config::default(), String::new())),
            Err(e) => return Err(Error::io("read", &self.shown(Path::new(CONFIG_FILE)), e)),
        };
        match toml::from_str(&text) {
            Ok(config) => Ok((config, text)),
            Err(e) => {
                let shown = self.shown(Path::new(CONFIG_FILE));
                let location = match e.span() {
                    Some(span) => {
                        let (line, column) = line_and_column(&text, span.start);
                        Location::in_source(shown, &text, line, Some(column)).with_width(span.len())
                    }
                    None => Location::file(shown),
                };
                Err(Error::project(format!("invalid configuration: {}", e.message().trim())).at(location))
            }
        }
    }

    fn find_datasets(&self) -> Result<Vec<Dataset>, Error> {
        let entries = self.list_dir(DATA_DIR, true)?;
        dataset::resolve(self, entries, |folder| self.list_dir_files(&folder.to_string_lossy()), &self.config.datasets)
    }

    /// Reads every `.sql` file of `dir` as a saved query; a malformed one is
    /// added to `problems` and left out, its name returned beside the others.
    fn read_sql_files(
        &self,
        dir: &str,
        problems: &mut Vec<Error>,
    ) -> Result<(BTreeMap<String, SavedQuery>, Vec<String>), Error> {
        let mut queries = BTreeMap::new();
        let mut broken = Vec::new();
        for file in self.list_dir_files(dir)? {
            if file.extension().and_then(|e| e.to_str()) != Some("sql") {
                continue;
            }
            let name = stem(&file, 1);
            let shown = self.shown(&file);
            if !is_identifier(&name) {
                problems.push(
                    Error::project(format!("file name '{name}' is not a valid query name"))
                        .at(Location::file(shown))
                        .help("name .sql files with letters, digits and underscores, such as events_per_period.sql"),
                );
                broken.push(name);
                continue;
            }
            let source = read_text(&self.path(&file), &shown)?;
            match SavedQuery::parse(&name, shown, source) {
                Ok(query) => {
                    queries.insert(name, query);
                }
                Err(error) => {
                    problems.push(error);
                    broken.push(name);
                }
            }
        }
        Ok((queries, broken))
    }

    /// Finds which saved queries build on which (a query's name used as a
    /// table in another), and refuses cycles and parameterised bases. A
    /// query in a problem, or building on one, is left out.
    fn resolve_dependencies(&mut self, problems: &mut Vec<Error>) {
        let mut bad: Vec<String> = Vec::new();
        for (name, query) in &self.queries {
            let mut deps: Vec<String> = Vec::new();
            for used in &query.names {
                let Some(base) = self.queries.get(&used.name) else { continue };
                if base.name == *name || deps.contains(&base.name) || self.datasets.iter().any(|d| d.name == base.name)
                {
                    continue;
                }
                if let Some(param) = base.params.first() {
                    problems.push(
                        Error::project(format!(
                            "query {name} builds on query {}, which has parameters ({})",
                            base.name, param.name
                        ))
                        .at(Location::at_offset(&query.path, &query.source, used.offset).with_width(used.len))
                        .help(format!(
                            "a query that others build on takes no parameters: filter in {name} instead, \
                             or declare the parameters in {name} and apply them there"
                        )),
                    );
                    bad.push(name.clone());
                }
                deps.push(base.name.clone());
            }
            self.dependencies.insert(name.clone(), deps);
        }
        // Cycles: walk the graph depth-first.
        fn visit<'a>(
            name: &'a str,
            deps: &'a BTreeMap<String, Vec<String>>,
            path: &mut Vec<&'a str>,
            done: &mut Vec<&'a str>,
            cycles: &mut Vec<Vec<String>>,
        ) {
            if done.contains(&name) {
                return;
            }
            if let Some(at) = path.iter().position(|n| *n == name) {
                let mut cycle: Vec<String> = path[at..].iter().map(|n| (*n).to_owned()).collect();
                cycle.push(name.to_owned());
                cycles.push(cycle);
                return;
            }
            path.push(name);
            for dep in deps.get(name).into_iter().flatten() {
                visit(dep, deps, path, done, cycles);
            }
            path.pop();
            done.push(name);
        }
        let mut cycles = Vec::new();
        let mut done = Vec::new();
        for name in self.dependencies.keys() {
            visit(name, &self.dependencies, &mut Vec::new(), &mut done, &mut cycles);
        }
        for cycle in cycles {
            let query = &self.queries[&cycle[0]];
            let used = query.names.iter().find(|n| n.name == cycle[1]).expect("a dependency is a used name");
            problems.push(
                Error::project(format!("saved queries build on each other in a cycle: {}", cycle.join(" → ")))
                    .at(Location::at_offset(&query.path, &query.source, used.offset).with_width(used.len))
                    .help("a query can build on another only if that one does not build on it, even indirectly"),
            );
            bad.extend(cycle);
        }
        // Leave out the bad queries and everything that builds on them.
        loop {
            let before = bad.len();
            for (name, deps) in &self.dependencies {
                if !bad.contains(name) && deps.iter().any(|d| bad.contains(d)) {
                    bad.push(name.clone());
                }
            }
            if bad.len() == before {
                break;
            }
        }
        for name in &bad {
            self.queries.remove(name);
            self.dependencies.remove(name);
        }
        self.broken_queries.extend(bad);
    }

    /// Every template file (reports, layouts, partials) by its name in the
    /// template environment.
    pub fn template_files(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .list_dir_files(TEMPLATES_DIR)?
            .iter()
            .filter_map(|f| f.file_name().and_then(|n| n.to_str()))
            .filter(|n| n.ends_with(".j2"))
            .map(str::to_owned)
            .collect())
    }

    /// Saved query names, each after the queries it builds on.
    pub fn query_order(&self) -> Vec<&str> {
        let mut order: Vec<&str> = Vec::new();
        fn place<'a>(name: &'a str, deps: &'a BTreeMap<String, Vec<String>>, order: &mut Vec<&'a str>) {
            if order.contains(&name) {
                return;
            }
            for dep in deps.get(name).into_iter().flatten() {
                place(dep, deps, order);
            }
            order.push(name);
        }
        for name in self.queries.keys() {
            place(name, &self.dependencies, &mut order);
        }
        order
    }

    fn find_reports(&self) -> Result<Vec<Report>, Error> {
        let mut reports: Vec<Report> = Vec::new();
        for file in self.list_dir_files(TEMPLATES_DIR)? {
            let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let kind = if file_name.ends_with(".md.j2") {
                TemplateKind::Markdown
            } else if file_name.ends_with(".html.j2") {
                TemplateKind::Html
            } else {
                continue;
            };
            if file_name.starts_with('_') {
                continue;
            }
            let name = stem(&file, 2);
            if let Some(other) = reports.iter().find(|r| r.name == name) {
                return Err(Error::project(format!("two templates would both be report {name}"))
                    .at(Location::file(self.shown(&file)))
                    .note(format!("the other one is {TEMPLATES_DIR}/{}", other.template))
                    .help("rename one of them"));
            }
            let settings = self.config.reports.get(&name).cloned().unwrap_or_default();
            let locale = settings.locale.unwrap_or_else(|| self.locale().to_owned());
            if !LOCALES.contains(&locale.as_str()) {
                return Err(self.config_error(&format!("reports.{name}.locale"), &locale));
            }
            reports.push(Report { name, template: file_name, kind, title: settings.title, locale });
        }
        if let Some(unknown) = self.config.reports.keys().find(|name| !reports.iter().any(|r| &r.name == *name)) {
            return Err(Error::project(format!("{CONFIG_FILE} configures report '{unknown}', which has no template"))
                .at(Location::file(self.shown(Path::new(CONFIG_FILE))))
                .help(format!("add {TEMPLATES_DIR}/{unknown}.md.j2 or remove [reports.{unknown}]")));
        }
        Ok(reports)
    }

    /// Files directly in a project folder, sorted, relative to the root;
    /// hidden files are skipped and a missing folder is empty.
    /// Every file under report_templates/ (subfolders too, hidden files
    /// not), by its path there with `/` separators, with its contents: what
    /// a report's output may depend on.
    pub fn template_sources(&self) -> Result<BTreeMap<String, Vec<u8>>, Error> {
        let mut sources = BTreeMap::new();
        let mut folders = vec![PathBuf::from(TEMPLATES_DIR)];
        while let Some(folder) = folders.pop() {
            for (path, is_folder) in self.list_dir(&folder.to_string_lossy(), true)? {
                if is_folder {
                    folders.push(path);
                    continue;
                }
                let bytes = fs::read(self.path(&path)).map_err(|e| Error::io("read", &self.shown(&path), e))?;
                let name = path.strip_prefix(TEMPLATES_DIR).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                sources.insert(name, bytes);
            }
        }
        Ok(sources)
    }

    fn list_dir_files(&self, dir: &str) -> Result<Vec<PathBuf>, Error> {
        Ok(self.list_dir(dir, false)?.into_iter().map(|(path, _)| path).collect())
    }

    /// Entries of a project folder with whether each is a folder, sorted;
    /// folders only when `folders` is set.
    fn list_dir(&self, dir: &str, folders: bool) -> Result<Vec<(PathBuf, bool)>, Error> {
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
            if name.starts_with('.') || (is_folder && !folders) || !(is_folder || path.is_file()) {
                continue;
            }
            files.push((Path::new(dir).join(name), is_folder));
        }
        files.sort();
        Ok(files)
    }
}

impl dataset::ConfigPlace for Project {
    fn config_error(&self, span: std::ops::Range<usize>, message: String) -> Error {
        let shown = self.shown(Path::new(CONFIG_FILE));
        Error::project(message).at(Location::at_offset(shown, &self.config_text, span.start).with_width(span.len()))
    }

    fn config_file_error(&self, message: String) -> Error {
        Error::project(message)
    }

    fn shown(&self, relative: &Path) -> PathBuf {
        Project::shown(self, relative)
    }
}

/// The file name without its last `extensions` extensions.
fn stem(path: &Path, extensions: usize) -> String {
    let mut name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    for _ in 0..extensions {
        name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    }
    name.to_owned()
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
