//! Data tests: assertions about the loaded data, run before anything is
//! published.
//!
//! Declared per dataset in `laporan.toml`, in the spirit of dbt:
//!
//! ```toml
//! [datasets.events.tests]
//! unique = ["event_id"]                      # or "event_id, country_iso3"
//! not_null = ["event_id", "start_date"]
//! accepted_values = { kind = ["conference", "meeting"] }
//! relationships = { host_country_iso3 = "countries.iso3" }
//! rows = { min = 1, max = 100000 }
//! ```
//!
//! and as SQL files in `data_tests/`, each a query returning the rows that
//! break a rule (no rows: the test passes). Every test is a query for
//! failing rows; a failure reports how many and shows the first few.

use std::collections::BTreeSet;

use crate::engine::{quote_ident, quote_literal};
use crate::error::{Error, Location};
use crate::key::Key;
use crate::print;
use crate::project::dataset::ConfigPlace;
use crate::project::saved_query::SavedQuery;
use crate::project::{DataTest, Project};
use crate::query::{Runner, SqlFailure, in_parallel, refused};
use crate::value::QueryResult;

/// How many failing rows a failure shows.
const SHOWN_ROWS: usize = 5;

/// One test, ready to run.
struct Test {
    /// Such as `events: unique (event_id)`.
    title: String,
    /// The query for the failing rows.
    sql: String,
    /// What one failing row means, and several, for the message
    /// ("value appears", "values appear").
    failing: (String, String),
    place: Place,
}

enum Place {
    /// A byte range of laporan.toml.
    Config(std::ops::Range<usize>),
    /// A data test file.
    File(SavedQuery),
}

/// The outcome of all data tests.
#[derive(Default)]
pub struct Outcome {
    /// Including those that passed before.
    pub passed: usize,
    /// How many passed before, on the same data, and did not run again.
    pub passed_before: usize,
    pub failures: Vec<Error>,
    /// The keys of the tests that passed (see [`Suite`]).
    pub passed_keys: BTreeSet<String>,
}

/// The project's data tests, each with a key: a hash of the context (a key
/// of the loaded data and of the saved queries a test may read) and of the
/// test's SQL. A test whose key passed before passed on the same data, and
/// need not run again.
pub struct Suite {
    tests: Vec<(String, Test)>,
}

impl Suite {
    pub fn new(project: &Project, context: &str) -> Suite {
        let tests = tests(project)
            .into_iter()
            .map(|test| (Key::new("data test").add(context).add(&test.title).add(&test.sql).finish(), test))
            .collect();
        Suite { tests }
    }

    /// How many tests must run: those whose key is not among `passed_before`.
    pub fn pending(&self, passed_before: &dyn Fn(&str) -> bool) -> usize {
        self.tests.iter().filter(|(key, _)| !passed_before(key)).count()
    }

    /// Runs the tests that did not pass before (all of them, for `laporan
    /// check`) on up to `threads` connections. `runner` may be `None` only
    /// when none is pending.
    pub fn run(
        &self,
        project: &Project,
        runner: Option<&Runner>,
        passed_before: &dyn Fn(&str) -> bool,
        threads: usize,
    ) -> Result<Outcome, Error> {
        let mut outcome = Outcome::default();
        let mut pending = Vec::new();
        for (key, test) in &self.tests {
            if passed_before(key) {
                outcome.passed += 1;
                outcome.passed_before += 1;
                outcome.passed_keys.insert(key.clone());
            } else {
                pending.push((key, test));
            }
        }
        if pending.is_empty() {
            return Ok(outcome);
        }
        let runner = runner.expect("a runner when tests are pending");
        let results = match in_one_pass(runner, &pending) {
            Some(results) => results,
            None => {
                // One at a time (a test does not run, or one fails): each
                // test's own error, and the failing rows.
                // Contiguous shares, one connection each, so results keep their order.
                let share = pending.len().div_ceil(threads.max(1));
                let shares: Vec<&[(&String, &Test)]> = pending.chunks(share).collect();
                let results = in_parallel(&shares, shares.len(), |share| {
                    let forked;
                    let conn = if shares.len() == 1 {
                        runner
                    } else {
                        forked = runner.fork(runner.build_params().clone());
                        &forked
                    };
                    Ok(share.iter().map(|(_, test)| check(conn, test)).collect::<Vec<_>>())
                })?;
                results.into_iter().flatten().collect()
            }
        };
        for ((key, test), result) in pending.iter().zip(results) {
            match result {
                Ok(None) => {
                    outcome.passed += 1;
                    outcome.passed_keys.insert((*key).clone());
                }
                Ok(Some((count, sample))) => outcome.failures.push(failure(project, test, count, &sample)),
                Err(SqlFailure::Refused(refusal)) => outcome.failures.push(match &test.place {
                    Place::File(file) => refused(
                        &refusal,
                        &format!("data test {}", file.name),
                        &file.path,
                        &file.source,
                        file.statement.start,
                    ),
                    Place::Config(_) => locate(project, &test.place, format!("data test {} cannot run", test.title))
                        .note(refusal.message("its SQL")),
                }),
                Err(err) => {
                    let error = locate(project, &test.place, format!("data test {} cannot run", test.title))
                        .note(err.to_string().trim().to_owned());
                    outcome.failures.push(error);
                }
            }
        }
        Ok(outcome)
    }
}

fn failing(one: &str, many: &str) -> (String, String) {
    (one.to_owned(), many.to_owned())
}

fn tests(project: &Project) -> Vec<Test> {
    let mut tests = Vec::new();
    for dataset in &project.datasets {
        let table = quote_ident(&dataset.name);
        for declared in &dataset.tests {
            let (what, sql, failing) = match &declared.test {
                DataTest::Unique(columns) => {
                    let list = columns.iter().map(|c| quote_ident(c)).collect::<Vec<_>>().join(", ");
                    let not_null =
                        columns.iter().map(|c| format!("{} IS NOT NULL", quote_ident(c))).collect::<Vec<_>>();
                    (
                        format!("unique ({})", columns.join(", ")),
                        format!(
                            "SELECT {list}, count(*) AS occurrences FROM {table} WHERE {} \
                             GROUP BY ALL HAVING count(*) > 1 ORDER BY occurrences DESC, {list}",
                            not_null.join(" AND ")
                        ),
                        failing("value appears", "values appear"),
                    )
                }
                DataTest::NotNull(column) => (
                    format!("not_null ({column})"),
                    format!("SELECT * FROM {table} WHERE {} IS NULL", quote_ident(column)),
                    failing("row has no value", "rows have no value"),
                ),
                DataTest::AcceptedValues { column, values } => {
                    let list = values.iter().map(|v| quote_literal(v)).collect::<Vec<_>>().join(", ");
                    let c = quote_ident(column);
                    (
                        format!("accepted_values ({column})"),
                        format!(
                            "SELECT {c}, count(*) AS occurrences FROM {table} \
                             WHERE {c} IS NOT NULL AND CAST({c} AS VARCHAR) NOT IN ({list}) \
                             GROUP BY ALL ORDER BY occurrences DESC, {c}"
                        ),
                        failing("value is not accepted", "values are not accepted"),
                    )
                }
                DataTest::Relationship { column, dataset: other, target } => {
                    let c = quote_ident(column);
                    (
                        format!("relationships ({column} → {other}.{target})"),
                        format!(
                            "SELECT child.{c}, count(*) AS occurrences FROM {table} AS child \
                             WHERE child.{c} IS NOT NULL AND NOT EXISTS \
                             (SELECT 1 FROM {} AS parent WHERE parent.{} = child.{c}) \
                             GROUP BY ALL ORDER BY occurrences DESC, child.{c}",
                            quote_ident(other),
                            quote_ident(target)
                        ),
                        (
                            format!("value is missing from {other}.{target}"),
                            format!("values are missing from {other}.{target}"),
                        ),
                    )
                }
                DataTest::Rows { min, max } => {
                    let mut conditions = Vec::new();
                    if let Some(min) = min {
                        conditions.push(format!("count(*) < {min}"));
                    }
                    if let Some(max) = max {
                        conditions.push(format!("count(*) > {max}"));
                    }
                    let bounds = [min.map(|m| format!("min {m}")), max.map(|m| format!("max {m}"))]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                    (
                        format!("rows ({bounds})"),
                        format!("SELECT count(*) AS rows FROM {table} HAVING {}", conditions.join(" OR ")),
                        failing("row count is out of bounds", "row counts are out of bounds"),
                    )
                }
            };
            tests.push(Test {
                title: format!("{}: {what}", dataset.name),
                sql,
                failing,
                place: Place::Config(declared.span.clone()),
            });
        }
    }
    for test in project.data_tests.values() {
        tests.push(Test {
            title: if test.summary().is_empty() {
                test.name.clone()
            } else {
                format!("{} ({})", test.name, test.summary())
            },
            sql: test.sql().to_owned(),
            failing: failing("row breaks the rule", "rows break the rule"),
            place: Place::File(test.clone()),
        });
    }
    tests
}

/// The outcome of every test when all pass, found in one query (one scan
/// plan instead of one per test: DuckDB shares the work); `None` when one
/// does not, or cannot run, to be found one at a time with its rows.
type Checked = Result<Option<(u64, QueryResult)>, SqlFailure>;

fn in_one_pass(runner: &Runner, pending: &[(&String, &Test)]) -> Option<Vec<Checked>> {
    if pending.len() < 2 {
        return None;
    }
    for (_, test) in pending {
        if let Place::File(file) = &test.place {
            runner.gate_file(file).ok()?;
        }
    }
    let counts: Vec<String> = pending
        .iter()
        .enumerate()
        .map(|(i, (_, test))| format!("(SELECT count(*) FROM ({}\n)) AS t{i}", test.sql))
        .collect();
    let result = runner.select(&format!("SELECT {}", counts.join(",\n"))).ok()?;
    let all_pass = result.rows.first()?.iter().all(|count| matches!(count, crate::value::Cell::Int(0)));
    all_pass.then(|| pending.iter().map(|_| Ok(None)).collect())
}

/// `None` when the test passes; else the failing row count and a sample.
fn check(runner: &Runner, test: &Test) -> Result<Option<(u64, QueryResult)>, SqlFailure> {
    // A test file's own text first, so that a refusal points into it; the
    // wrapped query is gated where it runs (declared tests only have that).
    if let Place::File(file) = &test.place {
        runner.gate_file(file).map_err(SqlFailure::Refused)?;
    }
    let sample = runner.select(&format!("SELECT * FROM ({}\n) LIMIT {}", test.sql, SHOWN_ROWS + 1))?;
    if sample.rows.is_empty() {
        return Ok(None);
    }
    let count = if sample.rows.len() > SHOWN_ROWS {
        runner.select_count(&format!("SELECT count(*) FROM ({}\n)", test.sql))?
    } else {
        sample.rows.len() as u64
    };
    Ok(Some((count, sample)))
}

fn failure(project: &Project, test: &Test, count: u64, sample: &QueryResult) -> Error {
    let (one, many) = &test.failing;
    let message = format!("data test failed: {}: {count} {}", test.title, if count == 1 { one } else { many });
    let rows = sample.rows.iter().take(SHOWN_ROWS).cloned().collect();
    let shown = QueryResult::new(sample.name.clone(), sample.columns.clone(), rows);
    let mut table = print::sample_table(&shown);
    if count as usize > SHOWN_ROWS {
        table.push_str(&format!("… and {} more", count as usize - SHOWN_ROWS));
    }
    locate(project, &test.place, message).note(table.trim_end().to_owned())
}

fn locate(project: &Project, place: &Place, message: String) -> Error {
    match place {
        Place::Config(span) => project.config_error(span.clone(), message),
        Place::File(file) => {
            let (first, _) = file.statement_lines();
            Error::project(message).at(Location::in_source(&file.path, &file.source, first, None))
        }
    }
}
