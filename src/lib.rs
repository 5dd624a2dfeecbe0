//! laporan: reports from CSV data, saved SQL and templates.
//!
//! A project is a folder of inputs (`data/`), saved queries (`queries/`) and
//! report templates (`report_templates/`). A build goes through five steps,
//! each owned by one module, with data flowing one way:
//!
//! 1. [`project`]: read `laporan.toml` ([`project::config`], every problem
//!    in one run), find the datasets ([`project::dataset`]), parse the saved
//!    queries ([`project::saved_query`]; which tables each reads is
//!    DuckDB's own parse, [`engine::parse`]) and find the reports. Malformed
//!    input fails here, with a file and line.
//! 2. [`load`]: load each dataset that changed into the DuckDB database
//!    ([`engine`], every connection sandboxed), all in one transaction, by
//!    declared or inferred column types ([`sql_type`]); then [`data_tests`]
//!    check it.
//! 3. [`query`]: run saved queries with typed, bound parameters
//!    ([`params`], [`period`]), each distinct call once per build, on the
//!    database reopened read-only; every SQL text from the project passes
//!    [`engine::gate`] (DuckDB's own parse: one SELECT) before it runs;
//!    results become [`value::Cell`]s (the engine's one conversion from DuckDB values).
//! 4. [`render`]: minijinja templates call `query(…)`, `table(…)` and the
//!    charts, strict about every name (a template is also read before it
//!    renders, [`render::lint`]); Markdown reports are also converted to
//!    HTML and wrapped in the layout.
//! 5. [`write`]: each output format ([`write::output`]: md, html, pdf, the
//!    csv and json exports, one file each behind one trait) turns a
//!    rendered report into files, which are written atomically to `out/`
//!    (or `out/<period>/`) with the site's `index.html` ([`write::index`],
//!    titles as the builds recorded them); PDFs are printed by a Chromium
//!    that may fetch nothing but the page.
//!
//! No module reaches back to an earlier step: the module graph has no
//! cycles (leaf modules shared by all: [`engine`], [`error`], [`key`], [`locale`],
//! [`params`], [`period`], [`sql_type`], [`value`]). Only [`engine`] uses
//! the `duckdb` crate: the steps hold a [`engine::Database`] and get plain
//! rows and [`value::QueryResult`]s from it.
//!
//! What a project received from someone else may and may not do is in the
//! README's security model; `tests/hostile/` holds the attacks it is tested
//! against.
//!
//! [`pipeline`] runs the steps in order for the commands in [`cmd`], from
//! one validated request ([`pipeline::BuildRequest`], made from the
//! command line and the environment, which only [`cmd`] reads). It
//! renders the reports of a build (several reports, a range of periods) in
//! parallel, each on its own connection to the one loaded database, and
//! skips what [`manifest`] shows is up to date: a report whose data,
//! queries, templates and options did not change since it was written.
//! The commands parse arguments and print; [`print`] formats results for
//! `laporan query`, [`list`] describes a project, and [`serve`] serves
//! `out/` with live reload for `laporan serve`. Every failure is an
//! [`error::Error`] that names the file and line and says what to do.

pub mod cmd;
pub mod data_tests;
pub mod engine;
pub mod error;
pub mod key;
pub mod list;
pub mod load;
pub mod locale;
pub mod manifest;
pub mod params;
pub mod period;
pub mod pipeline;
pub mod print;
pub mod project;
pub mod query;
pub mod render;
pub mod serve;
pub mod sql_type;
pub mod value;
pub mod write;
