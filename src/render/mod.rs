//! Rendering reports: minijinja templates over query results.
//!
//! A [`Renderer`] holds one template environment for the build:
//! `report_templates/` first, then laporan's built-in layout, so a project
//! overrides `_layout.html.j2` by adding a file of that name. Templates call
//! `query("name", key=value…)`, which runs through the build's
//! [`Runner`](crate::query::Runner) (and its cache).
//!
//! A `*.md.j2` report is rendered twice: once for the `.md` file and once
//! for the `.html` page, where the Markdown is converted and wrapped in the
//! layout. Helpers such as `table()` produce Markdown in the first and HTML
//! in the second (`output` tells which). Escaping follows the file name:
//! HTML for `.html.j2`, Markdown escaping for `.md.j2`. Values from data are
//! escaped either way; data is never evaluated as template code.
//!
//! The renderer returns a [`RenderedReport`]: its passes as text, its title
//! as data. What files it becomes (Markdown, HTML, PDF, the data export) is
//! the `write` step's job ([`crate::write::output`]).
//!
//! ```text
//! mod.rs          Renderer: a report's passes, its context, `check`
//! environment.rs  the minijinja environment: loader, escaping, formatter, query()
//! strict.rs       the guard every filter, test and function goes through
//! diagnostics.rs  a render error as a laporan error (the name, what exists)
//! lint/           the static reading of templates (check and build):
//!                 names nothing defines, query() calls, helpers' options
//!                 (known.rs lists every filter, helper and option)
//! rows.rs         query results and rows as template values; lookups that miss
//! filters.rs      number, money, percent, date, delta, link (format.rs: the
//!                 text, with the words of crate::locale)
//! helper.rs       what the helpers share: reading results and columns, the
//!                 figure around a chart, the placeholders of a Markdown page,
//!                 the counts hidden in a render
//! table.rs        table(); look.rs: its colour scales, bars, highlight rules
//!                 and small-count suppression
//! charts.rs       bar() and line(): options and data (chart/: the SVG, its axes)
//! map.rs          map() (chart/choropleth.rs draws it, chart/world.rs the shapes)
//! donut.rs        donut() (chart/donut.rs draws it)
//! kpi.rs          kpi(): a headline tile and its sparkline
//! translate.rs    t(): messages of the report's locale
//! markdown.rs     Markdown escaping and conversion to HTML
//! ```
//!
//! A new filter is a function in filters.rs and a line in its `register`;
//! a new helper or chart is a file like table.rs, a line in
//! environment.rs, and its options in lint/known.rs's `HELPERS`.

pub mod chart;
pub mod charts;
mod diagnostics;
mod donut;
mod environment;
pub mod filters;
pub mod format;
mod helper;
mod kpi;
pub mod lint;
pub mod look;
mod map;
pub mod markdown;
pub mod rows;
pub mod strict;
mod table;
mod translate;

use std::path::Path;
use std::sync::Arc;

use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::error::{Error, Location};
use crate::load::LoadedDataset;
use crate::locale::Locale;
use crate::period::Period;
use crate::project::{Project, Report, TEMPLATES_DIR, TemplateKind};
use crate::query::{BuildParam, QueryCall, Runner};
use helper::{FRAGMENTS, Fragments};

/// How many instructions rendering one template may run: far more than any
/// report needs (the sample reports take about 100,000), a few seconds of
/// work.
pub const RENDER_FUEL: u64 = 200_000_000;

/// The built-in layout wrapping Markdown reports in a page.
pub const LAYOUT: &str = "_layout.html.j2";
const BUILTIN_LAYOUT: &str = include_str!("layout.html.j2");

/// The passes a build renders: each output format reads one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Passes {
    /// The Markdown text of a `.md.j2` report.
    pub markdown: bool,
    /// The HTML page (a `.md.j2` report converted and wrapped in the
    /// layout, or an `.html.j2` report).
    pub html: bool,
}

impl Passes {
    pub const ALL: Passes = Passes { markdown: true, html: true };
}

/// Facts about the build that templates and the footer show.
#[derive(Debug, Clone, Serialize)]
pub struct BuildInfo {
    pub version: &'static str,
    /// ISO 8601, UTC.
    pub generated_at: String,
    pub inputs: Vec<InputFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub dataset: String,
    pub file: String,
    /// `None` on a page that hides small counts: a file of one row per
    /// case would give their sum away.
    pub rows: Option<u64>,
    pub sha256: String,
}

impl From<&LoadedDataset> for InputFile {
    fn from(d: &LoadedDataset) -> InputFile {
        InputFile { dataset: d.name.clone(), file: d.file.clone(), rows: Some(d.rows), sha256: d.sha256.clone() }
    }
}

/// A report as rendered: the plain context every output format reads
/// (see [`crate::write::output`]).
#[derive(Debug, Clone)]
pub struct RenderedReport {
    pub name: String,
    /// Its title as data: `title` in laporan.toml, else the Markdown's
    /// first heading, else its name. The site index lists it by this.
    pub title: String,
    /// The Markdown pass, when asked for and the report is Markdown.
    pub markdown: Option<String>,
    /// The HTML page, when asked for.
    pub html: Option<String>,
    /// Whether the report is a Markdown template (`.md.j2`): its HTML page
    /// is the Markdown converted and wrapped in the layout.
    pub from_markdown: bool,
    /// The data behind it: each distinct query call, in call order.
    pub data: Vec<QueryCall>,
    /// The counts its helpers hid (`suppress=`): the result (by address),
    /// column and threshold. The data export hides them too.
    pub suppressed: Vec<(usize, usize, i64)>,
    /// What a printed page repeats: the report's title (with its period),
    /// the project's title, and the locale of the words around them.
    pub running_header: String,
    pub project_title: Option<String>,
    pub locale: Locale,
    /// When the build ran (ISO 8601, UTC): the workbook's creation time.
    pub generated_at: String,
    /// Each saved query's description (its leading comment), by name, for
    /// the data exports.
    pub descriptions: Vec<(String, String)>,
}

pub struct Renderer {
    env: Environment<'static>,
    /// The template names of the project's reports.
    report_templates: Vec<String>,
    /// Every parameter a saved query declares.
    declared_params: Vec<String>,
    project_title: Option<String>,
    project_locale: Locale,
    templates_shown: std::path::PathBuf,
}

impl Renderer {
    pub fn new(project: &Project, runner: Arc<Runner>) -> Renderer {
        let env = environment::environment(project, runner);
        Renderer {
            env,
            report_templates: project.reports.iter().map(|r| r.template.clone()).collect(),
            declared_params: project.queries.values().flat_map(|q| q.params.iter().map(|p| p.name.clone())).collect(),
            project_title: project.title().map(str::to_owned),
            project_locale: project.locale(),
            templates_shown: project.shown(Path::new(TEMPLATES_DIR)),
        }
    }

    /// Renders one report in the requested formats.
    pub fn render(
        &self,
        report: &Report,
        period: Option<&Period>,
        params: &crate::query::BuildParams,
        build: &BuildInfo,
        passes: Passes,
    ) -> Result<RenderedReport, Error> {
        let base = context! {
            project => rows::record("project", vec![
                ("title", Value::from(self.project_title.clone())),
                ("locale", Value::from(self.project_locale.tag())),
            ]),
            report => rows::record("report", vec![
                ("name", Value::from(report.name.clone())),
                ("title", Value::from(report.title.clone())),
                ("locale", Value::from(report.locale.tag())),
                ("template", Value::from(report.template.clone())),
            ]),
            locale => report.locale.tag(),
            ui => rows::record("ui", report.locale.words().ui.entries().map(|(k, v)| (k, Value::from(v))).to_vec()),
            period => period.map(|p| period_value(p, report.locale)),
            params => params_value(params),
            build => Value::from_serialize(build),
        };
        let mut rendered = RenderedReport {
            name: report.name.clone(),
            title: report.title.clone().unwrap_or_else(|| report.name.clone()),
            markdown: None,
            html: None,
            from_markdown: report.kind == TemplateKind::Markdown,
            data: Vec::new(),
            suppressed: Vec::new(),
            running_header: String::new(),
            project_title: self.project_title.clone(),
            locale: report.locale,
            generated_at: build.generated_at.clone(),
            descriptions: Vec::new(),
        };
        match report.kind {
            TemplateKind::Markdown => {
                if passes.markdown {
                    let ctx = context! { output => "md", __markdown__ => true, ..base.clone() };
                    let (md, _) = self.render_pass(&report.template, ctx, &mut rendered.suppressed)?;
                    rendered.markdown = Some(md);
                }
                if passes.html {
                    let ctx = context! { output => "html", __markdown__ => true, ..base.clone() };
                    let (text, fragments) = self.render_pass(&report.template, ctx, &mut rendered.suppressed)?;
                    let hides_counts = !rendered.suppressed.is_empty();
                    let mut doc = markdown::to_html(&text);
                    if let Some(fragments) = fragments {
                        let fragments = fragments.downcast_object_ref::<Fragments>().expect("laporan's own temp");
                        doc.body = fragments.restore(doc.body);
                    }
                    if report.title.is_none()
                        && let Some(heading) = doc.title
                    {
                        rendered.title = heading;
                    }
                    let page = self.render_template(
                        LAYOUT,
                        context! {
                            output => "html",
                            title => rendered.title.clone(),
                            toc => Value::from_serialize(&doc.toc),
                            content => Value::from_safe_string(doc.body),
                            build => footer(build, hides_counts),
                            ..base.clone()
                        },
                    )?;
                    rendered.html = Some(page);
                }
            }
            TemplateKind::Html => {
                if passes.html {
                    let ctx = context! {
                        output => "html",
                        title => rendered.title.clone(),
                        toc => Vec::<Value>::new(),
                        ..base.clone()
                    };
                    let (page, _) = self.render_pass(&report.template, ctx, &mut rendered.suppressed)?;
                    rendered.html = Some(page);
                }
            }
        }
        rendered.running_header = match period.map(|p| format::period_name(p, report.locale)) {
            Some(label) if !rendered.title.contains(&label) => format!("{} · {label}", rendered.title),
            _ => rendered.title.clone(),
        };
        Ok(rendered)
    }

    /// Compiles every template in `names` (reports, layouts, partials) and
    /// reads each one's syntax tree against the project (see [`lint`]):
    /// `query()` calls, the columns read from rows, helpers' options and
    /// columns, functions. Returns every problem.
    pub fn check(&self, names: &[String], schema: &lint::Schema<'_>) -> Vec<Error> {
        let mut problems = Vec::new();
        for name in names {
            let template = match self.env.get_template(name) {
                Ok(template) => template,
                Err(e) => {
                    problems.push(self.template_error(e));
                    continue;
                }
            };
            let path = self.templates_shown.join(name);
            let role = if self.report_templates.contains(name) { lint::Role::Report } else { lint::Role::Part };
            let mut findings = lint::lint(template.source(), name, role, schema);
            if role == lint::Role::Report {
                let undeclared: Vec<String> = template.undeclared_variables(false).into_iter().collect();
                findings.extend(lint::undefined_names(template.source(), name, &undeclared));
                findings.sort_by_key(|f| (f.line, f.column));
            }
            for finding in findings {
                let at = Location::in_source(&path, template.source(), finding.line, Some(finding.column))
                    .with_width(finding.width);
                let error = Error::project(finding.message).at(at);
                problems.push(match finding.help {
                    Some(help) => error.help(help),
                    None => error,
                });
            }
        }
        problems
    }

    /// Renders the report template `name` and returns its text, with what
    /// its helpers left in the render's state: the counts they hid (added
    /// to `suppressed`) and, in a Markdown page pass, their HTML fragments.
    fn render_pass(
        &self,
        name: &str,
        ctx: Value,
        suppressed: &mut Vec<(usize, usize, i64)>,
    ) -> Result<(String, Option<Value>), Error> {
        let template = self.env.get_template(name).map_err(|e| self.template_error(e))?;
        rows::clear_misses();
        let captured = template.render_captured(ctx).map_err(|e| self.template_error(e))?;
        suppressed.extend(helper::suppressions(captured.state()));
        let fragments = captured.state().get_temp(FRAGMENTS);
        Ok((captured.into_output(), fragments))
    }

    fn render_template(&self, name: &str, ctx: Value) -> Result<String, Error> {
        let template = self.env.get_template(name).map_err(|e| self.template_error(e))?;
        rows::clear_misses();
        template.render(ctx).map_err(|e| self.template_error(e))
    }
}

/// The build as the layout's footer shows it: without the input files'
/// row counts on a page that hides small counts (a count of the rows of
/// one file, minus the counts shown, is the sum of the hidden ones).
fn footer(build: &BuildInfo, hides_counts: bool) -> Value {
    if !hides_counts {
        return Value::from_serialize(build);
    }
    let mut shown = build.clone();
    for input in &mut shown.inputs {
        input.rows = None;
    }
    Value::from_serialize(&shown)
}

fn period_value(period: &Period, locale: Locale) -> Value {
    let previous = period.previous().map(|p| {
        rows::record(
            "period.previous",
            vec![
                ("key", Value::from(p.to_string())),
                ("start", Value::from(p.start().to_string())),
                ("end", Value::from(p.end().to_string())),
                ("label", Value::from(format::period_name(&p, locale))),
            ],
        )
    });
    rows::record(
        "period",
        vec![
            ("key", Value::from(period.to_string())),
            ("kind", Value::from(period.kind().as_str())),
            ("year", Value::from(period.year())),
            ("index", Value::from(period.index())),
            ("start", Value::from(period.start().to_string())),
            ("end", Value::from(period.end().to_string())),
            ("label", Value::from(format::period_name(period, locale))),
            ("previous", Value::from(previous)),
        ],
    )
}

fn params_value(params: &crate::query::BuildParams) -> Value {
    rows::params(
        params
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    BuildParam::Text(text) => Value::from(text.clone()),
                    BuildParam::Value(value) => value.to_template(),
                };
                (name.clone(), value)
            })
            .collect(),
    )
}
