//! One streaming pass over a data file: its SHA-256, and what laporan needs
//! to know about its structure before DuckDB reads it.
//!
//! DuckDB's CSV reader does the real parsing. This pass is the cross-check:
//! it counts records (so that a row silently skipped or merged is noticed),
//! and finds what DuckDB accepts or reports without a line number: NUL
//! bytes, blank lines in the middle of a file, and mixed line endings. It
//! toggles an "inside quotes" flag on every quote character, which tracks
//! RFC 4180 quoting exactly when the escape is the quote itself (a doubled
//! quote toggles twice), and skips the next byte after an escape otherwise.
//!
//! That pass is hand-written because it must keep up with the disk: it
//! jumps from quote to line break with memchr (about 2 GB/s here, where
//! csv-core's full record reader runs at about 0.65 GB/s, slower than the
//! SHA-256 it runs beside), and because it must split records exactly as
//! DuckDB's reader does, which no CSV crate does (a quote opens a value
//! only at its start, after one space at most). Record numbers become line
//! numbers by the same pass ([`record_lines`]); the header and DuckDB's
//! rejected lines, one record each, are split by csv-core
//! ([`Dialect::reader`], [`first_record`]).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::lines::TitleLines;
pub use super::lines::skip_lines;
use super::shapes::{ShapeJobs, ShapeTracker, Shapes};

/// How a line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    CrLf,
    Cr,
}

impl LineEnding {
    pub fn name(self) -> &'static str {
        match self {
            LineEnding::Lf => "LF (\\n)",
            LineEnding::CrLf => "CRLF (\\r\\n)",
            LineEnding::Cr => "CR (\\r)",
        }
    }
}

/// What the pass found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFacts {
    pub sha256: String,
    pub bytes: u64,
    /// Records, counting the header line and not counting trailing blank lines.
    pub records: u64,
    /// Line of the first NUL byte.
    pub nul_line: Option<u64>,
    /// The first record terminator, and the line of the first one that differs.
    pub line_ending: Option<LineEnding>,
    pub mixed_ending_line: Option<(u64, LineEnding)>,
    /// The first line ended by a CR alone, outside quotes.
    pub cr_line: Option<u64>,
    /// A blank line followed by more data.
    pub blank_line: Option<u64>,
    /// Where blank lines at the end of the file start (a byte offset after
    /// a BOM), if it ends with some.
    pub blank_tail: Option<u64>,
    /// The file ends inside a quoted field that starts on this line.
    pub open_quote_line: Option<u64>,
    pub has_bom: bool,
    /// What each column's values look like, when the scan tracked them.
    pub shapes: Option<Shapes>,
}

impl FileFacts {
    /// Whether the lines end with CRLF and LF both, and nothing else (rows
    /// appended by another tool): records all the same, which DuckDB's
    /// strict reader refuses, so it reads a copy ending them all with LF.
    pub fn crlf_and_lf(&self) -> bool {
        matches!(self.line_ending, Some(LineEnding::Lf | LineEnding::CrLf))
            && self.mixed_ending_line.is_some()
            && self.cr_line.is_none()
    }
}

/// Structure of the CSV being scanned.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
    /// The quote itself for RFC 4180's doubled quotes (`""`).
    pub escape: u8,
    /// Lines above the header (a title, a line of units): not CSV, not
    /// read, but counted, so that line numbers stay those of the file.
    pub skip: u64,
}

impl Default for Dialect {
    fn default() -> Dialect {
        Dialect { delimiter: b',', quote: b'"', escape: b'"', skip: 0 }
    }
}

impl Dialect {
    /// A csv-core reader for the dialect, for every reading of records but
    /// the pre-load pass (see [`Scanner`]).
    pub fn reader(self) -> csv_core::Reader {
        csv_core::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .quote(self.quote)
            .double_quote(self.escape == self.quote)
            .escape((self.escape != self.quote).then_some(self.escape))
            .build()
    }
}

/// Scans a file: a CSV file's structure with its `dialect` (without one,
/// Parquet or JSON, only its hash), and its values' shapes with `shapes`.
///
/// The shapes cost the most: they are tracked on other threads
/// ([`ShapeJobs`]), a stretch of whole records each, while this one reads,
/// hashes and scans, and tells where records end.
pub fn scan_file(path: &Path, dialect: Option<Dialect>, shapes: Option<ShapeTracker>) -> io::Result<FileFacts> {
    let mut file = File::open(path)?;
    let mut buffer = vec![0u8; 1 << 20];
    std::thread::scope(|scope| {
        let mut pass = Pass::start(scope, dialect, shapes);
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            pass.feed(&buffer[..n]);
        }
        Ok(pass.finish())
    })
}

/// A [`Scanner`] and, on other threads, the values' shapes ([`ShapeJobs`]),
/// fed the same chunks in order.
pub struct Pass<'scope> {
    scanner: Scanner,
    jobs: Option<ShapeJobs<'scope>>,
}

impl<'scope> Pass<'scope> {
    pub fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        dialect: Option<Dialect>,
        shapes: Option<ShapeTracker>,
    ) -> Pass<'scope> {
        Pass { scanner: Scanner::new(dialect), jobs: shapes.map(|tracker| ShapeJobs::start(scope, tracker)) }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        self.scanner.feed(chunk);
        if let Some(jobs) = &mut self.jobs {
            jobs.feed(chunk, self.scanner.record_end);
        }
    }

    pub fn finish(self) -> FileFacts {
        let shapes = self.jobs.map(ShapeJobs::finish);
        FileFacts { shapes, ..self.scanner.finish() }
    }
}

/// An incremental scanner; `feed` it chunks in order.
pub struct Scanner {
    hasher: Sha256,
    dialect: Option<Dialect>,
    facts: FileFacts,
    line: u64,
    in_quotes: bool,
    quote_line: u64,
    skip_next: bool,
    pending_cr: bool,
    /// The previous byte was a CR inside quotes (already counted as a line).
    quoted_cr: bool,
    /// Bytes seen since the last record terminator (outside quotes).
    record_has_data: bool,
    /// Blank lines seen since the last non-blank record.
    blank_run: Option<u64>,
    started: bool,
    /// Lines above the header, not read (see [`Dialect::skip`]).
    title: TitleLines,
    /// Bytes scanned before the current chunk; where the last quoted value
    /// closed (just after its quote); whether the last chunk ended where a
    /// value starts, or one space into one (see [`Scanner::opens_quote`]).
    consumed: usize,
    closed_at: Option<usize>,
    at_start: bool,
    one_space: bool,
    /// Where the last line with data ended (see [`FileFacts::blank_tail`]).
    data_end: u64,
    /// The line the current record starts on; the records (0 is the
    /// header) whose lines are wanted, in order, and those found.
    start_line: u64,
    wanted: Vec<u64>,
    found: Vec<(u64, u64)>,
    /// Where the last record that ended in the last chunk fed ends (just
    /// after its line feed), and where that chunk's bytes start in
    /// what is scanned (after a BOM).
    record_end: Option<usize>,
    base: usize,
}

impl Scanner {
    pub fn new(dialect: Option<Dialect>) -> Scanner {
        Scanner {
            hasher: Sha256::new(),
            dialect,
            facts: FileFacts::default(),
            line: 1,
            in_quotes: false,
            quote_line: 0,
            skip_next: false,
            pending_cr: false,
            quoted_cr: false,
            record_has_data: false,
            blank_run: None,
            started: false,
            title: TitleLines::new(dialect.map_or(0, |d| d.skip)),
            record_end: None,
            base: 0,
            consumed: 0,
            closed_at: None,
            at_start: true,
            one_space: false,
            data_end: 0,
            start_line: 0,
            wanted: Vec::new(),
            found: Vec::new(),
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        self.record_end = None;
        self.base = 0;
        self.hasher.update(chunk);
        self.facts.bytes += chunk.len() as u64;
        let Some(dialect) = self.dialect else { return };
        let mut chunk = chunk;
        if !self.started {
            self.started = true;
            if let Some(rest) = chunk.strip_prefix(b"\xEF\xBB\xBF") {
                self.facts.has_bom = true;
                self.base = 3;
                chunk = rest;
            }
        }
        if self.facts.nul_line.is_none() && memchr::memchr(0, chunk).is_some() {
            // Located precisely below; the fast check keeps the common case cheap.
            self.scan_bytes(chunk, dialect, true);
        } else {
            self.scan_bytes(chunk, dialect, false);
        }
        if let Some(closed) = self.closed_at
            && chunk[closed.saturating_sub(self.consumed).min(chunk.len())..].iter().any(|&b| b != b' ')
        {
            self.closed_at = None;
        }
        let separates = |b: u8| matches!(b, b'\n' | b'\r') || b == dialect.delimiter;
        match chunk {
            [] => {}
            [.., last] if separates(*last) => (self.at_start, self.one_space) = (true, false),
            [.., before, b' '] => (self.at_start, self.one_space) = (false, separates(*before)),
            [b' '] => (self.at_start, self.one_space) = (false, self.at_start),
            _ => (self.at_start, self.one_space) = (false, false),
        }
        self.consumed += chunk.len();
    }

    /// Whether the quote at `at` in `chunk`, outside quotes, opens a quoted
    /// value, as DuckDB's reader has it: when it starts its value (after one
    /// space at most, which the reader drops), or follows the quote that
    /// closed the value and spaces at most (a doubled quote, or `"x" "y"`
    /// read as `x y`, when the escape is the quote).
    /// Anywhere else it is a character of an unquoted value (`27"`).
    fn opens_quote(&self, chunk: &[u8], at: usize, dialect: Dialect) -> bool {
        // After a quoted value and spaces at most, a quote opens it again
        // (`"x" "y"` is `x y`; with no space, a doubled quote).
        if let Some(closed) = self.closed_at
            && dialect.escape == dialect.quote
            && chunk[closed.saturating_sub(self.consumed)..at].iter().all(|&b| b == b' ')
        {
            return true;
        }
        let separates = |b: u8| matches!(b, b'\n' | b'\r') || b == dialect.delimiter;
        let before = |back: usize| at.checked_sub(back).map(|j| chunk[j]);
        match (before(1), before(2)) {
            (None, _) => self.at_start || self.one_space,
            (Some(b), _) if separates(b) => true,
            (Some(b' '), None) => self.at_start,
            (Some(b' '), Some(b)) => separates(b),
            _ => false,
        }
    }

    fn scan_bytes(&mut self, chunk: &[u8], dialect: Dialect, find_nul: bool) {
        let (mut i, skipped) = self.title.pass(chunk);
        if skipped > 0 {
            self.line += skipped;
            (self.at_start, self.one_space) = (true, false);
        }
        while i < chunk.len() {
            if self.skip_next {
                self.skip_next = false;
                i += 1;
                continue;
            }
            if self.pending_cr {
                self.pending_cr = false;
                if chunk[i] == b'\n' {
                    self.terminator(LineEnding::CrLf, self.consumed + i + 1);
                    i += 1;
                    self.record_end = Some(self.base + i);
                    continue;
                }
                self.terminator(LineEnding::Cr, self.consumed + i);
                self.record_end = Some(self.base + i);
            }
            // Jump to the next byte that matters.
            let next = if find_nul {
                chunk[i..]
                    .iter()
                    .position(|&b| b == dialect.quote || b == b'\n' || b == b'\r' || b == 0 || b == dialect.escape)
            } else if dialect.escape == dialect.quote {
                memchr::memchr3(dialect.quote, b'\n', b'\r', &chunk[i..])
            } else {
                chunk[i..].iter().position(|&b| b == dialect.quote || b == b'\n' || b == b'\r' || b == dialect.escape)
            };
            let Some(offset) = next else {
                if i < chunk.len() {
                    self.data();
                }
                return;
            };
            if offset > 0 {
                self.data();
                self.quoted_cr = false;
            }
            i += offset;
            let b = chunk[i];
            i += 1;
            if b == 0 {
                self.data();
                self.facts.nul_line.get_or_insert(self.line);
                continue;
            }
            if self.in_quotes {
                // A line break inside quotes is data; CRLF counts as one line.
                let after_cr = std::mem::take(&mut self.quoted_cr);
                if b == b'\n' {
                    if !after_cr {
                        self.line += 1;
                    }
                } else if b == b'\r' {
                    self.line += 1;
                    self.quoted_cr = true;
                } else if dialect.escape != dialect.quote && b == dialect.escape {
                    self.skip_next = true;
                } else if b == dialect.quote {
                    self.in_quotes = false;
                    self.closed_at = Some(self.consumed + i);
                }
                continue;
            }
            match b {
                b'\n' => {
                    self.terminator(LineEnding::Lf, self.consumed + i);
                    self.record_end = Some(self.base + i);
                }
                b'\r' => self.pending_cr = true,
                _ if b == dialect.quote => {
                    self.data();
                    if self.opens_quote(chunk, i - 1, dialect) {
                        self.in_quotes = true;
                        self.quote_line = self.line;
                    }
                }
                _ => self.data(),
            }
        }
    }

    /// A line ends, its terminator ending at `end` (after a BOM).
    fn terminator(&mut self, ending: LineEnding, end: usize) {
        if ending == LineEnding::Cr {
            self.facts.cr_line.get_or_insert(self.line);
        }
        match self.facts.line_ending {
            None => self.facts.line_ending = Some(ending),
            Some(first) if first != ending && self.facts.mixed_ending_line.is_none() => {
                self.facts.mixed_ending_line = Some((self.line, ending));
            }
            Some(_) => {}
        }
        if self.record_has_data {
            if let Some(blank) = self.blank_run.take() {
                // A blank line with data after it.
                self.facts.blank_line.get_or_insert(blank);
            }
            self.record_ended();
            self.data_end = end as u64;
        } else {
            self.blank_run.get_or_insert(self.line);
        }
        self.record_has_data = false;
        self.line += 1;
    }

    /// A byte of data in the current record.
    fn data(&mut self) {
        if !self.record_has_data {
            self.record_has_data = true;
            self.start_line = self.line;
        }
    }

    fn record_ended(&mut self) {
        if self.wanted.binary_search(&self.facts.records).is_ok() {
            self.found.push((self.facts.records, self.start_line));
        }
        self.facts.records += 1;
    }

    pub fn finish(self) -> FileFacts {
        self.finish_lines().0
    }

    /// The facts, and the lines of the records wanted.
    fn finish_lines(mut self) -> (FileFacts, Vec<(u64, u64)>) {
        if self.pending_cr {
            self.pending_cr = false;
            self.terminator(LineEnding::Cr, self.consumed);
        }
        if self.blank_run.is_some() && !self.record_has_data {
            self.facts.blank_tail = Some(self.data_end);
        }
        if self.in_quotes {
            self.facts.open_quote_line = Some(self.quote_line);
        }
        if self.record_has_data {
            if let Some(blank) = self.blank_run.take() {
                self.facts.blank_line.get_or_insert(blank);
            }
            self.record_ended();
        }
        self.facts.sha256 = hex_digest(self.hasher);
        (self.facts, self.found)
    }
}

/// A finished SHA-256 in lower-case hex, as `sha256sum` prints it.
pub fn hex_digest(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends `bytes` to `out` with every CRLF that ends a record (outside
/// quotes) written as LF; quoted values are copied as they are. Quotes are
/// tracked as in [`Scanner`]: a quote opens a value at its start (after
/// one space at most) or right after the quote that closed it; an escape other
/// than the quote protects the byte after it.
pub fn end_records_with_lf(bytes: &[u8], dialect: Dialect, out: &mut Vec<u8>) {
    let (mut in_quotes, mut escaped, mut closed_at) = (false, false, None);
    let (mut at_start, mut one_space) = (true, false);
    for (i, &b) in bytes.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if in_quotes {
            if dialect.escape != dialect.quote && b == dialect.escape {
                escaped = true;
            } else if b == dialect.quote {
                in_quotes = false;
                closed_at = Some(i + 1);
            }
        } else if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        } else if b == b'\n' || b == b'\r' || b == dialect.delimiter {
            (at_start, one_space) = (true, false);
        } else if b == dialect.quote {
            let reopens =
                dialect.escape == dialect.quote && closed_at.is_some_and(|c| bytes[c..i].iter().all(|&b| b == b' '));
            in_quotes = at_start || one_space || reopens;
            (at_start, one_space) = (false, false);
        } else {
            (at_start, one_space) = (false, b == b' ' && at_start);
        }
        out.push(b);
    }
}

/// The fields of the first record in `bytes` (to its end when it has no
/// line break), as the dialect splits them.
pub fn first_record(bytes: &[u8], dialect: Dialect) -> Vec<Vec<u8>> {
    use csv_core::ReadRecordResult;
    let mut reader = dialect.reader();
    let (mut output, mut ends) = (vec![0u8; 4096], vec![0usize; 64]);
    let (mut input, mut written, mut fields) = (bytes, 0, 0);
    loop {
        let (result, read, out, count) = reader.read_record(input, &mut output[written..], &mut ends[fields..]);
        input = &input[read..];
        written += out;
        fields += count;
        match result {
            // All of `bytes` read: the next call, with no input, ends the record.
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => output.resize(output.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            ReadRecordResult::Record | ReadRecordResult::End => break,
        }
    }
    // The ends are offsets into the record's output, over every call.
    let mut start = 0;
    ends[..fields]
        .iter()
        .map(|&end| {
            let field = output[start..end].to_vec();
            start = end;
            field
        })
        .collect()
}

/// The line on which each of the `wanted` records starts (0 is the
/// header, after the lines the dialect skips): a record index in DuckDB's
/// messages becomes a line number in laporan's. Records are counted by
/// the [`Scanner`], which splits them as DuckDB's reader does.
pub fn record_lines(path: &Path, dialect: Dialect, wanted: &[u64]) -> io::Result<Vec<(u64, u64)>> {
    let mut file = File::open(path)?;
    let mut scanner = Scanner::new(Some(dialect));
    scanner.wanted = wanted.to_vec();
    scanner.wanted.sort_unstable();
    scanner.wanted.dedup();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        scanner.feed(&buffer[..n]);
    }
    Ok(scanner.finish_lines().1)
}

/// The line breaks in `bytes` (LF, CRLF, CR); `next` is the byte after it.
pub fn line_breaks(bytes: &[u8], next: Option<u8>) -> u64 {
    let mut breaks = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let following = bytes.get(i + 1).copied().or(next);
        if b == b'\n' || (b == b'\r' && following != Some(b'\n')) {
            breaks += 1;
        }
    }
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(bytes: &[u8]) -> FileFacts {
        let mut scanner = Scanner::new(Some(Dialect::default()));
        // Feed byte by byte too, to exercise chunk boundaries.
        for chunk in bytes.chunks(3) {
            scanner.feed(chunk);
        }
        let facts = scanner.finish();
        let mut whole = Scanner::new(Some(Dialect::default()));
        whole.feed(bytes);
        assert_eq!(whole.finish(), facts, "chunking must not change the result");
        facts
    }

    /// Shapes tracked on threads, a stretch of records each, from chunks
    /// of every size from 1 to 9, are the shapes tracked in one piece.
    #[test]
    fn shapes_tracked_in_stretches_are_the_whole_files() {
        use crate::project::CsvOptions;
        let texts: [&[u8]; 6] = [
            b"a,b\n1,x\n2,\"y\nz\"\n3.5,\"p\"\"q\"\n",
            b"\xEF\xBB\xBFa,b\r\n1,2\r\n\r\n3,NA\r\n4,5",
            b"a,b\r1,2\r3,x\r4,\"5\r6\"\r",
            b"title \"x\nunits\na,b\n1,2\n2024-01-01,3\n",
            b"a\n1\n2\r\n3\n",
            b"a,b,c\n1,,\n,2,\n\"\",\"\",\"3\"\n",
        ];
        for text in texts {
            let options = CsvOptions { skip: u64::from(text.starts_with(b"title")) * 2, ..CsvOptions::default() };
            let mut whole = ShapeTracker::new(&options);
            whole.feed(text);
            let whole = whole.finish();
            for size in 1..10 {
                let shapes = std::thread::scope(|scope| {
                    let mut scanner = Scanner::new(Some(options.dialect()));
                    let mut jobs = ShapeJobs::start(scope, ShapeTracker::new(&options));
                    for chunk in text.chunks(size) {
                        scanner.feed(chunk);
                        jobs.feed(chunk, scanner.record_end);
                    }
                    jobs.finish()
                });
                assert_eq!(shapes, whole, "{:?} in chunks of {size}", String::from_utf8_lossy(text));
            }
        }
    }

    #[test]
    fn counts_records_across_quoted_newlines() {
        let facts = scan(b"a,b\n1,\"multi\nline\"\n2,\"x\"\"y\"\n");
        assert_eq!(facts.records, 3);
        assert_eq!(facts.line_ending, Some(LineEnding::Lf));
        assert_eq!(facts.mixed_ending_line, None);
        assert_eq!(facts.bytes, 28);
    }

    #[test]
    fn skipped_lines_end_with_lf_crlf_or_cr() {
        let skipped = |text: &[u8]| {
            let mut scanner = Scanner::new(Some(Dialect { skip: 2, ..Dialect::default() }));
            // Fed a byte at a time: a CRLF split between two chunks too.
            for byte in text {
                scanner.feed(std::slice::from_ref(byte));
            }
            scanner.finish().records
        };
        assert_eq!(skipped(b"title\r\nunits\r\na,b\r\n1,2\r\n"), 2);
        assert_eq!(skipped(b"title\runits\ra,b\r1,2\r"), 2);
        assert_eq!(skipped(b"title\nunits \"x\ny\na,b\n1,2\n"), 3, "a quote in a title is no quote");
        assert_eq!(skip_lines(b"t\r\nu\ra,b\n", 2), b"a,b\n");
        assert_eq!(skip_lines(b"t\n", 3), b"");
    }

    #[test]
    fn record_ends_become_lf_and_quoted_values_stay() {
        let mut out = Vec::new();
        end_records_with_lf(b"a,b\r\n1,\"x\r\ny\"\n2,z\r\n", Dialect::default(), &mut out);
        assert_eq!(out, b"a,b\n1,\"x\r\ny\"\n2,z\n");
        let backslash = Dialect { escape: b'\\', ..Dialect::default() };
        out.clear();
        end_records_with_lf(b"a\r\n\"\\\"\r\n\"\r\n", backslash, &mut out);
        assert_eq!(out, b"a\n\"\\\"\r\n\"\n", "an escaped quote does not end the quotes");
    }

    #[test]
    fn a_quote_opens_a_value_only_at_its_start() {
        assert_eq!(scan(b"a,b\n27\",30\"\n1,2\n").records, 3, "inches");
        let stray = scan(b"a,b\nx\"y,1\nz,2\n");
        assert_eq!((stray.records, stray.open_quote_line), (3, None));
        assert_eq!(scan(b"a,b\n1, \"x\ny\"\n2,z\n").records, 3, "a space before the quote");
        assert_eq!(scan(b"a,b\n1,  \"x\ny\"\n").records, 3, "two spaces: the quotes are characters");
        assert_eq!(scan(b"a,b\n1,\"x\"\"\ny\"\n").records, 2, "a doubled quote");
        assert_eq!(scan(b"a,b\n1,\"x\"\t\"\ny\n").open_quote_line, None, "a quote after a closed value");
        assert_eq!(scan(b"a,b\n\"x\" \"y\nz\",2\n3,4\n").records, 3, "a quote after a closed value and a space");
        let mut out = Vec::new();
        end_records_with_lf(b"a,b\r\n27\",x\r\n1, \"p\r\nq\"\n", Dialect::default(), &mut out);
        assert_eq!(out, b"a,b\n27\",x\n1, \"p\r\nq\"\n");
    }

    #[test]
    fn line_endings() {
        assert_eq!(scan(b"a\r\n1\r\n2").records, 3);
        assert_eq!(scan(b"a\r1\r2\r").line_ending, Some(LineEnding::Cr));
        assert_eq!(scan(b"a\r\n1\n2\r\n").mixed_ending_line, Some((2, LineEnding::Lf)));
        assert_eq!(scan(b"a\r\n1\n2\r\n").cr_line, None);
        assert_eq!(scan(b"a\n1\r2\n").cr_line, Some(2), "a CR alone ends a line");
        assert_eq!(scan(b"a\r\n\"x\ny\"\r\n").mixed_ending_line, None, "a newline inside quotes is data");
        let facts = scan(b"a\n\"x\r\ny\rz\"\n\"q\"\n");
        assert_eq!(facts.records, 3);
        assert_eq!(facts.open_quote_line, None);
    }

    #[test]
    fn blank_lines_and_trailing_blank_lines() {
        assert_eq!(scan(b"a\n1\n\n2\n").blank_line, Some(3));
        assert_eq!(scan(b"a\n1\n2\n\n\n").blank_line, None);
        assert_eq!(scan(b"a\n1\n2\n\n\n").records, 3);
        assert_eq!(scan(b"a\n1\n2\n\n\r\n").blank_tail, Some(6));
        assert_eq!(scan(b"\xEF\xBB\xBFa\r\n1\r\n\r\n").blank_tail, Some(6), "after the BOM");
        assert_eq!(scan(b"a\n1\n").blank_tail, None);
        assert_eq!(scan(b"a\n1").blank_tail, None);
    }

    #[test]
    fn nul_bytes_bom_and_open_quotes() {
        assert_eq!(scan(b"a,b\n1,x\n2,o\x00k\n").nul_line, Some(3));
        assert!(scan(b"\xEF\xBB\xBFa\n1\n").has_bom);
        assert_eq!(scan(b"a,b\n1,\"open\n2,x\n").open_quote_line, Some(2));
    }

    #[test]
    fn record_lines_skip_quoted_newlines() {
        let path = std::env::temp_dir().join(format!("laporan-scan-{}.csv", std::process::id()));
        std::fs::write(&path, b"a,b\n1,\"x\ny\"\n2,z\r\n3,w\n").unwrap();
        let lines = record_lines(&path, Dialect::default(), &[0, 2, 3]).unwrap();
        assert_eq!(lines, vec![(0, 1), (2, 4), (3, 5)]);
        for (bytes, expected) in [
            (&b"a\r\nb\r\nc\r\n"[..], vec![(0, 1), (1, 2), (2, 3)]),
            (b"a\r\n\"x\r\ny\"\r\nc\r\n", vec![(0, 1), (1, 2), (2, 4)]),
            (b"a\r\rb\n\nc", vec![(0, 1), (1, 3), (2, 5)]),
            (b"a\rb\rc", vec![(0, 1), (1, 2), (2, 3)]),
        ] {
            std::fs::write(&path, bytes).unwrap();
            let lines = record_lines(&path, Dialect::default(), &[0, 1, 2]).unwrap();
            assert_eq!(lines, expected, "{:?}", String::from_utf8_lossy(bytes));
        }
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn record_lines_as_duckdb_splits_records() {
        let path = std::env::temp_dir().join(format!("laporan-scan-quotes-{}.csv", std::process::id()));
        std::fs::write(&path, b"a,b\n27\",x\n1, \"p\nq\"\n2,z\n").unwrap();
        let lines = record_lines(&path, Dialect::default(), &[1, 2, 3]).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(lines, vec![(1, 2), (2, 3), (3, 5)]);
    }

    #[test]
    fn record_lines_after_a_bom_and_with_an_escape() {
        let path = std::env::temp_dir().join(format!("laporan-scan-bom-{}.csv", std::process::id()));
        std::fs::write(&path, b"\xEF\xBB\xBFa;b\n1;'x\\'\ny'\n2;z\n").unwrap();
        let dialect = Dialect { delimiter: b';', quote: b'\'', escape: b'\\', skip: 0 };
        let lines = record_lines(&path, dialect, &[0, 1, 2, 9]).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(lines, vec![(0, 1), (1, 2), (2, 4)]);
    }

    #[test]
    fn first_record_splits_as_the_dialect_says() {
        let fields = |bytes: &[u8], dialect| -> Vec<String> {
            first_record(bytes, dialect).into_iter().map(|f| String::from_utf8(f).unwrap()).collect()
        };
        assert_eq!(fields(b"a,\"b,\"\"c\"\"\",d\r\n1,2,3\n", Dialect::default()), ["a", "b,\"c\"", "d"]);
        assert_eq!(fields(b"a,b", Dialect::default()), ["a", "b"]);
        assert_eq!(fields(b"a,", Dialect::default()), ["a", ""]);
        assert_eq!(fields(b"", Dialect::default()), [""; 0]);
        let tabbed = Dialect { delimiter: b'\t', quote: b'\'', escape: b'\\', skip: 0 };
        assert_eq!(fields(b"x y\t'it\\'s'\n", tabbed), ["x y", "it's"]);
    }
}
