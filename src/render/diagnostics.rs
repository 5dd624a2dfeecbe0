//! What went wrong in a template, said so that the user can fix it: the
//! template, line and column, the name that is not there and the names
//! that are (see [`super::rows::Miss`]), for an error raised while
//! rendering. The static reading of templates is [`super::lint`].

use minijinja::ErrorKind;

use super::{LAYOUT, RENDER_FUEL, Renderer, lint, rows};
use crate::error::{Error, Location, line_and_column};

impl Renderer {
    /// A minijinja error as a laporan error. An error raised inside
    /// `query()` (bad SQL, say) is reported as itself, with the template
    /// position as a note.
    pub(super) fn template_error(&self, err: minijinja::Error) -> Error {
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
                    // The engine's range may not fall on character boundaries.
                    let width = src.get(range.clone()).and_then(|t| t.lines().next()).map_or(1, |l| l.chars().count());
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
pub(super) const CONTEXT_VARIABLES: &str = "project, report, locale, period, params, build, output";

/// What a name that is not there was, for the error, when no lookup of a
/// row or record missed it (see [`rows::Miss`]): a variable, or an
/// attribute of something laporan does not own (a namespace, a dict).
/// `expression` is the template text the error points at.
pub(super) fn undefined_message(expression: Option<&str>, line: Option<&str>) -> (String, String) {
    // The error may point at a filter's or function's name only: the
    // line then shows what it was given.
    let filter_only = expression.is_some_and(|e| {
        let e = e.trim();
        line.is_some_and(|l| l.contains(&format!("| {e}")) || l.contains(&format!("|{e}")))
    });
    let in_line = || line.and_then(|l| first_variable(l.split("{{").nth(1).unwrap_or(l)));
    let variable = if filter_only { in_line() } else { expression.and_then(first_variable).or_else(in_line) };
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
pub(super) fn first_variable(text: &str) -> Option<String> {
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
