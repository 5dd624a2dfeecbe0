//! The hostile corpus: each folder in `tests/hostile/` is an attack on
//! laporan, by a project received from someone else or by crafted data, and
//! one test. See `tests/hostile/README.md` for how a case is written.
//!
//! Every case, whatever it expects, must leave the machine as it was: no
//! file written or changed outside the project's `out/` and `.laporan/`,
//! no connection to the network (a canary server on 127.0.0.1 counts the
//! connections every case is invited to make), no file from outside the
//! project in anything printed or published, no markup from data live in
//! any page (and in no Markdown file once converted), the loaded data
//! unchanged, and no panic: a clear error, or inert output.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod common;
use common::Canary;

/// What the files outside the project say; it must never come out.
const SECRET: &str = "the outside world";
/// What attacks in data put where live markup would run.
const MARKER: &str = "PWNED";

/// Replaces the placeholders a case may use: `{{OUTSIDE}}` (a folder beside
/// the project, with secrets in it) and `{{CANARY}}` (the canary's address).
fn fill(text: &str, outside: &Path, canary: &Canary) -> String {
    text.replace("{{OUTSIDE}}", &outside.to_string_lossy()).replace("{{CANARY}}", &canary.address())
}

/// Copies a case's project, filling placeholders in every text file.
fn copy_filled(from: &Path, to: &Path, outside: &Path, canary: &Canary) {
    fs::create_dir_all(to).unwrap();
    // git keeps no empty folder: a case whose project is only its `setup`
    // has none.
    let Ok(entries) = fs::read_dir(from) else { return };
    for entry in entries {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_filled(&entry.path(), &target, outside, canary);
        } else {
            let bytes = fs::read(entry.path()).unwrap();
            match String::from_utf8(bytes) {
                Ok(text) => fs::write(target, fill(&text, outside, canary)).unwrap(),
                Err(e) => fs::write(target, e.into_bytes()).unwrap(),
            }
        }
    }
}

/// Every file under `dir` but those in `skip`, with its bytes; links are
/// listed, not followed.
fn files(dir: &Path, skip: &[PathBuf]) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return out;
    }
    let Ok(entries) = fs::read_dir(dir) else { return out };
    for entry in entries {
        let path = entry.unwrap().path();
        if skip.contains(&path) {
            continue;
        }
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            out.extend(files(&path, skip));
        } else if meta.is_file() {
            out.push((path.clone(), fs::read(&path).unwrap()));
        } else {
            out.push((path, Vec::new()));
        }
    }
    out.sort();
    out
}

/// Runs laporan in `project`, or with `-C` first, from the folder beside it
/// (as a user pointing at a project from elsewhere).
fn laporan(project: &Path, args: &[String]) -> Output {
    let dir = if args.first().is_some_and(|a| a == "-C") {
        project.parent().unwrap().join("outside")
    } else {
        project.to_path_buf()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hung command is a failure of its own, not a hung test run.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("laporan {args:?} did not finish in 2 minutes: {}", String::from_utf8_lossy(&output.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A digest of every loaded table's contents, or `None` without data.
fn data_digest(project: &Path) -> Option<String> {
    let run = |sql: &str| {
        let output =
            laporan(project, &["-q", "query", "--no-load", "--format", "csv", "--sql", sql].map(str::to_owned));
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let tables = run("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1")?;
    let mut digest = String::new();
    for table in tables.lines().skip(1) {
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let sql = format!(
            "SELECT count(*) AS n, md5(coalesce(string_agg(CAST(t AS VARCHAR), '|' ORDER BY CAST(t AS VARCHAR)), '')) AS h FROM {quoted} AS t"
        );
        digest.push_str(&format!("{table}: {}", run(&sql)?));
    }
    Some(digest)
}

/// A start tag: its name and attributes, parsed as a browser does (quoted
/// values run to their closing quote).
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
}

/// The start tags of `html`, outside comments.
fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        if bytes[i] != b'<' || !bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()) {
            i += html[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let start = i;
        i += 1;
        let name_end =
            html[i..].find(|c: char| c.is_whitespace() || c == '>' || c == '/').map_or(bytes.len(), |e| i + e);
        let name = html[i..name_end].to_ascii_lowercase();
        i = name_end;
        let mut attributes = Vec::new();
        while i < bytes.len() && bytes[i] != b'>' {
            if bytes[i].is_ascii_whitespace() || bytes[i] == b'/' {
                i += 1;
                continue;
            }
            let attr_end = html[i..]
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
                .map_or(bytes.len(), |e| i + e);
            let attr = html[i..attr_end].to_ascii_lowercase();
            i = attr_end;
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') {
                i += 1;
                match bytes.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let close = html[i + 1..].find(q as char).map_or(bytes.len(), |e| i + 1 + e);
                        value = html[i + 1..close.min(bytes.len())].to_owned();
                        i = close + 1;
                    }
                    _ => {
                        let end =
                            html[i..].find(|c: char| c.is_whitespace() || c == '>').map_or(bytes.len(), |e| i + e);
                        value = html[i..end].to_owned();
                        i = end;
                    }
                }
            }
            attributes.push((attr, value));
        }
        tags.push(Tag { name, attributes, text: html[start..(i + 1).min(bytes.len())].chars().take(300).collect() });
        i += 1;
    }
    tags
}

/// Markup in `html` that data could have made live: a marker from data in
/// a tag's or attribute's name, in an event handler, a style or a URL; and,
/// when `strict` (the attack is in the data only), any script, frame,
/// object, image, style, form or event handler in the body at all.
fn live_markup(html: &str, strict: bool) -> Vec<String> {
    let body = html.find("<body").map_or(html, |at| &html[at..]);
    let mut found = Vec::new();
    for tag in tags(body) {
        let marked = tag.name.contains(&MARKER.to_ascii_lowercase())
            || tag.attributes.iter().any(|(name, value)| {
                name.contains(&MARKER.to_ascii_lowercase())
                    || (value.contains(MARKER)
                        && (name.starts_with("on")
                            || ["href", "src", "style", "action", "srcdoc", "xlink:href"].contains(&name.as_str())))
            });
        let bad = strict
            && (["script", "iframe", "object", "embed", "img", "style", "link", "meta", "base", "form"]
                .contains(&tag.name.as_str())
                || tag.attributes.iter().any(|(name, value)| {
                    name.starts_with("on") || value.trim().to_ascii_lowercase().starts_with("javascript:")
                }));
        if marked || bad {
            found.push(tag.text);
        }
    }
    found
}

/// Sends `requests` (raw HTTP, separated by `---` lines) to `laporan serve`
/// and returns each response's status line.
fn serve(project: &Path, requests: &str) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .args(["serve", "--port", "0"])
        .current_dir(project)
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("serve printed its address").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let mut statuses = Vec::new();
    for request in requests.split("\n---\n") {
        let request = request.replace("{{ADDRESS}}", &address).replace('\n', "\r\n");
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let _ = stream.write_all(request.as_bytes());
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let response = String::from_utf8_lossy(&response).into_owned();
        assert!(!response.contains(SECRET), "serve sent a file from outside:\n{response}");
        statuses.push(response.lines().next().unwrap_or("(connection closed)").to_owned());
    }
    let _ = child.kill();
    let _ = child.wait();
    statuses
}

#[test]
fn hostile_corpus() {
    insta::glob!("hostile/*/args", |args_path| {
        let case = args_path.parent().unwrap();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let canary = Canary::start();
        let outer = TempDir::new().unwrap();
        let outside = outer.path().join("outside");
        fs::create_dir_all(outside.join("folder")).unwrap();
        fs::write(outside.join("secret.txt"), format!("{SECRET}\n")).unwrap();
        fs::write(outside.join("secret.csv"), format!("secret\n{SECRET}\n")).unwrap();
        fs::write(outside.join("secret.sql"), format!("SELECT '{SECRET}' AS secret\n")).unwrap();
        fs::write(outside.join("folder/secret.csv"), format!("secret\n{SECRET}\n")).unwrap();
        let project = outer.path().join("project");
        copy_filled(&case.join("project"), &project, &outside, &canary);
        // Links and FIFOs cannot live in git: `setup` makes them.
        if let Ok(setup) = fs::read_to_string(case.join("setup")) {
            for line in fill(&setup, &outside, &canary).lines().filter(|l| !l.trim().is_empty()) {
                let path = project.join(line.split_whitespace().nth(1).unwrap());
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                match line.split_whitespace().next().unwrap() {
                    "link" => std::os::unix::fs::symlink(line.split(" -> ").nth(1).unwrap(), &path).unwrap(),
                    "fifo" => assert!(Command::new("mkfifo").arg(&path).status().unwrap().success()),
                    other => panic!("{name}: unknown setup line {other}"),
                }
            }
        }
        let args: Vec<String> =
            fill(&fs::read_to_string(args_path).unwrap(), &outside, &canary).lines().map(str::to_owned).collect();
        let expect = fs::read_to_string(case.join("expect")).unwrap_or_default();
        let skip = [project.join("out"), project.join(".laporan")];

        // The data as a project's own load leaves it, when it loads.
        let baseline = (project.join("data").is_dir() && !expect.contains("no baseline"))
            .then(|| laporan(&project, &["-q".into(), "load".into()]))
            .filter(|load| load.status.success())
            .and_then(|_| data_digest(&project));
        let before = files(outer.path(), &skip);

        let (exit, stdout, stderr) = match fs::read_to_string(case.join("requests")) {
            Ok(requests) => (0, serve(&project, &fill(&requests, &outside, &canary)).join("\n") + "\n", String::new()),
            Err(_) => {
                let output = laporan(&project, &args);
                (
                    output.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&output.stdout).into_owned(),
                    String::from_utf8_lossy(&output.stderr).into_owned(),
                )
            }
        };

        // Nothing panicked, and the outcome is the one expected.
        assert!(matches!(exit, 0..=2), "{name}: exit {exit}\n{stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        match expect.lines().next().unwrap_or("") {
            "error" => {
                assert!(exit != 0 && stderr.contains("error: "), "{name}: expected an error, got exit {exit}\n{stderr}")
            }
            "ok" => assert!(exit == 0, "{name}: expected success, got exit {exit}\n{stderr}"),
            other => panic!("{name}: the first line of `expect` is `error` or `ok`, not {other:?}"),
        }
        for line in expect.lines().skip(1) {
            if let Some(text) = line.strip_prefix("stderr has: ") {
                assert!(stderr.contains(&fill(text, &outside, &canary)), "{name}: stderr lacks {text:?}:\n{stderr}");
            }
            if let Some(text) = line.strip_prefix("stdout has: ") {
                assert!(stdout.contains(&fill(text, &outside, &canary)), "{name}: stdout lacks {text:?}:\n{stdout}");
            }
        }

        // Nothing outside out/ and .laporan/ changed, nothing secret came out,
        // nothing reached the network, the data is as loaded.
        let after = files(outer.path(), &skip);
        let changed: Vec<String> = after
            .iter()
            .filter(|file| !before.contains(file))
            .chain(before.iter().filter(|file| !after.contains(file)))
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert!(changed.is_empty(), "{name}: files outside out/ and .laporan/ changed: {changed:?}");
        assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET), "{name}: a secret was printed");
        let published = files(&project.join("out"), &[]);
        let mut live = Vec::new();
        for (path, bytes) in &published {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains(SECRET), "{name}: {} holds a secret", path.display());
            let html = match path.extension().and_then(|e| e.to_str()) {
                Some("html") => text.into_owned(),
                Some("md") => laporan::render::markdown::to_html(&text).body,
                Some("docx") => {
                    live.extend(docx_problems(bytes).into_iter().map(|p| format!("{}: {p}", path.display())));
                    continue;
                }
                _ => continue,
            };
            let strict = expect.contains("data only");
            live.extend(live_markup(&html, strict).into_iter().map(|m| format!("{}: {m}", path.display())));
        }
        assert!(live.is_empty(), "{name}: live markup from data:\n{}", live.join("\n"));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(canary.hits(), 0, "{name}: something connected to the network");
        if let Some(baseline) = baseline {
            assert_eq!(data_digest(&project).as_ref(), Some(&baseline), "{name}: the loaded data changed");
        }

        let outer_text = outer.path().to_string_lossy().into_owned();
        let clean = |text: &str| {
            text.replace(&outer_text, "[TMP]")
                .replace(&format!("127.0.0.1:{}", canary.port), "127.0.0.1:[CANARY]")
                .replace(&format!("127001{}", canary.port), "127001[CANARY]") // in a heading's id
        };
        let mut report = format!(
            "$ laporan {}\nexit: {exit}\n--- stdout\n{}--- stderr\n{}",
            clean(&args.join(" ")),
            clean(&stdout),
            clean(&stderr)
        );
        report.push_str("--- published\n");
        for (path, _) in &published {
            report.push_str(&format!("{}\n", path.strip_prefix(&project).unwrap().display()));
        }
        // What hostile data became, for a reader of the snapshot to judge.
        if expect.contains("data only") {
            for (path, bytes) in &published {
                let text = String::from_utf8_lossy(bytes);
                let shown = match (path.extension().and_then(|e| e.to_str()), text.find("<main>"), text.find("</main>"))
                {
                    (Some("md"), _, _) => text.to_string(),
                    // Its body, as the page's <main> (the provenance footer
                    // has hashes of data that holds the canary's port).
                    (Some("docx"), _, _) => {
                        let outline = common::docx_outline(bytes);
                        outline.split("[Provenance]").next().unwrap_or_default().to_owned()
                    }
                    (Some("html"), Some(start), Some(end)) if !path.ends_with("index.html") => {
                        text[start..end + 7].to_owned()
                    }
                    _ => continue,
                };
                report.push_str(&format!(
                    "--- {}\n{}\n",
                    path.strip_prefix(&project).unwrap().display(),
                    clean(&shown)
                ));
            }
        }
        insta::assert_snapshot!(report);
    });
}

/// What in a Word document would act rather than be read: a field (Word
/// computes `HYPERLINK`, `INCLUDETEXT`, `DDEAUTO`…; laporan writes fields
/// only in the footer, the page numbers), an embedded object or foreign
/// chunk, a link to a script or a local file, a picture fetched from
/// elsewhere; and a secret from outside the project in any part.
fn docx_problems(bytes: &[u8]) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return vec!["not a zip archive".to_owned()];
    };
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let mut part = Vec::new();
        entry.read_to_end(&mut part).unwrap();
        let text = String::from_utf8_lossy(&part);
        if text.contains(SECRET) {
            problems.push(format!("{name} holds a secret"));
        }
        if name == "word/document.xml" {
            for active in ["<w:fldSimple", "<w:instrText", "<w:fldChar", "<w:altChunk", "<w:object", "<w:control"] {
                if text.contains(active) {
                    problems.push(format!("{name} has {active}"));
                }
            }
        }
        if name.ends_with(".rels") {
            for relationship in text.split("<Relationship ").skip(1) {
                let external = relationship.contains("TargetMode=\"External\"");
                let target = relationship.split("Target=\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or("");
                let scheme = target.split(':').next().unwrap_or("").to_ascii_lowercase();
                if external && ["javascript", "vbscript", "file", "data"].contains(&scheme.as_str()) {
                    problems.push(format!("{name}: a link to {target}"));
                }
                if external && relationship.contains("/image\"") {
                    problems.push(format!("{name}: a picture fetched from {target}"));
                }
            }
        }
    }
    problems
}

// ------------------------------------------------------ random values

/// The names of the elements of `html`, in order: the page's structure.
fn tag_names(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!').collect();
        if !name.is_empty() {
            names.push(name.to_ascii_lowercase());
        }
    }
    names
}

/// A project whose one dataset holds `values` (as JSON, so any text goes),
/// shown through every helper and plain output, in a Markdown and an HTML
/// report.
fn random_project(dir: &Path, values: &[String]) {
    let rows: Vec<serde_json::Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| serde_json::json!({ "id": i, "label": v, "n": i + 1, "url": format!("javascript:{v}") }))
        .collect();
    fs::create_dir_all(dir.join("data")).unwrap();
    fs::create_dir_all(dir.join("queries")).unwrap();
    fs::create_dir_all(dir.join("report_templates")).unwrap();
    fs::write(dir.join("data/t.json"), serde_json::to_string(&rows).unwrap()).unwrap();
    fs::write(dir.join("queries/t.sql"), "-- All.\nSELECT * FROM t ORDER BY id\n").unwrap();
    let body = "{% for r in query(\"t\") %}\n- {{ r.label }} {{ r.url | link(r.label) }}\n\n{{ r.label }}\n\n{% endfor %}\n\
                {{ table(query(\"t\"), totals=[\"n\"]) }}\n\n{{ bar(query(\"t\"), x=\"label\", y=\"n\", title=query(\"t\")[0].label) }}\n\n\
                {{ bar(query(\"t\"), x=\"label\", y=[\"n\", \"id\"], horizontal=true, stacked=true) }}\n\n\
                {{ line(query(\"t\"), x=\"label\", y=\"n\", labels={\"n\": query(\"t\")[0].label}) }}\n";
    fs::write(dir.join("report_templates/r.md.j2"), format!("# {{{{ query(\"t\")[0].label }}}}\n\n{body}")).unwrap();
    fs::write(
        dir.join("report_templates/h.html.j2"),
        format!("<!DOCTYPE html><html lang=\"en\"><head><title>{{{{ query(\"t\")[0].label }}}}</title></head><body><main>\n{body}</main></body></html>\n"),
    )
    .unwrap();
}

/// The tag structure of each page built from `values`.
fn structure(values: &[String]) -> Vec<(String, Vec<String>)> {
    let dir = TempDir::new().unwrap();
    random_project(dir.path(), values);
    let output = laporan(dir.path(), &["-q".into(), "build".into()]);
    assert!(output.status.success(), "{values:?}: {}", String::from_utf8_lossy(&output.stderr));
    let mut pages = Vec::new();
    for page in ["r.html", "h.html", "r.md"] {
        let text = fs::read_to_string(dir.path().join("out").join(page)).unwrap();
        let html = if page.ends_with(".md") { laporan::render::markdown::to_html(&text).body } else { text };
        pages.push((page.to_owned(), tag_names(&html)));
    }
    pages
}

/// Text made of the characters that mean something to Markdown, HTML and
/// SQL, and words that are dangerous as markup.
fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let pieces = prop::sample::select(vec![
        "<",
        ">",
        "&",
        "\"",
        "'",
        "`",
        "*",
        "_",
        "[",
        "]",
        "(",
        ")",
        "!",
        "#",
        "|",
        "\\",
        "-",
        "+",
        "=",
        ".",
        "1.",
        ":",
        " ",
        "    ",
        "\n",
        "\n\n",
        "\r",
        "\r\n",
        "\t",
        "~",
        "{",
        "}",
        "{{",
        "}}",
        "{%",
        "%}",
        "$",
        ";",
        "--",
        "/*",
        "*/",
        "<script>",
        "</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:",
        "https://example.org/",
        "![a](b)",
        "[a](javascript:x)",
        "<!--",
        "-->",
        "&lt;",
        "&#60;",
        "<br>",
        "</td>",
        "</svg>",
        "<style>",
        "\u{202E}",
        "é",
    ]);
    prop::collection::vec(pieces, 1..12).prop_map(|p| p.concat())
}

/// Any text in any cell, through every helper, leaves every page with the
/// structure of a page built from plain letters in its place (equal values
/// by equal letters): no value from data adds, removes or changes an
/// element. (Line breaks are kept in
/// the plain version: they become `<br>` on purpose.)
#[test]
fn random_values_never_become_markup() {
    use proptest::prelude::*;
    let config = ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(values in prop::collection::vec(hostile_text(), 4..10))| {
        // The plain version: a letter for each character but white space,
        // which stays where it was (line breaks become <br>; a value of
        // spaces alone is no paragraph, whatever it is made of).
        // Equal values stay equal and different ones different (a chart
        // labels a run of equal categories once): a value's first letter
        // is its own among the distinct values.
        let mut distinct: Vec<&String> = Vec::new();
        let plain: Vec<String> = values
            .iter()
            .map(|v| {
                let own = distinct.iter().position(|d| *d == v).unwrap_or_else(|| {
                    distinct.push(v);
                    distinct.len() - 1
                });
                let mut first = true;
                v.chars()
                    .map(|c| match c {
                        c if c.is_whitespace() => c,
                        _ if std::mem::take(&mut first) => char::from(b'a' + own as u8),
                        _ => 'x',
                    })
                    .collect()
            })
            .collect();
        prop_assert_eq!(structure(&values), structure(&plain));
    });
}
