//! `index.html` of the output folder: every published page, grouped by
//! period (newest first), with links. Its template is built in
//! (`index.html.j2`); it reads the pages that exist, so a removed report
//! or period is never linked, and takes their titles as the builds that
//! wrote them recorded them (never read back out of the HTML).

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, Value, context};

use super::PublishedPage;
use crate::locale::Locale;
use crate::period::Period;
use crate::render::{format, markdown};

const SITE_INDEX: &str = include_str!("index.html.j2");

/// `index.html` for the output folder: every published page, grouped by
/// period, newest first; pages of no period (whole-data builds) come first.
/// In each, the pages of an `each` report are listed under its title
/// (`groups`: report name → title).
pub fn site_index(
    pages: &[PublishedPage],
    groups: &BTreeMap<String, String>,
    title: &str,
    locale: Locale,
    generated_at: &str,
) -> String {
    let mut folders: Vec<Option<&str>> = Vec::new();
    for page in pages {
        if !folders.contains(&page.folder.as_deref()) {
            folders.push(page.folder.as_deref());
        }
    }
    // No period first, then periods from the newest; unknown folders last.
    let key = |folder: &Option<&str>| match folder {
        None => (0, None, String::new()),
        Some(name) => match name.parse::<Period>() {
            Ok(period) => {
                (1, Some(std::cmp::Reverse((period.end(), std::cmp::Reverse(period.start())))), String::new())
            }
            Err(_) => (2, None, (*name).to_owned()),
        },
    };
    folders.sort_by_key(key);
    let all_data = locale.words().ui.all_data;
    let groups: Vec<Value> = folders
        .iter()
        .map(|folder| {
            let label = match folder {
                None => all_data.to_owned(),
                Some(name) => name.parse::<Period>().map_or((*name).to_owned(), |p| format::period_name(&p, locale)),
            };
            let in_folder: Vec<&PublishedPage> = pages.iter().filter(|p| p.folder.as_deref() == *folder).collect();
            let mut names: Vec<&str> = in_folder.iter().filter_map(|p| p.group.as_deref()).collect();
            names.dedup();
            let subgroups: Vec<Value> = names
                .iter()
                .map(|name| {
                    let members = in_folder.iter().filter(|p| p.group.as_deref() == Some(*name));
                    let label = groups.get(*name).map_or(*name, String::as_str);
                    context! { label => label, pages => links(members.copied()) }
                })
                .collect();
            let plain = in_folder.iter().filter(|p| p.group.is_none()).copied();
            context! { label => label, pages => links(plain), groups => subgroups }
        })
        .collect();
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    let rendered = env.render_str(
        SITE_INDEX,
        context! {
            title => title,
            locale => locale.tag(),
            ui => Value::from_iter(locale.words().ui.entries()),
            groups => groups,
            version => env!("CARGO_PKG_VERSION"),
            generated_at => generated_at,
        },
    );
    rendered.expect("the built-in index template renders")
}

/// Pages as the index template lists them, by title.
fn links<'a>(pages: impl Iterator<Item = &'a PublishedPage>) -> Vec<Value> {
    let mut pages: Vec<&PublishedPage> = pages.collect();
    pages.sort_by(|a, b| a.title.cmp(&b.title).then(a.href.cmp(&b.href)));
    pages
        .iter()
        .map(|p| {
            let href = markdown::html_escaped(&url_path(&p.href));
            context! { href => Value::from_safe_string(href), file => Value::from_safe_string(markdown::html_escaped(&p.href)), title => p.title.clone() }
        })
        .collect()
}

/// A relative path as a URL path: every byte but letters, digits, `-`,
/// `.`, `_`, `~` and the `/` between folders percent-encoded, so that a
/// report named `q#1 ?` links to its page, not to `q`.
fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn links_encode_what_a_url_would_read_otherwise() {
        assert_eq!(super::url_path("2024-Q2/cooperation_report.html"), "2024-Q2/cooperation_report.html");
        assert_eq!(super::url_path("q#1 ?x.html"), "q%231%20%3Fx.html");
        assert_eq!(super::url_path("kerja sama ü.html"), "kerja%20sama%20%C3%BC.html");
    }
}
