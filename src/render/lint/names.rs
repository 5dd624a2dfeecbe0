//! Names nothing defines, by the engine's own reading of a template.

use minijinja::machinery::{Span, parse};
use std::collections::{BTreeMap, HashMap};

use super::known::{FUNCTIONS, HELPERS};
use super::{Finding, Linter, Role, Schema};
use crate::render::rows::closest;
use minijinja::machinery::ast::Stmt;

/// The variables every report template has.
pub const REPORT_CONTEXT: &[&str] = &["project", "report", "locale", "ui", "period", "params", "build", "output"];

/// The names a report reads that nothing defines: not a variable of the
/// report's context, not a function, and not set, imported, looped over or
/// defined as a macro anywhere in it. `undeclared` is minijinja's own
/// answer for the template ([`minijinja::Template::undeclared_variables`]);
/// this leaves out what laporan defines. Strict rendering stops on such a
/// name only where it is reached; this finds it in a branch no data
/// reaches, behind `default(…)` and in a `set` never printed. A template
/// that extends another is left out: its blocks see the parent's names.
pub fn undefined_names(source: &str, name: &str, undeclared: &[String]) -> Vec<Finding> {
    // An HTML report is given its page's title and (empty) contents too.
    let page: &[&str] = if name.ends_with(".html.j2") { &["title", "toc"] } else { &[] };
    let Ok(tree) = parse(source, name, Default::default(), Default::default()) else { return Vec::new() };
    if let Stmt::Template(t) = &tree
        && t.children.iter().any(|s| matches!(s, Stmt::Extends(_)))
    {
        return Vec::new();
    }
    let schema = Schema { queries: &BTreeMap::new(), broken: &[], columns: &HashMap::new(), params: Vec::new() };
    let mut linter = Linter {
        schema: &schema,
        scopes: vec![HashMap::new()],
        callables: Vec::new(),
        findings: Vec::new(),
        lenient: 0,
        guarded: Vec::new(),
        role: Role::Report,
    };
    linter.collect_callables(&tree);
    let known: Vec<String> = REPORT_CONTEXT
        .iter()
        .chain(page)
        .chain(FUNCTIONS)
        .chain(HELPERS.iter().map(|(helper, _)| helper))
        .map(|n| (*n).to_owned())
        .chain(linter.callables.iter().map(|n| (*n).to_owned()))
        .collect();
    let mut findings = Vec::new();
    for missing in undeclared.iter().filter(|n| !known.contains(n)) {
        // A call of an unknown function is reported as that (see `call`).
        let Some((line, column)) = first_read(source, missing) else { continue };
        let help = match closest(missing, &known) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!(
                "a report has {}, and what its own set, for, import and macro define",
                REPORT_CONTEXT.join(", ")
            ),
        };
        findings.push(Finding {
            message: format!("`{missing}` is not defined"),
            help: Some(help),
            line,
            column,
            width: missing.chars().count(),
        });
    }
    findings.sort_by_key(|f| (f.line, f.column));
    findings
}

/// Where `name` is first read as a variable in template source: 1-based
/// line and column of a name token not after `.`, `|` or `is`, nor called.
fn first_read(source: &str, name: &str) -> Option<(usize, usize)> {
    use minijinja::machinery::{Token, WhitespaceConfig, tokenize};
    let tokens: Vec<(Token<'_>, Span)> =
        tokenize(source, false, Default::default(), WhitespaceConfig::default()).map_while(Result::ok).collect();
    for (i, (token, span)) in tokens.iter().enumerate() {
        let before = i.checked_sub(1).map(|b| &tokens[b].0);
        let called = matches!(tokens.get(i + 1), Some((Token::ParenOpen, _)));
        if let Token::Ident(id) = token
            && *id == name
            && !called
            && !matches!(before, Some(Token::Dot) | Some(Token::Pipe) | Some(Token::Ident("is")))
        {
            return Some((usize::from(span.start_line), usize::from(span.start_col) + 1));
        }
    }
    None
}
