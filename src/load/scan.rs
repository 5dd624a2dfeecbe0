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

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

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
    /// A blank line followed by more data.
    pub blank_line: Option<u64>,
    /// The file ends inside a quoted field that starts on this line.
    pub open_quote_line: Option<u64>,
    pub has_bom: bool,
}

/// Structure of the CSV being scanned.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub quote: u8,
    pub escape: u8,
}

impl Default for Dialect {
    fn default() -> Dialect {
        Dialect { quote: b'"', escape: b'"' }
    }
}

/// Scans a CSV file. `hash_only` skips the structure (Parquet, JSON).
pub fn scan_file(path: &Path, dialect: Option<Dialect>) -> io::Result<FileFacts> {
    let mut file = File::open(path)?;
    let mut scanner = Scanner::new(dialect);
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        scanner.feed(&buffer[..n]);
    }
    Ok(scanner.finish())
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
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.facts.bytes += chunk.len() as u64;
        let Some(dialect) = self.dialect else { return };
        let mut chunk = chunk;
        if !self.started {
            self.started = true;
            if let Some(rest) = chunk.strip_prefix(b"\xEF\xBB\xBF") {
                self.facts.has_bom = true;
                chunk = rest;
            }
        }
        if self.facts.nul_line.is_none() && memchr::memchr(0, chunk).is_some() {
            // Located precisely below; the fast check keeps the common case cheap.
            self.scan_bytes(chunk, dialect, true);
        } else {
            self.scan_bytes(chunk, dialect, false);
        }
    }

    fn scan_bytes(&mut self, chunk: &[u8], dialect: Dialect, find_nul: bool) {
        let mut i = 0;
        while i < chunk.len() {
            if self.skip_next {
                self.skip_next = false;
                i += 1;
                continue;
            }
            if self.pending_cr {
                self.pending_cr = false;
                if chunk[i] == b'\n' {
                    self.terminator(LineEnding::CrLf);
                    i += 1;
                    continue;
                }
                self.terminator(LineEnding::Cr);
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
                    self.record_has_data = true;
                }
                return;
            };
            if offset > 0 {
                self.record_has_data = true;
                self.quoted_cr = false;
            }
            i += offset;
            let b = chunk[i];
            i += 1;
            if b == 0 {
                self.record_has_data = true;
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
                }
                continue;
            }
            match b {
                b'\n' => self.terminator(LineEnding::Lf),
                b'\r' => self.pending_cr = true,
                _ if b == dialect.quote => {
                    self.record_has_data = true;
                    self.in_quotes = true;
                    self.quote_line = self.line;
                }
                _ => self.record_has_data = true,
            }
        }
    }

    fn terminator(&mut self, ending: LineEnding) {
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
            self.facts.records += 1;
        } else {
            self.blank_run.get_or_insert(self.line);
        }
        self.record_has_data = false;
        self.line += 1;
    }

    pub fn finish(mut self) -> FileFacts {
        if self.pending_cr {
            self.pending_cr = false;
            self.terminator(LineEnding::Cr);
        }
        if self.in_quotes {
            self.facts.open_quote_line = Some(self.quote_line);
        }
        if self.record_has_data {
            if let Some(blank) = self.blank_run.take() {
                self.facts.blank_line.get_or_insert(blank);
            }
            self.facts.records += 1;
        }
        self.facts.sha256 = hex_digest(self.hasher);
        self.facts
    }
}

/// A finished SHA-256 in lower-case hex, as `sha256sum` prints it.
pub fn hex_digest(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The line on which each record starts, for the first `limit` records: a
/// record index (0 is the header) becomes a line number in messages.
pub fn record_lines(path: &Path, dialect: Dialect, wanted: &[u64]) -> io::Result<Vec<(u64, u64)>> {
    let bytes = std::fs::read(path)?;
    let mut found = Vec::new();
    let mut wanted: Vec<u64> = wanted.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let mut next = wanted.iter().peekable();
    let mut record = 0u64;
    let mut line = 1u64;
    let mut in_quotes = false;
    let mut at_record_start = true;
    let mut i = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    while i < bytes.len() {
        let Some(&&target) = next.peek() else { break };
        let b = bytes[i];
        if at_record_start && !matches!(b, b'\n' | b'\r') {
            if record == target {
                found.push((record, line));
                next.next();
            }
            at_record_start = false;
        }
        if in_quotes {
            if dialect.escape != dialect.quote && b == dialect.escape {
                i += 1;
            } else if b == dialect.quote {
                in_quotes = false;
            } else if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line += 1;
            }
        } else if b == dialect.quote {
            in_quotes = true;
        } else if b == b'\n' || b == b'\r' {
            if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            if !at_record_start {
                record += 1;
            }
            at_record_start = true;
            line += 1;
        }
        i += 1;
    }
    Ok(found)
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

    #[test]
    fn counts_records_across_quoted_newlines() {
        let facts = scan(b"a,b\n1,\"multi\nline\"\n2,\"x\"\"y\"\n");
        assert_eq!(facts.records, 3);
        assert_eq!(facts.line_ending, Some(LineEnding::Lf));
        assert_eq!(facts.mixed_ending_line, None);
        assert_eq!(facts.bytes, 28);
    }

    #[test]
    fn line_endings() {
        assert_eq!(scan(b"a\r\n1\r\n2").records, 3);
        assert_eq!(scan(b"a\r1\r2\r").line_ending, Some(LineEnding::Cr));
        assert_eq!(scan(b"a\r\n1\n2\r\n").mixed_ending_line, Some((2, LineEnding::Lf)));
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
        std::fs::remove_file(&path).unwrap();
        assert_eq!(lines, vec![(0, 1), (2, 4), (3, 5)]);
    }
}
