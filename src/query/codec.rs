//! A query result as bytes, for the result cache ([`super::cache`]): every
//! cell exactly as the engine gave it (a HUGEINT sum stays a 128-bit
//! integer, a DECIMAL keeps its scale, a list its nesting), read back
//! without DuckDB.
//!
//! ```text
//! MAGIC  version (u32)  body length (u64)  SHA-256 of the body (32 bytes)  body
//! body:  key  name  columns (u32, then name and type of each)  rows (u64)  cells, row by row
//! cell:  a tag byte, then its value (little-endian numbers, u32-prefixed texts)
//! ```
//!
//! Decoding checks the length and the checksum before reading anything,
//! and never trusts a count: a truncated, torn or foreign file is `None`,
//! never a panic or a wrong result.

use sha2::{Digest, Sha256};

use crate::value::{Cell, Column, QueryResult};

const MAGIC: &[u8; 8] = b"LPRESULT";
/// Bumped whenever the body's layout changes: older files are then misses.
const VERSION: u32 = 1;
const HEADER: usize = MAGIC.len() + 4 + 8 + 32;
/// Lists and structs nested deeper than this are not written (DuckDB's own
/// types stop far earlier); reading refuses them too.
const MAX_DEPTH: usize = 64;

mod tag {
    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const INT: u8 = 3;
    pub const BIG_UNSIGNED: u8 = 4;
    pub const FLOAT: u8 = 5;
    pub const DECIMAL: u8 = 6;
    pub const TEXT: u8 = 7;
    pub const LIST: u8 = 8;
    pub const STRUCT: u8 = 9;
}

/// The bytes of `result` kept under `key`; `None` if it nests deeper than
/// [`MAX_DEPTH`].
pub fn encode(result: &QueryResult, key: &str) -> Option<Vec<u8>> {
    let mut body = Vec::with_capacity(64 + result.rows.len() * result.columns.len() * 10);
    text(&mut body, key);
    text(&mut body, &result.name);
    body.extend((result.columns.len() as u32).to_le_bytes());
    for column in &result.columns {
        text(&mut body, &column.name);
        text(&mut body, &column.type_name);
    }
    body.extend((result.rows.len() as u64).to_le_bytes());
    for row in &result.rows {
        if row.len() != result.columns.len() {
            return None;
        }
        for value in row {
            cell(&mut body, value, 0)?;
        }
    }
    let mut bytes = Vec::with_capacity(HEADER + body.len());
    bytes.extend(MAGIC);
    bytes.extend(VERSION.to_le_bytes());
    bytes.extend((body.len() as u64).to_le_bytes());
    bytes.extend(Sha256::digest(&body));
    bytes.extend(body);
    Some(bytes)
}

/// The result `bytes` hold, if they are whole, laporan's, and kept under
/// `key` (a file copied to another key's name is no result).
pub fn decode(bytes: &[u8], key: &str) -> Option<QueryResult> {
    let (header, body) = bytes.split_at_checked(HEADER)?;
    let (magic, rest) = header.split_at(MAGIC.len());
    let (version, rest) = rest.split_at(4);
    let (length, checksum) = rest.split_at(8);
    if magic != MAGIC
        || u32::from_le_bytes(version.try_into().ok()?) != VERSION
        || u64::from_le_bytes(length.try_into().ok()?) != body.len() as u64
        || Sha256::digest(body).as_slice() != checksum
    {
        return None;
    }
    let mut reader = Reader { bytes: body };
    if reader.text()? != key {
        return None;
    }
    let name = reader.text()?;
    let column_count = reader.u32()? as usize;
    let mut columns = Vec::with_capacity(column_count.min(reader.bytes.len()));
    for _ in 0..column_count {
        columns.push(Column { name: reader.text()?, type_name: reader.text()? });
    }
    let row_count = reader.u64()?;
    // Every cell takes a byte at least: more rows than bytes left is a
    // forged count (and a result has a column).
    if row_count > reader.bytes.len() as u64 || (column_count == 0 && row_count > 0) {
        return None;
    }
    let mut rows = Vec::with_capacity((row_count as usize).min(reader.bytes.len()));
    for _ in 0..row_count {
        let mut row = Vec::with_capacity(column_count);
        for _ in 0..column_count {
            row.push(reader.cell(0)?);
        }
        rows.push(row);
    }
    reader.bytes.is_empty().then(|| QueryResult::new(name, columns, rows))
}

fn text(out: &mut Vec<u8>, text: &str) {
    out.extend((text.len() as u32).to_le_bytes());
    out.extend(text.as_bytes());
}

fn cell(out: &mut Vec<u8>, value: &Cell, depth: usize) -> Option<()> {
    match value {
        Cell::Null => out.push(tag::NULL),
        Cell::Bool(false) => out.push(tag::FALSE),
        Cell::Bool(true) => out.push(tag::TRUE),
        Cell::Int(n) => {
            out.push(tag::INT);
            out.extend(n.to_le_bytes());
        }
        Cell::BigUnsigned(n) => {
            out.push(tag::BIG_UNSIGNED);
            out.extend(n.to_le_bytes());
        }
        Cell::Float(x) => {
            out.push(tag::FLOAT);
            out.extend(x.to_bits().to_le_bytes());
        }
        Cell::Decimal { unscaled, scale } => {
            out.push(tag::DECIMAL);
            out.extend(unscaled.to_le_bytes());
            out.push(*scale);
        }
        Cell::Text(s) => {
            out.push(tag::TEXT);
            text(out, s);
        }
        Cell::List(items) => {
            if depth >= MAX_DEPTH {
                return None;
            }
            out.push(tag::LIST);
            out.extend((items.len() as u32).to_le_bytes());
            for item in items {
                cell(out, item, depth + 1)?;
            }
        }
        Cell::Struct(fields) => {
            if depth >= MAX_DEPTH {
                return None;
            }
            out.push(tag::STRUCT);
            out.extend((fields.len() as u32).to_le_bytes());
            for (name, item) in fields {
                text(out, name);
                cell(out, item, depth + 1)?;
            }
        }
    }
    Some(())
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (taken, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(taken)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn text(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }

    fn cell(&mut self, depth: usize) -> Option<Cell> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match self.array::<1>()?[0] {
            tag::NULL => Cell::Null,
            tag::FALSE => Cell::Bool(false),
            tag::TRUE => Cell::Bool(true),
            tag::INT => Cell::Int(i128::from_le_bytes(self.array()?)),
            tag::BIG_UNSIGNED => Cell::BigUnsigned(u128::from_le_bytes(self.array()?)),
            tag::FLOAT => Cell::Float(f64::from_bits(u64::from_le_bytes(self.array()?))),
            tag::DECIMAL => {
                Cell::Decimal { unscaled: i128::from_le_bytes(self.array()?), scale: self.array::<1>()?[0] }
            }
            tag::TEXT => Cell::Text(self.text()?),
            tag::LIST => {
                let count = self.u32()? as usize;
                let mut items = Vec::with_capacity(count.min(self.bytes.len()));
                for _ in 0..count {
                    items.push(self.cell(depth + 1)?);
                }
                Cell::List(items)
            }
            tag::STRUCT => {
                let count = self.u32()? as usize;
                let mut fields = Vec::with_capacity(count.min(self.bytes.len()));
                for _ in 0..count {
                    fields.push((self.text()?, self.cell(depth + 1)?));
                }
                Cell::Struct(fields)
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_cell() -> impl Strategy<Value = Cell> {
        let leaf = prop_oneof![
            Just(Cell::Null),
            any::<bool>().prop_map(Cell::Bool),
            any::<i128>().prop_map(Cell::Int),
            any::<u128>().prop_map(Cell::BigUnsigned),
            any::<f64>().prop_map(Cell::Float),
            (any::<i128>(), 0u8..=38).prop_map(|(unscaled, scale)| Cell::Decimal { unscaled, scale }),
            ".*".prop_map(Cell::Text),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Cell::List),
                prop::collection::vec(("[a-z]{0,3}", inner), 0..4).prop_map(Cell::Struct),
            ]
        })
    }

    fn any_result() -> impl Strategy<Value = QueryResult> {
        (1usize..4).prop_flat_map(|width| {
            (
                ".*",
                prop::collection::vec((".*", "[A-Z(),0-9]*"), width),
                prop::collection::vec(prop::collection::vec(any_cell(), width), 0..6),
            )
                .prop_map(|(name, columns, rows)| {
                    let columns = columns.into_iter().map(|(name, type_name)| Column { name, type_name }).collect();
                    QueryResult::new(name, columns, rows)
                })
        })
    }

    /// Floats compared by their bits: NaN is kept, and -0.0 stays -0.0.
    fn same(a: &QueryResult, b: &QueryResult) -> bool {
        fn cells(a: &Cell, b: &Cell) -> bool {
            match (a, b) {
                (Cell::Float(x), Cell::Float(y)) => x.to_bits() == y.to_bits(),
                (Cell::List(x), Cell::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| cells(a, b)),
                (Cell::Struct(x), Cell::Struct(y)) => {
                    x.len() == y.len() && x.iter().zip(y).all(|((n, a), (m, b))| n == m && cells(a, b))
                }
                _ => a == b,
            }
        }
        a.name == b.name
            && a.columns == b.columns
            && a.rows.len() == b.rows.len()
            && a.rows.iter().zip(&b.rows).all(|(x, y)| x.iter().zip(y).all(|(a, b)| cells(a, b)))
    }

    proptest! {
        #[test]
        fn every_result_comes_back_exactly(result in any_result()) {
            let bytes = encode(&result, "k").unwrap();
            prop_assert!(same(&decode(&bytes, "k").unwrap(), &result));
        }

        #[test]
        fn a_damaged_file_is_no_result(result in any_result(), at in any::<prop::sample::Index>(), flip in 1u8..=255) {
            let bytes = encode(&result, "k").unwrap();
            // Cut anywhere: nothing.
            prop_assert!(decode(&bytes[..at.index(bytes.len())], "k").is_none());
            // A byte changed anywhere: nothing.
            let mut damaged = bytes.clone();
            let i = at.index(damaged.len());
            damaged[i] ^= flip;
            prop_assert!(decode(&damaged, "k").is_none());
        }
    }

    #[test]
    fn exact_values_stay_exact() {
        let columns = vec![
            Column { name: "sum".into(), type_name: "HUGEINT".into() },
            Column { name: "amount".into(), type_name: "DECIMAL(38,2)".into() },
            Column { name: "big".into(), type_name: "UHUGEINT".into() },
        ];
        let rows = vec![vec![
            Cell::Int(i128::MAX),
            Cell::Decimal { unscaled: -1_420_969_827, scale: 2 },
            Cell::BigUnsigned(u128::MAX),
        ]];
        let result = QueryResult::new("q".into(), columns, rows);
        let back = decode(&encode(&result, "k").unwrap(), "k").unwrap();
        assert_eq!(back.rows, result.rows);
        assert_eq!(back.columns, result.columns);
    }

    #[test]
    fn a_result_is_read_only_under_its_own_key() {
        let result = QueryResult::new("q".into(), vec![Column { name: "x".into(), type_name: "X".into() }], vec![]);
        let bytes = encode(&result, "k").unwrap();
        assert!(decode(&bytes, "k").is_some());
        assert!(decode(&bytes, "other").is_none());
    }

    #[test]
    fn nesting_past_the_limit_is_not_written() {
        let mut value = Cell::Null;
        for _ in 0..=MAX_DEPTH {
            value = Cell::List(vec![value]);
        }
        let result =
            QueryResult::new("q".into(), vec![Column { name: "x".into(), type_name: "X".into() }], vec![vec![value]]);
        assert!(encode(&result, "k").is_none());
    }
}
