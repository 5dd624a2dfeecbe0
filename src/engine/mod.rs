//! The engine seam: everything that speaks to DuckDB about how it runs.
//!
//! ```text
//! open.rs   the project's database: opened offline and sandboxed, from a
//!           plain Place (paths and settings), read-write to load and
//!           read-only to query; quoting of identifiers and literals
//! parse.rs  DuckDB's own parse of SQL text (json_serialize_sql): which
//!           tables a query reads, without running it
//! gate.rs   the one gate every SQL text from a project passes: exactly one
//!           SELECT, by DuckDB's parse
//! ```
//!
//! It depends on nothing of laporan's but errors: the project describes
//! its database as a [`Place`] ([`crate::project::Project::engine_place`]),
//! and the steps that load and query hold the connections this module
//! opened. The mapping of DuckDB values to laporan's is in
//! [`crate::value`] and of column types in [`crate::sql_type`].

pub mod gate;
mod open;
pub mod parse;

pub use open::{Database, Place, STATE_SCHEMA, Setting, quote_ident, quote_literal};
