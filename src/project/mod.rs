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
//!
//! ```text
//! mod.rs          Project: opening, reports, settings in force
//! config.rs       laporan.toml, every problem in one run
//! dataset.rs      data/ files and folders as datasets, with their declarations
//! saved_query.rs  one .sql file: description, parameters, statement
//! queries.rs      the saved queries and data tests, and what each builds on
//! folders.rs      the project's own folders, never a way out of it
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::engine;
use crate::error::{Error, Location, line_and_column};
use crate::locale::Locale;
use saved_query::SavedQuery;

pub mod config;
pub mod dataset;
pub mod declaration;
mod folders;
pub mod messages;
mod queries;
pub mod saved_query;

pub use config::{Config, DuckdbConfig, MAX_THREADS, ReportConfig};
pub use dataset::{ColumnDecl, CsvOptions, DataTest, Dataset, DatasetConfig, DeclaredTest, FileFormat, Sheet};
pub use folders::{read_text, real_root, resolves_inside};

pub const CONFIG_FILE: &str = "laporan.toml";
pub const DATA_DIR: &str = "data";
pub const QUERIES_DIR: &str = "queries";
pub const TEMPLATES_DIR: &str = "report_templates";
/// The Word document whose styles a report's `.docx` takes, in
/// [`TEMPLATES_DIR`] (as pandoc's reference document).
pub const REFERENCE_DOCX: &str = "_reference.docx";
pub const DATA_TESTS_DIR: &str = "data_tests";
pub const STATE_DIR: &str = ".laporan";

/// How much of the disk the result cache keeps unless `[cache] max_size`
/// says otherwise.
pub const DEFAULT_CACHE_SIZE: u64 = 1_000_000_000;

/// A size as DuckDB writes them: a number, then `B`, `KB`, `MB`, `GB`, `TB`
/// (powers of 1000) or `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024), any case.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| "not a size".to_owned())?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown unit '{other}'")),
    };
    let bytes = number * factor;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err("too large".to_owned());
    }
    Ok(bytes as u64)
}
pub const DEFAULT_OUT_DIR: &str = "out";

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
    /// Its locale, or the first of its `locales`.
    pub locale: Locale,
    /// `locales`: rendered once per locale, each file named
    /// `NAME.LOCALE.html`; empty for one rendering in `locale`.
    pub locales: Vec<Locale>,
    /// `each`: rendered once per row of a saved query.
    pub each: Option<Each>,
    /// `params`: defaults for its queries' parameters, as text (typed by the
    /// queries that declare them, like `--param`).
    pub params: Vec<(String, String)>,
}

/// `[reports.NAME] each = "QUERY"`, `key = "COLUMN"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Each {
    pub query: String,
    /// The column naming each page; `None`: the query's first column.
    pub key: Option<String>,
}

#[derive(Debug)]
pub struct Project {
    /// The project directory: absolute, with links resolved.
    pub root: PathBuf,
    /// The project directory as the user named it (`.` by default), for
    /// messages.
    shown_root: PathBuf,
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
    /// `report_templates/_messages/*.toml`, for `t()`.
    pub messages: messages::Messages,
    /// What is not wrong enough to stop (a setting adjusted, a file
    /// skipped), for the command to print.
    pub warnings: Vec<Error>,
}

impl Project {
    /// Reads and validates the project; fails on the first problem.
    pub fn open(root: &Path) -> Result<Project, Error> {
        Project::open_as(root, root)
    }

    /// [`Project::open`], with the folder named `shown` in messages.
    pub fn open_as(root: &Path, shown: &Path) -> Result<Project, Error> {
        let (project, mut problems) = Project::open_checking_as(root, shown)?;
        if problems.is_empty() { Ok(project) } else { Err(problems.remove(0)) }
    }

    /// Like [`Project::open`], but a broken saved query or data test does
    /// not stop the reading: it is left out of the project and returned
    /// among the problems, so that `laporan check` can list them all.
    pub fn open_checking(root: &Path) -> Result<(Project, Vec<Error>), Error> {
        Project::open_checking_as(root, root)
    }

    /// [`Project::open_checking`], with the folder named `shown` in messages.
    pub fn open_checking_as(root: &Path, shown: &Path) -> Result<(Project, Vec<Error>), Error> {
        let mut project = Project {
            root: real_root(root, shown)?,
            shown_root: shown.to_path_buf(),
            config: Config::default(),
            config_text: String::new(),
            datasets: Vec::new(),
            queries: BTreeMap::new(),
            dependencies: BTreeMap::new(),
            data_tests: BTreeMap::new(),
            broken_queries: Vec::new(),
            reports: Vec::new(),
            warnings: Vec::new(),
            messages: messages::Messages::default(),
        };
        let mut problems = Vec::new();
        for folder in [DATA_DIR, QUERIES_DIR, TEMPLATES_DIR, DATA_TESTS_DIR, STATE_DIR, DEFAULT_OUT_DIR] {
            project.check_own_folder(folder)?;
        }
        for folder in [DATA_DIR, QUERIES_DIR, TEMPLATES_DIR, DATA_TESTS_DIR] {
            let skipped = project.check_tree(folder)?;
            project.warnings.extend(skipped);
        }
        let config_problems;
        (project.config, project.config_text, config_problems) = project.read_config()?;
        problems.extend(config_problems);
        if let Some(locale) = &project.config.locale
            && locale.parse::<Locale>().is_err()
        {
            problems.push(project.config_error("locale", locale));
        }
        project.check_duckdb_settings(&mut problems);
        project.check_cache_settings(&mut problems);
        project.datasets = project.find_datasets(&mut problems)?;
        let ignored = project.files_not_loaded()?;
        project.warnings.extend(ignored);
        // In the order of the files and their lines, as a reader goes.
        problems.sort_by_key(|p| p.location().map(|l| (l.path.clone(), l.line, l.column)));
        // Problems of one saved query or data test: the rest of the
        // project works without it (see [`Error::in_part`]).
        let mut parts = Vec::new();
        (project.queries, project.broken_queries) = project.read_sql_files(QUERIES_DIR, &mut parts)?;
        project.refuse_name_clashes(&mut parts);
        (project.data_tests, _) = project.read_sql_files(DATA_TESTS_DIR, &mut parts)?;
        for test in project.data_tests.values() {
            if let Some(param) = test.params.first() {
                parts.push(
                    Error::project(format!("data test {} declares parameter {}", test.name, param.name))
                        .at(Location::file(&test.path))
                        .help("a data test runs on the whole loaded data: it takes no parameters"),
                );
            }
        }
        project.data_tests.retain(|_, test| test.params.is_empty());
        project.resolve_dependencies(&mut parts);
        problems.extend(parts.into_iter().map(Error::in_part));
        project.reports = project.find_reports(&mut problems)?;
        let messages_dir = Path::new(TEMPLATES_DIR).join(messages::MESSAGES_DIR);
        project.messages = messages::Messages::read(
            &project.root,
            &project.root.join(&messages_dir),
            &project.shown(&messages_dir),
            &mut problems,
            &mut project.warnings,
        );
        let unused = project.unused_report_settings();
        project.warnings.extend(unused);
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
        if self.shown_root == Path::new(".") || self.shown_root.as_os_str().is_empty() {
            relative.to_path_buf()
        } else if relative == Path::new(".") {
            self.shown_root.clone()
        } else {
            self.shown_root.join(relative)
        }
    }

    /// Checks `[duckdb]`: `temp_directory` inside the project, `threads`
    /// at most the machine's cores (a warning) and never absurd (an error).
    fn check_duckdb_settings(&mut self, problems: &mut Vec<Error>) {
        let Some(config) = self.config.duckdb.clone() else { return };
        let config = config.into_inner();
        if let Some(threads) = &config.threads {
            let wanted = *threads.get_ref();
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            if wanted == 0 || wanted > MAX_THREADS {
                problems.push(
                    self.config_error_at(
                        threads.span(),
                        format!("[duckdb] threads = {wanted} is not a number of threads laporan can use"),
                    )
                    .help(format!("use a whole number from 1 to {MAX_THREADS}, or leave it out to use every core")),
                );
            } else if wanted as usize > cores {
                self.warnings.push(
                    self.config_error_at(
                        threads.span(),
                        format!("[duckdb] threads = {wanted}, but this machine has {cores} cores: using {cores}"),
                    )
                    .help("more threads than cores only slows DuckDB down; lower the setting to silence this"),
                );
            }
        }
        if let Some(dir) = &config.temp_directory
            && !self.inside(Path::new(dir.get_ref())).is_some_and(|path| path.starts_with(self.path(STATE_DIR)))
        {
            problems.push(self
                .config_error_at(dir.span(), format!("[duckdb] temp_directory \"{}\" is outside {STATE_DIR}/", dir.get_ref()))
                .help(format!("DuckDB writes its temporary files there, and laporan writes only in {STATE_DIR}/ and out/: name a folder such as \"{STATE_DIR}/spill\"")));
        }
    }

    /// Checks `[cache] max_size`: a size DuckDB's way (`"500MB"`, `"1GiB"`).
    fn check_cache_settings(&mut self, problems: &mut Vec<Error>) {
        let Some(size) = self.config.cache.as_ref().and_then(|c| c.max_size.as_ref()) else { return };
        if let config::Size::Text(text) = size.get_ref()
            && let Err(why) = parse_size(text)
        {
            problems.push(
                self.config_error_at(size.span(), format!("[cache] max_size = \"{text}\": {why}"))
                    .help("write a size such as \"1GB\", \"500MB\" or \"2GiB\"; \"0\" keeps no results"),
            );
        }
    }

    /// How many bytes of results `.laporan/cache/` may keep: `[cache]
    /// max_size`, else [`DEFAULT_CACHE_SIZE`].
    pub fn cache_max_size(&self) -> u64 {
        self.config
            .cache
            .as_ref()
            .and_then(|c| c.max_size.as_ref())
            .and_then(|size| match size.get_ref() {
                config::Size::Bytes(bytes) => Some(*bytes),
                config::Size::Text(text) => parse_size(text).ok(),
            })
            .unwrap_or(DEFAULT_CACHE_SIZE)
    }

    /// Where the result cache lives (real path, as shown).
    pub fn cache_dir(&self) -> (PathBuf, PathBuf) {
        let relative = Path::new(STATE_DIR).join("cache");
        (self.path(&relative), self.shown(&relative))
    }

    /// The real path of a project file.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    /// The project's locale: laporan.toml's `locale` (an unsupported one
    /// is reported when the project is read), else English.
    pub fn locale(&self) -> Locale {
        self.config.locale.as_deref().and_then(|l| l.parse().ok()).unwrap_or_default()
    }

    pub fn title(&self) -> Option<&str> {
        self.config.title.as_deref()
    }

    /// DuckDB settings from `[duckdb]`, as (name, value, where in
    /// laporan.toml), checked when the project was read: threads at most the
    /// machine's cores, the temporary folder inside the project.
    pub fn duckdb_settings(&self) -> Vec<(&'static str, String, std::ops::Range<usize>)> {
        let mut settings = Vec::new();
        let Some(config) = self.config.duckdb.as_ref().map(Spanned::get_ref) else { return settings };
        if let Some(limit) = &config.memory_limit {
            settings.push(("memory_limit", limit.get_ref().clone(), limit.span()));
        }
        if let Some(threads) = &config.threads {
            settings.push(("threads", self.threads().to_string(), threads.span()));
        }
        if let Some(dir) = &config.temp_directory
            && let Some(path) = self.inside(Path::new(dir.get_ref()))
        {
            settings.push(("temp_directory", path.to_string_lossy().into_owned(), dir.span()));
        }
        settings
    }

    /// An error about the bytes `span` of laporan.toml.
    pub fn config_error_at(&self, span: std::ops::Range<usize>, message: String) -> Error {
        dataset::ConfigPlace::config_error(self, span, message)
    }

    /// How many threads laporan's own parallel work (data tests, rendering)
    /// may use: one per core, at most `[duckdb] threads`.
    pub fn threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let limit = self
            .config
            .duckdb
            .as_ref()
            .and_then(|d| d.get_ref().threads.as_ref())
            .map_or(cores, |t| *t.get_ref() as usize);
        cores.min(limit).max(1)
    }

    /// The text of laporan.toml.
    pub fn config_text(&self) -> &str {
        &self.config_text
    }

    pub fn database_path(&self) -> PathBuf {
        self.path(STATE_DIR).join("laporan.duckdb")
    }

    /// The project's database as the engine opens it: its paths, the
    /// folders SQL may read (`data/` and `.laporan/` to load, `data/` to
    /// query), and the `[duckdb]` settings with the error for each one
    /// DuckDB refuses.
    pub fn engine_place(&self) -> engine::Place {
        let settings = self
            .duckdb_settings()
            .into_iter()
            .map(|(name, value, span)| engine::Setting {
                name,
                refused: self
                    .config_error_at(span, format!("DuckDB does not accept {name} = \"{value}\""))
                    .help("memory_limit is a size such as \"4GB\", threads a whole number, temp_directory a folder"),
                value,
            })
            .collect();
        engine::Place {
            root: self.root.clone(),
            state_dir: (self.path(STATE_DIR), self.shown(Path::new(STATE_DIR))),
            database: (self.database_path(), self.shown(&Path::new(STATE_DIR).join("laporan.duckdb"))),
            load_folders: vec![self.path(DATA_DIR), self.path(STATE_DIR)],
            query_folders: vec![self.path(DATA_DIR)],
            settings,
        }
    }

    pub fn report(&self, name: &str) -> Option<&Report> {
        self.reports.iter().find(|r| r.name == name)
    }

    fn config_error(&self, key: &str, value: &str) -> Error {
        let (table, name) = key.rsplit_once('.').unwrap_or(("", key));
        Error::project(format!("{CONFIG_FILE}: locale '{value}' is not supported"))
            .at(self.config_place(table, Some(name)))
            .help(format!(
                "set {key} to one of: {}",
                Locale::ALL.iter().map(|l| l.tag()).collect::<Vec<_>>().join(", ")
            ))
    }

    /// Reads laporan.toml: its settings, and every problem in it (see
    /// [`config::parse`]). Only a file that cannot be read is an error.
    fn read_config(&self) -> Result<(Config, String, Vec<Error>), Error> {
        let path = self.path(CONFIG_FILE);
        let shown = self.shown(Path::new(CONFIG_FILE));
        // A regular file of the project, not a link to one elsewhere (its
        // lines would be quoted in errors) nor a FIFO or device.
        if let Ok(meta) = fs::symlink_metadata(&path) {
            let target = fs::canonicalize(&path).ok();
            let inside = target.as_ref().is_some_and(|t| t.starts_with(&self.root));
            let regular = fs::metadata(&path).is_ok_and(|m| m.is_file());
            if (meta.file_type().is_symlink() && !inside) || !regular {
                return Err(Error::project(format!("{} is not a file of the project", shown.display()))
                    .at(Location::file(&shown))
                    .help(
                        "laporan.toml must be a regular file in the project folder, not a link elsewhere or a device",
                    ));
            }
        }
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Config::default(), String::new(), Vec::new()));
            }
            Err(e) => return Err(Error::io("read", &self.shown(Path::new(CONFIG_FILE)), e)),
        };
        let (config, problems) = config::parse(&text);
        let problems = problems
            .into_iter()
            .map(|problem| {
                let location = match &problem.span {
                    Some(span) => {
                        let (line, column) = line_and_column(&text, span.start);
                        let width = text.get(span.clone()).map_or(1, |t| t.chars().count());
                        Location::in_source(shown.clone(), &text, line, Some(column)).with_width(width)
                    }
                    None => Location::file(shown.clone()),
                };
                Error::project(format!("invalid configuration: {}", problem.message)).at(location)
            })
            .collect();
        Ok((config, text, problems))
    }

    fn find_datasets(&self, problems: &mut Vec<Error>) -> Result<Vec<Dataset>, Error> {
        let entries = self.list_dir(DATA_DIR, true)?;
        let list_folder = |folder: &Path| self.list_dir_files(&folder.to_string_lossy());
        dataset::resolve(self, entries, list_folder, &self.config.datasets, problems)
    }

    /// A warning for each file in `data/` (or in a dataset folder) that is
    /// not loaded: not data, not documentation (Markdown), not hidden. A
    /// folder inside a dataset folder is not read either.
    fn files_not_loaded(&self) -> Result<Vec<Error>, Error> {
        let mut warnings = Vec::new();
        let mut warn = |path: &Path, what: &str| {
            let shown = self.shown(path);
            let help = if what.contains("folder") {
                format!(
                    "a dataset folder's files are one table; make it a dataset of its own in {DATA_DIR}/, or move it out"
                )
            } else {
                format!(
                    "laporan loads {}; move other files out of {DATA_DIR}/ (notes about the data can stay, as Markdown: .md)",
                    FileFormat::KNOWN
                )
            };
            warnings.push(
                Error::project(format!("{} is not loaded: {what}", shown.display()))
                    .at(Location::file(&shown))
                    .help(help),
            );
        };
        for (entry, is_folder) in self.list_dir(DATA_DIR, true)? {
            if !is_folder {
                if FileFormat::from_path(&entry).is_none() && !dataset::is_documentation(&entry) {
                    warn(&entry, "laporan does not read this kind of file");
                }
                continue;
            }
            for (file, nested) in self.list_dir(&entry.to_string_lossy(), true)? {
                if nested {
                    warn(&file, "a dataset folder's own folders are not read");
                } else if FileFormat::from_path(&file).is_none() && !dataset::is_documentation(&file) {
                    warn(&file, "laporan does not read this kind of file");
                }
            }
        }
        Ok(warnings)
    }

    /// Every template file (reports, layouts, partials) by its name in the
    /// template environment.
    /// `report_templates/_reference.docx`, the Word styles of the
    /// project's documents, when there is one: its bytes and its path as
    /// shown. (Its links were checked when the project was opened.)
    pub fn reference_docx(&self) -> Result<Option<(Vec<u8>, PathBuf)>, Error> {
        let relative = Path::new(TEMPLATES_DIR).join(REFERENCE_DOCX);
        let path = self.path(&relative);
        let shown = self.shown(&relative);
        match fs::metadata(&path) {
            Err(_) => return Ok(None),
            Ok(meta) if !meta.is_file() => {
                return Err(Error::project(format!("{} is not a file", shown.display()))
                    .at(Location::file(&shown))
                    .help("the reference document is a .docx saved from Word or LibreOffice: put one there, or remove this"));
            }
            Ok(_) => {}
        }
        let bytes = fs::read(&path).map_err(|e| Error::io("read", &shown, e))?;
        Ok(Some((bytes, shown)))
    }

    pub fn template_files(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .list_dir_files(TEMPLATES_DIR)?
            .iter()
            .filter_map(|f| f.file_name().and_then(|n| n.to_str()))
            .filter(|n| n.ends_with(".j2"))
            .map(str::to_owned)
            .collect())
    }

    fn find_reports(&self, problems: &mut Vec<Error>) -> Result<Vec<Report>, Error> {
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
            // The name is the output file's, a link in the site index and a
            // folder name for entities: text, no control characters.
            if name.is_empty() || name.chars().any(|c| c.is_control() || matches!(c, '/' | '\\')) {
                return Err(Error::project(format!("template {} cannot name a report", self.shown(&file).display()))
                    .at(Location::file(self.shown(&file)))
                    .help("rename it with letters, digits, spaces, - or _, such as monthly_report.md.j2"));
            }
            // The site index is out/index.html: a report of that name
            // would be overwritten by it on every build.
            if name.eq_ignore_ascii_case("index") {
                return Err(Error::project(format!(
                    "template {} would be report index, whose page the site index replaces",
                    self.shown(&file).display()
                ))
                .at(Location::file(self.shown(&file)))
                .help("rename it, such as overview.md.j2: out/index.html lists every report"));
            }
            if let Some(other) = reports.iter().find(|r| r.name == name) {
                return Err(Error::project(format!("two templates would both be report {name}"))
                    .at(Location::file(self.shown(&file)))
                    .note(format!("the other one is {TEMPLATES_DIR}/{}", other.template))
                    .help("rename one of them"));
            }
            let settings = self.config.reports.get(&name).cloned().unwrap_or_default();
            // A report's own locale is checked here; the project's (its
            // default) was checked once already.
            let mut locale = match settings.locale.as_deref().map(str::parse::<Locale>) {
                Some(Ok(locale)) => locale,
                Some(Err(_)) => {
                    problems.push(self.config_error(
                        &format!("reports.{name}.locale"),
                        settings.locale.as_deref().unwrap_or_default(),
                    ));
                    self.locale()
                }
                None => self.locale(),
            };
            let mut locales = Vec::new();
            for tag in &settings.locales {
                match tag.parse::<Locale>() {
                    Ok(l) if locales.contains(&l) => problems.push(
                        Error::project(format!("{CONFIG_FILE}: locale '{tag}' is listed twice"))
                            .at(self.config_place(&format!("reports.{name}"), Some("locales")))
                            .help("list each locale once"),
                    ),
                    Ok(l) => locales.push(l),
                    Err(_) => problems.push(self.config_error(&format!("reports.{name}.locales"), tag)),
                }
            }
            if let Some(first) = locales.first() {
                locale = *first;
            }
            let each = self.report_each(&name, &settings, problems);
            let params = self.report_params(&name, &settings, problems);
            reports.push(Report {
                name,
                template: file_name,
                kind,
                title: settings.title,
                locale,
                locales,
                each,
                params,
            });
        }
        self.refuse_page_clashes(&reports, problems);
        Ok(reports)
    }

    /// Names of pages two reports would both write: a report in several
    /// locales writes `NAME.LOCALE.html`, which may be another report's
    /// name; an `each` report writes into the folder `NAME/`, which must not
    /// be a period's.
    fn refuse_page_clashes(&self, reports: &[Report], problems: &mut Vec<Error>) {
        for report in reports {
            let template = self.shown(&Path::new(TEMPLATES_DIR).join(&report.template));
            for locale in &report.locales {
                let page = format!("{}.{}", report.name, locale.tag());
                if let Some(other) = reports.iter().find(|r| r.name == page) {
                    problems.push(
                        Error::project(format!(
                            "report {} in locale {locale} and report {page} would both write {page}.html",
                            report.name
                        ))
                        .at(Location::file(&template))
                        .note(format!("the other one is {TEMPLATES_DIR}/{}", other.template))
                        .help("rename one of the templates"),
                    );
                }
            }
            if report.each.is_some() && report.name.parse::<crate::period::Period>().is_ok() {
                problems.push(
                    Error::project(format!(
                        "report {} writes a page per row into the folder {0}/, which is where the pages of period {0} go",
                        report.name
                    ))
                    .at(Location::file(&template))
                    .help("rename the template, such as briefs.md.j2"),
                );
            }
        }
    }

    /// `each` and `key` of `[reports.NAME]`: a saved query that exists,
    /// a key only with it.
    fn report_each(&self, name: &str, settings: &ReportConfig, problems: &mut Vec<Error>) -> Option<Each> {
        let table = format!("reports.{name}");
        let Some(query) = &settings.each else {
            if settings.key.is_some() {
                problems.push(
                    Error::project(format!("{CONFIG_FILE}: [reports.{name}] sets key but not each"))
                        .at(self.config_place(&table, Some("key")))
                        .help(
                            "key names the column of the each query whose values name the pages: add each = \"QUERY\"",
                        ),
                );
            }
            return None;
        };
        if self.broken_queries.contains(query) {
            return None;
        }
        if !self.queries.contains_key(query) {
            let known: Vec<&str> = self.queries.keys().map(String::as_str).collect();
            problems.push(
                Error::project(format!("{CONFIG_FILE}: [reports.{name}] each = \"{query}\" names no saved query"))
                    .at(self.config_place(&table, Some("each")))
                    .note(if known.is_empty() {
                        format!("{QUERIES_DIR}/ has no queries")
                    } else {
                        format!("saved queries: {}", known.join(", "))
                    })
                    .help(format!("add {QUERIES_DIR}/{query}.sql, or name one of the saved queries")),
            );
            return None;
        }
        Some(Each { query: query.clone(), key: settings.key.clone() })
    }

    /// `params` of `[reports.NAME]`: each one declared by a saved query,
    /// and a value of the type every query declaring it gives it.
    fn report_params(&self, name: &str, settings: &ReportConfig, problems: &mut Vec<Error>) -> Vec<(String, String)> {
        let place = || self.config_place(&format!("reports.{name}"), Some("params"));
        let mut params = Vec::new();
        for (param, value) in &settings.params {
            let text = match value {
                toml::Value::String(text) => text.clone(),
                toml::Value::Integer(_)
                | toml::Value::Float(_)
                | toml::Value::Boolean(_)
                | toml::Value::Datetime(_) => value.to_string(),
                _ => {
                    problems.push(
                        Error::project(format!(
                            "{CONFIG_FILE}: [reports.{name}] params.{param} is a list or a table, not a value"
                        ))
                        .at(place())
                        .help(format!("give one value, such as params = {{ {param} = … }}")),
                    );
                    continue;
                }
            };
            let declaring: Vec<&SavedQuery> = self.queries.values().filter(|q| q.param(param).is_some()).collect();
            if declaring.is_empty() {
                let mut known: Vec<&str> =
                    self.queries.values().flat_map(|q| q.params.iter().map(|p| p.name.as_str())).collect();
                known.sort();
                known.dedup();
                problems.push(
                    Error::project(format!(
                        "{CONFIG_FILE}: [reports.{name}] params.{param}: no saved query declares parameter {param}"
                    ))
                    .at(place())
                    .note(if known.is_empty() {
                        "no parameters are declared".to_owned()
                    } else {
                        format!("declared parameters: {}", known.join(", "))
                    })
                    .help("declare it in a query with a line such as -- @param NAME VARCHAR"),
                );
                continue;
            }
            let mut typed = true;
            for query in declaring {
                let decl = query.param(param).expect("filtered above");
                if let Err(e) = decl.ty.parse(&text) {
                    problems.push(
                        Error::project(format!("{CONFIG_FILE}: [reports.{name}] params.{param}: {e}"))
                            .at(place())
                            .note(format!("{} declares {param} {}", query.path.display(), decl.ty)),
                    );
                    typed = false;
                    break;
                }
            }
            if typed {
                params.push((param.clone(), text));
            }
        }
        params
    }

    /// Settings for reports that have no template (deleted or renamed):
    /// unused, which a build can ignore, with a warning at their line.
    fn unused_report_settings(&self) -> Vec<Error> {
        self.config
            .reports
            .keys()
            .filter(|name| !self.reports.iter().any(|r| &r.name == *name))
            .map(|name| {
                Error::project(format!(
                    "{CONFIG_FILE} configures report '{name}', which has no template: its settings are not used"
                ))
                .at(self.config_place(&format!("reports.{name}"), None))
                .help(format!("add {TEMPLATES_DIR}/{name}.md.j2, or remove [reports.{name}]"))
            })
            .collect()
    }

    /// Where laporan.toml sets `key` in `table` (`reports.brief`, `key`),
    /// for problems found while building.
    pub fn setting_place(&self, table: &str, key: &str) -> Location {
        self.config_place(table, Some(key))
    }

    /// Where laporan.toml writes the table `table` (`reports.monthly`), or
    /// its `key`, found in the file's text: for a problem with a setting
    /// that is known only after the file was read. The whole file when
    /// not found (a dotted key written some other way).
    fn config_place(&self, table: &str, key: Option<&str>) -> Location {
        let text = &self.config_text;
        let shown = self.shown(Path::new(CONFIG_FILE));
        let header = format!("[{table}]");
        let offset_of_line = |line: &str| line.as_ptr() as usize - text.as_ptr() as usize;
        let mut in_table = table.is_empty();
        for line in text.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('[') {
                if in_table && key.is_some() && !table.is_empty() {
                    break;
                }
                in_table = trimmed.starts_with(&header);
                if in_table && key.is_none() {
                    let at = offset_of_line(line) + (line.len() - trimmed.len());
                    return Location::at_offset(shown, text, at).with_width(header.chars().count());
                }
                continue;
            }
            if let Some(key) = key
                && in_table
                && trimmed.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
            {
                let at = offset_of_line(line) + (line.len() - trimmed.len());
                return Location::at_offset(shown, text, at).with_width(key.chars().count());
            }
        }
        Location::file(shown)
    }

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
}

impl dataset::ConfigPlace for Project {
    fn config_error(&self, span: std::ops::Range<usize>, message: String) -> Error {
        let shown = self.shown(Path::new(CONFIG_FILE));
        let width = self.config_text.get(span.clone()).map_or(1, |t| t.chars().count());
        Error::project(message).at(Location::at_offset(shown, &self.config_text, span.start).with_width(width))
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
