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
pub mod format;
pub mod markdown;

use std::path::{Component, Path};
use std::sync::Arc;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior, Value, context};
use serde::Serialize;

use crate::error::{Error, Location, line_and_column};
use crate::load::LoadedDataset;
use crate::params::{date_from_days, format_decimal, parse_date};
use crate::period::Period;
use crate::project::{Project, Report, TEMPLATES_DIR, TemplateKind};
use crate::query::{BuildParam, Runner};
use crate::value::{Cell, QueryResult};

/// How many instructions rendering one template may run: far more than any
/// report needs (the sample reports take about 100,000), a few seconds of
/// work.
pub const RENDER_FUEL: u64 = 200_000_000;

/// The built-in layout wrapping Markdown reports in a page.
pub const LAYOUT: &str = "_layout.html.j2";
const BUILTIN_LAYOUT: &str = include_str!("layout.html.j2");

const SITE_INDEX: &str = include_str!("index.html.j2");

/// `index.html` for the output folder: every published page, grouped by
/// period, newest first; pages of no period (whole-data builds) come first.
pub fn site_index(pages: &[crate::write::PublishedPage], title: &str, locale: &str, generated_at: &str) -> String {
    let mut folders: Vec<Option<&str>> = Vec::new();
    for page in pages {
        if !folders.contains(&page.folder.as_deref()) {
            folders.push(page.folder.as_deref());
        }
    }
    // No period first, then periods from the newest; unknown folders last.
    let key = |folder: &Option<&str>| match folder {
        None => (0, None, String::new()),
        Some(name) => match name.parse::<Period>() {
            Ok(period) => {
                (1, Some(std::cmp::Reverse((period.end(), std::cmp::Reverse(period.start())))), String::new())
            }
            Err(_) => (2, None, (*name).to_owned()),
        },
    };
    folders.sort_by_key(key);
    let all_data = if locale == "id" { "Seluruh data" } else { "All data" };
    let groups: Vec<Value> = folders
        .iter()
        .map(|folder| {
            let label = match folder {
                None => all_data.to_owned(),
                Some(name) => name.parse::<Period>().map_or((*name).to_owned(), |p| format::period_name(&p, locale)),
            };
            let mut members: Vec<&crate::write::PublishedPage> =
                pages.iter().filter(|p| p.folder.as_deref() == *folder).collect();
            members.sort_by(|a, b| a.title.cmp(&b.title).then(a.href.cmp(&b.href)));
            let members: Vec<Value> = members
                .iter()
                .map(|p| {
                    // The layout's titles end with " · " and the period (in the
                    // report's locale), which the group says already.
                    let title = match (&p.folder, p.title.rsplit_once(" · ")) {
                        (Some(_), Some((title, _))) => title.to_owned(),
                        _ => p.title.clone(),
                    };
                    let href = markdown::html_escaped(&p.href);
                    context! { href => Value::from_safe_string(href), title => title }
                })
                .collect();
            context! { label => label, pages => members }
        })
        .collect();
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    let rendered = env.render_str(
        SITE_INDEX,
        context! {
            title => title,
            locale => locale,
            groups => groups,
            version => env!("CARGO_PKG_VERSION"),
            generated_at => generated_at,
        },
    );
    rendered.expect("the built-in index template renders")
}

/// The data behind one report: each distinct query call while it rendered,
/// as `<report>.data/<query>.csv` and `.json` (`<query>.2.csv` for the same
/// query with other parameters).
pub fn data_files(report: &str, calls: &[(String, Arc<QueryResult>)], formats: Formats) -> Vec<RenderedFile> {
    let mut files = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for (name, result) in calls {
        let count = used.iter().filter(|n| **n == name.as_str()).count();
        used.push(name);
        let stem = if count == 0 { name.clone() } else { format!("{name}.{}", count + 1) };
        if formats.data_csv {
            files.push(RenderedFile {
                file_name: format!("{report}.data/{stem}.csv"),
                contents: crate::print::csv_for_spreadsheets(result),
            });
        }
        if formats.data_json {
            files.push(RenderedFile {
                file_name: format!("{report}.data/{stem}.json"),
                contents: crate::print::json(result),
            });
        }
    }
    files
}

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
    project_title: Option<String>,
    project_locale: String,
    templates_shown: std::path::PathBuf,
}

impl Renderer {
    pub fn new(project: &Project, runner: Arc<Runner>) -> Renderer {
        let mut env = Environment::new();
        env.set_debug(true);
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
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
        register_query(&mut env, runner);
        env.add_function("table", table);
        env.add_function("bar", chart_function(false));
        env.add_function("line", chart_function(true));
        env.add_filter("number", filter_number);
        env.add_filter("money", filter_money);
        env.add_filter("percent", filter_percent);
        env.add_filter("date", filter_date);
        env.add_filter("delta", filter_delta);
        env.add_filter("link", filter_link);
        Renderer {
            env,
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
            project => context! { title => self.project_title.clone(), locale => self.project_locale.clone() },
            report => context! {
                name => report.name.clone(),
                title => report.title.clone(),
                locale => report.locale.clone(),
                template => report.template.clone(),
            },
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
    /// checks each literal `query("name", key=…)` call against the saved
    /// queries: the query exists and takes those parameters. Returns every
    /// problem. Queries in `broken` are reported elsewhere and skipped here.
    pub fn check(&self, project: &Project, names: &[String], broken: &[String]) -> Vec<Error> {
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
            for call in query_calls(template.source()) {
                let at = || {
                    Location::in_source(&path, template.source(), call.line, Some(call.column)).with_width(call.width)
                };
                let Some(saved) = project.queries.get(&call.query) else {
                    if !broken.contains(&call.query) {
                        let known: Vec<&str> = project.queries.keys().map(String::as_str).collect();
                        problems.push(
                            Error::project(format!("no saved query named {}", call.query))
                                .at(at())
                                .note(format!("saved queries: {}", known.join(", "))),
                        );
                    }
                    continue;
                };
                for key in &call.keys {
                    if saved.param(key).is_none() {
                        let declared: Vec<&str> = saved.params.iter().map(|p| p.name.as_str()).collect();
                        let list = if declared.is_empty() { "none".to_owned() } else { declared.join(", ") };
                        problems.push(
                            Error::project(format!("query {} has no parameter {key}", call.query))
                                .at(at())
                                .note(format!("{} declares: {list}", saved.path.display())),
                        );
                    }
                }
            }
        }
        problems
    }

    fn render_template(&self, name: &str, ctx: Value) -> Result<String, Error> {
        let template = self.env.get_template(name).map_err(|e| self.template_error(e))?;
        template.render(ctx).map_err(|e| self.template_error(e))
    }

    /// A minijinja error as a laporan error. An error raised inside
    /// `query()` (bad SQL, say) is reported as itself, with the template
    /// position as a note.
    fn template_error(&self, err: minijinja::Error) -> Error {
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
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            if let Some(inner) = cause.downcast_ref::<Error>() {
                return inner.clone().note(format!("while rendering {position}"));
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
            (ErrorKind::UndefinedError, None, Some(expr)) => format!("undefined value: {expr}"),
            (kind, Some(detail), _) => format!("{kind}: {detail}"),
            (kind, None, _) => kind.to_string(),
        };
        let mut error = Error::project(message);
        if err.kind() == ErrorKind::OutOfFuel {
            error = Error::project(format!(
                "the template runs too long: it stopped after {RENDER_FUEL} steps (a loop without end?)"
            ))
            .help("loop over query results rather than large ranges, and filter and aggregate in SQL");
        }
        if err.kind() == ErrorKind::UndefinedError {
            error = error.help(
                "a variable or column name here does not exist: check its spelling \
                 (laporan query NAME shows a query's columns)",
            );
        }
        if let Some(name) = err.name() {
            let path = shown(name);
            let location = match (err.template_source(), err.range(), err.line()) {
                (Some(src), Some(range), _) => {
                    let (line, column) = line_and_column(src, range.start);
                    let width = src[range.clone()].lines().next().map_or(1, |l| l.chars().count());
                    Location::in_source(path, src, line, Some(column)).with_width(width)
                }
                (Some(src), None, Some(line)) => Location::in_source(path, src, line, None),
                _ => Location::file(path),
            };
            error = error.at(location);
        }
        if err.kind() == ErrorKind::TemplateNotFound {
            error = error.help(format!("templates are looked up in {}", self.templates_shown.display()));
        }
        error
    }
}

/// A `query("name", key=…)` call with a literal name, as written.
struct QueryCall {
    query: String,
    keys: Vec<String>,
    line: usize,
    column: usize,
    width: usize,
}

/// Finds the `query("…", …)` calls in a template's source with minijinja's
/// own tokenizer (strings, comments and raw blocks are handled as the
/// engine does). A name computed at render time is not checked here.
fn query_calls(source: &str) -> Vec<QueryCall> {
    use minijinja::machinery::{Token, WhitespaceConfig, tokenize};
    let tokens: Vec<(Token<'_>, minijinja::machinery::Span)> =
        tokenize(source, false, Default::default(), WhitespaceConfig::default()).map_while(Result::ok).collect();
    let mut calls = Vec::new();
    for (i, window) in tokens.windows(3).enumerate() {
        let [(Token::Ident("query"), span), (Token::ParenOpen, _), (name, _)] = window else { continue };
        let query = match name {
            Token::Str(text) => (*text).to_owned(),
            Token::String(text) => text.to_string(),
            _ => continue,
        };
        if i > 0 && matches!(tokens[i - 1].0, Token::Dot) {
            continue; // a method such as `x.query(…)`, not laporan's function
        }
        let mut keys = Vec::new();
        let mut depth = 0;
        let mut end = span.end_offset as usize;
        for (j, (token, token_span)) in tokens[i + 1..].iter().enumerate() {
            match token {
                Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => depth += 1,
                Token::ParenClose | Token::BracketClose | Token::BraceClose => depth -= 1,
                Token::Ident(key) if depth == 1 && matches!(tokens.get(i + 2 + j), Some((Token::Assign, _))) => {
                    keys.push((*key).to_owned());
                }
                _ => {}
            }
            end = token_span.end_offset as usize;
            if depth == 0 {
                break;
            }
        }
        let start = span.start_offset as usize;
        let width = source.get(start..end).and_then(|s| s.lines().next()).map_or(5, |l| l.chars().count());
        calls.push(QueryCall {
            query,
            keys,
            line: span.start_line as usize,
            column: span.start_col as usize + 1,
            width,
        });
    }
    calls
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
/// are. `none` (a NULL) prints as nothing.
fn format_value(out: &mut Output<'_>, state: &State<'_, '_>, value: &Value) -> Result<(), minijinja::Error> {
    if value.is_none() {
        return Ok(());
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
    env.add_function("query", move |name: &str, kwargs: Kwargs| -> Result<Value, minijinja::Error> {
        let Some(saved) = runner.saved(name) else {
            return Err(minijinja::Error::new(ErrorKind::InvalidOperation, format!("no saved query named {name}")));
        };
        let mut args = Vec::new();
        for key in kwargs.args() {
            let Some(decl) = saved.param(key) else {
                let declared: Vec<&str> = saved.params.iter().map(|p| p.name.as_str()).collect();
                let list = if declared.is_empty() { "none".to_owned() } else { declared.join(", ") };
                return Err(minijinja::Error::new(
                    ErrorKind::InvalidOperation,
                    format!("query {name} has no parameter {key} (it declares: {list})"),
                ));
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
        context! {
            key => p.to_string(),
            start => p.start().to_string(),
            end => p.end().to_string(),
            label => format::period_name(&p, locale),
        }
    });
    context! {
        key => period.to_string(),
        kind => period.kind().as_str(),
        year => period.year(),
        index => period.index(),
        start => period.start().to_string(),
        end => period.end().to_string(),
        label => format::period_name(period, locale),
        previous => previous,
    }
}

fn params_value(params: &crate::query::BuildParams) -> Value {
    Value::from_iter(params.iter().map(|(name, value)| {
        let value = match value {
            BuildParam::Text(text) => Value::from(text.clone()),
            BuildParam::Value(value) => value.to_template(),
        };
        (name.clone(), value)
    }))
}

fn locale_of(state: &State<'_, '_>) -> String {
    state.lookup("locale").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "en".to_owned())
}

fn filter_error(filter: &str, value: &Value, expected: &str) -> minijinja::Error {
    minijinja::Error::new(ErrorKind::InvalidOperation, format!("{filter}: expected {expected}, got {value:?}"))
}

/// A number as f64, accepting numeric text such as a DECIMAL's digits.
fn as_f64(value: &Value) -> Option<f64> {
    match value.kind() {
        ValueKind::Number => f64::try_from(value.clone()).ok(),
        ValueKind::String => value.as_str()?.trim().parse().ok(),
        _ => None,
    }
}

/// A `decimals` argument: at most [`format::MAX_DECIMALS`].
fn decimals_arg(filter: &str, decimals: Option<usize>) -> Result<Option<usize>, minijinja::Error> {
    match decimals {
        Some(d) if d > format::MAX_DECIMALS => Err(minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{filter}: {d} decimals is more than the {} a number can show", format::MAX_DECIMALS),
        )),
        other => Ok(other),
    }
}

/// `{{ x | number }}`, `{{ x | number(1) }}`: grouped digits in the report's locale.
fn filter_number(state: &State<'_, '_>, value: Value, decimals: Option<usize>) -> Result<String, minijinja::Error> {
    let decimals = decimals_arg("number", decimals)?;
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let locale = locale_of(state);
    if decimals.is_none()
        && value.is_integer()
        && let Ok(i) = i128::try_from(value.clone())
    {
        return Ok(format::integer(i, &locale));
    }
    let number = as_f64(&value).ok_or_else(|| filter_error("number", &value, "a number"))?;
    Ok(format::number(number, decimals, &locale))
}

/// `{{ x | money }}` → `USD 300 million`; `money("IDR")`, `money(compact=false)`,
/// `money(decimals=2)`.
fn filter_money(
    state: &State<'_, '_>,
    value: Value,
    currency: Option<&str>,
    kwargs: Kwargs,
) -> Result<String, minijinja::Error> {
    let compact: Option<bool> = kwargs.get("compact")?;
    let decimals = decimals_arg("money", kwargs.get("decimals")?)?;
    kwargs.assert_all_used()?;
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let amount = as_f64(&value).ok_or_else(|| filter_error("money", &value, "a number"))?;
    Ok(format::money(amount, currency.unwrap_or("USD"), compact.unwrap_or(true), decimals, &locale_of(state)))
}

/// `{{ share | percent }}`: a fraction (0.25) as `25.0%`.
fn filter_percent(state: &State<'_, '_>, value: Value, decimals: Option<usize>) -> Result<String, minijinja::Error> {
    let decimals = decimals_arg("percent", decimals)?;
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let fraction = as_f64(&value).ok_or_else(|| filter_error("percent", &value, "a number"))?;
    Ok(format::percent(fraction, decimals.unwrap_or(1), &locale_of(state)))
}

/// `{{ now.events | delta(before.events) }}` → `▲ +3 (+25.0%)`. Options:
/// `format` (`number`, `money`, `percent` for fractions, whose change is
/// shown in points), `currency`, `percent=false` to leave the percentage out.
fn filter_delta(
    state: &State<'_, '_>,
    value: Value,
    previous: Value,
    kwargs: Kwargs,
) -> Result<String, minijinja::Error> {
    let format_name: Option<String> = kwargs.get("format")?;
    let currency: Option<String> = kwargs.get("currency")?;
    let with_percent: Option<bool> = kwargs.get("percent")?;
    kwargs.assert_all_used()?;
    if value.is_none() || value.is_undefined() || previous.is_none() || previous.is_undefined() {
        return Ok(String::new());
    }
    let current = as_f64(&value).ok_or_else(|| filter_error("delta", &value, "a number"))?;
    let before = as_f64(&previous).ok_or_else(|| filter_error("delta", &previous, "a previous number"))?;
    let locale = locale_of(state);
    let format_name = format_name.unwrap_or_else(|| "number".to_owned());
    let text: Box<dyn Fn(f64) -> String> = match format_name.as_str() {
        "number" => Box::new(|v| format::number(v, None, &locale)),
        "money" => {
            let currency = currency.unwrap_or_else(|| "USD".to_owned());
            Box::new(move |v| format::money(v, &currency, true, None, &locale))
        }
        "percent" => Box::new(|v| {
            let points = format::number(v * 100.0, Some(1), &locale);
            if locale == "id" { format!("{points} poin") } else { format!("{points} pts") }
        }),
        other => {
            return Err(minijinja::Error::new(
                ErrorKind::InvalidOperation,
                format!("delta: unknown format '{other}' (use number, money or percent)"),
            ));
        }
    };
    let with_percent = with_percent.unwrap_or(format_name != "percent");
    Ok(format::delta(current, before, &*text, with_percent, &locale_of(state)))
}

/// `{{ url | link }}`, `{{ url | link(text) }}`: a link, only for `http` and
/// `https` addresses; anything else (`javascript:`, `data:`, a relative
/// path) stays plain text. Markdown link syntax in `.md.j2`, an `<a>` in
/// `.html.j2`; text and address are escaped either way.
fn filter_link(state: &State<'_, '_>, value: Value, text: Option<String>) -> Result<Value, minijinja::Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(Value::from(""));
    }
    let url = value.to_string();
    let url = url.trim();
    let label = text.unwrap_or_else(|| url.to_owned());
    let lower = url.to_ascii_lowercase();
    let allowed = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`'));
    let out = match (allowed, writes_markdown(state)) {
        (true, Some(pass)) => format!("[{}](<{}>)", markdown::escaped_for(&label, pass), url.replace('\\', "%5C")),
        (true, None) => format!("<a href=\"{}\">{}</a>", markdown::html_escaped(url), markdown::html_escaped(&label)),
        (false, Some(pass)) => markdown::escaped_for(&label, pass),
        (false, None) => markdown::html_escaped(&label),
    };
    Ok(Value::from_safe_string(out))
}

/// `{{ d | date }}` → `23 April 2024`; styles `long`, `full`, `month`, `iso`.
fn filter_date(state: &State<'_, '_>, value: Value, style: Option<&str>) -> Result<String, minijinja::Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(String::new());
    }
    let style_name = style.unwrap_or("long");
    let style = format::DateStyle::parse(style_name).ok_or_else(|| {
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("date: unknown style '{style_name}' (use long, full, month, short or iso)"),
        )
    })?;
    let date = match value.as_str() {
        Some(text) => text.get(..10).and_then(parse_date),
        None => value.as_i64().and_then(|days| i32::try_from(days).ok()).and_then(date_from_days),
    }
    .ok_or_else(|| filter_error("date", &value, "a date such as 2024-04-23"))?;
    Ok(format::date(date, style, &locale_of(state)))
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
    let locale = locale_of(state);
    let html = is_html(state);
    let mut markup = table_markup(result, &indices, labels.as_ref(), &locale, html);
    if let Some(names) = totals {
        let summed: Vec<usize> = names.iter().map(|n| column_index(result, n, "table")).collect::<Result<_, _>>()?;
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
    match crate::value::exact_sum(result.rows.iter().map(|row| &row[column])) {
        Ok(text) => format::decimal_text(&text, locale),
        Err(float) => cell_text(&Cell::Float(float), locale),
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

fn is_html(state: &State<'_, '_>) -> bool {
    state.lookup("output").and_then(|v| v.as_str().map(|s| s == "html")).unwrap_or(false)
}

fn query_result<'a>(value: &'a Value, function: &str) -> Result<&'a QueryResult, minijinja::Error> {
    value.downcast_object_ref::<QueryResult>().ok_or_else(|| {
        minijinja::Error::new(ErrorKind::InvalidOperation, format!("{function}() takes the result of query(…)"))
    })
}

fn column_index(result: &QueryResult, name: &str, function: &str) -> Result<usize, minijinja::Error> {
    result.columns.iter().position(|c| c.name == name).ok_or_else(|| {
        let known: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
        minijinja::Error::new(
            ErrorKind::InvalidOperation,
            format!("{function}(): query {} has no column {name} (it has: {})", result.name, known.join(", ")),
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
                let text = cell_text(&row[i], locale);
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
                out.push_str(&markdown::escaped(&cell_text(&row[i], locale)));
                out.push_str(" |");
            }
            out.push('\n');
        }
    }
    out
}

/// `{{ bar(result, x="event", y="countries") }}` and
/// `{{ line(result, x="quarter", y=["events", "countries"]) }}`: a chart as
/// inline SVG in `.html` output (with the data in a table under it), and
/// the table alone in `.md` output. Options: `title`, `horizontal` and
/// `stacked` (bars), `format` (`number`, `money`, `percent`), `currency`,
/// `labels={…}`, `x_label`, `y_label`, `description`.
fn chart_function(
    line: bool,
) -> impl Fn(&State<'_, '_>, Value, Kwargs) -> Result<Value, minijinja::Error> + Send + Sync + 'static {
    move |state, result, kwargs| {
        let function = if line { "line" } else { "bar" };
        let result = query_result(&result, function)?;
        let x: String = kwargs.get("x")?;
        let y: Value = kwargs.get("y")?;
        let title: Option<String> = kwargs.get("title")?;
        let labels: Option<Value> = kwargs.get("labels")?;
        let x_label: Option<String> = kwargs.get("x_label")?;
        let y_label: Option<String> = kwargs.get("y_label")?;
        let description: Option<String> = kwargs.get("description")?;
        let format_name: Option<String> = kwargs.get("format")?;
        let currency: Option<String> = kwargs.get("currency")?;
        let (horizontal, stacked) = if line {
            (false, false)
        } else {
            (
                kwargs.get::<Option<bool>>("horizontal")?.unwrap_or(false),
                kwargs.get::<Option<bool>>("stacked")?.unwrap_or(false),
            )
        };
        kwargs.assert_all_used()?;
        let fail =
            |message: String| minijinja::Error::new(ErrorKind::InvalidOperation, format!("{function}(): {message}"));
        let y_names: Vec<String> = match y.as_str() {
            Some(name) => vec![name.to_owned()],
            None => y
                .try_iter()
                .map_err(|_| fail("y is a column name or a list of them".into()))?
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| fail("y is a column name or a list of them".into()))
                })
                .collect::<Result<_, _>>()?,
        };
        if y_names.is_empty() {
            return Err(fail("y names no column".into()));
        }
        let x_index = column_index(result, &x, function)?;
        let y_indices: Vec<usize> =
            y_names.iter().map(|n| column_index(result, n, function)).collect::<Result<_, _>>()?;
        let locale = locale_of(state);
        let mut series = Vec::new();
        for &i in &y_indices {
            let values = result
                .rows
                .iter()
                .map(|row| match &row[i] {
                    Cell::Null => Ok(None),
                    // NaN and infinity have no place on an axis: not drawn
                    // (the data table under the chart shows them).
                    Cell::Float(f) if !f.is_finite() => Ok(None),
                    cell => cell.as_f64().map(Some).ok_or_else(|| {
                        fail(format!("column {} of query {} is not a number", result.columns[i].name, result.name))
                    }),
                })
                .collect::<Result<Vec<_>, _>>()?;
            series.push(chart::Series { name: label_of(labels.as_ref(), &result.columns[i].name), values });
        }
        let categories: Vec<String> = result.rows.iter().map(|row| category_text(&row[x_index], &locale)).collect();
        let format = match format_name.as_deref().unwrap_or("number") {
            "number" => chart::ValueFormat::Number,
            "money" => chart::ValueFormat::Money(currency.unwrap_or_else(|| "USD".to_owned())),
            "percent" => chart::ValueFormat::Percent,
            other => return Err(fail(format!("unknown format '{other}' (use number, money or percent)"))),
        };
        let x_label = x_label.unwrap_or_else(|| label_of(labels.as_ref(), &x));
        let y_label = y_label.unwrap_or_else(|| if series.len() == 1 { series[0].name.clone() } else { String::new() });
        let title = title.unwrap_or_else(|| {
            let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
            format!("{} / {x_label}", names.join(", "))
        });
        let mut indices = vec![x_index];
        indices.extend(&y_indices);
        let html = is_html(state);
        let table = table_markup(result, &indices, labels.as_ref(), &locale, html);
        if !html {
            // Markdown has no charts: the title and the data.
            return Ok(Value::from_safe_string(format!("**{}**\n\n{table}", markdown::escaped(&title))));
        }
        let id = chart_id(&result.name, &title, &indices);
        let chart = chart::Chart {
            kind: if line { chart::Kind::Line } else { chart::Kind::Bar { horizontal, stacked } },
            title: title.clone(),
            description,
            categories,
            series,
            x_label,
            y_label,
            format,
            locale: locale.clone(),
            id,
        };
        let mut out = String::from("<figure class=\"chart\">\n<figcaption>");
        markdown::escape_html(&title, &mut out);
        out.push_str("</figcaption>\n");
        out.push_str("<div class=\"chart-scroll\">");
        out.push_str(&chart.svg());
        out.push_str("</div>\n<details class=\"chart-data\"><summary>");
        out.push_str(if locale == "id" { "Tabel data" } else { "The data" });
        out.push_str("</summary>\n");
        out.push_str(&table);
        out.push_str("</details>\n</figure>\n");
        Ok(helper_output(state, out))
    }
}

/// A category label: dates in the locale, numbers grouped, text as is.
fn category_text(cell: &Cell, locale: &str) -> String {
    match cell {
        Cell::Text(text) if text.len() == 10 && parse_date(text).is_some() => {
            format::date(parse_date(text).expect("checked"), format::DateStyle::Short, locale)
        }
        other => cell_text(other, locale),
    }
}

/// A stable id for a chart's title and description, unique per chart on a page.
fn chart_id(query: &str, title: &str, columns: &[usize]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{query}\u{0}{title}\u{0}{columns:?}").as_bytes());
    format!("chart-{}", digest.iter().take(4).map(|b| format!("{b:02x}")).collect::<String>())
}

/// A cell as table text: numbers grouped in the locale, exact digits kept.
fn cell_text(cell: &Cell, locale: &str) -> String {
    match cell {
        Cell::Int(i) => format::integer(*i, locale),
        Cell::Decimal { unscaled, scale } => format::decimal_text(&format_decimal(*unscaled, *scale), locale),
        // Every digit a float has (table() shows data; filters round).
        Cell::Float(f) if f.is_finite() => format::decimal_text(&crate::value::float_text(*f), locale),
        Cell::BigUnsigned(u) => format::decimal_text(&u.to_string(), locale),
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
