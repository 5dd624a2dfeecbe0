//! The one error type, and how it is shown to a user.
//!
//! Every failure laporan reports is an [`Error`]: a message, where it happened
//! (file, line, column and the source line, when there is one), more places
//! that explain it ([`Error::label`]), notes that carry context ("while
//! rendering …"), the cause it wraps ([`std::error::Error::source`]: an
//! I/O error, say), and a hint that says what to do. annotate-snippets (the
//! renderer of rustc's diagnostics) draws it, columns measured in display
//! width, long lines cut around the column:
//!
//! ```text
//! error: syntax error at or near "FORM"
//!  --> queries/broken.sql:4:1
//!   |
//! 4 | FORM events
//!   | ^^^^
//!   |
//!   = help: …
//! ```
//!
//! This module owns presentation only; the step that fails decides the
//! message and the positions.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{Annotation, AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet};

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
    /// More places, each with what it says ("declared here").
    labels: Vec<(Location, String)>,
    notes: Vec<String>,
    /// The error this one wraps, shown as notes (its chain too).
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
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
            labels: Vec::new(),
            notes: Vec::new(),
            cause: None,
            help: None,
            missing_param: None,
            in_part: false,
        }))
    }

    /// A file could not be read or written.
    pub fn io(action: &str, path: &Path, err: std::io::Error) -> Error {
        Error::project(format!("cannot {action} {}", path.display())).caused_by(err)
    }

    /// The error this one wraps: shown as a note, and as
    /// [`std::error::Error::source`].
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.0.cause = Some(Arc::new(cause));
        self
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

    /// Adds `inner`'s message, notes and causes as notes: an error met
    /// while doing what this one reports.
    pub fn wrapping(mut self, inner: &Error) -> Error {
        self.0.notes.push(inner.message().to_owned());
        self.0.notes.extend(inner.0.notes.iter().cloned());
        self.0.notes.extend(inner.causes());
        self
    }

    /// The text of each error this one wraps, outermost first.
    fn causes(&self) -> Vec<String> {
        std::iter::successors(std::error::Error::source(self), |e| e.source()).map(|e| e.to_string()).collect()
    }

    /// Another place that explains the error, with what it says there.
    pub fn label(mut self, location: Location, text: impl Into<String>) -> Error {
        self.0.labels.push((location, text.into()));
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
        self.render_as(Level::ERROR, color)
    }

    /// The same report as a warning: something a flag allowed to pass.
    pub fn render_warning(&self, color: bool) -> String {
        self.render_as(Level::WARNING, color)
    }

    fn render_as(&self, level: Level<'_>, color: bool) -> String {
        let details = &self.0;
        let mut group = Group::with_title(level.primary_title(visible(&details.message)));
        if let Some(location) = &details.location {
            group = group.element(place(location, AnnotationKind::Primary, None));
        }
        for (location, text) in &details.labels {
            group = match (location.line, &location.source_line) {
                (Some(_), Some(_)) => group.element(place(location, AnnotationKind::Context, Some(text))),
                // A place without a source line says its text in a note.
                _ => group.element(
                    Level::NOTE.message(visible(&format!("{}: {text}", location.path.display())).into_owned()),
                ),
            };
        }
        for note in &details.notes {
            group = group.element(Level::NOTE.message(visible(note)));
        }
        for cause in self.causes() {
            group = group.element(Level::NOTE.message(visible(&cause).into_owned()));
        }
        if let Some(help) = &details.help {
            group = group.element(Level::HELP.message(visible(help)));
        }
        let renderer = if color { Renderer::styled() } else { Renderer::plain() };
        let mut out = renderer.term_width(SHOWN_WIDTH).render(&[group]);
        out.push('\n');
        out
    }
}

/// A location as annotate-snippets draws it: its source line with the
/// column underlined (`width` characters), or the line alone when there is
/// no column, or the file's path alone.
fn place<'a>(location: &'a Location, kind: AnnotationKind, label: Option<&'a String>) -> Element<'a> {
    let path = visible(&location.path.display().to_string()).into_owned();
    let (Some(line), Some(text)) = (location.line, &location.source_line) else {
        let origin = Origin::path(path);
        return match location.line {
            Some(line) => origin.line(line).into(),
            None => origin.into(),
        };
    };
    // The line as shown (control characters as pictures), and the bytes of
    // the characters the location underlines in it.
    let shown = visible(text).into_owned();
    let annotation: Annotation<'a> = match location.column {
        Some(column) => {
            let start = visible(&take_chars(text, column.saturating_sub(1))).len();
            let end = visible(&take_chars(text, column.saturating_sub(1) + location.width.max(1))).len();
            let end = if end > start { end } else { start };
            kind.span(start.min(shown.len())..end.min(shown.len()))
        }
        // No column: the whole line is shown, nothing underlined, and the
        // header names the line.
        None => AnnotationKind::Visible.span(0..shown.len()),
    };
    let annotation = match label {
        Some(text) => annotation.label(visible(text).into_owned()),
        None => annotation,
    };
    let header = if location.column.is_some() { path } else { format!("{path}:{line}") };
    Snippet::source(shown).line_start(line).path(header).annotation(annotation).into()
}

/// The first `count` characters of `text`.
fn take_chars(text: &str, count: usize) -> String {
    text.chars().take(count).collect()
}

/// The widest a report is drawn: a longer source line is cut around the
/// column.
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.cause.as_deref().map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

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
             | ^^^^\n  \
             |\n  \
             = help: check the SQL near the caret\n"
        );
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn file_only_and_notes() {
        let err = Error::usage("bad").at(Location::file("data/a.csv")).note("first\nsecond");
        assert_eq!(err.render(false), "error: bad\n--> data/a.csv\n = note: first\n         second\n");
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
    fn labels_causes_and_display_width() {
        let source = "SELECT kota\nFROM acara -- 東京\nWHERE 東京x = 1\n";
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let err = Error::project("no column 東京x")
            .at(Location::in_source("queries/q.sql", source, 3, Some(7)).with_width(3))
            .label(Location::in_source("queries/q.sql", source, 2, Some(6)).with_width(5), "the table read")
            .caused_by(io)
            .help("check the name");
        assert_eq!(
            err.render(false),
            "error: no column 東京x\n \
             --> queries/q.sql:3:7\n  \
             |\n\
             3 | WHERE 東京x = 1\n  \
             |       ^^^^^\n  \
             |\n \
             ::: queries/q.sql:2:6\n  \
             |\n\
             2 | FROM acara -- 東京\n  \
             |      ----- the table read\n  \
             |\n  \
             = note: permission denied\n  \
             = help: check the name\n",
            "東京x is five columns wide, and underlined so"
        );
        assert_eq!(std::error::Error::source(&err).map(|e| e.to_string()).as_deref(), Some("permission denied"));
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        let line = format!("{}XX{}", "a".repeat(300), "b".repeat(300));
        let err = Error::project("here").at(Location::in_source("data/x.csv", &line, 1, Some(301)).with_width(2));
        let text = err.render(false);
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= SHOWN_WIDTH, "{widest}: {text}");
        assert!(text.contains("...") && text.contains("aXXb"), "cut on both sides, the column kept: {text}");
        let without_column = Error::project("line").at(Location::in_source("data/x.csv", "1,2\n3,4", 2, None));
        assert_eq!(without_column.render(false), "error: line\n --> data/x.csv:2\n  |\n2 | 3,4\n  |\n");
    }

    #[test]
    fn line_and_column_count_characters() {
        let source = "ab\ncé d";
        assert_eq!(line_and_column(source, 0), (1, 1));
        assert_eq!(line_and_column(source, 3), (2, 1));
        assert_eq!(line_and_column(source, 7), (2, 4), "é is two bytes, one column");
    }
}
