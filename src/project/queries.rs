//! The project's saved queries and data tests: read from their folders,
//! name clashes refused, and which saved queries each builds on (from
//! DuckDB's parse of its tables), in an order that runs each after those
//! it builds on; a cycle is an error naming it.

use std::collections::BTreeMap;

use super::saved_query::{NameRef, SavedQuery};
use super::{Project, read_text, stem};
use crate::error::{Error, Location};
use crate::params::is_identifier;

impl Project {
    /// Reads every `.sql` file of `dir` as a saved query; a malformed one is
    /// added to `problems` and left out, its name returned beside the others.
    pub(super) fn read_sql_files(
        &self,
        dir: &str,
        problems: &mut Vec<Error>,
    ) -> Result<(BTreeMap<String, SavedQuery>, Vec<String>), Error> {
        let mut queries = BTreeMap::new();
        let mut broken = Vec::new();
        for file in self.list_dir_files(dir)? {
            if file.extension().and_then(|e| e.to_str()) != Some("sql") {
                continue;
            }
            let name = stem(&file, 1);
            let shown = self.shown(&file);
            if !is_identifier(&name) {
                problems.push(
                    Error::project(format!("file name '{name}' is not a valid query name"))
                        .at(Location::file(shown))
                        .help("name .sql files with letters, digits and underscores, such as events_per_period.sql"),
                );
                broken.push(name);
                continue;
            }
            let source = read_text(&self.path(&file), &shown)?;
            match SavedQuery::parse(&name, shown, source) {
                Ok(query) => {
                    queries.insert(name, query);
                }
                Err(error) => {
                    problems.push(error);
                    broken.push(name);
                }
            }
        }
        Ok((queries, broken))
    }

    /// A saved query is used by its name as a table: two queries whose
    /// names differ only in case (DuckDB does not tell them apart) would
    /// stand for each other. Both are left out.
    pub(super) fn refuse_name_clashes(&mut self, problems: &mut Vec<Error>) {
        let mut clashing = Vec::new();
        for (name, query) in &self.queries {
            let Some(other) = self.queries.keys().find(|other| *other != name && other.eq_ignore_ascii_case(name))
            else {
                continue;
            };
            problems.push(
                Error::project(format!("queries {name} and {other} would be the same table"))
                    .at(Location::file(&query.path))
                    .help("rename one of the .sql files: a query's name is used as a table name, which does not tell upper from lower case"),
            );
            clashing.push(name.clone());
        }
        for name in clashing {
            self.queries.remove(&name);
            self.broken_queries.push(name);
        }
    }

    /// Finds which saved queries build on which (a query's name used as a
    /// table in another), and refuses cycles and parameterised bases. A
    /// query in a problem, or building on one, is left out.
    pub(super) fn resolve_dependencies(&mut self, problems: &mut Vec<Error>) {
        let mut bad: Vec<String> = Vec::new();
        let mut parser = None;
        let read: BTreeMap<&String, Vec<NameRef>> =
            self.queries.iter().map(|(name, query)| (name, self.tables_read(query, &mut parser))).collect();
        for (name, query) in &self.queries {
            let mut deps: Vec<String> = Vec::new();
            for used in &read[name] {
                // Building on a query left out as broken: left out too (its
                // problem is reported once, at the broken query).
                if let Some(broken) = self.broken_queries.iter().find(|b| **b == used.name) {
                    if !deps.contains(broken) {
                        deps.push(broken.clone());
                    }
                    bad.push(broken.clone());
                    continue;
                }
                let Some(base) = self.queries.get(&used.name) else { continue };
                // A dataset's name, in any case, is the dataset: a query named
                // like one is never built on (its view would hide the table).
                if base.name == *name
                    || deps.contains(&base.name)
                    || self.datasets.iter().any(|d| d.name.eq_ignore_ascii_case(&base.name))
                {
                    continue;
                }
                if let Some(param) = base.params.first() {
                    problems.push(
                        Error::project(format!(
                            "query {name} builds on query {}, which has parameters ({})",
                            base.name, param.name
                        ))
                        .at(Location::at_offset(&query.path, &query.source, used.offset).with_width(used.len))
                        .help(format!(
                            "a query that others build on takes no parameters: filter in {name} instead, \
                             or declare the parameters in {name} and apply them there"
                        )),
                    );
                    bad.push(name.clone());
                }
                deps.push(base.name.clone());
            }
            self.dependencies.insert(name.clone(), deps);
        }
        // Cycles: walk the graph depth-first.
        fn visit<'a>(
            name: &'a str,
            deps: &'a BTreeMap<String, Vec<String>>,
            path: &mut Vec<&'a str>,
            done: &mut Vec<&'a str>,
            cycles: &mut Vec<Vec<String>>,
        ) {
            if done.contains(&name) {
                return;
            }
            if let Some(at) = path.iter().position(|n| *n == name) {
                let mut cycle: Vec<String> = path[at..].iter().map(|n| (*n).to_owned()).collect();
                cycle.push(name.to_owned());
                cycles.push(cycle);
                return;
            }
            path.push(name);
            for dep in deps.get(name).into_iter().flatten() {
                visit(dep, deps, path, done, cycles);
            }
            path.pop();
            done.push(name);
        }
        let mut cycles = Vec::new();
        let mut done = Vec::new();
        for name in self.dependencies.keys() {
            visit(name, &self.dependencies, &mut Vec::new(), &mut done, &mut cycles);
        }
        for cycle in cycles {
            let query = &self.queries[&cycle[0]];
            let used = read[&cycle[0]].iter().find(|n| n.name == cycle[1]).expect("a dependency is a table read");
            problems.push(
                Error::project(format!("saved queries build on each other in a cycle: {}", cycle.join(" → ")))
                    .at(Location::at_offset(&query.path, &query.source, used.offset).with_width(used.len))
                    .help("a query can build on another only if that one does not build on it, even indirectly"),
            );
            bad.extend(cycle);
        }
        // Leave out the bad queries and everything that builds on them.
        loop {
            let before = bad.len();
            for (name, deps) in &self.dependencies {
                if !bad.contains(name) && deps.iter().any(|d| bad.contains(d)) {
                    bad.push(name.clone());
                }
            }
            if bad.len() == before {
                break;
            }
        }
        for name in bad {
            self.queries.remove(&name);
            self.dependencies.remove(&name);
            if !self.broken_queries.contains(&name) {
                self.broken_queries.push(name);
            }
        }
    }

    /// The saved queries (and broken ones) that `query` reads as tables,
    /// by their names, where it names them. DuckDB's parse decides what is
    /// a table (see [`crate::engine::parse`]): an alias, a column, a CTE or a
    /// string spelled like a query is not one. The parse is asked for only
    /// when the query's words include a query's name at all.
    pub(super) fn tables_read(
        &self,
        query: &SavedQuery,
        parser: &mut Option<Result<crate::engine::Database, String>>,
    ) -> Vec<NameRef> {
        let known = |word: &str| {
            self.queries.keys().chain(&self.broken_queries).find(|q| q.eq_ignore_ascii_case(word)).cloned()
        };
        if !query.names.iter().any(|n| known(&n.name).is_some()) {
            return Vec::new();
        }
        let conn = match parser.get_or_insert_with(crate::engine::parse::parser) {
            Ok(conn) => conn,
            // DuckDB did not start: the names as the lexer found them.
            Err(_) => {
                return query
                    .names
                    .iter()
                    .filter_map(|n| Some(NameRef { name: known(&n.name)?, ..n.clone() }))
                    .collect();
            }
        };
        // A text DuckDB cannot parse builds on nothing; preparing it reports the error.
        let Ok(parsed) = crate::engine::parse::serialize(conn, query.sql()) else { return Vec::new() };
        crate::engine::parse::table_refs(&parsed)
            .into_iter()
            .filter_map(|r| Some(NameRef { name: known(&r.name)?, offset: r.offset, len: r.len }))
            .collect()
    }

    /// Saved query names, each after the queries it builds on.
    pub fn query_order(&self) -> Vec<&str> {
        let mut order: Vec<&str> = Vec::new();
        fn place<'a>(name: &'a str, deps: &'a BTreeMap<String, Vec<String>>, order: &mut Vec<&'a str>) {
            if order.contains(&name) {
                return;
            }
            for dep in deps.get(name).into_iter().flatten() {
                place(dep, deps, order);
            }
            order.push(name);
        }
        for name in self.queries.keys() {
            place(name, &self.dependencies, &mut order);
        }
        order
    }
}
