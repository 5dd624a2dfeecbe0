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
mod each;
mod plan;
mod request;

pub use check::{CheckSummary, check};
pub use each::file_stem;
pub use request::{BuildArgs, BuildRequest, parse_as_of, resolve_params};

use crate::data_tests;
use crate::engine::Database;
use crate::error::Error;
use crate::key::Key;
use crate::load::{self, LoadOptions, LoadSummary};
use crate::manifest::{Built, Manifest, unit_id};
use crate::period::Period;
use crate::project::{DEFAULT_OUT_DIR, Project, Report};
use crate::query::cache::ResultCache;
use crate::query::{BuildParams, PERIOD_PARAMS, RunStats, Runner, in_parallel};
use crate::render::{BuildInfo, InputFile, Renderer, lint};
use crate::write::output::Format;
use crate::write::{
    FileStamp, Outcome, OutputFile, no_links_below, published_pages, remove_stale, site_index, write_files,
};
use plan::{Kind, Planner, Sources, Unit};

/// Loads what changed. The database is opened only if something did (or
/// the record of the last load is missing: see [`load::unchanged`]).
pub fn load(project: &Project, options: LoadOptions) -> Result<LoadSummary, Error> {
    let place = project.engine_place();
    place.check_state_folder()?;
    if !options.force
        && let Some(datasets) = load::unchanged(project)
    {
        let unchanged = datasets.iter().map(|d| d.name.clone()).collect();
        return Ok(LoadSummary { unchanged, datasets, ..LoadSummary::default() });
    }
    let db = Database::open(&place)?;
    load::load(project, &db, options)
}

/// A runner for the saved queries over the loaded `datasets`: it opens the
/// database (read-only, sandboxed: see [`Database::reader`]) when a query
/// must run, and answers from the result cache where it can (not with
/// `force`).
pub fn open_runner(project: &Project, datasets: &[load::LoadedDataset], params: BuildParams, force: bool) -> Runner {
    let fingerprints = datasets.iter().map(|d| (d.name.clone(), d.fingerprint().to_owned())).collect();
    let results = ResultCache::new(project, &fingerprints, !force);
    Runner::new(project, project.engine_place(), Some(results), params)
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
        format!(
            "build it with --param {param}=…, give the parameter a default in its @param line, or set \
             [reports.{}] params = {{ {param} = … }} in laporan.toml",
            report.name
        )
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
/// the pages to render known.
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
    /// `each` reports left out: their query needs a parameter not given.
    skipped: Vec<Error>,
    manifest: Manifest,
    check_key: String,
}

/// Opens the runner for a build, prepares every saved query (so that a
/// broken one fails the build even if no report uses it), runs the data
/// tests, and plans the pages, finding those that are up to date (see
/// [`crate::manifest`]). What was found sound before on the same data is
/// not done again.
pub fn prepare_build(project: &Project, loaded: &LoadSummary, request: &BuildRequest) -> Result<Prepared, Error> {
    let loaded = &loaded.datasets;
    let inputs: Vec<InputFile> = loaded.iter().map(InputFile::from).collect();
    let sources = Sources::read(project, loaded)?;
    // With --force nothing counts as done before; the manifest still
    // tells which files earlier builds wrote.
    let manifest = Manifest::read(project);
    let force = request.force;
    let (root, shown_root) = output_root(project, request);
    let root = std::path::absolute(&root).unwrap_or(root);
    let planner = Planner { project, request, sources: &sources, manifest: &manifest, root, shown_root };
    let mut units = planner.plan();
    let suite = data_tests::Suite::new(project, &sources.sql);
    let passed_before = |key: &str| !force && manifest.test_passed(key);
    let check_key = check_key(&sources);
    let checked_queries = force || !manifest.queries_checked(&check_key);
    let needs_db = checked_queries || suite.pending(&passed_before) > 0 || units.iter().any(|u| !u.up_to_date);
    let runner = if needs_db {
        let runner = open_runner(project, loaded, BuildParams::new(), force);
        if checked_queries && let Some(error) = runner.check()?.into_iter().next() {
            return Err(error);
        }
        Some(Arc::new(runner))
    } else {
        None
    };
    let tests = suite.run(project, runner.as_deref(), &passed_before, project.threads())?;
    let mut skipped = Vec::new();
    if let Some(runner) = &runner {
        units = planner.expand(runner, units, &mut skipped)?;
    }
    Ok(Prepared { runner, inputs, tests, checked_queries, units, skipped, manifest, check_key })
}

/// Renders the pages that are not up to date and writes them; pages
/// render in parallel, each on its own connection.
pub fn build(project: &Project, prepared: Prepared, request: &BuildRequest) -> Result<BuildSummary, Error> {
    let Prepared { runner, inputs, tests, units, mut skipped, mut manifest, check_key, .. } = prepared;
    let info = BuildInfo { version: env!("CARGO_PKG_VERSION"), generated_at: request.generated_at.clone(), inputs };
    let todo: Vec<&Unit> = units.iter().filter(|u| !u.up_to_date && u.kind == Kind::Page).collect();
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

    // Nothing is written until every page has rendered, and none if a
    // folder on the way to one is a link out of the output folder.
    let (root, shown_root) = output_root(project, request);
    let root = std::path::absolute(&root).unwrap_or(root);
    for unit in &todo {
        no_links_below(&root, &shown_root, &unit.dir)?;
    }
    let mut files = Vec::new();
    let mut stale = Vec::new();
    let skipped_before = skipped.len();
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
        // Files of formats this build does not write stay the page's (and
        // it keeps its title in the index).
        stamps.extend(manifest.kept_files(&unit.id, |path| !request.outputs.owns(path)));
        // What the page's last build wrote and this one did not, among
        // the kinds of file this build writes (a build without --pdf
        // leaves the PDFs of an earlier one).
        let built =
            Built { report: unit.report.clone(), key: unit.key.clone(), files: stamps, title: Some(title.clone()) };
        let dropped = manifest.record(unit.id.clone(), built);
        stale.extend(dropped.into_iter().filter(|f| request.outputs.owns(&f.path)));
        files.extend(written);
    }
    // The groups of `each` reports whose pages were planned: recorded so
    // that the next build knows them up to date. What a plain report of
    // that name wrote there before is stale.
    for unit in units.iter().filter(|u| matches!(u.kind, Kind::Group { expanded: true, .. })) {
        let built = Built { report: unit.report.clone(), key: unit.key.clone(), files: Vec::new(), title: None };
        stale.extend(manifest.record(unit.id.clone(), built));
    }
    // What earlier builds wrote and no report writes now: a deleted
    // report's files, a locale or an `each` row no longer there.
    stale.extend(manifest.forget(&root, |dir, id, built| plan::is_stale(project, &units, dir, id, built)));
    let removed = remove_stale(&root, &stale);
    // The site's index lists every page published, and only those: it is
    // written again whenever the pages (or their titles) changed.
    if request.outputs.has(Format::Html) {
        let groups = report_titles(project);
        let pages = published_pages(&root, &manifest.titles(), &groups);
        let title = project.title().unwrap_or(project.locale().words().ui.reports);
        let mut key = Key::new("index");
        key.add(title).add(project.locale().tag());
        for page in &pages {
            key.add(&page.href).add(&page.title);
        }
        for (name, title) in &groups {
            key.add(name).add(title);
        }
        let key = key.finish();
        let id = unit_id(&root, INDEX_UNIT);
        if !todo.is_empty() || !manifest.is_current(&id, &key) {
            let page = site_index(&pages, &groups, title, project.locale(), &request.generated_at);
            let index = OutputFile::text("index.html".to_owned(), &page);
            files.extend(write_files(&root, &shown_root, std::slice::from_ref(&index))?);
            let stamps = FileStamp::of(&root.join("index.html")).into_iter().collect();
            manifest.record(id, Built { report: String::new(), key, files: stamps, title: None });
        }
    }
    manifest.set_passed_tests(tests.passed_keys);
    manifest.set_queries_checked(Some(check_key));
    manifest.write(project)?;
    if let Some(runner) = &runner {
        runner.trim_cache();
    }
    let up_to_date = units
        .iter()
        .filter(|u| u.up_to_date)
        .map(|u| match u.kind {
            Kind::Page => 1,
            Kind::Group { .. } => manifest.pages_in(&u.dir.join(&u.report)).0,
        })
        .sum();
    Ok(BuildSummary {
        files,
        stats: runner.map(|r| r.stats()).unwrap_or_default(),
        rendered: todo.len() - (skipped.len() - skipped_before),
        up_to_date,
        threads,
        render_time,
        skipped,
        removed: removed.into_iter().map(|path| shown_root.join(path)).collect(),
    })
}

/// The title of each `each` report, by name, for its group in the site
/// index: `title` in laporan.toml, else its name.
fn report_titles(project: &Project) -> BTreeMap<String, String> {
    project
        .reports
        .iter()
        .filter(|r| r.each.is_some())
        .map(|r| (r.name.clone(), r.title.clone().unwrap_or_else(|| r.name.clone())))
        .collect()
}

/// The key under which the manifest remembers that every saved query was
/// prepared without a problem on the same data and SQL.
fn check_key(sources: &Sources) -> String {
    Key::new("query check").add(&sources.sql).finish()
}

/// The index's entry in the manifest: no report has an empty name.
const INDEX_UNIT: &str = "";

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
    params.extend(page_params(project, &columns));
    params.sort();
    params.dedup();
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

/// The parameters reports get besides the build's: the reports' defaults,
/// and the columns of every `each` query (an entity's page reads them as
/// `params.NAME`).
fn page_params(project: &Project, columns: &std::collections::HashMap<String, Vec<String>>) -> Vec<String> {
    let defaults = project.reports.iter().flat_map(|r| r.params.iter().map(|(name, _)| name.clone()));
    let each = project.reports.iter().filter_map(|r| r.each.as_ref());
    defaults.chain(each.flat_map(|each| columns.get(&each.query).cloned().unwrap_or_default())).collect()
}

fn render_unit(
    project: &Project,
    base: &Runner,
    unit: &Unit,
    request: &BuildRequest,
    info: &BuildInfo,
) -> Result<Rendered, Error> {
    let period = &request.periods[unit.period].0;
    let runner = Arc::new(base.fork(unit.params.clone()));
    let renderer = Renderer::new(project, runner.clone());
    let report = project.report(&unit.report).expect("planned from the project's reports");
    // The page's locale; an entity's page is titled by its own heading
    // (the report's title names the group in the index).
    let mut page = report.clone();
    page.locale = unit.locale;
    if report.each.is_some() {
        page.title = None;
    }
    let mut rendered = match renderer.render(&page, period.as_ref(), &unit.params, info, request.outputs.passes()) {
        Ok(rendered) => rendered,
        Err(error) if error.needed_param().is_some() => {
            return Ok(Rendered::Skipped(skipped(report, period.as_ref(), &error, request.named)));
        }
        // Which of a report's pages failed: a row's values or a locale's
        // messages may be the cause.
        Err(error) => {
            return Err(match (&report.each, report.locales.is_empty()) {
                (Some(each), _) => error.note(format!(
                    "while rendering page {} of report {} (a row of query {}), in {}",
                    unit.stem, report.name, each.query, unit.locale
                )),
                (None, false) => error.note(format!("while rendering report {} in {}", report.name, unit.locale)),
                (None, true) => error,
            });
        }
    };
    rendered.data = runner.take_calls();
    rendered.descriptions = rendered
        .data
        .iter()
        .filter_map(|call| project.queries.get(&call.query).map(|q| (call.query.clone(), q.description.clone())))
        .collect();
    rendered.name = unit.stem.clone();
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
