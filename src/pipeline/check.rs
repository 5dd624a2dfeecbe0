//! `laporan check`: everything a build would reject, without writing:
//! the saved queries prepared, the templates read, the data tests run and
//! every report rendered for the periods and parameters given.

use std::sync::Arc;

use super::skipped;
use crate::data_tests;
use crate::engine::Database;
use crate::error::Error;
use crate::load::{self, LoadSummary};
use crate::manifest::Manifest;
use crate::period::Period;
use crate::project::Project;
use crate::query::{BuildParams, Runner};
use crate::render::{BuildInfo, InputFile, Passes, Renderer, lint};

/// Renders one page of `report` in each of its locales, as a build would;
/// a problem goes to `found` (a parameter not given to `warnings`).
/// Whether the page rendered.
#[allow(clippy::too_many_arguments)]
fn check_page(
    project: &Project,
    runner: &Runner,
    report: &crate::project::Report,
    period: Option<&Period>,
    params: &BuildParams,
    info: &BuildInfo,
    found: &mut Vec<Error>,
    warnings: &mut Vec<Error>,
) -> Result<bool, Error> {
    let renderer = Renderer::new(project, Arc::new(runner.fork(params.clone())));
    let locales = if report.locales.is_empty() { vec![report.locale] } else { report.locales.clone() };
    for locale in locales {
        let mut page = report.clone();
        page.locale = locale;
        match renderer.render(&page, period, params, info, Passes::ALL) {
            Ok(_) => {}
            Err(error) if error.needed_param().is_some() => {
                warnings.push(skipped(report, period, &error, false));
                return Ok(false);
            }
            Err(error) => {
                found.push(error);
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// What `laporan check` found.
pub struct CheckSummary {
    pub problems: Vec<Error>,
    /// Reports a build would skip (a parameter they need is not given).
    pub warnings: Vec<Error>,
    pub queries: usize,
    pub templates: usize,
    pub tests: usize,
    /// Reports rendered (without writing), over all periods.
    pub rendered: usize,
}

/// Checks everything a build would, writing nothing: every saved query
/// prepared against the loaded schema, every template compiled and read
/// against the queries' columns ([`lint`]), every data test run, and every
/// report rendered for each of `periods` (with its parameters) as the
/// build would render it. `problems` holds what reading the project found;
/// a failed load is one more problem, and the rest is checked against the
/// database as it was. Each problem is listed once. What a build found
/// sound on the same data and SQL (the saved queries, data tests that
/// passed) is not done again, and results come from the cache.
pub fn check(
    project: &Project,
    mut problems: Vec<Error>,
    loaded: Result<LoadSummary, Error>,
    periods: &[(Option<Period>, BuildParams)],
) -> Result<CheckSummary, Error> {
    let datasets = match loaded {
        Ok(summary) => summary.datasets,
        Err(error) => {
            problems.push(error);
            let db = Database::open(&project.engine_place())?;
            load::loaded(&db)?
        }
    };
    let inputs: Vec<InputFile> = datasets.iter().map(InputFile::from).collect();
    let sources = super::Sources::read(project, &datasets)?;
    let manifest = Manifest::read(project);
    let runner = Arc::new(super::open_runner(project, &datasets, BuildParams::new(), false));
    let broken_sql = if manifest.queries_checked(&super::check_key(&sources)) { Vec::new() } else { runner.check()? };
    let sound_sql = broken_sql.is_empty();
    problems.extend(broken_sql);
    let columns = runner.columns();
    let templates = project.template_files()?;
    let renderer = Renderer::new(project, runner.clone());
    let mut params: Vec<String> =
        periods.first().map(|(_, params)| params.keys().cloned().collect()).unwrap_or_default();
    params.extend(super::page_params(project, &columns));
    params.sort();
    params.dedup();
    let schema = lint::Schema { queries: &project.queries, broken: &project.broken_queries, columns: &columns, params };
    let mut found = renderer.check(&templates, &schema);
    let linted = found.len();
    let passed_before = |key: &str| manifest.test_passed(key);
    let tests =
        data_tests::Suite::new(project, &sources.sql).run(project, Some(&runner), &passed_before, project.threads())?;
    found.extend(tests.failures);
    let info = BuildInfo { version: env!("CARGO_PKG_VERSION"), generated_at: String::new(), inputs };
    let mut warnings = Vec::new();
    let mut rendered = 0;
    for (period, given) in periods {
        if !sound_sql && runner.fork(given.clone()).ready().is_err() {
            // A query others build on is broken: reported above.
            break;
        }
        for report in &project.reports {
            let params = super::each::report_params(report, given);
            // An `each` report is rendered for every row, as a build would.
            let mut pages: Vec<(Option<String>, BuildParams)> = vec![(None, params.clone())];
            if let Some(each) = &report.each {
                let rows = super::each::rows(project, &runner, report, each, &params).map(|(_, entities)| entities);
                pages = match rows {
                    Ok(entities) => entities
                        .into_iter()
                        .map(|entity| {
                            let mut page = params.clone();
                            page.extend(entity.params);
                            (Some(entity.stem), page)
                        })
                        .collect(),
                    Err(error) if error.needed_param().is_some() => {
                        warnings.push(skipped(report, period.as_ref(), &error, false));
                        continue;
                    }
                    Err(error) => {
                        found.push(error);
                        continue;
                    }
                };
            }
            // Every page, each failing one named: a problem of one row is
            // not hidden behind another's.
            for (stem, params) in pages {
                let before = found.len();
                if check_page(project, &runner, report, period.as_ref(), &params, &info, &mut found, &mut warnings)? {
                    rendered += 1;
                }
                if let (Some(stem), Some(each)) = (stem, &report.each) {
                    for problem in &mut found[before..] {
                        *problem = problem.clone().note(format!(
                            "while rendering page {stem} of report {} (a row of query {})",
                            report.name, each.query
                        ));
                    }
                }
            }
        }
    }
    // A render error in a template the static read already found wrong
    // is most often a consequence of that mistake: the static finding says
    // it better.
    let read_wrong: Vec<std::path::PathBuf> =
        found.iter().take(linted).filter_map(|p| p.location().map(|l| l.path.clone())).collect();
    for (i, problem) in found.into_iter().enumerate() {
        let consequence = i >= linted && problem.location().is_some_and(|l| read_wrong.contains(&l.path));
        if !consequence && !problems.iter().any(|p| p.same_problem(&problem)) {
            problems.push(problem);
        }
    }
    // The pages of one report skipped for one parameter: one warning.
    warnings.dedup_by(|a, b| a.same_problem(b));
    runner.trim_cache();
    Ok(CheckSummary {
        problems,
        warnings,
        queries: project.queries.len(),
        templates: templates.len(),
        tests: tests.passed,
        rendered,
    })
}
