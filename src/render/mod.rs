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
//! The renderer returns file contents; writing them is the `write` step's job.

pub mod chart;
pub mod charts;
pub mod filters;
pub mod format;
pub mod lint;
pub mod markdown;
pub mod rows;
pub mod strict;

use std::path::{Component, Path};
use std::sync::Arc;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior, Value, context};
use serde::Serialize;

use crate::error::{Error, Location, line_and_column};
use crate::load::LoadedDataset;
use crate::params::{format_decimal, parse_date};
use crate::period::Period;
use crate::project::{Project, Report, TEMPLATES_DIR, TemplateKind};
use crate::query::{BuildParam, Runner};
use crate::value::{Cell, QueryResult};
use filters::locale_of;

/// How many instructions rendering one template may run: far more than any
/// report needs (the sample reports take about 100,000), a few seconds of
/// work.
pub const RENDER_FUEL: u64 = 200_000_000;

/// The built-in layout wrapping Markdown reports in a page.
pub const LAYOUT: &str = "_layout.html.j2";
const BUILTIN_LAYOUT: &str = include_str!("layout.html.j2");

/// Which files to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub markdown: bool,
    pub html: bool,
    /// The data behind each report, as CSV (safe for spreadsheets) and JSON,
    /// in `<report>.data/`.
    pub data_csv: bool,
    pub data_json: bool,
    /// A PDF of each HTML report, printed by Chromium.
    pub pdf: bool,
}

impl Formats {
    /// Whether a build with these formats writes files like `path` (a
    /// report's page, its Markdown, its PDF, its data export).
    pub fn writes(&self, path: &Path) -> bool {
        let exported =
            path.parent().and_then(|p| p.file_name()).is_some_and(|n| n.to_string_lossy().ends_with(".data"));
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") if exported => self.data_csv,
            Some("json") if exported => self.data_json,
            Some("md") => self.markdown,
            Some("html") => self.html,
            Some("pdf") => self.pdf,
            _ => false,
        }
    }
}

impl Default for Formats {
    fn default() -> Formats {
        Formats { markdown: true, html: true, data_csv: false, data_json: false, pdf: false }
    }
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
    pub rows: u64,
    pub sha256: String,
}

impl From<&LoadedDataset> for InputFile {
    fn from(d: &LoadedDataset) -> InputFile {
        InputFile { dataset: d.name.clone(), file: d.file.clone(), rows: d.rows, sha256: d.sha256.clone() }
    }
}

/// One rendered file, named relative to the output folder.
#[derive(Debug, Clone)]
pub struct RenderedFile {
    pub file_name: String,
    pub contents: String,
}

pub struct Renderer {
    env: Environment<'static>,
    /// The template names of the project's reports.
    report_templates: Vec<String>,
    /// Every parameter a saved query declares.
    declared_params: Vec<String>,
    project_title: Option<String>,
    project_locale: String,
    templates_shown: std::path::PathBuf,
}

impl Renderer {
    pub fn new(project: &Project, runner: Arc<Runner>) -> Renderer {
        let mut env = Environment::new();
        env.set_debug(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        // A template that loops without end (or nearly: nested loops over
        // large ranges) is stopped with an error naming it.
        env.set_fuel(Some(RENDER_FUEL));
        let dir = project.path(TEMPLATES_DIR);
        env.set_loader(move |name| load_template(&dir, name));
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".md.j2") || name.ends_with(".md") {
                AutoEscape::Custom("markdown")
            } else if name.ends_with(".html.j2") || name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(format_value);
        strict::guard_builtins(&mut env);
        register_query(&mut env, runner);
        strict::add_function(&mut env, "table", table);
        strict::add_function(&mut env, "bar", charts::chart_function(false));
        strict::add_function(&mut env, "line", charts::chart_function(true));
        filters::register(&mut env);
        Renderer {
            env,
            report_templates: project.reports.iter().map(|r| r.template.clone()).collect(),
            declared_params: project.queries.values().flat_map(|q| q.params.iter().map(|p| p.name.clone())).collect(),
            project_title: project.title().map(str::to_owned),
            project_locale: project.locale().to_owned(),
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
        formats: Formats,
    ) -> Result<Vec<RenderedFile>, Error> {
        let base = context! {
            project => rows::record("project", vec![
                ("title", Value::from(self.project_title.clone())),
                ("locale", Value::from(self.project_locale.clone())),
            ]),
            report => rows::record("report", vec![
                ("name", Value::from(report.name.clone())),
                ("title", Value::from(report.title.clone())),
                ("locale", Value::from(report.locale.clone())),
                ("template", Value::from(report.template.clone())),
            ]),
            locale => report.locale.clone(),
            period => period.map(|p| period_value(p, &report.locale)),
            params => params_value(params),
            build => Value::from_serialize(build),
        };
        let mut files = Vec::new();
        match report.kind {
            TemplateKind::Markdown => {
                if formats.markdown {
                    let md = self.render_template(
                        &report.template,
                        context! { output => "md", __markdown__ => true, ..base.clone() },
                    )?;
                    files.push(RenderedFile { file_name: format!("{}.md", report.name), contents: md });
                }
                if formats.html {
                    let template = self.env.get_template(&report.template).map_err(|e| self.template_error(e))?;
                    rows::clear_misses();
                    let captured = template
                        .render_captured(context! { output => "html", __markdown__ => true, ..base.clone() })
                        .map_err(|e| self.template_error(e))?;
                    let mut doc = markdown::to_html(captured.output());
                    if let Some(fragments) = captured.state().get_temp(FRAGMENTS) {
                        let fragments = fragments.downcast_object_ref::<Fragments>().expect("laporan's own temp");
                        doc.body = fragments.restore(doc.body);
                    }
                    let title = report.title.clone().or(doc.title).unwrap_or_else(|| report.name.clone());
                    let page = self.render_template(
                        LAYOUT,
                        context! {
                            output => "html",
                            title => title,
                            toc => Value::from_serialize(&doc.toc),
                            content => Value::from_safe_string(doc.body),
                            ..base.clone()
                        },
                    )?;
                    files.push(RenderedFile { file_name: format!("{}.html", report.name), contents: page });
                }
            }
            TemplateKind::Html => {
                if formats.html {
                    let title = report.title.clone().unwrap_or_else(|| report.name.clone());
                    let page = self.render_template(
                        &report.template,
                        context! { output => "html", title => title, toc => Vec::<Value>::new(), ..base.clone() },
                    )?;
                    files.push(RenderedFile { file_name: format!("{}.html", report.name), contents: page });
                }
            }
        }
        Ok(files)
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

    fn render_template(&self, name: &str, ctx: Value) -> Result<String, Error> {
        let template = self.env.get_template(name).map_err(|e| self.template_error(e))?;
        rows::clear_misses();
        template.render(ctx).map_err(|e| self.template_error(e))
    }

    /// A minijinja error as a laporan error. An error raised inside
    /// `query()` (bad SQL, say) is reported as itself, with the template
    /// position as a note.
    fn template_error(&self, err: minijinja::Error) -> Error {
        self.explain(&err)
    }

    /// [`Renderer::template_error`] of an error held by reference (the
    /// cause of another).
    fn explain(&self, err: &minijinja::Error) -> Error {
        // An error in an included template: reported where it is, with
        // where it was included from.
        if err.kind() == ErrorKind::BadInclude
            && let Some(inner) = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<minijinja::Error>())
        {
            let from = match (err.name(), err.line()) {
                (Some(name), Some(line)) => {
                    format!("included from {}:{line}", self.templates_shown.join(name).display())
                }
                _ => "in an included template".to_owned(),
            };
            return self.explain(inner).note(from);
        }
        let shown = |name: &str| -> std::path::PathBuf {
            if name == LAYOUT && !self.templates_shown.join(name).exists() {
                format!("<built-in {LAYOUT}>").into()
            } else {
                self.templates_shown.join(name)
            }
        };
        let position = match (err.name(), err.line()) {
            (Some(name), Some(line)) => format!("{}:{line}", shown(name).display()),
            (Some(name), None) => shown(name).display().to_string(),
            _ => String::new(),
        };
        let location = err.name().map(|name| {
            let path = shown(name);
            match (err.template_source(), err.range(), err.line()) {
                (Some(src), Some(range), _) => {
                    let (line, column) = line_and_column(src, range.start);
                    let width = src[range.clone()].lines().next().map_or(1, |l| l.chars().count());
                    Location::in_source(path, src, line, Some(column)).with_width(width)
                }
                (Some(src), None, Some(line)) => Location::in_source(path, src, line, None),
                _ => Location::file(path),
            }
        });
        // Raised by laporan's own code (a query that failed, a call that
        // does not fit its query): reported as itself, placed in the
        // template when it has no place of its own.
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            if let Some(inner) = cause.downcast_ref::<Error>() {
                return match (inner.location(), location) {
                    (None, Some(location)) => inner.clone().at(location),
                    _ => inner.clone().note(format!("while rendering {position}")),
                };
            }
            source = cause.source();
        }
        let expression = match (err.template_source(), err.range()) {
            (Some(src), Some(range)) => src.get(range).map(str::to_owned),
            _ => None,
        };
        let message = match (err.kind(), err.detail(), &expression) {
            // Raised by laporan's own functions and filters: the detail says it all.
            (ErrorKind::InvalidOperation, Some(detail), _) => detail.to_owned(),
            (kind, Some(detail), _) => format!("{kind}: {detail}"),
            (kind, None, _) => kind.to_string(),
        };
        let mut error = Error::project(message);
        // A filter's error points at the filter's name: the line tells
        // what it was given.
        let line = match (err.template_source(), err.line()) {
            (Some(src), Some(line)) => src.lines().nth(line.saturating_sub(1)),
            _ => None,
        };
        let miss = || {
            let asked = expression.as_deref().and_then(rows::miss_in).or_else(|| line.and_then(rows::miss_in));
            asked.or_else(|| expression.as_deref().or(line).and_then(rows::latest_miss_if_computed))
        };
        // An operator given undefined (`row.nope + 1`) fails as an invalid
        // operation: when a lookup missed there, it is that miss.
        if err.kind() == ErrorKind::InvalidOperation && err.detail().is_none_or(|d| d.contains("undefined")) {
            let explained = miss().map(|miss| miss.explain()).or_else(|| self.undefined_on_line(err));
            if let Some((message, help)) = explained {
                error = Error::project(message).help(help);
            }
        }
        if err.kind() == ErrorKind::UndefinedError {
            let miss = miss();
            let (message, help) = match &miss {
                Some(miss) => miss.explain(),
                None => self.undefined_on_line(err).unwrap_or_else(|| undefined_message(expression.as_deref(), line)),
            };
            error = Error::project(message).help(help);
            // A parameter a saved query declares, read by the template and
            // not given: the report cannot be built without it (skipped).
            if let Some(rows::Miss::Param { name, .. }) = miss
                && self.declared_params.contains(&name)
            {
                error = error.missing_param(name);
            }
        }
        if err.kind() == ErrorKind::OutOfFuel {
            error = Error::project(format!(
                "the template runs too long: it stopped after {RENDER_FUEL} steps (a loop without end?)"
            ))
            .help("loop over query results rather than large ranges, and filter and aggregate in SQL");
        }
        if let Some(location) = location {
            error = error.at(location);
        }
        if err.kind() == ErrorKind::TemplateNotFound {
            error = error.help(format!("templates are looked up in {}", self.templates_shown.display()));
        }
        error
    }
}

impl Renderer {
    /// A name that nothing in the failing template defines, on the line of
    /// the error, found by the engine's own reading of the template: the
    /// one to blame, whatever else the expression holds.
    fn undefined_on_line(&self, err: &minijinja::Error) -> Option<(String, String)> {
        let template = self.env.get_template(err.name()?).ok()?;
        let undeclared: Vec<String> = template.undeclared_variables(false).into_iter().collect();
        let found = lint::undefined_names(template.source(), template.name(), &undeclared);
        let on_line = found.into_iter().find(|f| Some(f.line) == err.line())?;
        Some((on_line.message, on_line.help.unwrap_or_default()))
    }
}

/// The variables every template has; a report's own `set`s and loops add more.
const CONTEXT_VARIABLES: &str = "project, report, locale, period, params, build, output";

/// What a name that is not there was, for the error, when no lookup of a
/// row or record missed it (see [`rows::Miss`]): a variable, or an
/// attribute of something laporan does not own (a namespace, a dict).
/// `expression` is the template text the error points at.
fn undefined_message(expression: Option<&str>, line: Option<&str>) -> (String, String) {
    // The error may point at a filter's or function's name only: the
    // line then shows what it was given.
    let filter_only = expression.is_some_and(|e| {
        let e = e.trim();
        line.is_some_and(|l| l.contains(&format!("| {e}")) || l.contains(&format!("|{e}")))
    });
    let in_line = || line.and_then(|l| first_variable(l.split("{{").nth(1).unwrap_or(l)));
    let variable = if filter_only { in_line() } else { expression.and_then(first_variable).or_else(in_line) };
    // In a printed expression (`{{ … }}`), not an `{% if %}` tag.
    let inline_if = |text: &str| {
        text.split("{{").skip(1).filter_map(|part| part.split("}}").next()).any(|printed| {
            let printed = format!(" {printed} ");
            printed.contains(" if ") && !printed.contains(" else ")
        })
    };
    if line.is_some_and(inline_if) {
        return (
            "an inline `if` without `else` gives nothing to print when its test is false".to_owned(),
            "add `else \"\"`: `{{ \" (draft)\" if draft else \"\" }}`".to_owned(),
        );
    }
    let Some(path) = variable else {
        return (
            format!(
                "a name is not defined here{}",
                expression.map(|e| format!(" (in `{}`)", e.trim())).unwrap_or_default()
            ),
            format!("check its spelling; every template has {CONTEXT_VARIABLES}"),
        );
    };
    let help = format!(
        "check its spelling: a template has {CONTEXT_VARIABLES}, and the variables its own \
         set, for and macro define; write `x is defined` or `x | default(…)` for optional values"
    );
    match path.split_once('.') {
        None => (format!("`{path}` is not defined"), help),
        Some((first, _)) => {
            (format!("`{path}` is not defined: `{first}` has nothing by that name, or is itself undefined"), help)
        }
    }
}

/// The first name in template text that is a value, not a function or
/// filter being called, a test, a keyword argument or text in quotes: `mm`
/// in `bar(mm, x="month")`, `ns.totl` in `ns.totl | number`. The text is
/// read with minijinja's own tokenizer, as the engine reads it.
fn first_variable(text: &str) -> Option<String> {
    use minijinja::machinery::{Token, WhitespaceConfig, tokenize};
    // An expression, not template text: read it as the inside of `{{ }}`.
    let source = format!("{{{{ {text} }}}}");
    let tokens: Vec<Token<'_>> = tokenize(&source, false, Default::default(), WhitespaceConfig::default())
        .map_while(Result::ok)
        .map(|(token, _)| token)
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        let Token::Ident(first) = tokens[i] else {
            i += 1;
            continue;
        };
        let mut path = first.to_owned();
        let mut end = i + 1;
        while let (Some(Token::Dot), Some(Token::Ident(next))) = (tokens.get(end), tokens.get(end + 1)) {
            path.push('.');
            path.push_str(next);
            end += 2;
        }
        let before = i.checked_sub(1).map(|b| &tokens[b]);
        let filter_or_test = matches!(before, Some(Token::Pipe) | Some(Token::Ident("is")));
        let called_or_named = matches!(tokens.get(end), Some(Token::ParenOpen) | Some(Token::Assign));
        let keyword = ["and", "or", "not", "in", "is", "if", "else", "true", "false", "none"].contains(&first);
        if !(filter_or_test || called_or_named || keyword) {
            return Some(path);
        }
        i = end;
    }
    None
}

/// Loads `name` from the templates folder, or a built-in. Names cannot climb
/// out of the folder, and neither can links in it.
fn load_template(dir: &Path, name: &str) -> Result<Option<String>, minijinja::Error> {
    let relative = Path::new(name);
    if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Ok(None);
    }
    let path = dir.join(relative);
    let inside = match crate::project::resolves_inside(&path, dir) {
        Ok(inside) => inside,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(if name == LAYOUT { Some(BUILTIN_LAYOUT.to_owned()) } else { None });
        }
        Err(_) => false,
    };
    if !inside {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("template {name} is a link to a file outside {TEMPLATES_DIR}/: templates are read only from there"),
        ));
    }
    match std::fs::read_to_string(&path) {
        Ok(source) => Ok(Some(source)),
        Err(e) => {
            Err(minijinja::Error::new(ErrorKind::InvalidOperation, format!("cannot read template {name}"))
                .with_source(e))
        }
    }
}

/// Writes a value into the output. What escaping it gets follows the
/// report, not the file the value is written from (a partial named
/// `_x.html.j2` or `_x.j2` included in a Markdown report writes Markdown):
/// in a Markdown report, Markdown escaping that is also inert in HTML (see
/// [`markdown::escape`]); in an HTML report, HTML escaping. Only values
/// marked safe (laporan's helpers, `|safe` in the template) pass as they
/// are. `none` (a NULL) prints as [`filters::MISSING`] in a report, as
/// nothing in the layout (where it is a setting left out).
fn format_value(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), minijinja::Error> {
    // A list or map printed whole (`{{ [row.nope] }}`) must not show
    // `undefined`.
    if strict::holds_undefined(value) {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    // A list or row printed whole shows its missing values as `—` too.
    let whole;
    let value = if matches!(value.kind(), ValueKind::Seq | ValueKind::Map) && !value.is_safe() {
        whole = strict::shown(value);
        &whole
    } else {
        value
    };
    if value.is_none() {
        return if state.name() == LAYOUT {
            Ok(())
        } else {
            out.write_str(filters::MISSING).map_err(minijinja::Error::from)
        };
    }
    if value.kind() == ValueKind::Number
        && !value.is_integer()
        && f64::try_from(value.clone()).is_ok_and(|n| !n.is_finite())
    {
        return out.write_str(filters::MISSING).map_err(minijinja::Error::from);
    }
    if value.is_safe() {
        return write!(out, "{value}").map_err(minijinja::Error::from);
    }
    let owned;
    let text = match value.as_str() {
        Some(text) => text,
        None => {
            owned = value.to_string();
            &owned
        }
    };
    let escaped = match writes_markdown(state) {
        Some(pass) => markdown::escaped_for(text, pass),
        None => markdown::html_escaped(text),
    };
    out.write_str(&escaped).map_err(minijinja::Error::from)
}

/// In a Markdown report, which pass is rendering (`.md` file or page);
/// `None` in an HTML report or the layout. The renderer marks a Markdown
/// report's passes with `__markdown__` in their context.
fn writes_markdown(state: &State<'_, '_>) -> Option<markdown::Pass> {
    if !state.lookup("__markdown__").is_some_and(|m| m.is_true()) {
        return None;
    }
    Some(if is_html(state) { markdown::Pass::Page } else { markdown::Pass::File })
}

/// HTML made by laporan's helpers in the page pass of a Markdown report.
/// The Markdown around it is converted to HTML by a Markdown parser, which
/// would read the text inside the helper's HTML as Markdown again (a blank
/// line ends an HTML block; a table or chart written mid-paragraph is
/// inline HTML, its text Markdown). So the helper writes a placeholder, an
/// unguessable word, and the HTML replaces it after the conversion: what a
/// helper emits never meets the Markdown parser.
#[derive(Debug)]
struct Fragments {
    /// Random for each render, so that no value from data can name it.
    nonce: String,
    html: std::sync::Mutex<Vec<String>>,
}

impl minijinja::value::Object for Fragments {}

const FRAGMENTS: &str = "laporan.fragments";

impl Fragments {
    fn new() -> Fragments {
        use std::hash::{BuildHasher, Hasher};
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        Fragments { nonce: format!("{random:016x}"), html: std::sync::Mutex::new(Vec::new()) }
    }

    fn placeholder(&self, index: usize) -> String {
        format!("laporanfragment{}x{index}x", self.nonce)
    }

    /// Puts each fragment in the place of its placeholder in `body` (the
    /// converted page): a paragraph holding only a placeholder becomes the
    /// fragment itself, not a paragraph around it.
    fn restore(&self, mut body: String) -> String {
        let html = self.html.lock().unwrap_or_else(|p| p.into_inner());
        for (index, fragment) in html.iter().enumerate() {
            let placeholder = self.placeholder(index);
            let paragraph = format!("<p>{placeholder}</p>\n");
            body = if body.contains(&paragraph) {
                body.replace(&paragraph, fragment)
            } else {
                body.replace(&placeholder, fragment.trim_end())
            };
        }
        body
    }
}

/// What a helper returns: its markup as a safe value, or in the page pass
/// of a Markdown report a placeholder for it (see [`Fragments`]).
fn helper_output(state: &State<'_, '_>, markup: String) -> Value {
    if writes_markdown(state) != Some(markdown::Pass::Page) {
        return Value::from_safe_string(markup);
    }
    let fragments = state.get_or_set_temp_object(FRAGMENTS, Fragments::new);
    let mut html = fragments.html.lock().unwrap_or_else(|p| p.into_inner());
    html.push(markup);
    Value::from_safe_string(fragments.placeholder(html.len() - 1))
}

fn register_query(env: &mut Environment<'static>, runner: Arc<Runner>) {
    strict::add_function(env, "query", move |name: &str, kwargs: Kwargs| -> Result<Value, minijinja::Error> {
        let Some(saved) = runner.saved(name) else {
            return Err(minijinja::Error::new(ErrorKind::InvalidOperation, format!("no saved query named {name}")));
        };
        let mut args = Vec::new();
        for key in kwargs.args() {
            let Some(decl) = saved.param(key) else {
                let error = Error::project(format!("query {name} has no parameter {key}")).help(saved.declared_help());
                return Err(minijinja::Error::new(ErrorKind::InvalidOperation, "a query call").with_source(error));
            };
            let value: Value = kwargs.get(key)?;
            let typed = decl.ty.from_template(&value).map_err(|e| {
                minijinja::Error::new(ErrorKind::InvalidOperation, format!("query {name}, parameter {key}: {e}"))
            })?;
            args.push((key.to_owned(), typed));
        }
        kwargs.assert_all_used()?;
        let result = runner.run(name, &args).map_err(|e| {
            minijinja::Error::new(ErrorKind::InvalidOperation, format!("query {name} failed")).with_source(e)
        })?;
        Ok(Value::from_dyn_object(result))
    });
}

fn period_value(period: &Period, locale: &str) -> Value {
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

/// `{{ table(result) }}`: the result as a table: Markdown in `.md` output,
/// HTML (numbers right-aligned) in `.html` output. `columns=[…]` picks and
/// orders columns; `labels={…}` renames headers.
fn table(state: &State<'_, '_>, result: Value, kwargs: Kwargs) -> Result<Value, minijinja::Error> {
    let columns: Option<Vec<String>> = kwargs.get("columns")?;
    let labels: Option<Value> = kwargs.get("labels")?;
    let totals: Option<Vec<String>> = kwargs.get("totals")?;
    kwargs.assert_all_used()?;
    let result = query_result(&result, "table")?;
    let indices: Vec<usize> = match columns {
        None => (0..result.columns.len()).collect(),
        Some(names) => names.iter().map(|n| column_index(result, n, "table")).collect::<Result<_, _>>()?,
    };
    check_labels(result, labels.as_ref(), "table")?;
    // Checked before anything is shown, so that an empty period finds a
    // mistake as a full one does.
    let summed: Option<Vec<usize>> = match &totals {
        None => None,
        Some(names) => Some(
            names
                .iter()
                .map(|n| {
                    let i = column_index(result, n, "table")?;
                    if !indices.contains(&i) {
                        return Err(minijinja::Error::new(
                            ErrorKind::InvalidOperation,
                            format!("table(): totals names `{n}`, which is not among the columns shown"),
                        ));
                    }
                    Ok(i)
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let locale = locale_of(state);
    let html = is_html(state);
    if result.rows.is_empty() {
        return Ok(helper_output(state, no_data(&locale, html)));
    }
    let mut markup = table_markup(result, &indices, labels.as_ref(), &locale, html);
    if let Some(summed) = summed {
        let label = if locale == "id" { "Jumlah" } else { "Total" };
        let row: Vec<Option<String>> = indices
            .iter()
            .enumerate()
            .map(|(position, &i)| {
                if summed.contains(&i) {
                    Some(total_of(result, i, &locale))
                } else if position == 0 {
                    Some(label.to_owned())
                } else {
                    None
                }
            })
            .collect();
        markup = with_total_row(markup, result, &indices, &row, html);
    }
    Ok(helper_output(state, markup))
}

/// The sum of a numeric column (NULLs skipped), as shown: exact for
/// integers and decimals of any size (see [`crate::value::exact_sum`]),
/// as a float when the column holds floats.
fn total_of(result: &QueryResult, column: usize, locale: &str) -> String {
    if result.rows.iter().all(|row| row[column].is_null()) {
        return filters::MISSING.to_owned();
    }
    match crate::value::exact_sum(result.rows.iter().map(|row| &row[column])) {
        Ok(text) => format::decimal_text(&text, locale),
        Err(float) => cell_text(&Cell::Float(float), "DOUBLE", locale),
    }
}

/// Adds a total row (`None` cells empty) to a table made by [`table_markup`].
fn with_total_row(
    mut markup: String,
    result: &QueryResult,
    indices: &[usize],
    row: &[Option<String>],
    html: bool,
) -> String {
    let text = |cell: &Option<String>| cell.clone().unwrap_or_default();
    if html {
        let mut total = String::from("<tfoot><tr class=\"total\">");
        for (&i, cell) in indices.iter().zip(row) {
            total.push_str(if result.is_numeric(i) { "<td class=\"num\">" } else { "<td>" });
            total.push_str(&markdown::html_escaped(&text(cell)));
            total.push_str("</td>");
        }
        total.push_str("</tr></tfoot>\n</table>\n");
        if let Some(at) = markup.rfind("</table>\n") {
            markup.truncate(at);
            markup.push_str(&total);
        }
    } else {
        markup.push('|');
        for cell in row {
            let value = text(cell);
            if value.is_empty() {
                markup.push_str("  |");
            } else {
                markup.push_str(&format!(" **{}** |", markdown::escaped(&value)));
            }
        }
        markup.push('\n');
    }
    markup
}

/// What a table or chart shows in place of an empty result.
fn no_data(locale: &str, html: bool) -> String {
    let text = if locale == "id" { "Tidak ada data." } else { "No data." };
    if html { format!("<p class=\"no-data\">{text}</p>\n") } else { format!("*{text}*\n") }
}

/// `labels={…}` names columns of the result: a key that is not one is a
/// mistake (a misspelling would leave the header unlabelled).
fn check_labels(result: &QueryResult, labels: Option<&Value>, function: &str) -> Result<(), minijinja::Error> {
    let Some(labels) = labels else { return Ok(()) };
    if labels.kind() != ValueKind::Map {
        return Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{function}(): labels is a map from column names to headers, such as {{\"iso3\": \"Country\"}}"),
        ));
    }
    for key in labels.try_iter()? {
        let name = key.to_string();
        column_index(result, &name, function).map_err(|_| {
            let known: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
            minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "{function}(): labels names `{name}`, which is not a column of query {} (its columns are {})",
                    result.name,
                    known.join(", ")
                ),
            )
        })?;
    }
    Ok(())
}

fn is_html(state: &State<'_, '_>) -> bool {
    state.lookup("output").and_then(|v| v.as_str().map(|s| s == "html")).unwrap_or(false)
}

fn query_result<'a>(value: &'a Value, function: &str) -> Result<&'a QueryResult, minijinja::Error> {
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    value.downcast_object_ref::<QueryResult>().ok_or_else(|| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{function}() takes the result of query(…), not {}", value.kind()),
        )
    })
}

fn column_index(result: &QueryResult, name: &str, function: &str) -> Result<usize, minijinja::Error> {
    result.columns.iter().position(|c| c.name == name).ok_or_else(|| {
        let known: Vec<String> = result.columns.iter().map(|c| c.name.clone()).collect();
        let near = rows::closest(name, &known).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "{function}(): query {} has no column `{name}`; its columns are {}{near}",
                result.name,
                known.join(", ")
            ),
        )
    })
}

/// A column's header: its label from `labels={…}`, or its name.
fn label_of(labels: Option<&Value>, name: &str) -> String {
    labels
        .and_then(|l| l.get_attr(name).ok())
        .filter(|v| !v.is_undefined() && !v.is_none())
        .map(|v| v.to_string())
        .unwrap_or_else(|| name.to_owned())
}

/// Cells longer than this many characters are folded in HTML tables.
const LONG_CELL: usize = 1000;
/// How much of a folded cell shows.
const LONG_CELL_SHOWN: usize = 200;

/// The columns `indices` of `result` as an HTML or a Markdown table.
fn table_markup(result: &QueryResult, indices: &[usize], labels: Option<&Value>, locale: &str, html: bool) -> String {
    let header = |i: usize| label_of(labels, &result.columns[i].name);
    let numeric: Vec<bool> = indices.iter().map(|&i| result.is_numeric(i)).collect();
    let mut out = String::new();
    if html {
        out.push_str("<table>\n<thead><tr>");
        for (&i, &num) in indices.iter().zip(&numeric) {
            out.push_str(if num { "<th class=\"num\">" } else { "<th>" });
            markdown::escape_html(&header(i), &mut out);
            out.push_str("</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        // Dates and times do not break across lines.
        let dated: Vec<bool> = indices
            .iter()
            .map(|&i| ["DATE", "TIME", "TIMESTAMP"].iter().any(|t| result.columns[i].type_name.starts_with(t)))
            .collect();
        for row in &result.rows {
            out.push_str("<tr>");
            for ((&i, &num), &date) in indices.iter().zip(&numeric).zip(&dated) {
                out.push_str(if num {
                    "<td class=\"num\">"
                } else if date {
                    "<td class=\"date\">"
                } else {
                    "<td>"
                });
                let text = cell_text(&row[i], &result.columns[i].type_name, locale);
                // A blank line would end the HTML block inside the Markdown.
                let lines =
                    |text: &str| markdown::html_escaped(text).replace("\r\n", "<br>").replace(['\n', '\r'], "<br>");
                if text.chars().count() > LONG_CELL {
                    // A very long value stays readable: its start, and the rest on demand.
                    let start: String = text.chars().take(LONG_CELL_SHOWN).collect();
                    let more = text.chars().count() - LONG_CELL_SHOWN;
                    out.push_str(&format!(
                        "<details><summary>{}… ({more} more characters)</summary>{}</details>",
                        lines(&start),
                        lines(&text)
                    ));
                } else {
                    out.push_str(&lines(&text));
                }
                out.push_str("</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    } else {
        out.push('|');
        for &i in indices {
            out.push(' ');
            out.push_str(&markdown::escaped(&header(i)));
            out.push_str(" |");
        }
        out.push_str("\n|");
        for &num in &numeric {
            out.push_str(if num { " ---: |" } else { " --- |" });
        }
        out.push('\n');
        for row in &result.rows {
            out.push('|');
            for &i in indices {
                out.push(' ');
                out.push_str(&markdown::escaped(&cell_text(&row[i], &result.columns[i].type_name, locale)));
                out.push_str(" |");
            }
            out.push('\n');
        }
    }
    out
}

/// A cell as a table shows it, by the filters' rules: integers and
/// decimals with every digit, grouped in the locale; floats as `number`
/// shows them; a DATE column's dates as `date` does; a missing value
/// (NULL, NaN, infinity) as [`filters::MISSING`].
fn cell_text(cell: &Cell, column_type: &str, locale: &str) -> String {
    match cell {
        Cell::Null => filters::MISSING.to_owned(),
        Cell::Int(i) => format::integer(*i, locale),
        Cell::Decimal { unscaled, scale } => format::decimal_text(&format_decimal(*unscaled, *scale), locale),
        Cell::Float(f) => format::float(*f, locale),
        Cell::BigUnsigned(u) => format::decimal_text(&u.to_string(), locale),
        Cell::Text(text) if column_type == "DATE" => match parse_date(text) {
            Some(date) => format::date(date, format::DateStyle::Long, locale),
            None => text.clone(),
        },
        // A timestamp: its date as `date` writes it, and its time (with its
        // zone, if it has one) unless it is midnight.
        Cell::Text(text) if column_type.starts_with("TIMESTAMP") => match text.get(..10).and_then(parse_date) {
            Some(date) => {
                let day = format::date(date, format::DateStyle::Long, locale);
                let time = text.get(11..).unwrap_or_default();
                if time.trim_start_matches(['0', ':', '.', '+']).is_empty() { day } else { format!("{day} {time}") }
            }
            None => text.clone(),
        },
        Cell::Bool(yes) => match (locale, yes) {
            ("id", true) => "ya".to_owned(),
            ("id", false) => "tidak".to_owned(),
            (_, true) => "yes".to_owned(),
            (_, false) => "no".to_owned(),
        },
        other => other.to_text(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Column;

    #[test]
    fn totals_are_exact() {
        let column = |name: &str, ty: &str| Column { name: name.into(), type_name: ty.into() };
        let result = QueryResult::new(
            "q".into(),
            vec![column("n", "BIGINT"), column("usd", "DECIMAL(18,2)"), column("x", "DOUBLE")],
            vec![
                vec![Cell::Int(i128::from(i64::MAX)), Cell::Decimal { unscaled: 10, scale: 2 }, Cell::Float(0.5)],
                vec![Cell::Int(1), Cell::Decimal { unscaled: 29_999_999_990, scale: 2 }, Cell::Null],
                vec![Cell::Null, Cell::Null, Cell::Float(0.25)],
            ],
        );
        assert_eq!(total_of(&result, 0, "en"), "9,223,372,036,854,775,808", "no overflow");
        assert_eq!(total_of(&result, 1, "en"), "300,000,000.00", "300,000,000.00 exactly");
        assert_eq!(total_of(&result, 2, "en"), "0.75");
    }
}
