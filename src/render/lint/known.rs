//! What a template may name: laporan's helpers and their options, the
//! functions, filters and tests, and the keys of the build's records.
//! Adding a helper, filter or test adds a line here.

/// What an argument of a helper is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Arg {
    /// One column name.
    Column,
    /// A list of column names.
    Columns,
    /// A column name or a list of them.
    ColumnOrColumns,
    /// A map whose keys are column names.
    ColumnMap,
    /// A column name, `-` before it for descending order.
    SortColumn,
    /// Anything else.
    Other,
}

/// A helper's keyword arguments, each with what it names.
pub(super) type Options = &'static [(&'static str, Arg)];

/// The options of `table()`.
pub(super) const TABLE: Options = &[
    ("columns", Arg::Columns),
    ("labels", Arg::ColumnMap),
    ("totals", Arg::Columns),
    ("color", Arg::ColumnMap),
    ("bars", Arg::Columns),
    ("negative", Arg::Other),
    ("highlight", Arg::ColumnMap),
    ("suppress", Arg::ColumnMap),
];

/// The options every chart takes.
pub(super) const CHART: Options = &[
    ("x", Arg::Column),
    ("y", Arg::ColumnOrColumns),
    ("labels", Arg::ColumnMap),
    ("title", Arg::Other),
    ("x_label", Arg::Other),
    ("y_label", Arg::Other),
    ("description", Arg::Other),
    ("format", Arg::Other),
    ("y_format", Arg::Other),
    ("x_format", Arg::Other),
    ("currency", Arg::Other),
    ("sort", Arg::SortColumn),
    ("suppress", Arg::ColumnMap),
];

/// The options only bars take.
pub(super) const BAR: Options = &[("horizontal", Arg::Other), ("stacked", Arg::Other)];

/// The options of `map()`.
pub(super) const MAP: Options = &[
    ("country", Arg::Column),
    ("value", Arg::Column),
    ("name", Arg::Column),
    ("title", Arg::Other),
    ("labels", Arg::ColumnMap),
    ("description", Arg::Other),
    ("format", Arg::Other),
    ("currency", Arg::Other),
    ("classes", Arg::Other),
];

/// The options of `donut()`.
pub(super) const DONUT: Options = &[
    ("label", Arg::Column),
    ("value", Arg::Column),
    ("title", Arg::Other),
    ("labels", Arg::ColumnMap),
    ("description", Arg::Other),
    ("format", Arg::Other),
    ("currency", Arg::Other),
];

/// The options of `kpi()`, whose first argument is a value, not a result.
pub(super) const KPI: Options = &[
    ("label", Arg::Other),
    ("previous", Arg::Other),
    ("versus", Arg::Other),
    ("format", Arg::Other),
    ("currency", Arg::Other),
    ("trend", Arg::Other),
    ("y", Arg::Other),
    ("suppress", Arg::Other),
];

/// laporan's helpers (all but `kpi` take a query result first), with their
/// keyword arguments. Adding a helper adds a line here.
pub(super) const HELPERS: &[(&str, &[Options])] = &[
    ("table", &[TABLE]),
    ("bar", &[CHART, BAR]),
    ("line", &[CHART]),
    ("map", &[MAP]),
    ("donut", &[DONUT]),
    ("kpi", &[KPI]),
];

/// Functions every template can call besides the helpers: laporan's
/// `query` and minijinja's globals.
pub(super) const FUNCTIONS: &[&str] = &["query", "t", "range", "dict", "debug", "namespace"];

/// Every filter a template can use: minijinja's and laporan's.
pub(super) const FILTERS: &[&str] = &[
    "safe",
    "escape",
    "e",
    "lower",
    "upper",
    "title",
    "capitalize",
    "replace",
    "length",
    "count",
    "dictsort",
    "items",
    "reverse",
    "trim",
    "join",
    "split",
    "lines",
    "default",
    "d",
    "round",
    "abs",
    "int",
    "float",
    "attr",
    "first",
    "last",
    "min",
    "max",
    "sort",
    "list",
    "string",
    "bool",
    "batch",
    "slice",
    "sum",
    "indent",
    "select",
    "reject",
    "selectattr",
    "rejectattr",
    "map",
    "groupby",
    "unique",
    "chain",
    "zip",
    "pprint",
    "format",
    "tojson",
    "urlencode",
    "number",
    "money",
    "percent",
    "date",
    "delta",
    "link",
];

/// laporan's filters with the options they take by name, and for `date`
/// the styles.
pub(super) const FILTER_OPTIONS: &[(&str, &[&str])] = &[
    ("number", &["decimals"]),
    ("money", &["currency", "compact", "decimals"]),
    ("percent", &["decimals"]),
    ("date", &["style"]),
    ("delta", &["format", "currency", "percent"]),
    ("link", &["text"]),
];
pub(super) const DATE_STYLES: &[&str] = &["long", "full", "month", "short", "short_month", "quarter", "year", "iso"];

/// The records every template has, with their keys (see `render::rows::record`).
pub(super) const RECORDS: &[(&str, &[&str])] = &[
    ("period", &["key", "kind", "year", "index", "start", "end", "label", "previous"]),
    ("report", &["name", "title", "locale", "template"]),
    ("project", &["title", "locale"]),
    ("ui", &crate::locale::Labels::NAMES),
];

/// Every test (`x is …`) a template can use.
pub(super) const TESTS: &[&str] = &[
    "undefined",
    "defined",
    "none",
    "safe",
    "escaped",
    "boolean",
    "odd",
    "even",
    "divisibleby",
    "number",
    "integer",
    "int",
    "float",
    "string",
    "sequence",
    "iterable",
    "mapping",
    "startingwith",
    "endingwith",
    "lower",
    "upper",
    "sameas",
    "eq",
    "equalto",
    "==",
    "ne",
    "!=",
    "lt",
    "lessthan",
    "<",
    "le",
    "<=",
    "gt",
    "greaterthan",
    ">",
    "ge",
    ">=",
    "in",
    "true",
    "false",
    "filter",
    "test",
];

/// Names minijinja itself defines inside blocks, loops and macros.
pub(super) const SPECIAL: &[&str] = &["loop", "caller", "varargs", "kwargs", "self", "super"];

/// Filters that keep the rows of a result (a list of rows).
pub(super) const ROW_LISTS: &[&str] = &["reverse", "sort", "list", "selectattr", "rejectattr", "unique"];
/// Filters that take one row of a result.
pub(super) const ONE_ROW: &[&str] = &["first", "last", "min", "max", "random"];
/// Filters whose `attribute=` (or first argument) names a column.
pub(super) const BY_ATTRIBUTE: &[&str] =
    &["sort", "map", "sum", "groupby", "unique", "min", "max", "selectattr", "rejectattr"];
