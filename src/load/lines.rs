//! Lines above a CSV header (a title, a line of units), skipped as a file's
//! chunks arrive. They are free text: a line ends at LF, CRLF or CR, quotes
//! or not, and a CRLF may be split between two chunks.

/// The title lines still to skip.
#[derive(Debug, Clone)]
pub struct TitleLines {
    left: u64,
    /// The last line skipped ended with a CR at the end of a chunk: a LF
    /// starting the next one belongs to it.
    cr_at_end: bool,
}

impl TitleLines {
    pub fn new(lines: u64) -> TitleLines {
        TitleLines { left: lines, cr_at_end: false }
    }

    /// Skips what `chunk` holds of the title lines: where the bytes after
    /// them start (its length while lines remain), and how many lines ended
    /// in it.
    pub fn pass(&mut self, chunk: &[u8]) -> (usize, u64) {
        let mut i = usize::from(std::mem::take(&mut self.cr_at_end) && chunk.first() == Some(&b'\n'));
        let mut ended = 0;
        while self.left > 0 && i < chunk.len() {
            let Some(end) = memchr::memchr2(b'\n', b'\r', &chunk[i..]) else { return (chunk.len(), ended) };
            i += end + 1;
            if chunk[i - 1] == b'\r' {
                match chunk.get(i) {
                    Some(b'\n') => i += 1,
                    Some(_) => {}
                    None => self.cr_at_end = true,
                }
            }
            self.left -= 1;
            ended += 1;
        }
        (i, ended)
    }
}

/// `bytes` after its first `lines` lines (empty when it has no more).
pub fn skip_lines(bytes: &[u8], lines: u64) -> &[u8] {
    let mut title = TitleLines::new(lines);
    let (start, _) = title.pass(bytes);
    if title.left > 0 { &[] } else { &bytes[start..] }
}
