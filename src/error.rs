//! The one error type, and how it is shown to a user.
//!
//! Every failure laporan reports is an [`Error`]: a message, where it happened
//! (file, line, column and the source line, when there is one), notes that
//! carry the cause chain or context ("while rendering …"), and a hint that
//! says what to do. It renders compiler-style:
//!
//! ```text
//! error: syntax error at or near "FORM"
//!   --> queries/broken.sql:4:1
//!    |
//!  4 | FORM events
//!    | ^^^^
//!    = help: …
//! ```
//!
//! This module owns presentation only; the step that fails decides the
//! message and the position.

use std::fmt;
use std::path::{Path, PathBuf};

/// Whether the problem lies in how laporan was called (exit code 2) or in
/// the project: data, SQL, templates, configuration (exit code 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Usage,
    Project,
}

/// A place in a file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The text of `line`, shown under the location with a caret.
    pub source_line: Option<String>,
    /// How many characters the caret underlines (at least one).
    pub width: usize,
}

impl Location {
    /// A whole file, no line.
    pub fn file(path: impl Into<PathBuf>) -> Location {
        Location { path: path.into(), line: None, column: None, source_line: None, width: 1 }
    }

    /// A line (and optionally a column) of `source`, the whole text of `path`.
    pub fn in_source(path: impl Into<PathBuf>, source: &str, line: usize, column: Option<usize>) -> Location {
        let source_line = source.lines().nth(line.saturating_sub(1)).map(str::to_owned);
        Location { path: path.into(), line: Some(line), column, source_line, width: 1 }
    }

    /// The location of a byte offset into `source`.
    pub fn at_offset(path: impl Into<PathBuf>, source: &str, offset: usize) -> Location {
        let (line, column) = line_and_column(source, offset);
        Location::in_source(path, source, line, Some(column))
    }

    pub fn with_width(mut self, width: usize) -> Location {
        self.width = width.max(1);
        self
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// An error a user can act on. Boxed, so that `Result`s stay small.
#[derive(Debug, Clone)]
pub struct Error(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    kind: ErrorKind,
    message: String,
    location: Option<Location>,
    notes: Vec<String>,
    help: Option<String>,
    /// A query parameter that was needed and not given: a report that
    /// fails only for this is skipped, not a failed build.
    missing_param: Option<String>,
    /// The problem is in one part of the project (a saved query, a data
    /// test) that a command not using it can do without.
    in_part: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A problem in how laporan was called: exit code 2.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }

    /// A problem in the project: exit code 1.
    pub fn project(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Project, message)
    }

    fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Details {
            kind,
            message: message.into(),
            location: None,
            notes: Vec::new(),
            help: None,
            missing_param: None,
            in_part: false,
        }))
    }

    /// A file could not be read or written.
    pub fn io(action: &str, path: &Path, err: std::io::Error) -> Error {
        Error::project(format!("cannot {action} {}", path.display())).note(err.to_string())
    }

    /// The same error, as a usage error (exit code 2): the text at fault
    /// was given on the command line.
    pub fn as_usage(mut self) -> Error {
        self.0.kind = ErrorKind::Usage;
        self
    }

    pub fn at(mut self, location: Location) -> Error {
        self.0.location = Some(location);
        self
    }

    /// Adds a line of context or a cause, shown after the source snippet.
    pub fn note(mut self, note: impl Into<String>) -> Error {
        self.0.notes.push(note.into());
        self
    }

    /// What the user can do about it.
    pub fn help(mut self, help: impl Into<String>) -> Error {
        self.0.help = Some(help.into());
        self
    }

    /// Marks the problem as one of a part of the project (a saved query,
    /// a data test): `load`, `schema` and `list` go on without the part
    /// and warn. A problem of laporan.toml is never one.
    pub fn in_part(mut self) -> Error {
        self.0.in_part = true;
        self
    }

    pub fn is_in_part(&self) -> bool {
        self.0.in_part
    }

    /// Marks the error as a query parameter `name` that no one gave.
    pub fn missing_param(mut self, name: impl Into<String>) -> Error {
        self.0.missing_param = Some(name.into());
        self
    }

    /// The parameter whose absence this error is, if it is one.
    pub fn needed_param(&self) -> Option<&str> {
        self.0.missing_param.as_deref()
    }

    /// Whether `other` reports the same problem at the same line (a second
    /// report of it, with other notes).
    pub fn same_problem(&self, other: &Error) -> bool {
        let place = |e: &Error| e.location().map(|l| (l.path.clone(), l.line));
        self.message() == other.message() && place(self) == place(other)
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn location(&self) -> Option<&Location> {
        self.0.location.as_ref()
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self.0.kind {
            ErrorKind::Usage => 2,
            ErrorKind::Project => 1,
        }
    }

    /// The full, multi-line report, with ANSI colours when `color` is set.
    pub fn render(&self, color: bool) -> String {
        self.render_as("error:", color)
    }

    /// The same report as a warning: something a flag allowed to pass.
    pub fn render_warning(&self, color: bool) -> String {
        self.render_as("warning:", color)
    }

    fn render_as(&self, label: &str, color: bool) -> String {
        let paint = Paint { on: color };
        let mut out = String::new();
        out.push_str(&paint.error(label));
        out.push(' ');
        let details = &self.0;
        out.push_str(&paint.bold(&visible(&details.message)));
        out.push('\n');
        if let Some(loc) = &details.location {
            render_location(&mut out, loc, &paint);
        }
        for note in &details.notes {
            for (i, line) in visible(note).lines().enumerate() {
                let label = if i == 0 { "note:" } else { "     " };
                out.push_str(&format!("{} {line}\n", paint.blue(label)));
            }
        }
        if let Some(help) = &details.help {
            out.push_str(&format!("{} {}\n", paint.help("help:"), visible(help)));
        }
        out
    }
}

fn render_location(out: &mut String, loc: &Location, paint: &Paint) {
    let mut position = visible(&loc.path.display().to_string()).into_owned();
    if let Some(line) = loc.line {
        position.push_str(&format!(":{line}"));
        if let Some(column) = loc.column {
            position.push_str(&format!(":{column}"));
        }
    }
    let (Some(line), Some(text)) = (loc.line, &loc.source_line) else {
        out.push_str(&format!("  {} {position}\n", paint.blue("-->")));
        return;
    };
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    out.push_str(&format!("{pad}{} {position}\n", paint.blue("-->")));
    out.push_str(&format!("{pad} {}\n", paint.blue("|")));
    // A long line (a minified file, a huge record) is shown around the
    // column, in at most SHOWN_WIDTH characters.
    let line_chars: Vec<char> = text.replace('\t', "    ").chars().collect();
    let column_at = loc.column.map(|column| {
        let prefix: String = text.chars().take(column.saturating_sub(1)).collect();
        prefix.replace('\t', "    ").chars().count()
    });
    let start = match column_at {
        Some(at) if line_chars.len() > SHOWN_WIDTH => {
            at.saturating_sub(SHOWN_WIDTH / 2).min(line_chars.len() - SHOWN_WIDTH)
        }
        _ => 0,
    };
    let end = (start + SHOWN_WIDTH).min(line_chars.len());
    let mut shown: String = line_chars[start..end].iter().collect();
    let lead = if start > 0 { "…" } else { "" };
    if end < line_chars.len() {
        shown.push('…');
    }
    let shown = format!("{lead}{}", visible(&shown));
    out.push_str(&format!("{} {} {}\n", paint.blue(&number), paint.blue("|"), shown.trim_end()));
    if let Some(at) = column_at {
        let indent = at.saturating_sub(start) + lead.chars().count();
        let available = shown.chars().count().saturating_sub(indent).max(1);
        let carets = "^".repeat(loc.width.min(available));
        out.push_str(&format!("{pad} {} {}{}\n", paint.blue("|"), " ".repeat(indent), paint.error(&carets)));
    }
}

/// The most characters of a source line an error shows.
const SHOWN_WIDTH: usize = 160;

/// Text for a terminal: control characters shown, not obeyed. A value from
/// data or a project file (a CSV cell in an error, a file name, a query's
/// description) could otherwise carry terminal escape sequences that
/// change colours, clear the screen or set the window title. C0 controls
/// but tab and line feed become their Unicode control pictures (`␛` for
/// ESC), DEL `␡`, C1 controls `<U+009B>`, and bidirectional overrides the
/// marks of [`bidi_mark`].
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| (c.is_control() && c != '\n' && c != '\t') || bidi_mark(c).is_some();
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('␡'),
            '\u{80}'..='\u{9f}' => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => match bidi_mark(c) {
                Some(mark) => out.push_str(mark),
                None => out.push(c),
            },
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Explicit bidirectional embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) could make text read backwards (`exe.doc` shown for
/// `cod.exe`); wherever laporan shows a value they are replaced by a mark.
pub fn bidi_mark(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202A}' => "⟦LRE⟧",
        '\u{202B}' => "⟦RLE⟧",
        '\u{202C}' => "⟦PDF⟧",
        '\u{202D}' => "⟦LRO⟧",
        '\u{202E}' => "⟦RLO⟧",
        '\u{2066}' => "⟦LRI⟧",
        '\u{2067}' => "⟦RLI⟧",
        '\u{2068}' => "⟦FSI⟧",
        '\u{2069}' => "⟦PDI⟧",
        _ => return None,
    })
}

/// Minimal ANSI styling; `on: false` leaves text untouched.
struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    fn error(&self, text: &str) -> String {
        self.wrap("1;31", text)
    }
    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn blue(&self, text: &str) -> String {
        self.wrap("1;34", text)
    }
    fn help(&self, text: &str) -> String {
        self.wrap("1;36", text)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_position_source_and_caret() {
        let source = "-- Events.\nSELECT *\nFORM events\n";
        let err = Error::project("syntax error at or near \"FORM\"")
            .at(Location::in_source("queries/x.sql", source, 3, Some(1)).with_width(4))
            .help("check the SQL near the caret");
        assert_eq!(
            err.render(false),
            "error: syntax error at or near \"FORM\"\n \
             --> queries/x.sql:3:1\n  \
             |\n\
             3 | FORM events\n  \
             | ^^^^\n\
             help: check the SQL near the caret\n"
        );
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn file_only_and_notes() {
        let err = Error::usage("bad").at(Location::file("data/a.csv")).note("first\nsecond");
        assert_eq!(err.render(false), "error: bad\n  --> data/a.csv\nnote: first\n      second\n");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn control_characters_from_data_are_shown_not_obeyed() {
        let err = Error::project("bad value '\x1b[31mRED\x1b]0;title\x07'")
            .at(Location::in_source("data/\x1b[41mx.csv", "a,\x1b[2J\n", 1, None))
            .note("\u{202E}cod.exe\nsecond line");
        let text = err.render(false);
        assert!(!text.contains('\x1b') && !text.contains('\x07') && !text.contains('\u{202E}'), "{text:?}");
        assert!(text.contains("'␛[31mRED␛]0;title␇'") && text.contains("⟦RLO⟧cod.exe"), "{text}");
        assert!(text.contains("      second line"), "line breaks in notes still break lines: {text}");
    }

    #[test]
    fn line_and_column_count_characters() {
        let source = "ab\ncé d";
        assert_eq!(line_and_column(source, 0), (1, 1));
        assert_eq!(line_and_column(source, 3), (2, 1));
        assert_eq!(line_and_column(source, 7), (2, 4), "é is two bytes, one column");
    }
}
