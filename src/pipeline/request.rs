//! What a build was asked to do, resolved once: `--param` values typed
//! against the queries that declare them, the periods, the formats, the
//! reports named, the output folder and the build time.

use std::path::PathBuf;

use super::generated_at;
use crate::error::Error;
use crate::params::ParamValue;
use crate::period::Period;
use crate::project::Project;
use crate::project::saved_query::SavedQuery;
use crate::query::{BuildParam, BuildParams, PERIOD_PARAMS};
use crate::render::Formats;

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
    /// Whether the reports were named on the command line: then a report
    /// that cannot be built is a failure, not a warning.
    pub named: bool,
    /// The periods to build, each with its parameters: one entry, without a
    /// period, when none was given.
    pub periods: Vec<(Option<Period>, BuildParams)>,
    /// The output folder if the user gave one: (absolute path, as they
    /// wrote it).
    pub out: Option<(PathBuf, PathBuf)>,
    pub formats: Formats,
    pub generated_at: String,
    /// Whether `generated_at` was given (`--as-of`, `SOURCE_DATE_EPOCH`)
    /// rather than taken from the clock: then the output depends on it.
    pub fixed_time: bool,
    /// For `--pdf`.
    pub chromium: Option<PathBuf>,
    /// Render every report even if it is up to date (`--force`).
    pub force: bool,
}

impl BuildRequest {
    /// Checks report names and parameters before anything is loaded.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        project: &Project,
        reports: Vec<String>,
        periods: Vec<Period>,
        params: &[(String, String)],
        out: Option<(PathBuf, PathBuf)>,
        formats: Formats,
        as_of: Option<jiff::Timestamp>,
        force: bool,
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
        let named = !reports.is_empty();
        let reports =
            if reports.is_empty() { project.reports.iter().map(|r| r.name.clone()).collect() } else { reports };
        let periods: Vec<Option<Period>> =
            if periods.is_empty() { vec![None] } else { periods.into_iter().map(Some).collect() };
        let periods = periods
            .into_iter()
            .map(|period| Ok((period, resolve_params(project, params, period.as_ref(), None)?)))
            .collect::<Result<_, Error>>()?;
        if formats.pdf && !formats.html {
            return Err(Error::usage("--pdf prints the HTML reports: keep html in --format"));
        }
        // Before anything is loaded: a missing Chromium is a usage problem.
        let chromium = if formats.pdf { Some(crate::pdf::chromium()?) } else { None };
        let (generated_at, fixed_time) = generated_at(as_of)?;
        Ok(BuildRequest { reports, named, periods, out, formats, generated_at, fixed_time, chromium, force })
    }
}
