//! Message catalogues: `report_templates/_messages/LOCALE.toml`, the words
//! of one template in each language it is rendered in (`t("key")`).
//!
//! A catalogue is a TOML file of strings, in tables if wanted
//! (`[summary] events = "Events"` is `t("summary.events")`). A message may
//! name values to put in (`"{n} countries"`, `t("countries", n=136)`), and
//! may have a form for one and for other counts
//! (`events = { one = "{count} event", other = "{count} events" }`,
//! chosen by `count=`). The file's name is its locale's tag.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location};
use crate::locale::Locale;

/// Where catalogues are, in `report_templates/`.
pub const MESSAGES_DIR: &str = "_messages";

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Text(String),
    /// Chosen by `count`: `one` when it is 1.
    Plural {
        one: String,
        other: String,
    },
}

/// Every catalogue of the project, by locale.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    catalogues: BTreeMap<&'static str, Catalogue>,
}

#[derive(Debug, Clone, Default)]
struct Catalogue {
    /// As the user names it: `report_templates/_messages/en.toml`.
    path: PathBuf,
    /// By dotted key.
    messages: BTreeMap<String, Message>,
}

impl Messages {
    /// `locale`'s message `key`.
    pub fn get(&self, locale: Locale, key: &str) -> Option<&Message> {
        self.catalogues.get(locale.tag())?.messages.get(key)
    }

    /// The catalogue file of `locale` (as shown), if there is one.
    pub fn file(&self, locale: Locale) -> Option<&Path> {
        self.catalogues.get(locale.tag()).map(|c| c.path.as_path())
    }

    /// The keys of `locale`'s catalogue.
    pub fn keys(&self, locale: Locale) -> Vec<String> {
        self.catalogues.get(locale.tag()).map(|c| c.messages.keys().cloned().collect()).unwrap_or_default()
    }

    /// Reads the catalogues in `dir` (`shown` as shown to the user), files
    /// of the project at `root` (never through a link out of it); each
    /// problem is added to `problems`, and a key one catalogue has and
    /// another lacks to `warnings`.
    pub fn read(
        root: &Path,
        dir: &Path,
        shown: &Path,
        problems: &mut Vec<Error>,
        warnings: &mut Vec<Error>,
    ) -> Messages {
        let mut messages = Messages::default();
        let Ok(entries) = std::fs::read_dir(dir) else { return messages };
        let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
            if name.starts_with('.') {
                continue;
            }
            let shown_path = shown.join(&name);
            let regular = std::fs::metadata(&path).is_ok_and(|m| m.is_file());
            if !regular || !crate::project::resolves_inside(&path, root).unwrap_or(false) {
                problems.push(
                    Error::project(format!("{} is not a file of the project", shown_path.display()))
                        .at(Location::file(&shown_path))
                        .help("a catalogue must be a regular file inside the project, not a link out of it"),
                );
                continue;
            }
            let Some(tag) = name.strip_suffix(".toml") else {
                problems.push(
                    Error::project(format!("{} is not a message catalogue", shown_path.display()))
                        .at(Location::file(&shown_path))
                        .help("catalogues are LOCALE.toml files, such as en.toml"),
                );
                continue;
            };
            let locale = match tag.parse::<Locale>() {
                Ok(locale) => locale,
                Err(e) => {
                    problems.push(
                        Error::project(format!("{}: {e}", shown_path.display()))
                            .at(Location::file(&shown_path))
                            .help("name each catalogue after its locale, such as en.toml or id.toml"),
                    );
                    continue;
                }
            };
            let text = match crate::project::read_text(&path, &shown_path) {
                Ok(text) => text,
                Err(error) => {
                    problems.push(error);
                    continue;
                }
            };
            let mut catalogue = Catalogue { path: shown_path.clone(), messages: BTreeMap::new() };
            match text.parse::<toml::Table>() {
                Ok(table) => flatten(&table, "", &text, &shown_path, &mut catalogue.messages, problems),
                Err(e) => {
                    let at = e.span().map_or_else(
                        || Location::file(&shown_path),
                        |span| Location::at_offset(&shown_path, &text, span.start),
                    );
                    problems.push(Error::project(format!("{}: {}", shown_path.display(), e.message().trim())).at(at));
                    continue;
                }
            }
            messages.catalogues.insert(locale.tag(), catalogue);
        }
        // A key in one catalogue and not in another: the template renders
        // in one language and fails in the other.
        for (tag, catalogue) in &messages.catalogues {
            for (other_tag, other) in &messages.catalogues {
                if tag == other_tag {
                    continue;
                }
                let missing: Vec<&str> = catalogue
                    .messages
                    .keys()
                    .filter(|k| !other.messages.contains_key(*k))
                    .map(String::as_str)
                    .collect();
                if let Some(first) = missing.first() {
                    let more =
                        if missing.len() > 1 { format!(" and {} more", missing.len() - 1) } else { String::new() };
                    warnings.push(
                        Error::project(format!(
                            "message {first}{more} of {} is not in {}",
                            catalogue.path.display(),
                            other.path.display()
                        ))
                        .at(Location::file(&other.path))
                        .help(format!("translate it into {other_tag}, or a report in {other_tag} stops at it")),
                    );
                }
            }
        }
        messages
    }
}

/// Adds the messages of `table` under `prefix` to `into`.
fn flatten(
    table: &toml::Table,
    prefix: &str,
    text: &str,
    path: &Path,
    into: &mut BTreeMap<String, Message>,
    problems: &mut Vec<Error>,
) {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        let plural = |t: &toml::Table| match (t.get("one"), t.get("other"), t.len()) {
            (Some(toml::Value::String(one)), Some(toml::Value::String(other)), 2) => {
                Some(Message::Plural { one: one.clone(), other: other.clone() })
            }
            _ => None,
        };
        match value {
            toml::Value::String(s) => {
                into.insert(key, Message::Text(s.clone()));
            }
            toml::Value::Table(t) => match plural(t) {
                Some(message) => {
                    into.insert(key, message);
                }
                None => flatten(t, &key, text, path, into, problems),
            },
            _ => {
                let line = text.lines().position(|l| l.trim_start().starts_with(name.as_str())).map_or(1, |i| i + 1);
                problems.push(
                    Error::project(format!("{}: message {key} is not text", path.display()))
                        .at(Location::in_source(path, text, line, None))
                        .help(format!("write it in quotes, such as {name} = \"…\"")),
                );
            }
        }
    }
}

/// The message with its `{name}` places filled from `values`; `{{` and
/// `}}` are braces. A place no value fills is an error.
pub fn fill(message: &str, values: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    name.push(c);
                }
                if !closed {
                    return Err("the message has a { without its }: write {{ for a brace".to_owned());
                }
                if name.trim().is_empty() {
                    return Err("the message has an empty place {}: name it, such as {count}".to_owned());
                }
                match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        return Err(format!("the message has a place {{{name}}} that no value fills: pass {name}=…"));
                    }
                }
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn places_are_filled_by_name() {
        let values = vec![("n".to_owned(), "136".to_owned())];
        assert_eq!(fill("{n} countries", &values).unwrap(), "136 countries");
        assert_eq!(fill("{{literal}} {n}", &values).unwrap(), "{literal} 136");
        assert!(fill("{m} countries", &values).unwrap_err().contains("pass m="));
        assert!(fill("{n countries", &values).unwrap_err().contains("without its"));
        assert!(fill("{} countries", &values).unwrap_err().contains("empty place"));
        assert_eq!(fill("no places", &values).unwrap(), "no places");
        let braces = vec![("n".to_owned(), "}}{x}".to_owned())];
        assert_eq!(fill("{n}", &braces).unwrap(), "}}{x}", "values are not read again");
    }
}
