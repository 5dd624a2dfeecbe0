//! What a build was asked to do, resolved once: `--param` values typed
//! against the queries that declare them, the periods, the formats, the
//! reports named, the output folder and the build time.

use std::path::PathBuf;

use crate::error::Error;
use crate::params::ParamValue;
use crate::period::Period;
use crate::project::saved_query::SavedQuery;
use crate::project::{Project, TemplateKind};
use crate::query::{BuildParam, BuildParams, PERIOD_PARAMS};
use crate::write::output::docx::Docx;
use crate::write::output::{Format, Needs, Outputs};

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
        // The key column of an `each` report chooses one of its pages. A
        // `key` names it; without one it is the query's first column, known
        // once the query ran: such a parameter is checked then (see
        // [`super::plan::Planner::expand`]).
        let chooses_page = scope.is_none()
            && project.reports.iter().filter_map(|r| r.each.as_ref()).any(|e| match &e.key {
                Some(key) => key == name,
                None => true,
            });
        if declaring.is_empty() && !chooses_page {
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

/// What `laporan build` was asked for, as the command line and the
/// environment said it (the low-level form): [`BuildRequest::new`]
/// validates it against the project.
#[derive(Debug, Default)]
pub struct BuildArgs {
    /// Reports named (none: all).
    pub reports: Vec<String>,
    pub periods: Vec<Period>,
    /// `--param NAME=VALUE`, as given.
    pub params: Vec<(String, String)>,
    /// `--out`: (absolute path, as the user wrote it).
    pub out: Option<(PathBuf, PathBuf)>,
    /// `--format`, `--export` and `--pdf` together.
    pub formats: Vec<Format>,
    /// The Chromium found for `--pdf` (see [`chromium::find`](crate::write::output::chromium::find)).
    pub chromium: Option<PathBuf>,
    /// `--as-of`.
    pub as_of: Option<jiff::Timestamp>,
    /// The value of `SOURCE_DATE_EPOCH`, if set.
    pub source_date_epoch: Option<String>,
    pub force: bool,
}

/// What `laporan build` was asked to do, validated against the project
/// (the high-level form).
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
    pub outputs: Outputs,
    pub generated_at: String,
    /// Whether `generated_at` was given (`--as-of`, `SOURCE_DATE_EPOCH`)
    /// rather than taken from the clock: then the output depends on it.
    pub fixed_time: bool,
    /// Render every report even if it is up to date (`--force`).
    pub force: bool,
    /// What the user should know before the build: formats a report does
    /// not have (a Word document of an HTML template).
    pub warnings: Vec<Error>,
}

impl BuildRequest {
    /// Checks report names, parameters and formats before anything is
    /// loaded.
    pub fn new(project: &Project, args: BuildArgs) -> Result<BuildRequest, Error> {
        if project.reports.is_empty() {
            return Err(Error::project("the project has no reports")
                .help("add a template such as report_templates/monthly.md.j2"));
        }
        for name in &args.reports {
            if project.report(name).is_none() {
                let known: Vec<&str> = project.reports.iter().map(|r| r.name.as_str()).collect();
                return Err(
                    Error::usage(format!("no report named {name}")).note(format!("reports: {}", known.join(", ")))
                );
            }
        }
        let named = !args.reports.is_empty();
        let reports = if named { args.reports } else { project.reports.iter().map(|r| r.name.clone()).collect() };
        let periods: Vec<Option<Period>> =
            if args.periods.is_empty() { vec![None] } else { args.periods.into_iter().map(Some).collect() };
        let periods = periods
            .into_iter()
            .map(|period| Ok((period, resolve_params(project, &args.params, period.as_ref(), None)?)))
            .collect::<Result<_, Error>>()?;
        let mut warnings = Vec::new();
        let mut needs = Needs { chromium: args.chromium, reference_docx: None };
        if args.formats.contains(&Format::Docx) {
            if let Some((bytes, shown)) = project.reference_docx()? {
                needs.reference_docx = Some(Docx::reference(&bytes, &shown)?);
            }
            let html: Vec<&str> = reports
                .iter()
                .filter_map(|name| project.report(name))
                .filter(|r| r.kind == TemplateKind::Html)
                .map(|r| r.template.as_str())
                .collect();
            if !html.is_empty() {
                warnings.push(
                    Error::project(format!("no Word document of {}: an HTML template", html.join(", ")))
                        .note("a .docx is made from a Markdown report (.md.j2), whose page laporan lays out itself")
                        .help("write the report as .md.j2 to have it in Word too"),
                );
            }
        }
        let outputs = Outputs::new(&args.formats, &needs)?;
        let (generated_at, fixed_time) = generated_at(args.as_of, args.source_date_epoch.as_deref())?;
        Ok(BuildRequest {
            reports,
            named,
            periods,
            out: args.out,
            outputs,
            generated_at,
            fixed_time,
            force: args.force,
            warnings,
        })
    }
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
/// (reproducible builds), else now; UTC, to the second. The flag says
/// whether it was given (either way) rather than read from the clock.
fn generated_at(as_of: Option<jiff::Timestamp>, epoch: Option<&str>) -> Result<(String, bool), Error> {
    let (timestamp, given) = match (as_of, epoch) {
        (Some(timestamp), _) => (timestamp, true),
        (None, Some(text)) => {
            let seconds: i64 = text.trim().parse().map_err(|_| {
                Error::usage(format!("SOURCE_DATE_EPOCH must be whole seconds since 1970, got '{text}'"))
            })?;
            let timestamp = jiff::Timestamp::from_second(seconds)
                .map_err(|e| Error::usage(format!("SOURCE_DATE_EPOCH is out of range: {e}")))?;
            (timestamp, true)
        }
        (None, None) => (jiff::Timestamp::now(), false),
    };
    Ok((timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(), given))
}
