//! What each column's values look like, found in the pass that already
//! reads every byte of a CSV file (see [`super::scan`]): for every
//! value, which of the stricter types it could be, and the widest numbers.
//!
//! From these, [`crate::load::infer`] chooses each undeclared column's type
//! before DuckDB reads the file, and DuckDB reads it once, with that type:
//! a value is read directly as a number, date or timestamp only when every
//! value of its column was seen here to have that exact shape, so
//! DuckDB's conversion (which rounds `1.5` into an integer) never decides.
//!
//! The values are split as DuckDB's reader splits them (and the scan counts
//! records): a quote opens a quoted value only at the value's start, after
//! one space at most, which is dropped, as are spaces after the closing
//! quote; anywhere else it is a character of the value (`27"`). Anything
//! unusual is text, the type that cannot be wrong.

use super::lines::TitleLines;
use crate::project::CsvOptions;

/// What a value (not NULL) could be, strictest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidate {
    Boolean,
    Integer,
    Decimal,
    Date,
    Timestamp,
}

pub const CANDIDATES: [Candidate; 5] =
    [Candidate::Boolean, Candidate::Integer, Candidate::Decimal, Candidate::Date, Candidate::Timestamp];

/// Values kept, per candidate, as examples of values that do not fit it.
const EXAMPLES: usize = 3;
/// Different texts counted, per candidate, among the values that do not fit.
const DISTINCT: usize = 4;

/// What one column's values were, over one or more files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnShape {
    /// Values that are not NULL.
    pub values: u64,
    /// Values that do not fit each candidate (in [`CANDIDATES`]' order).
    pub failing: [u64; 5],
    /// The most digits of a whole number.
    pub int_digits: u32,
    /// The most digits before the point, and after it, of a number.
    pub whole_digits: u32,
    pub scale: u32,
    /// The first values that do not fit each candidate, by row (counted
    /// from 0 below the header, across the files in order).
    pub examples: [Vec<(u64, String)>; 5],
    /// Different texts among the values that do not fit, up to 4.
    pub distinct: [Vec<String>; 5],
    /// While tracking: values of each shape (by [`Shape::index`]), and
    /// the candidates with all the examples and texts they keep.
    of_shape: [u64; 6],
    satisfied: u8,
}

impl ColumnShape {
    fn add(&mut self, shape: Shape, row: u64, value: &[u8]) {
        self.values += 1;
        self.of_shape[shape.index()] += 1;
        match shape {
            Shape::Int { digits } => {
                self.int_digits = self.int_digits.max(digits);
                self.whole_digits = self.whole_digits.max(digits);
            }
            Shape::Decimal { whole, scale } => {
                self.whole_digits = self.whole_digits.max(whole);
                self.scale = self.scale.max(scale);
            }
            _ => {}
        }
        let failing = !shape.fits() & !self.satisfied & ALL;
        if failing != 0 {
            self.note(failing, row, value);
        }
    }

    /// Keeps `value` as an example, or a different text, of the values
    /// that do not fit the candidates in `failing` (a bit per candidate).
    fn note(&mut self, failing: u8, row: u64, value: &[u8]) {
        for index in (0..CANDIDATES.len()).filter(|i| failing & (1 << i) != 0) {
            let (examples, distinct) = (&mut self.examples[index], &mut self.distinct[index]);
            if examples.len() < EXAMPLES {
                examples.push((row, String::from_utf8_lossy(value).into_owned()));
            }
            if distinct.len() < DISTINCT && !distinct.iter().any(|d| d.as_bytes() == value) {
                distinct.push(String::from_utf8_lossy(value).into_owned());
            }
            if examples.len() == EXAMPLES && distinct.len() == DISTINCT {
                self.satisfied |= 1 << index;
            }
        }
    }

    /// Counts the values that do not fit each candidate, from the values
    /// of each shape (which are then done with).
    fn settle(&mut self) {
        for (index, failing) in self.failing.iter_mut().enumerate() {
            let fitting: u64 =
                FITS.iter().zip(self.of_shape).filter(|(fits, _)| *fits & (1 << index) != 0).map(|(_, n)| n).sum();
            *failing = self.values - fitting;
        }
        (self.of_shape, self.satisfied) = ([0; 6], 0);
    }

    /// Adds what another file's values were; its rows follow `offset` rows.
    pub fn merge(&mut self, other: &ColumnShape, offset: u64) {
        self.values += other.values;
        self.int_digits = self.int_digits.max(other.int_digits);
        self.whole_digits = self.whole_digits.max(other.whole_digits);
        self.scale = self.scale.max(other.scale);
        for index in 0..CANDIDATES.len() {
            self.failing[index] += other.failing[index];
            for (row, text) in &other.examples[index] {
                if self.examples[index].len() < EXAMPLES {
                    self.examples[index].push((row + offset, text.clone()));
                }
            }
            for text in &other.distinct[index] {
                if self.distinct[index].len() < DISTINCT && !self.distinct[index].contains(text) {
                    self.distinct[index].push(text.clone());
                }
            }
        }
    }
}

/// The shape of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Boolean,
    /// `[+-]?(0|[1-9][0-9]*)`, or grouped by the thousands separator.
    Int {
        digits: u32,
    },
    /// A whole number, the decimal separator and at least one digit.
    Decimal {
        whole: u32,
        scale: u32,
    },
    /// `YYYY-MM-DD`, a day that exists (from year 1).
    Date,
    /// A date, `T` or a space, `HH:MM`, optionally `:SS` and up to six
    /// decimals of a second.
    Timestamp,
}

/// Every candidate, a bit each (in [`CANDIDATES`]' order).
const ALL: u8 = 0b11111;

/// The candidates a value of each shape fits, a bit each, in the order
/// [`Shape::index`] gives: a whole number is a decimal too, a date a
/// timestamp at midnight.
const FITS: [u8; 6] = [0, 0b00001, 0b00110, 0b00100, 0b11000, 0b10000];

impl Shape {
    fn index(self) -> usize {
        match self {
            Shape::Text => 0,
            Shape::Boolean => 1,
            Shape::Int { .. } => 2,
            Shape::Decimal { .. } => 3,
            Shape::Date => 4,
            Shape::Timestamp => 5,
        }
    }

    /// The candidates a value of this shape fits ([`FITS`]).
    fn fits(self) -> u8 {
        FITS[self.index()]
    }
}
// How numbers are written.
#[derive(Debug, Clone, Copy)]
struct Separators {
    decimal: u8,
    thousands: Option<u8>,
}

fn shape_of(value: &[u8], separators: Separators) -> Shape {
    match value.first() {
        Some(b'0'..=b'9' | b'+' | b'-') => {}
        Some(b't' | b'T' | b'f' | b'F') => {
            let boolean = value.eq_ignore_ascii_case(b"true") || value.eq_ignore_ascii_case(b"false");
            return if boolean { Shape::Boolean } else { Shape::Text };
        }
        _ => return Shape::Text,
    }
    if let Some(shape) = date_or_timestamp(value) {
        return shape;
    }
    number(value, separators).unwrap_or(Shape::Text)
}

/// A number's shape: no exponent, no leading zeros (`007` is a code), at
/// least one digit on each side of the decimal separator.
fn number(value: &[u8], separators: Separators) -> Option<Shape> {
    let unsigned = value.strip_prefix(b"+").or_else(|| value.strip_prefix(b"-")).unwrap_or(value);
    let (whole, fraction) = match unsigned.iter().position(|b| !b.is_ascii_digit()) {
        // Plain digits, the common case, looked at once.
        None => return plain_whole(unsigned).map(|digits| Shape::Int { digits }),
        Some(at) if unsigned[at] == separators.decimal => (&unsigned[..at], &unsigned[at + 1..]),
        Some(_) => match unsigned.iter().position(|&b| b == separators.decimal) {
            Some(at) => (&unsigned[..at], &unsigned[at + 1..]),
            None => return whole_digits(unsigned, separators.thousands).map(|digits| Shape::Int { digits }),
        },
    };
    let digits = whole_digits(whole, separators.thousands)?;
    let scale = fraction.len() as u32;
    (scale > 0 && fraction.iter().all(u8::is_ascii_digit)).then_some(Shape::Decimal { whole: digits, scale })
}

/// The digits of a whole part that has nothing but digits: `0`, or not
/// starting with 0.
fn plain_whole(whole: &[u8]) -> Option<u32> {
    match whole {
        [b'0'] => Some(1),
        [] | [b'0', ..] => None,
        _ => Some(whole.len() as u32),
    }
}

/// The digits of the whole part: `0`, or digits not starting with 0, or
/// (with a thousands separator) groups of three after one of one to three.
fn whole_digits(whole: &[u8], thousands: Option<u8>) -> Option<u32> {
    if whole.iter().all(u8::is_ascii_digit) {
        return plain_whole(whole);
    }
    let separator = thousands?;
    let mut groups = whole.split(|&b| b == separator);
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || first[0] == b'0' || !first.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut digits = first.len();
    for group in groups {
        if group.len() != 3 || !group.iter().all(u8::is_ascii_digit) {
            return None;
        }
        digits += 3;
    }
    Some(digits as u32)
}

fn date_or_timestamp(value: &[u8]) -> Option<Shape> {
    if value.len() < 10 || !is_date(&value[..10]) {
        return None;
    }
    let time = match value.len() {
        10 => return Some(Shape::Date),
        _ if matches!(value[10], b'T' | b' ') => &value[11..],
        _ => return None,
    };
    let two = |at: usize, max: u8| -> bool {
        time.get(at..at + 2)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit) && (d[0] - b'0') * 10 + d[1] - b'0' <= max)
    };
    let clock = match time.len() {
        5 => two(0, 23) && time[2] == b':' && two(3, 59),
        8 => two(0, 23) && time[2] == b':' && two(3, 59) && time[5] == b':' && two(6, 59),
        10..=15 => {
            two(0, 23)
                && time[2] == b':'
                && two(3, 59)
                && time[5] == b':'
                && two(6, 59)
                && time[8] == b'.'
                && time[9..].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    clock.then_some(Shape::Timestamp)
}

/// `YYYY-MM-DD`, a day of the calendar from year 1.
fn is_date(text: &[u8]) -> bool {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        text[range].iter().try_fold(0, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
    };
    if text[4] != b'-' || text[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else { return false };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days).contains(&day)
}

/// Where the splitter is in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    /// One space at the start of a value.
    OneSpace,
    Unquoted,
    Quoted,
    /// A quote inside quotes: the end of the value, or the first of two.
    QuoteInQuoted,
    /// The escape (when it is not the quote) inside quotes.
    EscapeInQuoted,
    /// After the closing quote.
    AfterQuoted,
}

/// Splits a CSV file into values as it is fed, and tracks each column's
/// shape ([`ColumnShape`]).
#[derive(Clone)]
pub struct ShapeTracker {
    delimiter: u8,
    quote: u8,
    escape: u8,
    separators: Separators,
    /// Unquoted texts that are NULL, besides the empty text (`null = [...]`).
    nulls: Vec<Vec<u8>>,
    /// Bytes that end an unquoted value.
    stops: [bool; 256],
    columns: Vec<ColumnShape>,
    state: State,
    /// The current value's bytes fed in earlier chunks.
    carry: Vec<u8>,
    quoted: bool,
    /// The value held a doubled quote or an escape, or stray quotes: text.
    escaped: bool,
    odd: bool,
    /// Spaces around the quotes of a quoted value: DuckDB's reader drops
    /// them from text but not always before a cast, so the value is text.
    spaced: bool,
    column: usize,
    row: u64,
    header: bool,
    /// Lines above the header, not read.
    title: TitleLines,
    /// A CR ended the last record: a LF right after it belongs to it.
    after_cr: bool,
    /// Lines end with LF or CRLF (seen on a first one): values are found
    /// with memchr, a CR alone being the scan's error.
    lf_lines: bool,
    /// The values of the first record, when asked for ([`first_values`]).
    first: Option<Vec<Vec<u8>>>,
    started: bool,
}

impl ShapeTracker {
    pub fn new(options: &CsvOptions) -> ShapeTracker {
        let mut stops = [false; 256];
        for b in [options.delimiter, options.quote, b'\n', b'\r'] {
            stops[usize::from(b)] = true;
        }
        ShapeTracker {
            delimiter: options.delimiter,
            quote: options.quote,
            escape: options.escape,
            separators: Separators { decimal: options.decimal_separator, thousands: options.thousands_separator },
            nulls: options.nulls.iter().map(|n| n.as_bytes().to_vec()).collect(),
            stops,
            columns: Vec::new(),
            state: State::FieldStart,
            carry: Vec::new(),
            quoted: false,
            escaped: false,
            odd: false,
            spaced: false,
            column: 0,
            row: 0,
            header: options.header,
            title: TitleLines::new(options.skip),
            after_cr: false,
            lf_lines: false,
            first: None,
            started: false,
        }
    }

    pub fn feed(&mut self, mut chunk: &[u8]) {
        if !self.started {
            self.started = true;
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
        }
        let (mut i, _) = self.title.pass(chunk);
        // Where the current value starts in this chunk.
        let mut start = i;
        while i < chunk.len() {
            if self.state == State::FieldStart && self.carry.is_empty() && !self.header {
                i = self.plain_values(chunk, i);
                start = i;
                let Some(_) = chunk.get(i) else { break };
            }
            let b = chunk[i];
            match self.state {
                State::FieldStart => {
                    if std::mem::take(&mut self.after_cr) && b == b'\n' {
                        i += 1;
                        start = i;
                        continue;
                    }
                    start = i;
                    if b == self.quote {
                        self.quoted = true;
                        self.state = State::Quoted;
                        i += 1;
                    } else if b == b' ' && self.delimiter != b' ' {
                        self.state = State::OneSpace;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                    }
                }
                State::OneSpace => {
                    // One space before an opening quote is dropped (DuckDB's
                    // reader does); otherwise it is the value's.
                    if b == self.quote {
                        self.carry.clear();
                        start = i;
                        self.quoted = true;
                        self.spaced = true;
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                    }
                }
                State::Unquoted => {
                    while i < chunk.len() && !self.stops[usize::from(chunk[i])] {
                        i += 1;
                    }
                    let Some(&b) = chunk.get(i) else { break };
                    // A quote inside an unquoted value is a character of it.
                    if b != self.quote {
                        self.end_value(chunk, start, i, b);
                    }
                    i += 1;
                    start = if self.state == State::FieldStart { i } else { start };
                }
                State::Quoted => {
                    let next = if self.escape == self.quote {
                        memchr::memchr(self.quote, &chunk[i..])
                    } else {
                        memchr::memchr2(self.quote, self.escape, &chunk[i..])
                    };
                    let Some(offset) = next else { break };
                    i += offset;
                    self.state = if chunk[i] == self.quote && self.escape == self.quote {
                        State::QuoteInQuoted
                    } else if chunk[i] == self.quote {
                        State::AfterQuoted
                    } else {
                        State::EscapeInQuoted
                    };
                    i += 1;
                }
                State::QuoteInQuoted => {
                    if b == self.quote {
                        self.escaped = true;
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::AfterQuoted;
                    }
                }
                State::EscapeInQuoted => {
                    self.escaped = true;
                    self.state = State::Quoted;
                    i += 1;
                }
                State::AfterQuoted => {
                    // Spaces may follow the closing quote; anything else
                    // is refused by DuckDB's reader, and text here.
                    if b == self.delimiter || b == b'\n' || b == b'\r' {
                        self.end_value(chunk, start, i, b);
                        start = i + 1;
                    } else if b == b' ' {
                        self.spaced = true;
                    } else if b == self.quote && self.escape == self.quote {
                        // `"x" "y"` is one value, `x y`, for DuckDB's reader.
                        self.spaced = true;
                        self.state = State::Quoted;
                    } else {
                        self.odd = true;
                    }
                    i += 1;
                }
            }
        }
        if self.state != State::FieldStart {
            self.carry.extend_from_slice(&chunk[start.min(chunk.len())..]);
        }
    }

    /// Takes unquoted values from `i` on (the start of a value), the fast
    /// way: each runs to the next delimiter or line break, found with
    /// [`Self::stops`]. Returns where it stopped: at the start of a value
    /// the state machine takes (a quote in it, or the end of the chunk),
    /// with [`Self::column`] set for it.
    fn plain_values(&mut self, chunk: &[u8], mut i: usize) -> usize {
        if std::mem::take(&mut self.after_cr) && chunk.get(i) == Some(&b'\n') {
            i += 1;
        }
        let (mut column, mut from) = (self.column, i);
        loop {
            let mut end = from;
            let by = loop {
                if self.lf_lines {
                    end = memchr::memchr3(self.delimiter, self.quote, b'\n', &chunk[end..])
                        .map_or(chunk.len(), |at| end + at);
                } else {
                    while end < chunk.len() && !self.stops[usize::from(chunk[end])] {
                        end += 1;
                    }
                }
                match chunk.get(end) {
                    // A quote inside an unquoted value is a character of it.
                    Some(&b) if b == self.quote && !matches!(&chunk[from..end], [] | [b' ']) => end += 1,
                    by => break by.copied(),
                }
            };
            let Some(by) = by else { break };
            if by == self.quote || (by == b'\r' && end + 1 == chunk.len()) {
                break;
            }
            let mut value = &chunk[from..end];
            from = end + 1;
            if by == self.delimiter {
                self.add_plain(column, value);
                column += 1;
                continue;
            }
            // A line break (a CRLF is one); a blank line is no record.
            if by == b'\r' && chunk[from] == b'\n' {
                from += 1;
                self.lf_lines = true;
            } else if by == b'\n' {
                value = value.strip_suffix(b"\r").unwrap_or(value);
                self.lf_lines = true;
            }
            if column > 0 || !value.is_empty() {
                self.add_plain(column, value);
                self.row += 1;
            }
            column = 0;
        }
        self.column = column;
        from
    }

    /// Ends the value running from `start` (in this chunk, after what was
    /// carried) to `end`, at the byte `by`: a delimiter, or a line break.
    fn end_value(&mut self, chunk: &[u8], start: usize, end: usize, by: u8) {
        let carried = !self.carry.is_empty();
        let mut owned = Vec::new();
        if carried {
            self.carry.extend_from_slice(&chunk[start..end]);
            owned = std::mem::take(&mut self.carry);
        }
        let raw: &[u8] = if carried { &owned } else { &chunk[start..end] };
        let line_break = by != self.delimiter;
        // A line with nothing on it is no record.
        let blank = line_break && self.column == 0 && raw.is_empty() && !self.quoted;
        if !blank && !self.header {
            self.add_value(self.column, raw);
        }
        if carried {
            // The carry's memory, for the next value that spans chunks.
            owned.clear();
            self.carry = owned;
        }
        self.quoted = false;
        self.escaped = false;
        self.odd = false;
        self.spaced = false;
        self.state = State::FieldStart;
        if line_break {
            self.after_cr = by == b'\r';
            if !blank {
                if self.header {
                    self.header = false;
                } else {
                    self.row += 1;
                }
            }
            self.column = 0;
        } else {
            self.column += 1;
        }
    }

    fn add_value(&mut self, column: usize, raw: &[u8]) {
        let (value, shape) = if self.odd {
            (raw.to_vec(), Shape::Text)
        } else if self.quoted {
            let closed = raw.iter().rposition(|&b| b != b' ').map_or(raw, |last| &raw[..=last]);
            let inner = closed.strip_prefix(&[self.quote]).unwrap_or(closed);
            let inner = inner.strip_suffix(&[self.quote]).unwrap_or(inner);
            if self.escaped || self.spaced {
                (unescape(inner, self.quote, self.escape), Shape::Text)
            } else {
                (inner.to_vec(), shape_of(inner, self.separators))
            }
        } else {
            return self.add_plain(column, raw);
        };
        if let Some(first) = self.first.as_mut().filter(|_| self.row == 0) {
            first.push(value.clone());
        }
        self.widen(column);
        self.columns[column].add(shape, self.row, &value);
    }

    /// Adds an unquoted value: NULL, or one of a shape.
    fn add_plain(&mut self, column: usize, raw: &[u8]) {
        if let Some(first) = self.first.as_mut().filter(|_| self.row == 0) {
            first.push(raw.to_vec());
        }
        self.widen(column);
        if raw.is_empty() || self.nulls.iter().any(|n| n == raw) {
            return;
        }
        let shape = shape_of(raw, self.separators);
        self.columns[column].add(shape, self.row, raw);
    }

    /// Makes room for `column` (a column of NULLs has a shape too).
    fn widen(&mut self, column: usize) {
        if column >= self.columns.len() {
            self.columns.resize(column + 1, ColumnShape::default());
        }
    }

    /// A tracker for records that follow the ones this new tracker is
    /// fed, from the start of a record: no lines to skip, no header.
    fn following(&self) -> ShapeTracker {
        ShapeTracker { header: false, title: TitleLines::new(0), started: true, ..self.clone() }
    }

    /// Each column's shape, in the file's order; and the rows read.
    pub fn finish(self) -> Shapes {
        let mut shapes = self.values();
        shapes.columns.iter_mut().for_each(ColumnShape::settle);
        shapes
    }

    fn values(mut self) -> Shapes {
        self.end();
        Shapes { columns: self.columns, rows: self.row }
    }

    /// Ends the last record, when no line break ends it (an unclosed
    /// quote is the scan's error).
    fn end(&mut self) {
        let open = matches!(self.state, State::Quoted | State::EscapeInQuoted);
        if !open && (self.state != State::FieldStart || self.column > 0) {
            let chunk = std::mem::take(&mut self.carry);
            self.end_value(&chunk, 0, chunk.len(), b'\n');
        }
    }
}

/// Tracks shapes on worker threads: the bytes fed are cut after the last
/// record that ends in each chunk, and each stretch of whole records goes
/// to a tracker of its own; their shapes are merged in the file's order.
pub struct ShapeJobs<'scope> {
    sender: Option<std::sync::mpsc::SyncSender<(usize, Vec<u8>)>>,
    workers: Vec<std::thread::ScopedJoinHandle<'scope, Vec<(usize, Shapes)>>>,
    /// The bytes after the last record end.
    pending: Vec<u8>,
    sent: usize,
    /// Stretches tracked, whose memory is used again (a fresh megabyte
    /// for each would cost its page faults).
    spare: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl<'scope> ShapeJobs<'scope> {
    /// Starts the workers; `first` tracks the first stretch (with the
    /// lines skipped and the header), trackers following it the others.
    pub fn start<'env>(scope: &'scope std::thread::Scope<'scope, 'env>, first: ShapeTracker) -> ShapeJobs<'scope> {
        use std::sync::{Arc, Mutex};
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(4);
        let receiver = Arc::new(Mutex::new(receiver));
        let following = first.following();
        let first = Arc::new(Mutex::new(Some(first)));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
        let spare = Arc::new(Mutex::new(Vec::new()));
        let workers = (0..threads)
            .map(|_| {
                let (receiver, first, following) = (receiver.clone(), first.clone(), following.clone());
                let spare = spare.clone();
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let job = receiver.lock().expect("a shape worker panicked").recv();
                        let Ok((index, bytes)) = job else { break };
                        let mut tracker = match index {
                            0 => first.lock().expect("a shape worker panicked").take().expect("one first stretch"),
                            _ => following.clone(),
                        };
                        tracker.feed(&bytes);
                        done.push((index, tracker.finish()));
                        spare.lock().expect("a shape worker panicked").push(bytes);
                    }
                    done
                })
            })
            .collect();
        ShapeJobs { sender: Some(sender), workers, pending: Vec::new(), sent: 0, spare }
    }

    /// Takes the next chunk of the file; `record_end` is where the last
    /// record ending in it ends, if one does.
    pub fn feed(&mut self, chunk: &[u8], record_end: Option<usize>) {
        match record_end {
            Some(end) => {
                self.pending.extend_from_slice(&chunk[..end]);
                let mut next = self.spare.lock().expect("a shape worker panicked").pop().unwrap_or_default();
                next.clear();
                let stretch = std::mem::replace(&mut self.pending, next);
                self.send(stretch);
                self.pending.extend_from_slice(&chunk[end..]);
            }
            None => self.pending.extend_from_slice(chunk),
        }
    }

    fn send(&mut self, stretch: Vec<u8>) {
        if let Some(sender) = &self.sender {
            // A worker that stopped has panicked: joining it says so.
            let _ = sender.send((self.sent, stretch));
        }
        self.sent += 1;
    }

    /// The shapes of the whole file.
    pub fn finish(mut self) -> Shapes {
        if !self.pending.is_empty() || self.sent == 0 {
            let rest = std::mem::take(&mut self.pending);
            self.send(rest);
        }
        drop(self.sender.take());
        let mut done: Vec<(usize, Shapes)> =
            self.workers.into_iter().flat_map(|worker| worker.join().expect("a shape worker panicked")).collect();
        done.sort_by_key(|(index, _)| *index);
        Shapes::merged(done.iter().map(|(_, shapes)| shapes))
    }
}

/// How many values DuckDB's reader finds in `line`, one record.
pub fn count_values(line: &[u8], options: &CsvOptions) -> usize {
    let mut tracker = ShapeTracker::new(&CsvOptions { header: false, skip: 0, ..options.clone() });
    tracker.feed(line);
    tracker.finish().columns.len()
}

/// The values of the first record in `bytes` (after the lines `options`
/// skip), as DuckDB's reader splits them: a header's names.
pub fn first_values(bytes: &[u8], options: &CsvOptions) -> Vec<Vec<u8>> {
    let mut tracker = ShapeTracker::new(&CsvOptions { header: false, ..options.clone() });
    tracker.first = Some(Vec::new());
    tracker.feed(bytes);
    tracker.end();
    tracker.first.unwrap_or_default()
}

/// A quoted value without its escapes (`""` or the escape before a byte).
fn unescape(inner: &[u8], quote: u8, escape: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().peekable();
    while let Some(&b) = bytes.next() {
        if b == escape && (escape != quote || bytes.peek() == Some(&&quote)) {
            if let Some(&next) = bytes.next() {
                out.push(next);
            }
            continue;
        }
        out.push(b);
    }
    out
}

/// The shapes of a file's columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shapes {
    pub columns: Vec<ColumnShape>,
    /// Records below the header.
    pub rows: u64,
}

impl Shapes {
    /// The shapes of several files' columns, as one table's.
    pub fn merged<'a>(files: impl IntoIterator<Item = &'a Shapes>) -> Shapes {
        let mut all = Shapes::default();
        for shapes in files {
            if all.columns.len() < shapes.columns.len() {
                all.columns.resize(shapes.columns.len(), ColumnShape::default());
            }
            for (column, shape) in all.columns.iter_mut().zip(&shapes.columns) {
                column.merge(shape, all.rows);
            }
            all.rows += shapes.rows;
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> CsvOptions {
        CsvOptions { nulls: vec!["NULL".to_owned()], ..CsvOptions::default() }
    }

    /// Tracks `text` fed in chunks of every size from 1 to 7: the result
    /// must not depend on where the chunks end.
    fn track_with(text: &[u8], options: &CsvOptions) -> Shapes {
        let mut whole = ShapeTracker::new(options);
        whole.feed(text);
        let whole = whole.finish();
        for size in 1..8 {
            let mut tracker = ShapeTracker::new(options);
            for chunk in text.chunks(size) {
                tracker.feed(chunk);
            }
            assert_eq!(tracker.finish(), whole, "chunks of {size}");
        }
        whole
    }

    fn track(text: &[u8]) -> Shapes {
        track_with(text, &options())
    }

    fn shape(text: &str) -> Shape {
        shape_of(text.as_bytes(), Separators { decimal: b'.', thousands: None })
    }

    #[test]
    fn the_shape_of_a_value() {
        assert_eq!(shape("-20"), Shape::Int { digits: 2 });
        assert_eq!(shape("+0"), Shape::Int { digits: 1 });
        assert_eq!(shape("007"), Shape::Text, "a code");
        assert_eq!(shape("1.50"), Shape::Decimal { whole: 1, scale: 2 });
        assert_eq!(shape("0.5"), Shape::Decimal { whole: 1, scale: 1 });
        for text in [".5", "5.", "1e5", "1,000", " 5", "5 ", "--5", "0x1F", "1_000", "NaN", "inf", "", "+"] {
            assert_eq!(shape(text), Shape::Text, "{text:?}");
        }
        assert_eq!(shape("TRUE"), Shape::Boolean);
        assert_eq!(shape("t"), Shape::Text);
        assert_eq!(shape("2024-02-29"), Shape::Date);
        for text in ["2023-02-29", "2024-13-01", "2024-04-31", "0000-01-01", "2024-4-1", "2024/04/01"] {
            assert_eq!(shape(text), Shape::Text, "{text:?}");
        }
        for text in ["2024-04-23T11:30", "2024-04-23 11:30:05", "2024-04-23 11:30:05.123456"] {
            assert_eq!(shape(text), Shape::Timestamp, "{text:?}");
        }
        for text in ["2024-04-23 24:00", "2024-04-23 11:60", "2024-04-23 11:30:60", "2024-04-23 11:30:05.1234567"] {
            assert_eq!(shape(text), Shape::Text, "{text:?}");
        }
        let european = Separators { decimal: b',', thousands: Some(b'.') };
        assert_eq!(shape_of(b"1.234.567,5", european), Shape::Decimal { whole: 7, scale: 1 });
        assert_eq!(shape_of(b"-1.234", european), Shape::Int { digits: 4 });
        for text in ["1.23,5", "1234.567", ".123", "1.5", "012.345", "0.001"] {
            assert_eq!(shape_of(text.as_bytes(), european), Shape::Text, "{text:?}");
        }
    }

    #[test]
    fn values_are_split_as_the_scan_splits_records() {
        let shapes = track(b"a,b,c\n1,\"2.5\",x\r\n\"3\",NULL,\"y\"\"z\"\n-4,,\"p,q\"\n");
        assert_eq!(shapes.rows, 3);
        let [a, b, c] = &shapes.columns[..] else { panic!("three columns: {shapes:?}") };
        assert_eq!((a.values, a.failing, a.int_digits), (3, [3, 0, 0, 3, 3], 1));
        assert_eq!((b.values, b.failing[2], b.scale), (1, 0, 1), "NULL and the empty value are NULL");
        assert_eq!(c.failing, [3; 5]);
        assert_eq!(c.examples[0], [(0, "x".to_owned()), (1, "y\"z".to_owned()), (2, "p,q".to_owned())]);
    }

    #[test]
    fn quoted_nulls_and_odd_quotes_are_text() {
        let shapes = track(b"a\n\"\"\n\"NULL\"\n1\"2\"\n\"3\"4\n5\n");
        let a = &shapes.columns[0];
        assert_eq!(a.values, 5);
        assert_eq!(a.failing[1], 4);
        let texts: Vec<&str> = a.examples[1].iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["", "NULL", "1\"2\""]);
    }

    #[test]
    fn a_quote_opens_a_value_only_at_its_start() {
        // Inches: the quotes are characters, and the weight is the fourth value.
        let shapes = track(b"sku,screen,box,kg\nA2,27\",30\",5.25\n");
        assert_eq!((shapes.columns[3].scale, shapes.columns[3].failing[2]), (2, 0));
        assert_eq!(shapes.columns[1].examples[0][0].1, "27\"");
        // One space before an opening quote and any after a closing one are
        // dropped; after two, the quotes are characters.
        let shapes = track(b"a,b\n1, \"5,0\"  ,x\n2, \"6\"\n3,  \"7\"\n4,\"8\" \"9,0\"\n");
        assert_eq!(shapes.columns[1].examples[1][0].1, "5,0");
        assert_eq!(shapes.columns[1].examples[1][1].1, "6");
        assert_eq!(shapes.columns[1].examples[1][2].1, "  \"7\"");
        assert_eq!(shapes.columns[1].failing[1], 4, "a value with spaces around its quotes is text");
        assert_eq!(shapes.rows, 4);
        assert_eq!(shapes.columns[2].values, 1, "\"8\" \"9,0\" is one value: only x is a third");
    }

    #[test]
    fn a_header_is_split_as_duckdb_splits_it() {
        let names = |bytes: &[u8], options: &CsvOptions| -> Vec<String> {
            first_values(bytes, options).into_iter().map(|v| String::from_utf8(v).unwrap()).collect()
        };
        assert_eq!(names(b"a, \"b,c\"\n1,2\n", &options()), ["a", "b,c"]);
        assert_eq!(names(b"\"a\" ,b\r\n1,2\r\n", &options()), ["a", "b"]);
        assert_eq!(names(b"x,27\",\"p\"\"q\"", &options()), ["x", "27\"", "p\"q"]);
        assert_eq!(names(b"a,,c\n", &options()), ["a", "", "c"], "an empty name is the caller's error");
        let skipping = CsvOptions { skip: 1, ..options() };
        assert_eq!(names(b"title \"x\nid,name\n1,2\n", &skipping), ["id", "name"]);
    }

    #[test]
    fn title_lines_bom_blank_lines_and_line_endings() {
        let skipping = CsvOptions { skip: 2, ..options() };
        let shapes = track_with(b"\xEF\xBB\xBFtitle \"x\r\nunits\ra,b\r\n1,2\r\n\r\n3,4\r\n5,6", &skipping);
        assert_eq!(shapes.rows, 3);
        assert_eq!(shapes.columns[1].failing[1], 0);
        assert_eq!(shapes.columns[0].values, 3);
        assert_eq!(track(b"a,b\r1,2\r3,4\r").rows, 2, "CR alone ends lines");
        assert_eq!(track(b"a,b\r\n1,2\r\n3,4\n5,6").columns[1].failing[1], 0, "CRLF and LF");
        let no_header = CsvOptions { header: false, ..options() };
        assert_eq!(track_with(b"1\n2\n", &no_header).rows, 2);
    }

    #[test]
    fn an_escape_that_is_not_the_quote() {
        let options = CsvOptions { escape: b'\\', ..options() };
        let shapes = track_with(b"a,b\n\"x\\\"y\",1\n\"\\\\\",2\n", &options);
        assert_eq!(shapes.columns[0].examples[0][0], (0, "x\"y".to_owned()));
        assert_eq!(shapes.columns[0].examples[0][1], (1, "\\".to_owned()));
        assert_eq!(shapes.columns[1].failing[1], 0);
    }

    #[test]
    fn files_merge_with_their_rows_following() {
        let first = track(b"a\n1\nx\n");
        let second = track(b"a\ny\n2.5\n");
        let merged = Shapes::merged([&first, &second]);
        assert_eq!(merged.rows, 4);
        assert_eq!(merged.columns[0].examples[2], [(1, "x".to_owned()), (2, "y".to_owned())]);
        assert_eq!((merged.columns[0].values, merged.columns[0].scale), (4, 1));
    }

    /// What the csv crate reads from `bytes`, value by value, tracked as
    /// the tracker would: the reference the tracker must agree with.
    fn read_by_the_csv_crate(bytes: &[u8], quoted_always: bool) -> Shapes {
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let mut shapes = Shapes::default();
        for record in reader.byte_records() {
            let record = record.unwrap();
            shapes.columns.resize(shapes.columns.len().max(record.len()), ColumnShape::default());
            for (column, value) in record.iter().enumerate() {
                if value.is_empty() && !quoted_always {
                    continue;
                }
                let shape = shape_of(value, Separators { decimal: b'.', thousands: None });
                shapes.columns[column].add(shape, shapes.rows, value);
            }
            shapes.rows += 1;
        }
        shapes.columns.iter_mut().for_each(ColumnShape::settle);
        shapes
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, failure_persistence: None, ..Default::default() })]

        /// Random values (numbers, dates, text with delimiters, quotes and
        /// line breaks), written by the csv crate, are split and shaped as
        /// the csv crate reads them, in any chunks.
        #[test]
        fn values_are_what_the_csv_crate_reads(
            rows in proptest::collection::vec(proptest::collection::vec(proptest::sample::select(vec![
                "", "0", "12", "-7", "007", "1.50", "+0.25", "1e5", "NA", "true", "FALSE", "2024-02-29",
                "2024-02-30", "2024-04-23 10:00", "x,y", "say \"hi\"", "two\nlines", "cr\r\nlf", " 5", "\u{e9}t\u{e9}",
            ]), 3), 1..40),
            always in proptest::bool::ANY,
            crlf in proptest::bool::ANY,
            chunk in 1usize..64,
        ) {
            let mut writer = csv::WriterBuilder::new()
                .quote_style(if always { csv::QuoteStyle::Always } else { csv::QuoteStyle::Necessary })
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .from_writer(Vec::new());
            writer.write_record(["a", "b", "c"]).unwrap();
            for row in &rows {
                writer.write_record(row).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let expected = read_by_the_csv_crate(&bytes, always);
            let mut tracker = ShapeTracker::new(&CsvOptions { nulls: Vec::new(), ..options() });
            for piece in bytes.chunks(chunk) {
                tracker.feed(piece);
            }
            proptest::prop_assert_eq!(tracker.finish(), expected);
        }
    }
}
