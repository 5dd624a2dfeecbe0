//! The steps in order: project → load → query → render → write.
//!
//! Command handlers call these functions; each one drives the step modules
//! and passes data forward, never back. [`BuildRequest`] is the validated,
//! high-level form of the command line (parameters typed against the saved
//! queries, the period resolved), made once by [`resolve_params`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::data_tests;
use crate::db::Database;
use crate::error::Error;
use crate::load::{self, LoadOptions, LoadSummary};
use crate::params::ParamValue;
use crate::period::Period;
use crate::project::{DEFAULT_OUT_DIR, Project};
use crate::query::saved::SavedQuery;
use crate::query::{BuildParam, BuildParams, PERIOD_PARAMS, RunStats, Runner};
use crate::render::{BuildInfo, Formats, InputFile, RenderedFile, Renderer, data_files, site_index};
use crate::write::{Outcome, published_pages, write_files};

/// Opens the database and loads what changed.
pub fn load(project: &Project, options: LoadOptions) -> Result<(Database, LoadSummary), Error> {
    let db = Database::open(project)?;
    let summary = load::load(project, &db, options)?;
    Ok((db, summary))
}

/// Reopens the loaded database for queries (read-only, sandboxed: see
/// [`Database::into_reader`]) and makes the saved queries that others build
/// on available as views.
pub fn open_runner(project: &Project, db: Database, params: BuildParams) -> Result<Runner, Error> {
    let db = db.into_reader(project)?;
    let runner = Runner::new(db.conn, project, params);
    runner.create_views()?;
    Ok(runner)
}

/// What `laporan check` found.
pub struct CheckSummary {
    pub problems: Vec<Error>,
    pub queries: usize,
    pub templates: usize,
    pub tests: usize,
}

/// Checks everything without rendering: every saved query prepared against
/// the loaded schema, every template compiled and its `query()` calls
/// matched to saved queries, every data test run. `problems` holds what
/// reading the project found; a failed load is one more problem, and the
/// rest is checked against the database as it was.
pub fn check(
    project: &Project,
    mut problems: Vec<Error>,
    loaded: Result<Database, Error>,
) -> Result<CheckSummary, Error> {
    let db = match loaded {
        Ok(db) => db,
        Err(error) => {
            problems.push(error);
            Database::open(project)?
        }
    };
    let db = db.into_reader(project)?;
    let runner = Arc::new(Runner::new(db.conn, project, BuildParams::new()));
    problems.extend(runner.check());
    let templates = project.template_files()?;
    let renderer = Renderer::new(project, runner.clone());
    problems.extend(renderer.check(project, &templates, &project.broken_queries));
    let tests = data_tests::run(project, &runner);
    problems.extend(tests.failures);
    Ok(CheckSummary { problems, queries: project.queries.len(), templates: templates.len(), tests: tests.passed })
}

/// Types `--param NAME=VALUE` pairs against the queries that declare them
/// (all saved queries, or only `scope`) and adds the period's parameters.
pub fn resolve_params(
    project: &Project,
    given: &[(String, String)],
    period: Option<&Period>,
    scope: Option<&SavedQuery>,
) -> Result<BuildParams, Error> {
    let queries: Vec<&SavedQuery> = match scope {
        Some(query) => vec![query],
        None => project.queries.values().collect(),
    };
    let mut params = BuildParams::new();
    for (name, text) in given {
        if period.is_some() && PERIOD_PARAMS.contains(&name.as_str()) {
            return Err(Error::usage(format!("--param {name} conflicts with --period, which sets it"))
                .help("give either --period or the period parameters, not both"));
        }
        let declaring: Vec<&&SavedQuery> = queries.iter().filter(|q| q.param(name).is_some()).collect();
        if declaring.is_empty() {
            let mut known: Vec<&str> = queries.iter().flat_map(|q| q.params.iter().map(|p| p.name.as_str())).collect();
            known.sort();
            known.dedup();
            let what = match scope {
                Some(query) => format!("query {}", query.name),
                None => "any saved query".to_owned(),
            };
            let error = Error::usage(format!("unknown parameter {name}: it is not declared by {what}"));
            return Err(if known.is_empty() {
                error.note("no parameters are declared")
            } else {
                error.note(format!("declared parameters: {}", known.join(", ")))
            });
        }
        for query in declaring {
            let decl = query.param(name).expect("filtered above");
            decl.ty.parse(text).map_err(|e| {
                Error::usage(format!("--param {name}: {e}")).note(format!(
                    "{} declares {name} {}",
                    query.path.display(),
                    decl.ty
                ))
            })?;
        }
        if params.insert(name.clone(), BuildParam::Text(text.clone())).is_some() {
            return Err(Error::usage(format!("--param {name} is given twice")));
        }
    }
    if let Some(period) = period {
        let mut set = |name: &str, value: ParamValue| {
            params.insert(name.to_owned(), BuildParam::Value(value));
        };
        set("period_start", ParamValue::Date(period.start()));
        set("period_end", ParamValue::Date(period.end()));
        set("period_label", ParamValue::Text(period.to_string()));
        if let Some(previous) = period.previous() {
            set("previous_start", ParamValue::Date(previous.start()));
            set("previous_end", ParamValue::Date(previous.end()));
        }
    }
    Ok(params)
}

/// What `laporan build` was asked to do, validated against the project.
pub struct BuildRequest {
    /// The reports to render, by name; all of them when none were named.
    pub reports: Vec<String>,
    pub period: Option<Period>,
    pub params: BuildParams,
    /// The output folder as the user gave it, if they did.
    pub out: Option<PathBuf>,
    pub formats: Formats,
    pub generated_at: String,
    /// For `--pdf`.
    pub chromium: Option<PathBuf>,
}

impl BuildRequest {
    /// Checks report names and parameters before anything is loaded.
    pub fn new(
        project: &Project,
        reports: Vec<String>,
        period: Option<Period>,
        params: &[(String, String)],
        out: Option<PathBuf>,
        formats: Formats,
        as_of: Option<jiff::Timestamp>,
    ) -> Result<BuildRequest, Error> {
        if project.reports.is_empty() {
            return Err(Error::project("the project has no reports")
                .help("add a template such as report_templates/monthly.md.j2"));
        }
        for name in &reports {
            if project.report(name).is_none() {
                let known: Vec<&str> = project.reports.iter().map(|r| r.name.as_str()).collect();
                return Err(
                    Error::usage(format!("no report named {name}")).note(format!("reports: {}", known.join(", ")))
                );
            }
        }
        let reports =
            if reports.is_empty() { project.reports.iter().map(|r| r.name.clone()).collect() } else { reports };
        let params = resolve_params(project, params, period.as_ref(), None)?;
        if formats.pdf && !formats.html {
            return Err(Error::usage("--pdf prints the HTML reports: keep html in --format"));
        }
        // Before anything is loaded: a missing Chromium is a usage problem.
        let chromium = if formats.pdf { Some(crate::pdf::chromium()?) } else { None };
        Ok(BuildRequest { reports, period, params, out, formats, generated_at: generated_at(as_of)?, chromium })
    }
}

pub struct BuildSummary {
    pub files: Vec<(PathBuf, Outcome)>,
    pub stats: RunStats,
}

/// A build between loading and rendering: queries ready, data tested.
pub struct Prepared {
    pub runner: Arc<Runner>,
    /// The loaded files, for the provenance footer.
    pub inputs: Vec<InputFile>,
    /// The data tests' outcome, for the caller to report and weigh.
    pub tests: data_tests::Outcome,
}

/// Opens the runner for a build, prepares every saved query (so that a
/// broken one fails the build even if no report uses it), and runs the data
/// tests.
pub fn prepare_build(project: &Project, db: Database, request: &BuildRequest) -> Result<Prepared, Error> {
    let inputs: Vec<InputFile> = load::loaded(&db)?.iter().map(InputFile::from).collect();
    let db = db.into_reader(project)?;
    let runner = Runner::new(db.conn, project, request.params.clone());
    // Preparing every query also creates the views (once).
    if let Some(error) = runner.check().into_iter().next() {
        return Err(error);
    }
    let tests = data_tests::run(project, &runner);
    Ok(Prepared { runner: Arc::new(runner), inputs, tests })
}

/// Renders the requested reports and writes them.
pub fn build(project: &Project, prepared: Prepared, request: &BuildRequest) -> Result<BuildSummary, Error> {
    let Prepared { runner, inputs, .. } = prepared;
    let renderer = Renderer::new(project, runner.clone());
    let info = BuildInfo { version: env!("CARGO_PKG_VERSION"), generated_at: request.generated_at.clone(), inputs };

    let mut rendered = Vec::new();
    for report in request.reports.iter().filter_map(|name| project.report(name)) {
        runner.take_calls();
        rendered.extend(renderer.render(report, request.period.as_ref(), &request.params, &info, request.formats)?);
        rendered.extend(data_files(&report.name, &runner.take_calls(), request.formats));
    }
    // Nothing is written until every report has rendered.
    let (dir, shown) = output_dir(project, request);
    let mut files = write_files(&dir, &shown, &rendered)?;
    if let Some(chromium) = &request.chromium {
        for page in rendered.iter().filter(|f| f.file_name.ends_with(".html")) {
            let pdf_name = page.file_name.replace(".html", ".pdf");
            let shown_pdf = shown.join(&pdf_name);
            crate::pdf::print(chromium, &dir.join(&page.file_name), &dir.join(&pdf_name), &shown_pdf)?;
            files.push((shown_pdf, Outcome::Written));
        }
    }
    // The site's index lists every page built so far, this build's included.
    let (root, shown_root) = output_root(project, request);
    if request.formats.html {
        let title = project.title().unwrap_or(if project.locale() == "id" { "Laporan" } else { "Reports" });
        let page = site_index(&published_pages(&root), title, project.locale(), &request.generated_at);
        let index = RenderedFile { file_name: "index.html".to_owned(), contents: page };
        files.extend(write_files(&root, &shown_root, std::slice::from_ref(&index))?);
    }
    Ok(BuildSummary { files, stats: runner.stats() })
}

/// The output folder (real path, shown path): `--out` or `out/`.
fn output_root(project: &Project, request: &BuildRequest) -> (PathBuf, PathBuf) {
    let real = output_folder(&project.root, request.out.as_deref());
    let shown = match &request.out {
        Some(out) => out.clone(),
        None => project.shown(Path::new(DEFAULT_OUT_DIR)),
    };
    (real, shown)
}

/// The output folder of the project at `root`: `--out`, or its `out/`.
/// Periods are folders in it, and its `index.html` lists them.
pub fn output_folder(root: &Path, out: Option<&Path>) -> PathBuf {
    out.map_or_else(|| root.join(DEFAULT_OUT_DIR), Path::to_path_buf)
}

/// The folder to write into (real path, shown path): the output folder,
/// plus the period's folder.
fn output_dir(project: &Project, request: &BuildRequest) -> (PathBuf, PathBuf) {
    let (mut dir, mut shown) = output_root(project, request);
    if let Some(period) = &request.period {
        dir.push(period.to_string());
        shown.push(period.to_string());
    }
    (dir, shown)
}

/// Parses `--as-of`: `2026-01-01T08:00:00Z`, `2026-01-01T08:00:00+07:00`,
/// or a date (`2026-01-01`, midnight UTC).
pub fn parse_as_of(text: &str) -> Result<jiff::Timestamp, String> {
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(timestamp);
    }
    match text.parse::<jiff::civil::Date>() {
        Ok(date) => date.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "'{text}' is not a time: use a date (2026-01-01) or a time with its offset (2026-01-01T08:00:00Z)"
        )),
    }
}

/// The build's timestamp: `--as-of`, else `SOURCE_DATE_EPOCH` when set
/// (reproducible builds), else now; UTC, to the second.
pub fn generated_at(as_of: Option<jiff::Timestamp>) -> Result<String, Error> {
    let timestamp = match (as_of, std::env::var("SOURCE_DATE_EPOCH")) {
        (Some(timestamp), _) => timestamp,
        (None, Ok(text)) => {
            let seconds: i64 = text.trim().parse().map_err(|_| {
                Error::usage(format!("SOURCE_DATE_EPOCH must be whole seconds since 1970, got '{text}'"))
            })?;
            jiff::Timestamp::from_second(seconds)
                .map_err(|e| Error::usage(format!("SOURCE_DATE_EPOCH is out of range: {e}")))?
        }
        (None, Err(_)) => jiff::Timestamp::now(),
    };
    Ok(timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}
