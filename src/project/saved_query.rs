//! A saved query: one `.sql` file in `queries/`, parsed.
//!
//! ```sql
//! -- Participating countries per event in the period.
//! -- @param period_start DATE = 1900-01-01
//! -- @param period_end DATE
//! SELECT …
//! ```
//!
//! The leading comment is the description; `@param NAME TYPE [= DEFAULT]`
//! lines declare parameters. The file holds exactly one statement (a second
//! one is an error, not something run silently). A small SQL lexer finds the
//! statement's end and every `$name` reference while skipping strings, quoted
//! identifiers, comments and dollar-quoted text, so that errors point at the
//! right line and undeclared parameters are caught before DuckDB sees them.
//! Running the query is the job of [`crate::query`].

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location};
use crate::params::{ParamType, ParamValue, is_identifier};

/// A declared parameter.
#[derive(Debug, Clone)]
pub struct ParamDecl {
    pub name: String,
    pub ty: ParamType,
    /// `None` when the parameter must be given; `Some(ParamValue::Null)` for `= NULL`.
    pub default: Option<ParamValue>,
}

/// A `$name` reference in the statement.
#[derive(Debug, Clone)]
pub struct ParamRef {
    pub name: String,
    pub offset: usize,
}

/// A name in the statement that could refer to a table: an unquoted word
/// (lower-cased) or a quoted identifier, not after a `.` (a column of some
/// table) and not a CTE's own definition (`name AS (`).
#[derive(Debug, Clone)]
pub struct NameRef {
    pub name: String,
    pub offset: usize,
    pub len: usize,
}

#[derive(Debug, Clone)]
pub struct SavedQuery {
    pub name: String,
    /// The path shown to users.
    pub path: PathBuf,
    /// The whole file.
    pub source: String,
    pub description: String,
    pub params: Vec<ParamDecl>,
    /// Byte range of the statement in `source`, without the closing `;`.
    pub statement: Range<usize>,
    pub refs: Vec<ParamRef>,
    /// Names that may refer to tables or to other saved queries.
    pub names: Vec<NameRef>,
}

impl SavedQuery {
    /// Parses the text of a saved query. `path` is only used in errors.
    pub fn parse(name: &str, path: PathBuf, source: String) -> Result<SavedQuery, Error> {
        let header = parse_header(&path, &source)?;
        let scan = scan(&source);
        let err_at = |offset: usize, width: usize, message: String| {
            Error::project(message).at(Location::at_offset(path.clone(), &source, offset).with_width(width))
        };
        if let Some(unterminated) = scan.unterminated {
            return Err(err_at(unterminated.offset, 1, format!("{} is never closed", unterminated.what))
                .help("close it, or remove the stray quote or comment opener"));
        }
        let Some(statement) = scan.statement.clone() else {
            return Err(Error::project(format!("{} holds no SQL statement", path.display()))
                .at(Location::file(path.clone()))
                .help("write one SELECT statement after the leading comment"));
        };
        if let Some(second) = scan.second_statement {
            return Err(err_at(second, 1, "a saved query holds exactly one statement; this is a second one".into())
                .help("split it into another .sql file, or build on it with a CTE (WITH …)"));
        }
        for param_ref in &scan.refs {
            if param_ref.name.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err_at(
                    param_ref.offset,
                    param_ref.name.len() + 1,
                    format!("positional parameter ${} in a saved query", param_ref.name),
                )
                .help("use a named parameter declared in the leading comment, such as $period_start"));
            }
            if !header.params.iter().any(|p| p.name == param_ref.name) {
                return Err(err_at(
                    param_ref.offset,
                    param_ref.name.len() + 1,
                    format!("parameter ${} is not declared", param_ref.name),
                )
                .help(format!("declare it in the leading comment: -- @param {} TYPE [= DEFAULT]", param_ref.name)));
            }
        }
        if let Some(at) = scan.late_param_line {
            return Err(err_at(at, 6, "@param belongs in the leading comment, before the SQL".into()));
        }
        Ok(SavedQuery {
            name: name.to_owned(),
            path,
            description: header.description,
            params: header.params,
            statement,
            refs: scan.refs,
            names: scan.names,
            source,
        })
    }

    /// The text to hand to DuckDB: everything up to the end of the statement,
    /// so that DuckDB's line numbers are the file's line numbers.
    pub fn sql(&self) -> &str {
        &self.source[..self.statement.end]
    }

    /// First and last line of the statement.
    pub fn statement_lines(&self) -> (usize, usize) {
        let line_of = |offset: usize| self.source[..offset].matches('\n').count() + 1;
        (line_of(self.statement.start), line_of(self.statement.end))
    }

    pub fn param(&self, name: &str) -> Option<&ParamDecl> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The help for a call that gives it a parameter it does not declare:
    /// `queries/x.sql declares: a, b` (or `none`).
    pub fn declared_help(&self) -> String {
        let declared: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
        let list = if declared.is_empty() { "none".to_owned() } else { declared.join(", ") };
        format!("{} declares: {list}", self.path.display())
    }

    /// The first line of the description, for listings.
    pub fn summary(&self) -> &str {
        self.description.lines().next().unwrap_or("")
    }
}

struct Header {
    description: String,
    params: Vec<ParamDecl>,
}

/// Reads the leading `--` comment lines.
fn parse_header(path: &Path, source: &str) -> Result<Header, Error> {
    let mut description = String::new();
    let mut params: Vec<ParamDecl> = Vec::new();
    let mut offset = 0;
    for (index, line) in source.split_inclusive('\n').enumerate() {
        let line_no = index + 1;
        let start = offset;
        offset += line.len();
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let Some(comment) = text.strip_prefix("--") else { break };
        let comment = comment.trim();
        let at = |column_text: &str, width: usize, message: String| {
            let column_offset = start + line.find(column_text).unwrap_or(0);
            Error::project(message).at(Location::at_offset(path, source, column_offset).with_width(width))
        };
        let Some(decl) = comment.strip_prefix("@param") else {
            if comment.is_empty() {
                if !description.is_empty() && !description.ends_with('\n') {
                    description.push('\n');
                }
            } else {
                if !description.is_empty() && !description.ends_with('\n') {
                    description.push(' ');
                }
                description.push_str(comment);
            }
            continue;
        };
        let usage = "write it as: -- @param NAME TYPE [= DEFAULT]";
        let (spec, default_text) = match decl.split_once('=') {
            Some((spec, default)) => (spec, Some(default.trim())),
            None => (decl, None),
        };
        let words: Vec<&str> = spec.split_whitespace().collect();
        let [name, type_name] = words[..] else {
            return Err(at("@param", 6, format!("malformed @param on line {line_no}")).help(usage));
        };
        if !is_identifier(name) {
            return Err(at(name, name.len(), format!("'{name}' is not a valid parameter name"))
                .help("use letters, digits and underscores, starting with a letter"));
        }
        if params.iter().any(|p| p.name == name) {
            return Err(at(name, name.len(), format!("parameter {name} is declared twice")));
        }
        let ty: ParamType = type_name.parse().map_err(|e: String| at(type_name, type_name.len(), e))?;
        let default = match default_text {
            None => None,
            Some("") => return Err(at("=", 1, format!("@param {name} has '=' but no default value")).help(usage)),
            Some(text) if text.eq_ignore_ascii_case("NULL") => Some(ParamValue::Null),
            Some(text) => {
                let unquoted = text
                    .strip_prefix('\'')
                    .and_then(|t| t.strip_suffix('\''))
                    .map(|t| t.replace("''", "'"))
                    .unwrap_or_else(|| text.to_owned());
                let value =
                    ty.parse(&unquoted).map_err(|e| at(text, text.len(), format!("bad default for {name}: {e}")))?;
                Some(value)
            }
        };
        params.push(ParamDecl { name: name.to_owned(), ty, default });
    }
    Ok(Header { description: description.trim().to_owned(), params })
}

struct Unterminated {
    offset: usize,
    what: &'static str,
}

#[derive(Default)]
struct Scan {
    /// The first statement, trimmed, without its `;`.
    statement: Option<Range<usize>>,
    /// Where a second statement starts, if any.
    second_statement: Option<usize>,
    refs: Vec<ParamRef>,
    names: Vec<NameRef>,
    unterminated: Option<Unterminated>,
    /// An `-- @param` comment after the SQL has started.
    late_param_line: Option<usize>,
}

/// Walks the SQL once, tracking what is code and what is string or comment.
fn scan(sql: &str) -> Scan {
    let bytes = sql.as_bytes();
    let mut scan = Scan::default();
    let mut i = 0;
    let mut first_token: Option<usize> = None;
    let mut last_token_end = 0;
    let mut ended_at: Option<usize> = None; // the `;` closing the first statement
    // Records a token: part of the first statement, or the start of a second.
    fn mark(scan: &mut Scan, first: &mut Option<usize>, last_end: &mut usize, ended: bool, start: usize, end: usize) {
        if ended {
            scan.second_statement.get_or_insert(start);
        } else {
            first.get_or_insert(start);
            *last_end = end;
        }
    }
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b if b.is_ascii_whitespace() => i += 1,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map_or(bytes.len(), |n| i + n);
                if first_token.is_some() && sql[i + 2..end].trim_start().starts_with("@param") {
                    scan.late_param_line
                        .get_or_insert(i + 2 + (sql[i + 2..end].len() - sql[i + 2..end].trim_start().len()));
                }
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 0;
                loop {
                    if i + 1 >= bytes.len() {
                        scan.unterminated = Some(Unterminated { offset: start, what: "this /* comment" });
                        return scan;
                    }
                    if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'\'' | b'"' => {
                let start = i;
                // E'…' strings allow backslash escapes.
                let backslash = b == b'\''
                    && start > 0
                    && matches!(bytes[start - 1], b'E' | b'e')
                    && (start < 2 || !is_ident_byte(bytes[start - 2]));
                i += 1;
                loop {
                    if i >= bytes.len() {
                        let what = if b == b'"' { "this quoted identifier" } else { "this string" };
                        scan.unterminated = Some(Unterminated { offset: start, what });
                        return scan;
                    }
                    if backslash && bytes[i] == b'\\' {
                        i += 2;
                    } else if bytes[i] == b {
                        if bytes.get(i + 1) == Some(&b) {
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                if b == b'"' && ended_at.is_none() {
                    let name = sql[start + 1..i - 1].replace("\"\"", "\"");
                    scan.names.push(NameRef { name, offset: start, len: i - start });
                }
                mark(&mut scan, &mut first_token, &mut last_token_end, ended_at.is_some(), start, i);
            }
            b'$' => {
                let start = i;
                let name_end = i + 1 + bytes[i + 1..].iter().take_while(|&&c| is_ident_byte(c)).count();
                let name = &sql[i + 1..name_end];
                let tag_starts_ok = name.bytes().next().is_none_or(|c| !c.is_ascii_digit());
                if bytes.get(name_end) == Some(&b'$') && tag_starts_ok {
                    // Dollar-quoted text: $tag$ … $tag$
                    let tag = &sql[start..=name_end];
                    match sql[name_end + 1..].find(tag) {
                        Some(n) => i = name_end + 1 + n + tag.len(),
                        None => {
                            scan.unterminated = Some(Unterminated { offset: start, what: "this dollar-quoted string" });
                            return scan;
                        }
                    }
                } else {
                    if !name.is_empty() && ended_at.is_none() {
                        scan.refs.push(ParamRef { name: name.to_owned(), offset: start });
                    }
                    i = name_end.max(i + 1);
                }
                mark(&mut scan, &mut first_token, &mut last_token_end, ended_at.is_some(), start, i);
            }
            b';' => {
                if ended_at.is_none() && first_token.is_some() {
                    ended_at = Some(i);
                }
                i += 1;
            }
            _ => {
                let start = i;
                if is_ident_byte(b) {
                    i += 1;
                    while i < bytes.len() && is_ident_byte(bytes[i]) {
                        i += 1;
                    }
                    if ended_at.is_none() && !b.is_ascii_digit() {
                        let name = sql[start..i].to_lowercase();
                        scan.names.push(NameRef { name, offset: start, len: i - start });
                    }
                } else {
                    i += sql[i..].chars().next().map_or(1, char::len_utf8);
                }
                mark(&mut scan, &mut first_token, &mut last_token_end, ended_at.is_some(), start, i);
            }
        }
    }
    scan.statement = first_token.map(|start| start..last_token_end);
    // Drop names that are columns of something (`e.name`) or that a CTE
    // defines (`name AS (`).
    scan.names.retain(|n| {
        let before = sql[..n.offset].trim_end();
        let after = sql[n.offset + n.len..].trim_start();
        let defines = after.get(..2).is_some_and(|w| w.eq_ignore_ascii_case("as"))
            && after[2..].trim_start().starts_with('(')
            && !after.as_bytes().get(2).is_some_and(|&b| is_ident_byte(b));
        !before.ends_with('.') && !defines
    });
    scan
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Result<SavedQuery, Error> {
        SavedQuery::parse("q", PathBuf::from("queries/q.sql"), source.to_owned())
    }

    fn message(source: &str) -> String {
        parse(source).unwrap_err().render(false)
    }

    #[test]
    fn header_gives_description_and_params() {
        let q = parse(
            "-- Countries per event.\n-- Counts distinct countries.\n--\n-- Second paragraph.\n\
             -- @param period_start DATE = 2024-01-01\n-- @param country varchar = 'IDN'\n\
             -- @param note TEXT = NULL\n-- @param period_end DATE\n\
             SELECT $period_start, $period_end, $country, $note;\n",
        )
        .unwrap();
        assert_eq!(q.description, "Countries per event. Counts distinct countries.\nSecond paragraph.");
        assert_eq!(q.summary(), "Countries per event. Counts distinct countries.");
        let names: Vec<_> = q.params.iter().map(|p| (p.name.as_str(), p.ty, p.default.clone())).collect();
        assert_eq!(
            names,
            vec![
                ("period_start", ParamType::Date, Some(ParamType::Date.parse("2024-01-01").unwrap())),
                ("country", ParamType::Varchar, Some(ParamValue::Text("IDN".into()))),
                ("note", ParamType::Varchar, Some(ParamValue::Null)),
                ("period_end", ParamType::Date, None),
            ]
        );
        assert!(q.sql().ends_with("$note"), "the ; is not part of the statement: {:?}", q.sql());
        assert_eq!(q.statement_lines(), (9, 9));
        assert_eq!(q.refs.len(), 4);
    }

    #[test]
    fn strings_comments_and_dollar_quotes_are_not_code() {
        let q = parse(
            "-- x\nSELECT 'a;$b''c', \"d;$e\", E'f\\';$g', $$h;$i$$, $t$ ; $t$ /* ; $j /* nested */ */ -- ; $k\n, 1;\n-- trailing comment\n;\n",
        )
        .unwrap();
        assert!(q.refs.is_empty(), "{:?}", q.refs);
        assert!(q.sql().ends_with(", 1"));
    }

    #[test]
    fn names_that_may_be_tables() {
        let q = parse(
            "-- x\nWITH recent AS (SELECT * FROM Stg_Events AS e WHERE e.year > 2000)\n\
             SELECT r.name, 'stg_cases' FROM recent AS r JOIN \"Top Partners\" USING (iso3) -- stg_x\n",
        )
        .unwrap();
        let names: Vec<&str> = q.names.iter().map(|n| n.name.as_str()).collect();
        assert!(names.contains(&"stg_events"), "{names:?}");
        assert!(names.contains(&"Top Partners"), "{names:?}");
        assert!(names.contains(&"recent"), "used after its definition: {names:?}");
        assert_eq!(names.iter().filter(|n| **n == "recent").count(), 1, "{names:?}");
        for absent in ["year", "name", "stg_cases", "stg_x"] {
            assert!(!names.contains(&absent), "{absent} in {names:?}");
        }
    }

    #[test]
    fn one_statement_only() {
        assert_eq!(
            message("-- Drop it.\nSELECT 1;\nDROP TABLE events;\n"),
            "error: a saved query holds exactly one statement; this is a second one\n \
             --> queries/q.sql:3:1\n  |\n3 | DROP TABLE events;\n  | ^\n  |\n  \
             = help: split it into another .sql file, or build on it with a CTE (WITH …)\n"
        );
    }

    #[test]
    fn undeclared_and_positional_parameters() {
        assert_eq!(
            message("-- x\nSELECT *\nFROM events WHERE country = $country\n"),
            "error: parameter $country is not declared\n \
             --> queries/q.sql:3:29\n  |\n3 | FROM events WHERE country = $country\n  |                             ^^^^^^^^\n  |\n  \
             = help: declare it in the leading comment: -- @param country TYPE [= DEFAULT]\n"
        );
        assert!(message("SELECT $1").contains("positional parameter $1"));
    }

    #[test]
    fn malformed_declarations_point_at_the_problem() {
        assert_eq!(
            message("-- x\n-- @param year MONEY\nSELECT $year\n"),
            format!(
                "error: unknown parameter type 'MONEY': use one of {}\n \
                 --> queries/q.sql:2:16\n  |\n2 | -- @param year MONEY\n  |                ^^^^^\n",
                ParamType::NAMES
            )
        );
        assert!(
            message("-- @param d DATE = 2024-13-01\nSELECT $d")
                .contains("bad default for d: expected a date as YYYY-MM-DD, got '2024-13-01'")
        );
        assert!(message("-- @param d\nSELECT 1").contains("malformed @param on line 1"));
        assert!(message("-- @param d DATE\n-- @param d DATE\nSELECT $d").contains("declared twice"));
        assert!(message("SELECT 1\n-- @param d DATE\n").contains("@param belongs in the leading comment"));
    }

    #[test]
    fn empty_and_unterminated() {
        assert!(message("-- only a comment\n").contains("holds no SQL statement"));
        assert!(message("SELECT 'abc\n").contains("this string is never closed"));
        assert!(message("SELECT 1 /* open\n").contains("this /* comment is never closed"));
    }
}
