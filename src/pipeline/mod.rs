//! The steps in order: project → load → query → render → write.
//!
//! Command handlers call these functions; each one drives the step modules
//! and passes data forward, never back. [`BuildRequest`] is the validated,
//! high-level form of the command line (parameters typed against the saved
//! queries, the period resolved), made once by [`resolve_params`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod check;
mod request;

pub use check::{CheckSummary, check};
pub use request::{BuildArgs, BuildRequest, parse_as_of, resolve_params};

use crate::data_tests;
use crate::engine::Database;
use crate::error::Error;
use crate::key::Key;
use crate::load::{self, LoadOptions, LoadSummary};
use crate::manifest::{Built, Manifest, unit_id};
use crate::period::Period;
use crate::project::{DEFAULT_OUT_DIR, Project, Report};
use crate::query::{BuildParams, PERIOD_PARAMS, RunStats, Runner, in_parallel};
use crate::render::{BuildInfo, InputFile, Renderer, lint};
use crate::write::output::Format;
use crate::write::{FileStamp, Outcome, OutputFile, published_pages, remove_stale, site_index, write_files};

/// Opens the database and loads what changed.
pub fn load(project: &Project, options: LoadOptions) -> Result<(Database, LoadSummary), Error> {
    let db = Database::open(&project.engine_place())?;
    let summary = load::load(project, &db, options)?;
    Ok((db, summary))
}

/// Reopens the loaded database for queries (read-only, sandboxed: see
/// [`Database::into_reader`]) and makes the saved queries that others build
/// on available as views.
pub fn open_runner(project: &Project, db: Database, params: BuildParams) -> Result<Runner, Error> {
    let db = db.into_reader(&project.engine_place())?;
    let runner = Runner::new(db, project, params);
    runner.create_views()?;
    Ok(runner)
}

/// The warning for a report left out of a build because a query it runs
/// needs a parameter no one gave.
fn skipped(report: &Report, period: Option<&Period>, cause: &Error, named: bool) -> Error {
    let param = cause.needed_param().unwrap_or_default();
    let what = if named { "cannot be built" } else { "was skipped" };
    let mut warning = Error::project(format!(
        "report {} {what}{}: it needs parameter {param}, which is not given",
        report.name,
        period.map(|p| format!(" for {p}")).unwrap_or_default()
    ))
    .note(cause.message().to_owned());
    if let Some(location) = cause.location() {
        warning = warning.at(location.clone());
    }
    warning.help(if PERIOD_PARAMS.contains(&param) {
        format!("build it with --period (such as --period 2024-Q2), or --param {param}=…")
    } else {
        format!("build it with --param {param}=…, or give the parameter a default in its @param line")
    })
}

pub struct BuildSummary {
    pub files: Vec<(PathBuf, Outcome)>,
    pub stats: RunStats,
    /// Reports rendered, and left alone because they were up to date.
    pub rendered: usize,
    pub up_to_date: usize,
    /// How many reports rendered at once.
    pub threads: usize,
    pub render_time: Duration,
    /// Reports left out because a parameter they need is not given.
    pub skipped: Vec<Error>,
    /// Files of earlier builds that no report writes now, removed (as shown).
    pub removed: Vec<PathBuf>,
}

/// A build between loading and rendering: queries ready, data tested, and
/// the reports that are up to date known.
pub struct Prepared {
    /// `None` when nothing needs the database: every report is up to date
    /// and every data test passed before on the same data.
    runner: Option<Arc<Runner>>,
    /// The loaded files, for the provenance footer.
    inputs: Vec<InputFile>,
    /// The data tests' outcome, for the caller to report and weigh.
    pub tests: data_tests::Outcome,
    /// Whether the saved queries were prepared (else they were found sound
    /// before, on the same data).
    pub checked_queries: bool,
    units: Vec<Unit>,
    manifest: Manifest,
    check_key: String,
}

/// One report for one period: the unit of rendering.
struct Unit {
    /// Index into [`BuildRequest::periods`].
    period: usize,
    report: String,
    /// The folder it is written into (real path, shown path).
    dir: PathBuf,
    shown: PathBuf,
    /// In the manifest.
    id: String,
    key: String,
    up_to_date: bool,
}

/// Opens the runner for a build, prepares every saved query (so that a
/// broken one fails the build even if no report uses it), runs the data
/// tests, and finds the reports that are up to date (see [`crate::manifest`]).
/// What was found sound before on the same data is not done again.
pub fn prepare_build(project: &Project, db: Database, request: &BuildRequest) -> Result<Prepared, Error> {
    let loaded = load::loaded(&db)?;
    let inputs: Vec<InputFile> = loaded.iter().map(InputFile::from).collect();
    let sources = Sources::read(project, &loaded)?;
    // With --force nothing counts as done before; the manifest still
    // tells which files earlier builds wrote.
    let manifest = Manifest::read(project);
    let force = request.force;
    let units = plan(project, request, &sources, &manifest);
    let suite = data_tests::Suite::new(project, &sources.sql);
    let passed_before = |key: &str| !force && manifest.test_passed(key);
    let check_key = Key::new("query check").add(&sources.sql).finish();
    let checked_queries = force || !manifest.queries_checked(&check_key);
    let needs_db = checked_queries || suite.pending(&passed_before) > 0 || units.iter().any(|u| !u.up_to_date);
    let runner = if needs_db {
        let db = db.into_reader(&project.engine_place())?;
        let runner = Runner::new(db, project, BuildParams::new());
        if checked_queries {
            // Preparing every query also creates the views.
            if let Some(error) = runner.check().into_iter().next() {
                return Err(error);
            }
        } else {
            runner.create_views()?;
        }
        Some(Arc::new(runner))
    } else {
        None
    };
    let tests = suite.run(project, runner.as_deref(), &passed_before, project.threads())?;
    Ok(Prepared { runner, inputs, tests, checked_queries, units, manifest, check_key })
}

/// Renders the reports that are not up to date and writes them; reports
/// render in parallel, each on its own connection.
pub fn build(project: &Project, prepared: Prepared, request: &BuildRequest) -> Result<BuildSummary, Error> {
    let Prepared { runner, inputs, tests, units, mut manifest, check_key, .. } = prepared;
    let info = BuildInfo { version: env!("CARGO_PKG_VERSION"), generated_at: request.generated_at.clone(), inputs };
    let todo: Vec<&Unit> = units.iter().filter(|u| !u.up_to_date).collect();
    let threads = project.threads().min(todo.len()).max(1);
    if let Some(runner) = &runner
        && !todo.is_empty()
    {
        read_templates(project, runner, &todo, request)?;
    }
    let started = Instant::now();
    let rendered = match &runner {
        Some(runner) => in_parallel(&todo, threads, |unit| render_unit(project, runner, unit, request, &info))?,
        None => Vec::new(),
    };
    let render_time = started.elapsed();

    // Nothing is written until every report has rendered.
    let mut files = Vec::new();
    let mut stale = Vec::new();
    let mut skipped = Vec::new();
    for (unit, outcome) in todo.iter().zip(&rendered) {
        let (title, unit_files) = match outcome {
            Rendered::Files { title, files } => (title, files),
            Rendered::Skipped(warning) if request.named => return Err(warning.clone()),
            Rendered::Skipped(warning) => {
                skipped.push(warning.clone());
                continue;
            }
        };
        let written = write_files(&unit.dir, &unit.shown, unit_files)?;
        let mut stamps: Vec<FileStamp> =
            unit_files.iter().filter_map(|f| FileStamp::of(&unit.dir.join(&f.file_name))).collect();
        // Files of formats this build does not write stay the report's (and
        // its page keeps its title in the index).
        stamps.extend(manifest.kept_files(&unit.id, |path| !request.outputs.owns(path)));
        // What the report's last build wrote and this one did not, among
        // the kinds of file this build writes (a build without --pdf
        // leaves the PDFs of an earlier one).
        let built = Built { key: unit.key.clone(), files: stamps, title: Some(title.clone()) };
        let dropped = manifest.record(unit.id.clone(), built);
        stale.extend(dropped.into_iter().filter(|f| request.outputs.owns(&f.path)));
        files.extend(written);
    }
    // What earlier builds wrote and no report writes now: a deleted
    // report's files, a query call or a format no longer made.
    let (root, shown_root) = output_root(project, request);
    let root = std::path::absolute(&root).unwrap_or(root);
    stale.extend(manifest.forget_removed(&root, |name| name == INDEX_UNIT || project.report(name).is_some()));
    let removed = remove_stale(&root, &stale);
    // The site's index lists every page published, and only those: it is
    // written again whenever the pages (or their titles) changed.
    if request.outputs.has(Format::Html) {
        let pages = published_pages(&root, &manifest.titles());
        let title = project.title().unwrap_or(project.locale().words().ui.reports);
        let mut key = Key::new("index");
        key.add(title).add(project.locale().tag());
        for page in &pages {
            key.add(&page.href).add(&page.title);
        }
        let key = key.finish();
        let id = unit_id(&root, INDEX_UNIT);
        if !todo.is_empty() || !manifest.is_current(&id, &key) {
            let page = site_index(&pages, title, project.locale(), &request.generated_at);
            let index = OutputFile::text("index.html".to_owned(), &page);
            files.extend(write_files(&root, &shown_root, std::slice::from_ref(&index))?);
            let stamps = FileStamp::of(&root.join("index.html")).into_iter().collect();
            manifest.record(id, Built { key, files: stamps, title: None });
        }
    }
    manifest.set_passed_tests(tests.passed_keys);
    manifest.set_queries_checked(Some(check_key));
    manifest.write(project)?;
    Ok(BuildSummary {
        files,
        stats: runner.map(|r| r.stats()).unwrap_or_default(),
        rendered: todo.len() - skipped.len(),
        up_to_date: units.len() - todo.len(),
        threads,
        render_time,
        skipped,
        removed: removed.into_iter().map(|path| shown_root.join(path)).collect(),
    })
}

/// The index's entry in the manifest: no report has an empty name.
const INDEX_UNIT: &str = "";

/// Hashes of the project files and data that reports depend on.
struct Sources {
    /// A key of the loaded data and the saved queries.
    sql: String,
    /// Every file in report_templates/, by its path there (`/`-separated).
    templates: BTreeMap<String, Vec<u8>>,
}

impl Sources {
    fn read(project: &Project, loaded: &[load::LoadedDataset]) -> Result<Sources, Error> {
        let mut sql = Key::new("sql");
        for dataset in loaded {
            sql.add(&dataset.name).add(dataset.fingerprint());
        }
        for query in project.queries.values() {
            sql.add(&query.name).add(&query.source);
        }
        Ok(Sources { sql: sql.finish(), templates: project.template_sources()? })
    }
}

/// The units of a build, each with its key and whether it is up to date.
fn plan(project: &Project, request: &BuildRequest, sources: &Sources, manifest: &Manifest) -> Vec<Unit> {
    let (root, shown_root) = output_root(project, request);
    let root = std::path::absolute(&root).unwrap_or(root);
    let mut units = Vec::new();
    for (index, (period, params)) in request.periods.iter().enumerate() {
        let (mut dir, mut shown) = (root.clone(), shown_root.clone());
        if let Some(period) = period {
            dir.push(period.to_string());
            shown.push(period.to_string());
        }
        for report in request.reports.iter().filter_map(|name| project.report(name)) {
            let mut key = Key::new("report");
            key.add(&sources.sql).add(project.config_text()).add(&report.name);
            for name in templates_of(project, report, sources) {
                key.add(name).add(&sources.templates[name]);
            }
            key.add_option(period.map(|p| p.to_string()));
            for (name, param) in params {
                key.add(name);
                param.add_to(&mut key);
            }
            key.add(request.outputs.names()).add(dir.as_os_str().as_encoded_bytes());
            if request.fixed_time {
                key.add(&request.generated_at);
            }
            let key = key.finish();
            let id = unit_id(&dir, &report.name);
            let up_to_date = !request.force && manifest.is_current(&id, &key);
            units.push(Unit {
                period: index,
                report: report.name.clone(),
                dir: dir.clone(),
                shown: shown.clone(),
                id,
                key,
                up_to_date,
            });
        }
    }
    units
}

/// The templates a report may use: its own, every template that is not
/// another report (layouts, partials, macros), and another report's when
/// one of those names it (`{% include "other.md.j2" %}`).
fn templates_of<'a>(project: &Project, report: &Report, sources: &'a Sources) -> Vec<&'a String> {
    let other_reports: Vec<&str> =
        project.reports.iter().map(|r| r.template.as_str()).filter(|t| *t != report.template).collect();
    let mut used: Vec<&String> =
        sources.templates.keys().filter(|name| !other_reports.contains(&name.as_str())).collect();
    loop {
        let named = sources.templates.keys().find(|name| {
            !used.contains(name)
                && used.iter().any(|u| memchr::memmem::find(&sources.templates[*u], name.as_bytes()).is_some())
        });
        match named {
            Some(name) => used.push(name),
            None => break,
        }
    }
    used.sort();
    used
}

/// What rendering one unit gave.
enum Rendered {
    /// Its files in every format asked for, and its title for the index.
    Files { title: String, files: Vec<OutputFile> },
    /// Left out: a query it runs needs a parameter no one gave (the warning).
    Skipped(Error),
}

/// Reads the templates of the reports to render, and the partials and
/// layouts they may use, as `check` does (see [`lint`]): a misspelled name
/// in a branch this build's data does not reach stops the build as it
/// stops `check`. A parameter some saved query declares is left to the
/// render, which skips a report that needs one not given.
fn read_templates(
    project: &Project,
    runner: &Arc<Runner>,
    todo: &[&Unit],
    request: &BuildRequest,
) -> Result<(), Error> {
    // Partials and layouts (`_name`): any report may include them.
    let mut templates: Vec<String> = project.template_files()?.into_iter().filter(|t| t.starts_with('_')).collect();
    for unit in todo {
        let report = project.report(&unit.report).expect("planned from the project's reports");
        if !templates.contains(&report.template) {
            templates.push(report.template.clone());
        }
    }
    let mut params: Vec<String> = request.periods.iter().flat_map(|(_, p)| p.keys().cloned()).collect();
    params.extend(project.queries.values().flat_map(|q| q.params.iter().map(|p| p.name.clone())));
    let columns = runner.columns();
    let schema = lint::Schema { queries: &project.queries, broken: &project.broken_queries, columns: &columns, params };
    let mut problems = Renderer::new(project, runner.clone()).check(&templates, &schema).into_iter();
    match problems.next() {
        None => Ok(()),
        Some(first) => {
            let more = problems.len();
            Err(if more == 0 {
                first
            } else {
                first.note(format!(
                    "and {more} more problem{}: laporan check lists them all",
                    if more == 1 { "" } else { "s" }
                ))
            })
        }
    }
}

fn render_unit(
    project: &Project,
    base: &Runner,
    unit: &Unit,
    request: &BuildRequest,
    info: &BuildInfo,
) -> Result<Rendered, Error> {
    let (period, params) = &request.periods[unit.period];
    let runner = Arc::new(base.fork(params.clone())?);
    let renderer = Renderer::new(project, runner.clone());
    let report = project.report(&unit.report).expect("planned from the project's reports");
    let mut rendered = match renderer.render(report, period.as_ref(), params, info, request.outputs.passes()) {
        Ok(rendered) => rendered,
        Err(error) if error.needed_param().is_some() => {
            return Ok(Rendered::Skipped(skipped(report, period.as_ref(), &error, request.named)));
        }
        Err(error) => return Err(error),
    };
    rendered.data = runner.take_calls();
    let files = request.outputs.files(&rendered)?;
    Ok(Rendered::Files { title: rendered.title, files })
}

/// The output folder (real path, shown path): `--out` or `out/`.
fn output_root(project: &Project, request: &BuildRequest) -> (PathBuf, PathBuf) {
    match &request.out {
        Some((real, shown)) => (real.clone(), shown.clone()),
        None => (output_folder(&project.root, None), project.shown(Path::new(DEFAULT_OUT_DIR))),
    }
}

/// The output folder of the project at `root`: `--out`, or its `out/`.
/// Periods are folders in it, and its `index.html` lists them.
pub fn output_folder(root: &Path, out: Option<&Path>) -> PathBuf {
    out.map_or_else(|| root.join(DEFAULT_OUT_DIR), Path::to_path_buf)
}
