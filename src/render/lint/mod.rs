//! Reading a template without rendering it, for `laporan check`.
//!
//! Strict undefined stops a build on a misspelled name, but only on the
//! paths that render: a typo in the branch for a period with no data, or
//! in a loop over rows no period has yet, would wait for the day it
//! publishes. So `check` also reads each template's syntax tree
//! (minijinja's own parser) and follows query results through it:
//! `{% set m = query("events") %}` makes `m` a result of `events`,
//! `m.first`, `m[0]` and the loop variable of `{% for row in m %}` rows of
//! it. Every attribute read from such a row (`row.delegatez`,
//! `m.first["x"]`), every column a helper names (`y="x"`,
//! `labels={"x": …}`, `columns=[…]`), every helper's keyword arguments and
//! every function called is compared with what exists: the columns the
//! query returns (from DuckDB's prepared statement), the helper's options,
//! the functions and macros in scope. What cannot be followed (a name
//! computed at render time, a value passed through a macro) is left to
//! the strict render.

use std::collections::{BTreeMap, HashMap};

use minijinja::machinery::ast::{self, CallArg, Expr, Stmt};
use minijinja::machinery::{Span, parse};

mod checks;
mod known;
mod names;

use super::rows::closest;
use crate::project::saved_query::SavedQuery;
use known::{RECORDS, TESTS};
pub use names::{REPORT_CONTEXT, undefined_names};

/// What a check knows of the project's queries.
pub struct Schema<'a> {
    pub queries: &'a BTreeMap<String, SavedQuery>,
    /// Queries left out as broken: reported elsewhere, not again here.
    pub broken: &'a [String],
    /// The columns each saved query returns, where known.
    pub columns: &'a HashMap<String, Vec<String>>,
    /// The parameters the build gives (`--param`, `--period`): what
    /// `params.x` may read.
    pub params: Vec<String>,
}

/// Whether a template is a report (rendered on its own) or a partial,
/// macro file or layout (rendered inside one, whose variables, macros and
/// guards it may rely on: the checks that need the caller are skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Report,
    Part,
}

/// One problem found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub message: String,
    pub help: Option<String>,
    /// 1-based line and column, and how many characters to underline.
    pub line: usize,
    pub column: usize,
    pub width: usize,
}
/// The paths a condition finds defined when it is `holds`: `x.y is
/// defined` (or `"y" in x`) when true, `x.y is not defined` when false;
/// through `and` (true) and `or` (false).
pub(super) fn defined_in(condition: &Expr<'_>, holds: bool, guarded: &mut Vec<String>) {
    match condition {
        Expr::Test(test) if (test.name == "defined") == holds && matches!(test.name, "defined" | "undefined") => {
            guarded.extend(path_of(&test.expr));
        }
        Expr::UnaryOp(op) if matches!(op.op, ast::UnaryOpKind::Not) => defined_in(&op.expr, !holds, guarded),
        Expr::BinOp(op) if matches!(op.op, ast::BinOpKind::ScAnd) && holds => {
            defined_in(&op.left, holds, guarded);
            defined_in(&op.right, holds, guarded);
        }
        Expr::BinOp(op) if matches!(op.op, ast::BinOpKind::ScOr) && !holds => {
            defined_in(&op.left, holds, guarded);
            defined_in(&op.right, holds, guarded);
        }
        Expr::BinOp(op) if matches!(op.op, ast::BinOpKind::In) && holds => {
            if let (Some(key), Some(path)) = (op.left.as_const(), path_of(&op.right))
                && let Some(key) = key.as_str()
            {
                guarded.push(format!("{path}.{key}"));
            }
        }
        Expr::Compare(compare)
            if holds && compare.ops.len() == 1 && matches!(compare.ops[0].op, ast::CompareOpKind::In) =>
        {
            if let (Some(key), Some(path)) = (compare.expr.as_const(), path_of(&compare.ops[0].expr))
                && let Some(key) = key.as_str()
            {
                guarded.push(format!("{path}.{key}"));
            }
        }
        _ => {}
    }
}

/// `a.b.c` for a chain of attribute lookups on a variable.
pub(super) fn path_of(expr: &Expr<'_>) -> Option<String> {
    match expr {
        Expr::Var(var) => Some(var.id.to_owned()),
        Expr::GetAttr(g) => Some(format!("{}.{}", path_of(&g.expr)?, g.name)),
        Expr::GetItem(g) => {
            let key = g.subscript_expr.as_const()?;
            Some(format!("{}.{}", path_of(&g.expr)?, key.as_str()?))
        }
        _ => None,
    }
}

/// What a template expression holds, as far as the check can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// The result of a saved query.
    Result(String),
    /// A list of its rows (`result.rows`, `result | sort(…)`).
    Rows(String),
    /// One row of it.
    Row(String),
    Unknown,
}

/// The problems in one template's source. A template that does not parse
/// gives none here: compiling it reports that.
pub fn lint(source: &str, name: &str, role: Role, schema: &Schema<'_>) -> Vec<Finding> {
    let Ok(tree) = parse(source, name, Default::default(), Default::default()) else { return Vec::new() };
    let mut linter = Linter {
        schema,
        scopes: vec![HashMap::new()],
        callables: Vec::new(),
        findings: Vec::new(),
        lenient: 0,
        guarded: Vec::new(),
        role,
    };
    linter.collect_callables(&tree);
    linter.stmt(&tree);
    linter.findings.sort_by_key(|f| (f.line, f.column));
    linter.findings.dedup();
    linter.findings
}

pub(super) struct Linter<'s, 'a> {
    schema: &'s Schema<'s>,
    scopes: Vec<HashMap<&'a str, Kind>>,
    /// Macros defined and names imported anywhere in the template.
    callables: Vec<&'a str>,
    findings: Vec<Finding>,
    /// Above zero inside `x | default(…)`, where a missing name is meant.
    lenient: usize,
    /// Paths (`params.region`, `m.first.snow`) that an enclosing `{% if
    /// … is defined %}` (or `"region" in params`) guards.
    guarded: Vec<String>,
    role: Role,
}

impl<'s, 'a> Linter<'s, 'a> {
    fn find(&mut self, span: Span, message: String, help: Option<String>) {
        if self.lenient > 0 {
            return;
        }
        let width = if span.start_line == span.end_line {
            usize::from(span.end_col.saturating_sub(span.start_col)).max(1)
        } else {
            1
        };
        self.findings.push(Finding {
            message,
            help,
            line: usize::from(span.start_line),
            column: usize::from(span.start_col) + 1,
            width,
        });
    }

    fn bind(&mut self, target: &'a Expr<'a>, kind: Kind) {
        match target {
            Expr::Var(var) => {
                self.scopes.last_mut().expect("a scope").insert(var.id, kind);
            }
            Expr::List(list) => {
                for item in &list.items {
                    self.bind(item, Kind::Unknown);
                }
            }
            _ => {}
        }
    }

    fn lookup(&self, name: &str) -> Option<&Kind> {
        self.scopes.iter().rev().find_map(|scope| scope.get(name))
    }

    fn scoped(&mut self, work: impl FnOnce(&mut Self)) {
        self.scopes.push(HashMap::new());
        work(self);
        self.scopes.pop();
    }

    /// Macros and imported names can be called before the line that
    /// defines them: gather them first.
    fn collect_callables(&mut self, stmt: &'a Stmt<'a>) {
        match stmt {
            Stmt::Template(t) => t.children.iter().for_each(|s| self.collect_callables(s)),
            Stmt::Macro(m) => {
                self.callables.push(m.name);
                m.body.iter().for_each(|s| self.collect_callables(s));
            }
            Stmt::FromImport(import) => {
                for (name, alias) in &import.names {
                    if let Some(Expr::Var(var)) = alias.as_ref().or(Some(name)) {
                        self.callables.push(var.id);
                    }
                }
            }
            Stmt::Import(import) => {
                if let Expr::Var(var) = &import.name {
                    self.callables.push(var.id);
                }
            }
            Stmt::Set(set) => {
                if let Expr::Var(var) = &set.target {
                    self.callables.push(var.id);
                }
            }
            Stmt::ForLoop(f) => {
                self.bind_names(&f.target);
                f.body.iter().chain(&f.else_body).for_each(|s| self.collect_callables(s));
            }
            Stmt::IfCond(i) => i.true_body.iter().chain(&i.false_body).for_each(|s| self.collect_callables(s)),
            Stmt::WithBlock(w) => {
                for (target, _) in &w.assignments {
                    self.bind_names(target);
                }
                w.body.iter().for_each(|s| self.collect_callables(s));
            }
            Stmt::SetBlock(s) => {
                self.bind_names(&s.target);
                s.body.iter().for_each(|s| self.collect_callables(s));
            }
            Stmt::AutoEscape(a) => a.body.iter().for_each(|s| self.collect_callables(s)),
            Stmt::FilterBlock(f) => f.body.iter().for_each(|s| self.collect_callables(s)),
            Stmt::Block(b) => b.body.iter().for_each(|s| self.collect_callables(s)),
            Stmt::CallBlock(c) => c.macro_decl.body.iter().for_each(|s| self.collect_callables(s)),
            _ => {}
        }
    }

    fn bind_names(&mut self, target: &'a Expr<'a>) {
        match target {
            Expr::Var(var) => self.callables.push(var.id),
            Expr::List(list) => list.items.iter().for_each(|item| self.bind_names(item)),
            _ => {}
        }
    }

    fn stmts(&mut self, stmts: &'a [Stmt<'a>]) {
        for stmt in stmts {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt<'a>) {
        match stmt {
            Stmt::Template(t) => self.stmts(&t.children),
            Stmt::EmitExpr(e) => {
                self.expr(&e.expr);
            }
            Stmt::EmitRaw(_) => {}
            Stmt::ForLoop(f) => {
                let rows = match self.expr(&f.iter) {
                    Kind::Result(q) | Kind::Rows(q) => Kind::Row(q),
                    _ => Kind::Unknown,
                };
                self.scoped(|me| {
                    me.bind(&f.target, rows);
                    if let Some(filter) = &f.filter_expr {
                        me.expr(filter);
                    }
                    me.stmts(&f.body);
                });
                self.scoped(|me| me.stmts(&f.else_body));
            }
            Stmt::IfCond(i) => {
                let before = self.guarded.len();
                defined_in(&i.expr, true, &mut self.guarded);
                self.expr(&i.expr);
                self.stmts(&i.true_body);
                self.guarded.truncate(before);
                defined_in(&i.expr, false, &mut self.guarded);
                self.stmts(&i.false_body);
                self.guarded.truncate(before);
            }
            Stmt::WithBlock(w) => {
                let kinds: Vec<Kind> = w.assignments.iter().map(|(_, value)| self.expr(value)).collect();
                self.scoped(|me| {
                    for ((target, _), kind) in w.assignments.iter().zip(kinds) {
                        me.bind(target, kind);
                    }
                    me.stmts(&w.body);
                });
            }
            Stmt::Set(set) => {
                let mut kind = self.expr(&set.expr);
                // Bound before to something else (in another branch, say):
                // which one holds here is not known.
                if let Expr::Var(var) = &set.target
                    && self.lookup(var.id).is_some_and(|before| *before != kind)
                {
                    kind = Kind::Unknown;
                    for scope in &mut self.scopes {
                        if let Some(before) = scope.get_mut(var.id) {
                            *before = Kind::Unknown;
                        }
                    }
                }
                self.bind(&set.target, kind);
            }
            Stmt::SetBlock(s) => {
                if let Some(filter) = &s.filter {
                    self.expr(filter);
                }
                self.stmts(&s.body);
                self.bind(&s.target, Kind::Unknown);
            }
            Stmt::AutoEscape(a) => {
                self.expr(&a.enabled);
                self.stmts(&a.body);
            }
            Stmt::FilterBlock(f) => {
                self.expr(&f.filter);
                self.stmts(&f.body);
            }
            Stmt::Block(b) => self.scoped(|me| me.stmts(&b.body)),
            Stmt::Import(_) | Stmt::FromImport(_) | Stmt::Extends(_) | Stmt::Include(_) => {}
            Stmt::Macro(m) => self.macro_body(m),
            Stmt::CallBlock(c) => {
                self.call(&c.call, c.call.span());
                self.macro_body(&c.macro_decl);
            }
            Stmt::Do(d) => {
                self.call(&d.call, d.call.span());
            }
            // `continue` and `break`.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    fn macro_body(&mut self, m: &'a ast::Macro<'a>) {
        for default in &m.defaults {
            self.expr(default);
        }
        self.scoped(|me| {
            for arg in &m.args {
                me.bind(arg, Kind::Unknown);
            }
            me.stmts(&m.body);
        });
    }

    fn args(&mut self, args: &'a [CallArg<'a>]) {
        for arg in args {
            match arg {
                CallArg::Pos(e) | CallArg::Kwarg(_, e) | CallArg::PosSplat(e) | CallArg::KwargSplat(e) => {
                    self.expr(e);
                }
            }
        }
    }

    /// Checks an expression and tells what it holds.
    fn expr(&mut self, expr: &'a Expr<'a>) -> Kind {
        match expr {
            Expr::Var(var) => self.lookup(var.id).cloned().unwrap_or(Kind::Unknown),
            Expr::Const(_) => Kind::Unknown,
            Expr::Slice(s) => {
                let kind = self.expr(&s.expr);
                for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                    self.expr(part);
                }
                match kind {
                    Kind::Result(q) | Kind::Rows(q) => Kind::Rows(q),
                    _ => Kind::Unknown,
                }
            }
            Expr::UnaryOp(u) => {
                self.expr(&u.expr);
                Kind::Unknown
            }
            Expr::BinOp(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
                Kind::Unknown
            }
            Expr::Compare(c) => {
                self.expr(&c.expr);
                for op in &c.ops {
                    self.expr(&op.expr);
                }
                Kind::Unknown
            }
            Expr::IfExpr(i) => {
                if i.false_expr.is_none() {
                    self.find(
                        i.span(),
                        "an inline `if` without `else` gives nothing to print when its test is false".into(),
                        Some("add `else \"\"`: `{{ \" (draft)\" if draft else \"\" }}`".into()),
                    );
                }
                let before = self.guarded.len();
                defined_in(&i.test_expr, true, &mut self.guarded);
                self.expr(&i.test_expr);
                let kind = self.expr(&i.true_expr);
                self.guarded.truncate(before);
                defined_in(&i.test_expr, false, &mut self.guarded);
                let kind = match &i.false_expr {
                    Some(other) if self.expr(other) == kind => kind,
                    _ => Kind::Unknown,
                };
                self.guarded.truncate(before);
                kind
            }
            Expr::Filter(f) => self.filter(f, f.span()),
            Expr::Test(t) => {
                if !TESTS.contains(&t.name) {
                    let names: Vec<String> = TESTS.iter().map(|n| (*n).to_owned()).collect();
                    let help = closest(t.name, &names).map(|near| format!("did you mean {near}?"));
                    self.find(t.span(), format!("unknown test {}", t.name), help);
                }
                // `row.x is defined` asks on purpose: not a finding.
                if t.name != "defined" && t.name != "undefined" {
                    self.expr(&t.expr);
                }
                self.args(&t.args);
                Kind::Unknown
            }
            Expr::GetAttr(g) => {
                if path_of(expr).is_some_and(|path| self.guarded.contains(&path)) {
                    return Kind::Unknown;
                }
                if let Expr::Var(var) = &g.expr
                    && var.id == "params"
                    && self.role == Role::Report
                    && self.lookup("params").is_none()
                    && !self.schema.params.iter().any(|p| p == g.name)
                {
                    let given = if self.schema.params.is_empty() {
                        "none is given".to_owned()
                    } else {
                        format!("given: {}", self.schema.params.join(", "))
                    };
                    self.find(
                        g.span(),
                        format!("no parameter `{}` is given to this build ({given})", g.name),
                        Some(format!(
                            "pass --param {0}=…, or write `params.{0} | default(…)` or `{{% if params.{0} is defined %}}` where it is optional",
                            g.name
                        )),
                    );
                    return Kind::Unknown;
                }
                if let Expr::Var(var) = &g.expr
                    && self.lookup(var.id).is_none()
                    && let Some((owner, keys)) = RECORDS.iter().find(|(owner, _)| *owner == var.id)
                    && !keys.contains(&g.name)
                {
                    let names: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
                    let help = closest(g.name, &names).map(|near| format!("did you mean `{owner}.{near}`?"));
                    self.find(g.span(), format!("`{owner}` has no `{}`; it has {}", g.name, keys.join(", ")), help);
                    return Kind::Unknown;
                }
                let parent = self.expr(&g.expr);
                self.member(parent, g.name, g.span())
            }
            Expr::GetItem(g) => {
                let parent = self.expr(&g.expr);
                self.expr(&g.subscript_expr);
                match (&parent, g.subscript_expr.as_const()) {
                    (Kind::Result(q) | Kind::Rows(q), Some(index)) if index.is_integer() => Kind::Row(q.clone()),
                    (_, Some(key)) if key.as_str().is_some() => {
                        self.member(parent, key.as_str().expect("checked"), g.span())
                    }
                    _ => Kind::Unknown,
                }
            }
            Expr::Call(c) => self.call(c, c.span()),
            Expr::List(l) => {
                for item in &l.items {
                    self.expr(item);
                }
                Kind::Unknown
            }
            Expr::Map(m) => {
                for e in m.keys.iter().chain(&m.values) {
                    self.expr(e);
                }
                Kind::Unknown
            }
        }
    }
}
