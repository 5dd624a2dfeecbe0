//! The engine seam: everything that speaks to DuckDB.
//!
//! ```text
//! open.rs     the project's database: opened offline and sandboxed, from a
//!             plain Place (paths and settings), read-write to load and
//!             read-only to query; quoting of identifiers and literals
//! sql.rs      SQL laporan writes itself (the load, its bookkeeping, catalog
//!             questions): plain rows back, DuckDB's failure as a DbError
//! select.rs   SQL from a project: through the gate, `$names` bound to typed
//!             values, rows back as a QueryResult of cells
//! gate.rs     the one gate every SQL text from a project passes: exactly one
//!             SELECT, by DuckDB's parse
//! parse.rs    DuckDB's own parse of SQL text (json_serialize_sql): which
//!             tables a query reads, without running it
//! convert.rs  values between DuckDB and laporan: DuckDB values to cells,
//!             column types to their names, parameter values to bound ones
//! ```
//!
//! No other module uses the `duckdb` crate: the rest of laporan sees a
//! [`Database`], typed requests ([`Arg`]s, [`crate::params::ParamValue`]s)
//! and typed results ([`Row`]s, [`crate::value::QueryResult`]s). It
//! depends only on the leaf modules ([`crate::error`], [`crate::params`],
//! [`crate::value`]): the project describes its database as a [`Place`]
//! ([`crate::project::Project::engine_place`]).

mod convert;
pub mod gate;
mod open;
pub mod parse;
mod select;
mod sql;

pub use gate::Gate;
pub use open::{Database, Place, STATE_SCHEMA, Setting, quote_ident, quote_literal};
pub use select::SqlFailure;
pub use sql::{Arg, DbError, Progress, Row};

/// The DuckDB library's version, such as `v2.0.0`: part of every cached
/// result's key (another engine may compute another result).
pub fn version() -> String {
    // SAFETY: DuckDB returns a pointer to a static, NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(duckdb::ffi::duckdb_library_version()) };
    version.to_string_lossy().into_owned()
}
