//! What a build renders: its units (one page of one report for one period,
//! in one locale, for one row of an `each` query), each with the key of
//! everything its output depends on and whether it is up to date (see
//! [`crate::manifest`]).
//!
//! A plain report is planned into its pages at once. An `each` report is a
//! group: its pages are known only once its query ran, so it is planned as
//! one unit, up to date when its key and every page recorded in its folder
//! are, and [`Planner::expand`]ed into its pages when it is not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::each::{self, file_stem};
use super::{BuildRequest, skipped};
use crate::error::Error;
use crate::key::Key;
use crate::locale::Locale;
use crate::manifest::{Built, Manifest, unit_id};
use crate::period::Period;
use crate::project::{Project, Report};
use crate::query::{BuildParam, BuildParams, PERIOD_PARAMS, Runner};

/// One page of one report, or an `each` report's group of pages.
pub struct Unit {
    /// Index into [`BuildRequest::periods`].
    pub period: usize,
    pub report: String,
    /// Its parameters: the build's, then the report's defaults, then (for
    /// an entity) its row's columns over them.
    pub params: BuildParams,
    pub locale: Locale,
    /// The name its files take, without extension: the report's name or an
    /// entity's key, with `.LOCALE` when the report has several locales.
    pub stem: String,
    /// The folder it is written into (real path, shown path).
    pub dir: PathBuf,
    pub shown: PathBuf,
    /// In the manifest.
    pub id: String,
    pub key: String,
    pub up_to_date: bool,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    /// An `each` report. `expanded` once its pages were planned; `complete`
    /// when they are all of its rows (no `--param` chose one).
    Group {
        expanded: bool,
        complete: bool,
    },
}

/// Hashes of the project files and data that reports depend on.
pub struct Sources {
    /// A key of the loaded data and the saved queries.
    pub sql: String,
    /// Every file in report_templates/, by its path there (`/`-separated).
    pub templates: BTreeMap<String, Vec<u8>>,
}

pub struct Planner<'a> {
    pub project: &'a Project,
    pub request: &'a BuildRequest,
    pub sources: &'a Sources,
    pub manifest: &'a Manifest,
    /// The output folder (absolute, shown).
    pub root: PathBuf,
    pub shown_root: PathBuf,
}

impl Planner<'_> {
    /// The units of the build: every page of the plain reports, and one
    /// group per `each` report and period.
    pub fn plan(&self) -> Vec<Unit> {
        let mut units = Vec::new();
        for (index, (period, given)) in self.request.periods.iter().enumerate() {
            let (mut dir, mut shown) = (self.root.clone(), self.shown_root.clone());
            if let Some(period) = period {
                dir.push(period.to_string());
                shown.push(period.to_string());
            }
            for report in self.request.reports.iter().filter_map(|name| self.project.report(name)) {
                let params = each::report_params(report, given);
                if report.each.is_none() {
                    units.extend(self.pages(report, index, &params, &dir, &shown, &report.name));
                    continue;
                }
                let key = self.key(report, period.as_ref(), &params, &dir, "each", report.locale);
                let id = unit_id(&dir, &report.name);
                let (_, pages_current) = self.manifest.pages_in(&dir.join(&report.name));
                let up_to_date = !self.request.force && self.manifest.is_current(&id, &key) && pages_current;
                units.push(Unit {
                    period: index,
                    report: report.name.clone(),
                    params,
                    locale: report.locale,
                    stem: report.name.clone(),
                    dir: dir.clone(),
                    shown: shown.clone(),
                    id,
                    key,
                    up_to_date,
                    kind: Kind::Group { expanded: false, complete: false },
                });
            }
        }
        units
    }

    /// The pages of `report` named `stem` in `dir`: one, or one per locale.
    fn pages(
        &self,
        report: &Report,
        period: usize,
        params: &BuildParams,
        dir: &Path,
        shown: &Path,
        stem: &str,
    ) -> Vec<Unit> {
        let locales: Vec<(Locale, String)> = if report.locales.is_empty() {
            vec![(report.locale, stem.to_owned())]
        } else {
            report.locales.iter().map(|l| (*l, format!("{stem}.{}", l.tag()))).collect()
        };
        let when = self.request.periods[period].0.as_ref();
        locales
            .into_iter()
            .map(|(locale, stem)| {
                let key = self.key(report, when, params, dir, &stem, locale);
                let id = unit_id(dir, &stem);
                let up_to_date = !self.request.force && self.manifest.is_current(&id, &key);
                Unit {
                    period,
                    report: report.name.clone(),
                    params: params.clone(),
                    locale,
                    stem,
                    dir: dir.to_path_buf(),
                    shown: shown.to_path_buf(),
                    id,
                    key,
                    up_to_date,
                    kind: Kind::Page,
                }
            })
            .collect()
    }

    /// Plans the pages of the groups that are not up to date, from their
    /// `each` query's rows. A group whose query needs a parameter no one
    /// gave is left out with a warning (an error when the report was named).
    pub fn expand(&self, runner: &Runner, units: Vec<Unit>, warnings: &mut Vec<Error>) -> Result<Vec<Unit>, Error> {
        let mut planned = Vec::with_capacity(units.len());
        let mut keys: Vec<String> = Vec::new();
        // Up-to-date groups whose key column is their query's first: only
        // looked up if a `--param` could name it.
        let mut unknown_keys: Vec<(&Report, BuildParams)> = Vec::new();
        for mut unit in units {
            if unit.kind == Kind::Page {
                planned.push(unit);
                continue;
            }
            let report = self.project.report(&unit.report).expect("planned from the project's reports");
            let each = report.each.as_ref().expect("a group is an each report");
            if unit.up_to_date {
                match &each.key {
                    Some(key) => keys.push(key.clone()),
                    None => unknown_keys.push((report, unit.params.clone())),
                }
                planned.push(unit);
                continue;
            }
            let (period, given) = &self.request.periods[unit.period];
            let (key_column, mut entities) = match each::rows(self.project, runner, report, each, &unit.params) {
                Ok(rows) => rows,
                Err(error) if error.needed_param().is_some() => {
                    let warning = skipped(report, period.as_ref(), &error, self.request.named);
                    if self.request.named {
                        return Err(warning);
                    }
                    warnings.push(warning);
                    continue;
                }
                Err(error) => return Err(error),
            };
            keys.extend(key_column.clone());
            let chosen = key_column.as_ref().filter(|c| !PERIOD_PARAMS.contains(&c.as_str())).and_then(|column| {
                match given.get(column)? {
                    BuildParam::Text(text) => Some((column, text.clone())),
                    BuildParam::Value(value) => Some((column, value.to_string())),
                }
            });
            if let Some((column, value)) = &chosen {
                let stem = file_stem(value).map(|s| each::folded(&s));
                let all: Vec<String> = entities.iter().map(|e| e.key.clone()).collect();
                entities.retain(|e| &e.key == value || Some(each::folded(&e.stem)) == stem);
                if entities.is_empty() {
                    let shown: Vec<&str> = all.iter().take(12).map(String::as_str).collect();
                    let more = if all.len() > shown.len() { ", …" } else { "" };
                    return Err(Error::usage(format!(
                        "report {}: no row of query {} has {column} = '{value}'",
                        report.name, each.query
                    ))
                    .note(if all.is_empty() {
                        format!("query {} returns no rows{}", each.query, period_text(period.as_ref()))
                    } else {
                        format!("its {column} values{}: {}{more}", period_text(period.as_ref()), shown.join(", "))
                    })
                    .help(format!("--param {column}=… chooses one page of {}: give one of its values", report.name)));
                }
            }
            let dir = unit.dir.join(&report.name);
            let shown = unit.shown.join(&report.name);
            for entity in entities {
                let mut params = unit.params.clone();
                params.extend(entity.params);
                planned.extend(self.pages(report, unit.period, &params, &dir, &shown, &entity.stem));
            }
            unit.kind = Kind::Group { expanded: true, complete: chosen.is_none() };
            planned.push(unit);
        }
        self.check_given(runner, keys, &unknown_keys)?;
        Ok(planned)
    }

    /// `--param` names no saved query declares are accepted only as the
    /// key column of an `each` report (`keys`, and those of `unknown_keys`,
    /// run only when such a name is given) that chooses a page.
    fn check_given(
        &self,
        runner: &Runner,
        mut keys: Vec<String>,
        unknown_keys: &[(&Report, BuildParams)],
    ) -> Result<(), Error> {
        let Some((_, given)) = self.request.periods.first() else { return Ok(()) };
        let declared = |name: &str| self.project.queries.values().any(|q| q.param(name).is_some());
        let undeclared: Vec<&String> = given
            .keys()
            .filter(|n| !PERIOD_PARAMS.contains(&n.as_str()) && !declared(n) && !keys.contains(n))
            .collect();
        if !undeclared.is_empty() {
            for (report, params) in unknown_keys {
                let each = report.each.as_ref().expect("an each report");
                if let Ok((key, _)) = each::rows(self.project, runner, report, each, params) {
                    keys.extend(key);
                }
            }
        }
        for name in undeclared {
            if !keys.contains(name) {
                let mut known: Vec<String> = keys.clone();
                known.extend(self.project.queries.values().flat_map(|q| q.params.iter().map(|p| p.name.clone())));
                known.sort();
                known.dedup();
                return Err(Error::usage(format!(
                    "unknown parameter {name}: no saved query declares it, and it is not the key column of an each report"
                ))
                .note(format!("parameters and key columns: {}", known.join(", "))));
            }
        }
        Ok(())
    }

    /// The key of a unit: everything its output depends on.
    fn key(
        &self,
        report: &Report,
        period: Option<&Period>,
        params: &BuildParams,
        dir: &Path,
        stem: &str,
        locale: Locale,
    ) -> String {
        let mut key = Key::new("report");
        // Another laporan may write the same inputs otherwise.
        key.add(env!("CARGO_PKG_VERSION"))
            .add(&self.sources.sql)
            .add(self.project.config_text())
            .add(&report.name)
            .add(stem)
            .add(locale.tag());
        for name in templates_of(self.project, report, self.sources) {
            key.add(name).add(&self.sources.templates[name]);
        }
        key.add_option(period.map(|p| p.to_string()));
        for (name, param) in params {
            key.add(name);
            param.add_to(&mut key);
        }
        key.add(self.request.outputs.names()).add(dir.as_os_str().as_encoded_bytes());
        if self.request.fixed_time {
            key.add(&self.request.generated_at);
        }
        key.finish()
    }
}

/// Whether the page recorded as `id` in folder `dir` is one no report
/// writes now: its report is gone, or this build planned the pages of that
/// report in that folder and it is not one of them (a locale no longer
/// listed, a row no longer in the `each` query, a report that became an
/// `each` report or stopped being one).
pub fn is_stale(project: &Project, units: &[Unit], dir: &Path, id: &str, built: &Built) -> bool {
    if built.report.is_empty() {
        return false;
    }
    let Some(report) = project.report(&built.report) else { return true };
    let ours: Vec<&Unit> = units.iter().filter(|u| u.report == report.name).collect();
    if ours.iter().any(|u| u.id == id) {
        return false;
    }
    ours.iter().any(|unit| {
        let pages_dir = unit.dir.join(&report.name);
        match unit.kind {
            Kind::Page if report.each.is_none() => unit.dir == dir || pages_dir == dir,
            // An entity's page: its group decides.
            Kind::Page => false,
            Kind::Group { expanded, complete } => unit.dir == dir || (expanded && complete && pages_dir == dir),
        }
    })
}

fn period_text(period: Option<&Period>) -> String {
    period.map(|p| format!(" in {p}")).unwrap_or_default()
}

/// The templates a report may use: its own, every template that is not
/// another report (layouts, partials, macros, message catalogues), and
/// another report's when one of those names it (`{% include "other.md.j2" %}`).
fn templates_of<'a>(project: &Project, report: &Report, sources: &'a Sources) -> Vec<&'a String> {
    let other_reports: Vec<&str> =
        project.reports.iter().map(|r| r.template.as_str()).filter(|t| *t != report.template).collect();
    let mut used: Vec<&String> =
        sources.templates.keys().filter(|name| !other_reports.contains(&name.as_str())).collect();
    loop {
        let named = sources.templates.keys().find(|name| {
            !used.contains(name)
                && used.iter().any(|u| memchr::memmem::find(&sources.templates[*u], name.as_bytes()).is_some())
        });
        match named {
            Some(name) => used.push(name),
            None => break,
        }
    }
    used.sort();
    used
}
