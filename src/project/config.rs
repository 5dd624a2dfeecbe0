//! `laporan.toml`: its settings, and how it is read so that every problem
//! in it is found in one run.
//!
//! serde stops at the first field it cannot take. To list them all, the
//! file is parsed once into toml's spanned document, and deserialised
//! again after each problem with the entry at fault taken out, until the
//! rest deserialises: a misspelled key in `[reports.a]` and a wrong type
//! in `[datasets.b]` are both reported, each with its place, and the rest
//! of each table is still read and checked. Only a dataset whose
//! `columns` could not be read is left out whole (its primary key and
//! tests would otherwise name columns "not declared" that are).

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::dataset::DatasetConfig;

/// `laporan.toml`. Everything has a default.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Shown in report headers and the provenance footer.
    pub title: Option<String>,
    /// `en` or `id`; formatting filters follow it. Default `en`.
    pub locale: Option<String>,
    /// Per-report settings, keyed by report name.
    #[serde(default)]
    pub reports: BTreeMap<String, ReportConfig>,
    /// Dataset declarations (schema and dialect), keyed by dataset name.
    #[serde(default)]
    pub datasets: BTreeMap<String, Spanned<DatasetConfig>>,
    /// DuckDB settings.
    pub duckdb: Option<Spanned<DuckdbConfig>>,
    /// The result cache in `.laporan/cache/`.
    pub cache: Option<CacheConfig>,
}

/// `[cache]`: how much of the disk saved queries' results may keep.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Such as `"1GB"` or `"500MB"`, or bytes; 0 keeps no results.
    pub max_size: Option<Spanned<Size>>,
}

/// A size in laporan.toml: DuckDB's way (`"4GB"`), or a number of bytes.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

/// `[duckdb]`: how the embedded database may use the machine. Unset means
/// DuckDB's default (memory: 80% of RAM; threads: every core; temporary
/// files: next to the database in `.laporan/`).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DuckdbConfig {
    /// Such as `"4GB"`; beyond it DuckDB spills to temporary files.
    pub memory_limit: Option<Spanned<String>>,
    /// At most the machine's cores are used (a project written on a larger
    /// machine still builds); more than [`MAX_THREADS`] is refused.
    pub threads: Option<Spanned<u32>>,
    /// Where to spill, relative to the project; it must stay inside it.
    pub temp_directory: Option<Spanned<String>>,
}

/// More threads than any machine laporan runs on: a mistake, refused.
pub const MAX_THREADS: u32 = 1024;

/// `[reports.NAME]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    pub title: Option<String>,
    pub locale: Option<String>,
    /// Render the report once per locale, each with its own messages
    /// (`NAME.id.html`, `NAME.en.html`).
    #[serde(default)]
    pub locales: Vec<String>,
    /// A saved query: the report is rendered once per row of it.
    pub each: Option<String>,
    /// The column of `each` whose value names each page (default: the
    /// first column).
    pub key: Option<String>,
    /// Defaults for the parameters of the report's queries.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
}

/// A problem in laporan.toml: what is wrong, and where (bytes of the
/// file), when toml knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub span: Option<Range<usize>>,
}

impl From<toml::de::Error> for Problem {
    fn from(e: toml::de::Error) -> Problem {
        Problem { message: e.message().trim().to_owned(), span: e.span() }
    }
}

/// Reads the text of laporan.toml: the settings that are well formed, and
/// every problem found. Syntax errors are all listed and nothing else is
/// read (the document's shape is not known).
pub fn parse(text: &str) -> (Config, Vec<Problem>) {
    let (document, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return (Config::default(), syntax.into_iter().map(Problem::from).collect());
    }
    let span = document.span();
    let mut table = document.into_inner();
    let mut problems = Vec::new();
    // Datasets whose columns could not be read: without them, their key
    // and tests would name columns "not declared", so they are left out.
    let mut lost_columns: Vec<String> = Vec::new();
    loop {
        let value = Spanned::new(span.clone(), DeValue::Table(table.clone()));
        match Config::deserialize(value.into_deserializer()) {
            Ok(mut config) => {
                config.datasets.retain(|name, _| !lost_columns.contains(name));
                return (config, problems);
            }
            Err(e) => {
                let problem = Problem::from(e);
                let removed = problem.span.as_ref().and_then(|at| remove_within(&mut table, at.start, MAX_DEPTH));
                problems.push(problem);
                match removed.as_deref() {
                    Some([datasets, name, columns, ..]) if datasets == "datasets" && columns == "columns" => {
                        lost_columns.push(name.clone());
                    }
                    Some(_) => {}
                    // Nothing to take out: the rest cannot be read.
                    None => return (Config::default(), problems),
                }
            }
        }
    }
}

/// How deep a problem's entry is taken out: `datasets.x.tests.rows` as a
/// whole for a bad `min` in it, whose absence would be a problem of its own.
const MAX_DEPTH: usize = 4;

/// Takes out of `table` the innermost entry (at most `depth` tables down)
/// whose key or value holds the byte `at`, and returns its path of keys.
/// Tables are searched whatever their own span: one made by a `[a.b]`
/// header spans only the header.
fn remove_within(table: &mut DeTable<'_>, at: usize, depth: usize) -> Option<Vec<String>> {
    let holds = |span: Range<usize>| span.contains(&at);
    let mut found = None;
    for (key, value) in table.iter_mut() {
        let name = key.get_ref().to_string();
        if holds(key.span()) {
            found = Some(key.clone());
            break;
        }
        if depth > 1
            && let DeValue::Table(inner) = value.get_mut()
            && let Some(mut path) = remove_within(inner, at, depth - 1)
        {
            path.insert(0, name);
            return Some(path);
        }
        if holds(value.span()) {
            found = Some(key.clone());
            break;
        }
    }
    let key = found?;
    table.remove(&key);
    Some(vec![key.get_ref().to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        parse(text).1.into_iter().map(|p| format!("{}@{:?}", p.message, p.span.map(|s| &text[s]))).collect()
    }

    #[test]
    fn every_problem_is_listed_with_its_place() {
        let text = "titel = \"x\"\n[reports.a]\ntitle = 3\nlocal = \"id\"\n[datasets.b]\ndelimiter = 1\n[duckdb]\nthreads = \"four\"\n";
        let found = problems(text);
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].starts_with("unknown field `titel`"), "{found:#?}");
        assert!(found.iter().any(|p| p.contains("local")), "{found:#?}");
        assert!(found.iter().any(|p| p.ends_with("@Some(\"\\\"four\\\"\")")), "{found:#?}");
    }

    #[test]
    fn the_rest_of_a_faulty_table_is_kept_unless_its_columns_are_lost() {
        let text = "title = \"T\"\n[reports.a]\ntitle = 3\nlocale = \"id\"\n[datasets.b]\nheader = 1\n[datasets.b.columns]\nx = \"INTEGER\"\n[datasets.c.columns]\nx = 1\n";
        let (config, problems) = parse(text);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(config.title.as_deref(), Some("T"));
        assert_eq!(config.reports["a"].locale.as_deref(), Some("id"));
        assert!(config.datasets["b"].get_ref().columns.contains_key("x"));
        assert!(!config.datasets.contains_key("c"));
    }

    #[test]
    fn syntax_errors_are_all_listed() {
        let (config, problems) = parse("a = \nb = [\n");
        assert!(!problems.is_empty());
        assert!(config.title.is_none());
    }

    #[test]
    fn a_well_formed_file_has_no_problem() {
        let (config, problems) = parse("locale = \"id\"\n[datasets.x]\ndelimiter = \";\"\n");
        assert_eq!(problems, vec![]);
        assert_eq!(config.locale.as_deref(), Some("id"));
        assert!(config.datasets.contains_key("x"));
    }
}
