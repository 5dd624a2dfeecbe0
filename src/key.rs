//! Content keys: every cache and build key laporan makes (a report's build,
//! the site index, a data test that passed, a dataset's declaration, a
//! query call) is one [`Key`], a SHA-256 over labelled parts, each
//! length-prefixed so that no two different sequences of parts hash alike.
//! Nothing is keyed by `Debug` output, whose form no one promises.

use sha2::{Digest, Sha256};

use crate::params::ParamValue;

#[derive(Clone)]
pub struct Key(Sha256);

impl Key {
    /// A key for `what` ("report", "data test", …) in this laporan version.
    pub fn new(what: &str) -> Key {
        let mut key = Key(Sha256::new());
        key.add(what).add(env!("CARGO_PKG_VERSION"));
        key
    }

    pub fn add(&mut self, part: impl AsRef<[u8]>) -> &mut Key {
        let bytes = part.as_ref();
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// An optional part: absent and present-but-empty differ.
    pub fn add_option(&mut self, part: Option<impl AsRef<[u8]>>) -> &mut Key {
        match part {
            Some(part) => self.add("some").add(part),
            None => self.add("none"),
        }
    }

    /// A typed value: its type and its canonical text (`5` the integer and
    /// `'5'` the text differ).
    pub fn add_value(&mut self, value: &ParamValue) -> &mut Key {
        self.add(value.type_name()).add(value.to_string())
    }

    /// The key, as 64 hexadecimal digits.
    pub fn finish(&self) -> String {
        self.0.clone().finalize().iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_every_part_and_its_boundaries() {
        let key = |parts: &[&str]| {
            let mut key = Key::new("test");
            for part in parts {
                key.add(part);
            }
            key.finish()
        };
        assert_eq!(key(&["a", "b"]), key(&["a", "b"]));
        assert_ne!(key(&["a", "b"]), key(&["ab"]));
        assert_ne!(key(&["a", "b"]), key(&["a", "c"]));
        assert_ne!(key(&["a", ""]), key(&["a"]));
        assert_ne!(Key::new("x").finish(), Key::new("y").finish());
        assert_ne!(Key::new("x").add_option(Some("")).finish(), Key::new("x").add_option(None::<&str>).finish());
        let value = |v: ParamValue| Key::new("v").add_value(&v).finish();
        assert_ne!(value(ParamValue::Integer(5)), value(ParamValue::Text("5".into())));
        assert_ne!(value(ParamValue::Null), value(ParamValue::Text("NULL".into())));
    }
}
