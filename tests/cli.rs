//! Integration tests: the `laporan` binary run on projects copied to
//! temporary folders. See tests/README.md for how to add a case.

mod common;
use common::copy_dir;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A fixed build time, so that rendered output is reproducible.
const SOURCE_DATE_EPOCH: &str = "1767225600"; // 2026-01-01T00:00:00Z

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A project in a temporary folder.
struct Project {
    dir: TempDir,
}

impl Project {
    /// A copy of the sample project at the repository root.
    fn sample() -> Project {
        let dir = TempDir::new().unwrap();
        for folder in ["data", "queries", "report_templates", "data_tests"] {
            copy_dir(&repo().join(folder), &dir.path().join(folder));
        }
        fs::copy(repo().join("laporan.toml"), dir.path().join("laporan.toml")).unwrap();
        Project { dir }
    }

    /// A project of empty folders (data, queries, report_templates).
    fn empty() -> Project {
        let dir = TempDir::new().unwrap();
        for folder in ["data", "queries", "report_templates"] {
            fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        Project { dir }
    }

    /// The sample built for 2024-Q2 at a fixed time with `args`, twice: into
    /// `first/` and `second/` (to compare their bytes).
    fn sample_built_twice(args: &[&str]) -> Project {
        let project = Project::sample();
        for out in ["first", "second"] {
            let mut all = vec!["build", "--period", "2024-Q2", "--as-of", "2026-01-02", "--out", out];
            all.extend_from_slice(args);
            assert_success(&project.run(&all));
        }
        project
    }

    /// A copy of `tests/cases/<name>/project`.
    fn case(case_dir: &Path) -> Project {
        let dir = TempDir::new().unwrap();
        copy_dir(&case_dir.join("project"), dir.path());
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `laporan ARGS…` run inside the project.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_laporan"))
            .args(args)
            .current_dir(self.path())
            .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}

/// The part of a page between `<main>` and `</main>`: the report itself,
/// without the layout around it.
fn main_of(html: &str) -> &str {
    let start = html.find("<main>").expect("a <main> element");
    let end = html.find("</main>").expect("a </main> element");
    &html[start..end + "</main>".len()]
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

// ------------------------------------------------------------------ cases

/// Each folder in tests/cases holds `project/` and `args` (one argument per
/// line). The snapshot holds the exit code, stdout, stderr and every file
/// written to out/ (for HTML, only its <main> part).
#[test]
fn cases() {
    insta::glob!("cases/*/args", |args_path| {
        let case_dir = args_path.parent().unwrap();
        let project = Project::case(case_dir);
        let args_text = fs::read_to_string(args_path).unwrap();
        let args: Vec<&str> = args_text.lines().filter(|l| !l.is_empty()).collect();
        let output = project.run(&args);
        let mut report = format!(
            "$ laporan {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            output.status.code().unwrap_or(-1),
            stdout(&output),
            stderr(&output)
        );
        let out_dir = project.path().join("out");
        for file in files_under(&out_dir) {
            let contents = fs::read_to_string(out_dir.join(&file)).unwrap();
            let shown = if file.ends_with(".html") { main_of(&contents).to_owned() } else { contents };
            report.push_str(&format!("--- out/{file}\n{shown}"));
            if !report.ends_with('\n') {
                report.push('\n');
            }
        }
        insta::assert_snapshot!(report);
    });
}

/// Each folder in tests/real is a project on real public data (see the
/// README there) with `runs`: laporan commands, one per line, run in
/// order. The snapshot holds each run's exit code and messages and the
/// Markdown it wrote. Whatever the period, no page or Markdown file may
/// show NaN, infinity, `undefined` or empty bold.
#[test]
fn real_corpus() {
    insta::glob!("real/*/runs", |runs_path| {
        let dir = TempDir::new().unwrap();
        copy_dir(runs_path.parent().unwrap(), dir.path());
        let project = Project { dir };
        let mut report = String::new();
        for line in fs::read_to_string(runs_path).unwrap().lines().filter(|l| !l.trim().is_empty()) {
            let args: Vec<&str> = line.split_whitespace().collect();
            let output = project.run(&args);
            report.push_str(&format!(
                "$ laporan {line}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
                output.status.code().unwrap_or(-1),
                stdout(&output),
                stderr(&output)
            ));
            for file in written(&output) {
                let contents = project.read(&file);
                assert_reads_well(&file, &contents);
                if file.ends_with(".md") {
                    report.push_str(&format!("--- {file}\n{contents}"));
                }
            }
        }
        insta::assert_snapshot!(report);
    });
}

/// What no published file may show: a number that is not one, a name that
/// was not there, a bold figure without its figure.
fn assert_reads_well(file: &str, contents: &str) {
    let text = if file.ends_with(".html") { main_of(contents) } else { contents };
    for bad in ["NaN", "undefined", "****", "** **", ">inf<", " inf ", "-inf", "(inf"] {
        assert!(!text.contains(bad), "{file} shows {bad:?}:\n{text}");
    }
}

/// Each file in tests/csv_corpus is loaded into a fresh project (see the
/// README there). `good_*` files must load, `bad_*` files must be rejected
/// naming their line.
#[test]
fn csv_corpus() {
    insta::glob!("csv_corpus/*.csv", |path| insta::assert_snapshot!(load_corpus_file(path, "line")));
}

/// The same for JSON (`tests/json_corpus/`, `.json` and `.jsonl`): a bad
/// file is rejected naming its line.
#[test]
fn json_corpus() {
    insta::glob!("json_corpus/*.json*", |path| insta::assert_snapshot!(load_corpus_file(path, "line")));
}

/// The same for Parquet (`tests/parquet_corpus/`): a bad file is rejected
/// naming it (and a bad value its row group and row).
#[test]
fn parquet_corpus() {
    insta::glob!("parquet_corpus/*.parquet", |path| insta::assert_snapshot!(load_corpus_file(path, "file")));
}

/// The same for workbooks (`tests/workbook_corpus/`: .xlsx, .xlsm, .xlsb,
/// .xls, .ods): a bad one is rejected naming it (and a bad cell its sheet and
/// cell).
#[test]
fn workbook_corpus() {
    insta::glob!("workbook_corpus/*.{xlsx,xlsm,xlsb,xls,ods}", |path| {
        insta::assert_snapshot!(load_corpus_file(path, "file"))
    });
}

/// Loads one corpus file as `data/NAME.EXT`, with `NAME.toml` as its
/// declaration, and snapshots the outcome: the rows and schema of a good
/// file, the error for a bad one, which must say where (`place`: its line,
/// or only its file).
fn load_corpus_file(path: &Path, place: &str) -> String {
    let name = path.file_stem().unwrap().to_str().unwrap();
    let file_name = path.file_name().unwrap().to_str().unwrap();
    let dir = TempDir::new().unwrap();
    fs::create_dir_all(dir.path().join("data")).unwrap();
    fs::copy(path, dir.path().join("data").join(file_name)).unwrap();
    if let Ok(declaration) = fs::read_to_string(path.with_extension("toml")) {
        let declaration = declaration.replace("[columns]", &format!("[datasets.{name}.columns]"));
        fs::write(dir.path().join("laporan.toml"), format!("[datasets.{name}]\n{declaration}")).unwrap();
    }
    let project = Project { dir };
    let load = project.run(&["load"]);
    let mut report = format!("exit: {}\n{}", load.status.code().unwrap_or(-1), stderr(&load));
    if name.starts_with("good_") {
        assert_success(&load);
        let sql = fs::read_to_string(path.with_extension("sql")).unwrap_or(format!("SELECT * FROM {name}"));
        let rows = project.run(&["-q", "query", "--sql", sql.trim(), "--format", "json"]);
        assert_success(&rows);
        let schema = project.run(&["-q", "schema", name]);
        assert_success(&schema);
        report.push_str(&format!("--- rows\n{}--- schema\n{}", stdout(&rows), stdout(&schema)));
    } else {
        assert_eq!(load.status.code(), Some(1), "{name} must be rejected:\n{}", stderr(&load));
        // Or, for a declaration that does not fit the file, placed in
        // laporan.toml and naming the file.
        let in_declaration =
            stderr(&load).contains("--> laporan.toml:") && stderr(&load).contains(&format!("data/{file_name}"));
        let placed = in_declaration
            || match place {
                "line" => stderr(&load).contains(&format!("data/{file_name}:")),
                _ => stderr(&load).contains(&format!("data/{file_name}")),
            };
        assert!(placed, "{name}: the error must name the file and the {place}:\n{}", stderr(&load));
    }
    report
}

fn count(project: &Project, table: &str) -> String {
    let sql = format!("SELECT count(*) AS n FROM {table}");
    let output = project.run(&["-q", "query", "--no-load", "--sql", &sql, "--format", "csv"]);
    assert_success(&output);
    stdout(&output)
}

#[test]
fn a_failed_load_changes_nothing() {
    let project = Project::sample();
    assert_success(&project.run(&["load"]));
    assert_eq!(count(&project, "events"), "n\n38\n");
    // One dataset gains a valid row, another a broken one: neither is loaded.
    let mut countries = project.read("data/countries.csv");
    countries.push_str("XKX,Kosovo,Kosovo,Europe,illustrative\n");
    fs::write(project.path().join("data/countries.csv"), countries).unwrap();
    let mut events = project.read("data/events.csv");
    events.push_str("EV-BROKEN,Broken,conference,Nowhere\n");
    fs::write(project.path().join("data/events.csv"), events).unwrap();
    let failed = project.run(&["load"]);
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert!(stderr(&failed).contains("data/events.csv:40"), "{}", stderr(&failed));
    assert!(stderr(&failed).contains("4 fields where the header has 9"), "{}", stderr(&failed));
    assert_eq!(count(&project, "countries"), "n\n195\n", "the valid change was rolled back too");
    assert_eq!(count(&project, "events"), "n\n38\n");
    // Once the file is fixed, both load.
    let fixed = project.read("data/events.csv").replace("EV-BROKEN,Broken,conference,Nowhere\n", "");
    fs::write(project.path().join("data/events.csv"), fixed).unwrap();
    let load = project.run(&["load"]);
    assert_success(&load);
    assert_eq!(count(&project, "countries"), "n\n196\n");
    assert!(stderr(&load).contains("loaded countries (196 rows)"), "{}", stderr(&load));
    assert!(!stderr(&load).contains("loaded cases"), "unchanged datasets are not reloaded: {}", stderr(&load));
}

#[test]
fn a_killed_load_leaves_the_previous_data() {
    let dir = TempDir::new().unwrap();
    fs::create_dir_all(dir.path().join("data")).unwrap();
    let project = Project { dir };
    let write_rows = |n: usize| {
        let mut text = String::from("id,value,note\n");
        for i in 0..n {
            text.push_str(&format!("{i},{}.{:02},row number {i}\n", i * 7, i % 100));
        }
        fs::write(project.path().join("data/numbers.csv"), text).unwrap();
    };
    write_rows(100);
    assert_success(&project.run(&["load"]));
    write_rows(2_000_000);
    for delay_ms in [150, 400, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_laporan"))
            .args(["-q", "load"])
            .current_dir(project.path())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL: no chance to clean up
        child.wait().unwrap();
        // The database opens, and holds either the old rows or all the new ones.
        let n = count(&project, "numbers");
        assert!(n == "n\n100\n" || n == "n\n2000000\n", "after a kill at {delay_ms} ms: {n}");
    }
    assert_success(&project.run(&["load"]));
    assert_eq!(count(&project, "numbers"), "n\n2000000\n");
}

// ----------------------------------------------------------- the sample

fn json_rows(text: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    value.as_array().expect("an array").iter().map(|row| row.as_object().expect("an object").clone()).collect()
}

#[test]
fn sample_lyon_conference_had_136_countries() {
    let project = Project::sample();
    let output = project.run(&["query", "participating_countries_per_event", "--format", "json"]);
    assert_success(&output);
    let rows = json_rows(&stdout(&output));
    let lyon = rows.iter().find(|r| r["city"] == "Lyon").expect("the Lyon conference");
    assert_eq!(lyon["start_date"], "2024-04-23");
    assert_eq!(lyon["countries"], 136);
    assert_eq!(lyon["delegates"], 321);
    // Keys keep the query's column order.
    let keys: Vec<&String> = lyon.keys().collect();
    assert_eq!(keys[..3], ["event_id", "event", "event_type"]);
}

#[test]
fn sample_haechi_iv_seized_usd_300_million_in_34_countries() {
    let project = Project::sample();
    let output = project.run(&["query", "assets_seized_per_operation", "--format", "json"]);
    assert_success(&output);
    let text = stdout(&output);
    let rows = json_rows(&text);
    let haechi = rows.iter().find(|r| r["operation"] == "HAECHI IV").expect("HAECHI IV");
    assert_eq!(haechi["countries"], 34);
    // The DECIMAL sum is written with every digit, as a JSON number.
    assert!(text.contains(r#""countries": 34, "assets_seized_usd": 300000000.00,"#), "{text}");
}

/// The files of the sample's reports in `folder` (`""` or `2024-Q2/`):
/// the cooperation report in both locales, a brief per partner in `briefs`
/// in both, in Markdown and HTML.
fn sample_pages(folder: &str, briefs: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    for locale in ["en", "id"] {
        files.push(format!("{folder}cooperation_report.{locale}.html"));
        files.push(format!("{folder}cooperation_report.{locale}.md"));
    }
    for iso3 in briefs {
        for locale in ["en", "id"] {
            files.push(format!("{folder}partner_brief/{iso3}.{locale}.html"));
            files.push(format!("{folder}partner_brief/{iso3}.{locale}.md"));
        }
    }
    files
}

#[test]
fn sample_builds_both_reports_in_markdown_and_html() {
    let project = Project::sample();
    let output = project.run(&["build"]);
    assert_success(&output);
    let mut expected = sample_pages("", &["JPN", "KHM", "MYS", "THA", "VNM"]);
    expected.push("index.html".to_owned());
    expected.sort();
    assert_eq!(files_under(&project.path().join("out")), expected);
    insta::assert_snapshot!("sample_cooperation_report_md", project.read("out/cooperation_report.en.md"));
    insta::assert_snapshot!("sample_laporan_kerja_sama_md", project.read("out/cooperation_report.id.md"));
    insta::assert_snapshot!("sample_partner_brief_md", project.read("out/partner_brief/THA.en.md"));
    let html = project.read("out/cooperation_report.en.html");
    insta::assert_snapshot!("sample_cooperation_report_html", html);
    // Self-contained: no script, no external resource.
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("src="), "no external resource");

    // A second build finds the data unchanged and does not reload it, and
    // says so only when asked (-v).
    let again = project.run(&["build"]);
    assert_success(&again);
    assert!(!stderr(&again).contains("data unchanged"), "{}", stderr(&again));
    let again = project.run(&["-v", "build"]);
    assert!(stderr(&again).contains("data unchanged, not reloaded (8 datasets)"), "{}", stderr(&again));
    assert!(!stderr(&again).contains("loaded events"), "{}", stderr(&again));
}

#[test]
fn sample_period_build_goes_to_its_own_folder() {
    let project = Project::sample();
    let out = TempDir::new().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .arg("-C")
        .arg(project.path())
        .args(["build", "--period", "2024-Q2", "--out"])
        .arg(out.path())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .output()
        .unwrap();
    assert_success(&output);
    let mut expected = sample_pages("2024-Q2/", &["JPN", "KHM", "KOR", "LAO", "THA"]);
    expected.push("index.html".to_owned());
    assert_eq!(files_under(out.path()), expected);
    let md = fs::read_to_string(out.path().join("2024-Q2/cooperation_report.id.md")).unwrap();
    insta::assert_snapshot!("sample_laporan_kerja_sama_2024_q2_md", md);
    let brief = fs::read_to_string(out.path().join("2024-Q2/partner_brief/THA.id.md")).unwrap();
    insta::assert_snapshot!("sample_partner_brief_2024_q2_md", brief);
    // The index lists the briefs under their report's title.
    let index = fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(index.contains("<h3>Partner country briefs &#x2f; Ringkasan negara mitra</h3>"), "{index}");
    assert!(index.contains("href=\"2024-Q2/partner_brief/THA.en.html\""), "{index}");
    assert!(!project.path().join("out").exists(), "nothing written to the project's out/");
}

/// The lines of a build's output that say a file was written.
fn written(output: &Output) -> Vec<String> {
    stderr(output).lines().filter_map(|l| l.strip_prefix("wrote ")).map(str::to_owned).collect()
}

#[test]
fn a_build_renders_only_the_reports_whose_inputs_changed() {
    let project = Project::sample();
    let build = |args: &[&str]| {
        let output = project.run(&[&["-v", "build"], args].concat());
        assert_success(&output);
        output
    };
    assert_eq!(written(&build(&[])).len(), 25, "two locales of a report and of 5 briefs in two formats, the index");
    let modified = |file: &str| fs::metadata(project.path().join(file)).unwrap().modified().unwrap();
    let before = modified("out/cooperation_report.en.html");

    // Nothing changed (a data file touched, not changed, included).
    let data_file = fs::File::options().append(true).open(project.path().join("data/countries.csv")).unwrap();
    data_file.set_modified(std::time::SystemTime::now()).unwrap();
    let output = build(&[]);
    assert_eq!(written(&output), Vec::<String>::new());
    assert!(stderr(&output).contains("12 reports up to date"), "{}", stderr(&output));
    assert!(stderr(&output).contains("31 data tests passed (31 before, on the same data)"), "{}", stderr(&output));
    assert_eq!(modified("out/cooperation_report.en.html"), before);

    // One template edited: that report only, each of its pages.
    let template = project.path().join("report_templates/cooperation_report.md.j2");
    let text = fs::read_to_string(&template).unwrap();
    fs::write(
        &template,
        format!(
            "{text}
Catatan penutup.
"
        ),
    )
    .unwrap();
    let output = build(&[]);
    assert_eq!(
        written(&output),
        [
            "out/cooperation_report.id.md",
            "out/cooperation_report.id.html",
            "out/cooperation_report.en.md",
            "out/cooperation_report.en.html"
        ]
    );
    assert!(stderr(&output).contains("10 reports up to date"), "{}", stderr(&output));
    assert!(project.read("out/cooperation_report.id.md").ends_with("Catatan penutup.\n"));

    // A published file changed by hand is written again.
    fs::write(project.path().join("out/cooperation_report.en.html"), "edited by hand").unwrap();
    let output = build(&[]);
    assert!(written(&output).contains(&"out/cooperation_report.en.html".to_owned()), "{}", stderr(&output));
    assert_ne!(project.read("out/cooperation_report.en.html"), "edited by hand");
    // So is one page of an each report, alone.
    fs::write(project.path().join("out/partner_brief/THA.en.html"), "edited by hand").unwrap();
    let output = build(&[]);
    assert_eq!(written(&output), ["out/partner_brief/THA.en.html"], "{}", stderr(&output));

    // Changed data: every page.
    let mut organisations = project.read("data/organisations.csv");
    organisations.push_str("UNITEST,UNITEST,A test organisation,international,test\n");
    fs::write(project.path().join("data/organisations.csv"), organisations).unwrap();
    let output = build(&[]);
    assert!(stderr(&output).contains("12 reports rendered"), "{}", stderr(&output));

    // Other options, other outputs: --format md is a different build.
    let output = build(&["--format", "md"]);
    assert!(stderr(&output).contains("12 reports rendered"), "{}", stderr(&output));

    // --force renders everything; a new data test runs even when the
    // reports are up to date, and its failure fails the build.
    assert!(stderr(&build(&["--force"])).contains("12 reports rendered"));
    fs::write(
        project.path().join("data_tests/no_test_organisation.sql"),
        "SELECT * FROM organisations WHERE org_id = 'UNITEST'\n",
    )
    .unwrap();
    let output = project.run(&["build"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("data test failed: no_test_organisation: 1 row breaks the rule"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_range_of_periods_builds_each_in_its_folder_with_one_load() {
    let project = Project::sample();
    let output = project.run(&["-v", "build", "--period", "2024-Q1..2024-Q4", "--format", "html"]);
    assert_success(&output);
    let files = files_under(&project.path().join("out"));
    // Each quarter's top five partners have a brief.
    let partners = [
        ("2024-Q1", ["AUS", "JPN", "KHM", "SAU", "VNM"]),
        ("2024-Q2", ["JPN", "KHM", "KOR", "LAO", "THA"]),
        ("2024-Q3", ["KHM", "MYS", "PHL", "USA", "VNM"]),
        ("2024-Q4", ["AUS", "JPN", "MYS", "PHL", "USA"]),
    ];
    let mut expected: Vec<String> = partners
        .iter()
        .flat_map(|(q, briefs)| sample_pages(&format!("{q}/"), briefs))
        .filter(|f| f.ends_with(".html"))
        .chain(["index.html".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(files, expected);
    assert_eq!(stderr(&output).matches("loaded ").count(), 8, "each dataset loaded once: {}", stderr(&output));
    assert!(stderr(&output).contains("48 reports rendered"), "{}", stderr(&output));
    // Each period's page is that period's: the same as building it alone.
    let alone = Project::sample();
    assert_success(&alone.run(&["build", "--period", "2024-Q3", "--format", "html"]));
    for page in ["cooperation_report.id.html", "partner_brief/MYS.en.html"] {
        assert_eq!(
            main_of(&project.read(&format!("out/2024-Q3/{page}"))),
            main_of(&alone.read(&format!("out/2024-Q3/{page}")))
        );
    }
    let index = project.read("out/index.html");
    for quarter in ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"] {
        assert!(index.contains(&format!("href=\"{quarter}/cooperation_report.en.html\"")), "{index}");
    }
}

#[test]
fn sample_build_runs_each_distinct_query_once() {
    let project = Project::sample();
    let output = project.run(&["-v", "build", "--period", "2024"]);
    assert_success(&output);
    // The cooperation report in two locales, each rendered twice (md and
    // html), asks for the same 13 query calls (10 queries, and a map's
    // query for each of 3 large events); the 5 partners' briefs, 3 calls
    // each: only the first request for each distinct call runs.
    assert!(stderr(&output).contains("28 queries run, 0 from the result cache, 85 repeated"), "{}", stderr(&output));
    // Built again after a template edit, every call is answered from the
    // result cache: the data and the SQL are the same.
    let template = project.path().join("report_templates/cooperation_report.md.j2");
    fs::write(&template, fs::read_to_string(&template).unwrap() + "{# edited #}\n").unwrap();
    let output = project.run(&["-v", "build", "--period", "2024"]);
    assert_success(&output);
    assert!(stderr(&output).contains("0 queries run, 13 from the result cache"), "{}", stderr(&output));
}

#[test]
fn sample_list_shows_datasets_queries_and_reports() {
    let project = Project::sample();
    assert_success(&project.run(&["load"]));
    let output = project.run(&["list"]);
    assert_success(&output);
    insta::assert_snapshot!("sample_list", stdout(&output));
}

#[test]
fn query_formats() {
    let project = Project::sample();
    for format in ["table", "csv", "md"] {
        let output = project.run(&["query", "cases_by_evidence_status", "--period", "2025", "--format", format]);
        assert_success(&output);
        insta::assert_snapshot!(format!("query_format_{format}"), stdout(&output));
    }
}

#[test]
fn broken_query_fails_the_build_naming_file_and_line() {
    let project = Project::sample();
    fs::write(
        project.path().join("queries/broken.sql"),
        "-- A query with a typo.\nSELECT name,\n       count(*)\nFORM events\nGROUP BY name\n",
    )
    .unwrap();
    let output = project.run(&["build"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("broken_query_build", stderr(&output));
    assert!(!project.path().join("out").exists(), "nothing is written when the build fails");
}

/// The completion scripts and the manual page come from the same clap
/// definitions as the command line: every command is in each of them, and
/// they are printed outside any project.
#[test]
fn completions_and_manual_page_know_every_command() {
    let empty = TempDir::new().unwrap();
    let commands = ["build", "load", "check", "query", "list", "schema", "new", "watch", "serve", "completions", "man"];
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = Command::new(env!("CARGO_BIN_EXE_laporan"))
            .args(["completions", shell])
            .current_dir(empty.path())
            .output()
            .unwrap();
        assert_success(&output);
        let script = stdout(&output);
        for command in commands {
            assert!(script.contains(command), "{shell} completion lacks {command}");
        }
    }
    let output = Command::new(env!("CARGO_BIN_EXE_laporan")).arg("man").current_dir(empty.path()).output().unwrap();
    assert_success(&output);
    let page = stdout(&output);
    assert!(page.contains(".TH laporan 1"), "{page}");
    for command in commands {
        assert!(page.contains(&format!("laporan\\-{command}")), "the manual page lacks {command}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let project = Project::sample();
    for args in [
        &["build", "--period", "2024-Q5"][..],
        &["build", "--param", "nope=1"],
        &["build", "--param", "period_start=2024-13-01"],
        &["query", "top_partner_countries", "--param", "top=ten"],
        &["query", "no_such_query"],
        &["build", "no_such_report"],
        &["frobnicate"],
    ] {
        let output = project.run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        let name = format!("usage_{}", args.join("_").replace(['=', '-', '.'], "_"));
        insta::assert_snapshot!(name, stderr(&output));
    }
}

// ------------------------------------------------------- read-only queries

/// Every file in the project with its bytes, to compare before and after;
/// not the result cache, which running queries fills.
fn snapshot_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .filter(|f| !f.contains(".laporan/cache/"))
        .map(|f| (f.clone(), fs::read(dir.join(&f)).unwrap()))
        .collect()
}

#[test]
fn saved_queries_and_sql_cannot_change_data_or_touch_other_files() {
    let outer = TempDir::new().unwrap();
    let root = outer.path().join("project");
    fs::create_dir_all(root.join("data")).unwrap();
    fs::create_dir_all(root.join("queries")).unwrap();
    fs::write(root.join("data/events.csv"), "event_id,name\nE1,Lyon\nE2,Seoul\n").unwrap();
    fs::write(outer.path().join("secret.csv"), "secret\nthe outside world\n").unwrap();
    fs::write(root.join("queries/drop.sql"), "-- Drops a table.\nDROP TABLE events;\n").unwrap();
    fs::write(root.join("queries/copy.sql"), "-- Copies data out.\nCOPY events TO '../leak.csv';\n").unwrap();
    fs::write(root.join("queries/peek.sql"), "-- Reads outside.\nSELECT * FROM read_csv('../secret.csv');\n").unwrap();
    let project = Project { dir: TempDir::new_in(outer.path()).unwrap() };
    copy_dir(&root, project.path());
    assert_success(&project.run(&["load"]));
    let before = snapshot_files(outer.path());

    for name in ["drop", "copy"] {
        let output = project.run(&["query", name]);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!("query {name} is not one read-only SELECT statement")),
            "{name}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(&format!("queries/{name}.sql:2:1")), "{}", stderr(&output));
    }
    let peek = project.run(&["query", "peek"]);
    assert_eq!(peek.status.code(), Some(1), "{}", stderr(&peek));
    assert!(stderr(&peek).contains("Permission Error"), "{}", stderr(&peek));
    assert!(!stdout(&peek).contains("outside world"));

    let refused = [
        "DROP TABLE events",
        "DELETE FROM events",
        "UPDATE events SET name = 'x'",
        "INSERT INTO events VALUES ('E3', 'x')",
        "CREATE TABLE t AS SELECT 1",
        "COPY events TO '../leak.csv'",
        "EXPORT DATABASE '../leak'",
        "ATTACH '../other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET GLOBAL memory_limit = '1GB'",
        "SET enable_external_access = true",
        "SELECT * FROM read_csv('../secret.csv')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('/*')",
        "SELECT 1; DROP TABLE events",
    ];
    for sql in refused {
        let output = project.run(&["query", "--sql", sql]);
        assert_ne!(output.status.code(), Some(0), "{sql} ran: {}", stdout(&output));
        assert!(!stdout(&output).contains("outside world") && !stdout(&output).contains("root:"), "{sql}");
    }
    // Reading the project's own files is allowed, relative to the project.
    let own =
        project.run(&["query", "--sql", "SELECT count(*) AS n FROM read_csv('data/events.csv')", "--format", "csv"]);
    assert_success(&own);
    assert_eq!(stdout(&own), "n\n2\n");

    assert_eq!(count(&project, "events"), "n\n2\n", "the data is unchanged");
    let after = snapshot_files(outer.path());
    assert!(before == after, "the file system is unchanged");
    // A build refuses the project too: every saved query is checked.
    let build = project.run(&["check"]);
    assert_eq!(build.status.code(), Some(1));
}

// ---------------------------------------------------------------- new

#[test]
fn new_project_builds_at_once() {
    let dir = TempDir::new().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_laporan")).args(args).current_dir(dir.path()).output().unwrap()
    };
    let created = run(&["new", "demo"]);
    assert_success(&created);
    assert!(stderr(&created).contains("created demo"), "{}", stderr(&created));
    let build = run(&["-C", "demo", "build"]);
    assert_success(&build);
    let page = fs::read_to_string(dir.path().join("demo/out/monthly_report.html")).unwrap();
    assert!(page.contains("Monthly meetings report"), "{page}");
    assert!(page.contains("Singapore"), "{page}");
    let check = run(&["-C", "demo", "check"]);
    assert_success(&check);
    assert!(stderr(&check).contains("ok: 2 queries, 1 template, 5 data tests passed"), "{}", stderr(&check));
    // Never over an existing project.
    let again = run(&["new", "demo"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("demo already exists and is not an empty folder"), "{}", stderr(&again));
}

#[test]
fn build_refuses_to_publish_when_a_data_test_fails() {
    let dir = TempDir::new().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_laporan")).args(args).current_dir(dir.path()).output().unwrap()
    };
    assert_success(&run(&["new", "demo"]));
    let meetings = dir.path().join("demo/data/meetings.csv");
    let mut text = fs::read_to_string(&meetings).unwrap();
    text.push_str("M-007,2025-03-28,Meeting with a country not on the list,ZZZ,0\n");
    fs::write(&meetings, text).unwrap();
    let refused = run(&["-C", "demo", "build"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    insta::assert_snapshot!("data_test_failures_refuse_the_build", stderr(&refused));
    assert!(!dir.path().join("demo/out").exists(), "nothing was published");
    let warned = run(&["-C", "demo", "build", "--warn-tests"]);
    assert_success(&warned);
    assert!(stderr(&warned).contains("warning: data test failed"), "{}", stderr(&warned));
    assert!(dir.path().join("demo/out/monthly_report.html").exists());
}

// -------------------------------------------------------------- serve

/// A GET request over plain HTTP/1.0; returns the whole response.
fn http_get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_rebuilds_and_reloads_the_open_page_when_a_query_changes() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = TempDir::new().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_laporan")).args(["new", "demo"]).current_dir(dir.path()).output();
    assert_success(&status.unwrap());
    let project = dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .args(["serve", "--port", "0"])
        .current_dir(&project)
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Stderr lines, as they come.
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr_pipe = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let wait_for = |needle: &str| -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(_) => panic!("laporan serve never printed {needle:?}"),
            }
        }
    };
    let serving = wait_for("serving http://");
    let address = serving.split("http://").nth(1).unwrap().split('/').next().unwrap().to_owned();
    wait_for("wrote out/monthly_report.html");
    // A build reads the inputs; reading is not a change, so it does not rebuild itself.
    std::thread::sleep(std::time::Duration::from_millis(800));
    let idle: Vec<String> = lines.try_iter().collect();
    assert!(!idle.iter().any(|l| l.contains("change detected")), "{idle:?}");

    let page = http_get(&address, "/monthly_report.html");
    assert!(page.starts_with("HTTP/1.1 200") || page.starts_with("HTTP/1.0 200"), "{page}");
    assert!(page.contains("EventSource(\"/_laporan/events\")"), "the served page listens for rebuilds");
    assert!(!fs::read_to_string(project.join("out/monthly_report.html")).unwrap().contains("EventSource"));
    assert!(http_get(&address, "/../laporan.toml").contains(" 404 "), "nothing outside out/ is served");

    // An open page's event stream.
    let mut events = std::net::TcpStream::connect(&address).unwrap();
    write!(events, "GET /_laporan/events HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    events.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    let mut received = String::new();
    let mut buffer = [0u8; 512];
    while !received.contains("retry:") {
        let n = events.read(&mut buffer).unwrap();
        received.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }

    // Edit a query: the title column of the meetings list now shouts.
    let query = project.join("queries/meetings.sql");
    let text = fs::read_to_string(&query).unwrap().replace("m.title,", "upper(m.title) AS title,");
    fs::write(&query, text).unwrap();
    // The first reload may still be the initial build's: wait for the page to change.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        while !received.contains("data: reload") {
            let n = events.read(&mut buffer).expect("a reload event within a minute");
            assert!(n > 0, "the event stream closed");
            received.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
        received.clear();
        let page = http_get(&address, "/monthly_report.html");
        if page.contains("REGIONAL WORKING GROUP ON CYBERCRIME") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the page never changed: {page}");
    }

    // A broken edit: the pages are told what went wrong, and serve keeps running.
    fs::write(&query, "-- Broken.\nSELECT FROM WHERE\n").unwrap();
    received.clear();
    while !received.contains("data: error:") {
        let n = events.read(&mut buffer).expect("an error event within a minute");
        assert!(n > 0, "the event stream closed");
        received.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    assert!(received.contains("queries/meetings.sql:2"), "{received}");
    assert!(child.try_wait().unwrap().is_none(), "serve is still running");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn two_builds_with_the_same_as_of_are_byte_identical() {
    let project = Project::sample();
    let build = |out: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_laporan"))
            .args(["build", "--period", "2024-Q2", "--as-of", "2026-01-02T03:04:05Z", "--out", out])
            .current_dir(project.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
            .unwrap();
        assert_success(&output);
    };
    build("first");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    build("second");
    let first = snapshot_files(&project.path().join("first"));
    let second = snapshot_files(&project.path().join("second"));
    assert_eq!(first.len(), 25, "24 pages and the index");
    assert!(first == second, "the same inputs and --as-of give the same bytes");
    let page = project.read("first/2024-Q2/cooperation_report.en.html");
    let index = project.read("first/index.html");
    assert!(
        index.contains("<a href=\"2024-Q2/cooperation_report.en.html\">International Cooperation Report Q2 2024</a>"),
        "{index}"
    );
    assert!(page.contains("2026-01-02T03:04:05Z"), "the footer shows the --as-of time");
}

#[test]
fn the_index_lists_every_build_newest_period_first() {
    let project = Project::sample();
    for args in [
        &["build"][..],
        &["build", "--period", "2024-Q1"],
        &["build", "--period", "2025"],
        &["build", "--period", "2024-Q2"],
    ] {
        assert_success(&project.run(args));
    }
    let index = project.read("out/index.html");
    // The project's locale is Indonesian.
    let order: Vec<usize> = ["Seluruh data", "Tahun 2025", "Triwulan II 2024", "Triwulan I 2024"]
        .iter()
        .map(|label| index.find(&format!("<h2>{label}</h2>")).unwrap_or_else(|| panic!("{label} in {index}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "newest first: {order:?}");
    // The cooperation report in two locales and five briefs in two, in each of four builds.
    assert_eq!(index.matches("<li><a href=").count(), 48, "{index}");
    assert!(!index.contains("<script"));
}

#[test]
fn exports_hold_the_data_behind_each_report_safe_for_spreadsheets() {
    let project = Project::sample();
    assert_success(&project.run(&["build", "--export", "csv,json"]));
    let json = project.read("out/cooperation_report.en.data/assets_seized_per_operation.json");
    assert!(
        json.contains("\"operation\": \"HAECHI IV\"") && json.contains("\"assets_seized_usd\": 300000000.00"),
        "{json}"
    );
    let csv = project.read("out/cooperation_report.id.data/participating_countries_per_event.csv");
    assert!(csv.lines().any(|l| l.contains("Lyon") && l.contains(",136,321,")), "{csv}");
    let index = project.read("out/index.html");
    assert!(!index.contains(".data/"), "the index lists reports, not data files");

    let hostile = Project::empty();
    fs::write(
        hostile.path().join("data/notes.csv"),
        "note,n\n\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-3\n@SUM(A1),4\nplain,5\n",
    )
    .unwrap();
    fs::write(hostile.path().join("queries/notes.sql"), "-- Notes.\nSELECT * FROM notes\n").unwrap();
    fs::write(hostile.path().join("report_templates/r.md.j2"), "{{ table(query(\"notes\")) }}\n").unwrap();
    assert_success(&hostile.run(&["build", "--export", "csv"]));
    assert_eq!(
        hostile.read("out/r.data/notes.csv"),
        "note,n\n\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-3\n'@SUM(A1),4\nplain,5\n"
    );
}

#[test]
fn build_pdf_without_chromium_says_how_to_get_it() {
    let project = Project::sample();
    let output = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .args(["build", "--pdf"])
        .current_dir(project.path())
        .env("PATH", "/nonexistent")
        .env_remove("LAPORAN_CHROMIUM")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!("build_pdf_without_chromium", stderr(&output));
    assert!(!project.path().join(".laporan").exists(), "nothing was loaded");
}

// ------------------------------------------------------------ every type

/// A column of each kind of DuckDB type, NULL-typed ones and those the
/// `duckdb` crate cannot read included.
const EVERY_TYPE: &str = "SELECT NULL AS n, [NULL] AS null_list, {'a': NULL} AS null_struct, [1, 2] AS list, \
     {'x': 1, 'y': 'b'} AS struct, MAP {'k': 1} AS map, [1, 2]::INTEGER[2] AS array, INTERVAL 3 DAY AS interval, \
     'ab'::BLOB AS blob, '00000000-0000-0000-0000-000000000001'::UUID AS uuid, 'x'::ENUM('x', 'y') AS enum, \
     TIME '12:00:01' AS time, TIMESTAMPTZ '2024-01-01 10:00:00+00' AS timestamptz, \
     '12:00:01.123456789'::TIME_NS AS time_ns, '12:00:01+02'::TIMETZ AS timetz, 5::BIGNUM AS bignum, \
     '101'::BIT AS bit, union_value(k := 1) AS union_, 1.5::FLOAT AS float, \
     340282366920938463463374607431768211455::UHUGEINT AS uhugeint";

#[test]
fn every_duckdb_type_prints_in_every_format_and_report() {
    let dir = TempDir::new().unwrap();
    for folder in ["queries", "report_templates"] {
        fs::create_dir_all(dir.path().join(folder)).unwrap();
    }
    fs::write(dir.path().join("queries/types.sql"), format!("-- Every type.\n{EVERY_TYPE}\n")).unwrap();
    fs::write(
        dir.path().join("report_templates/types.md.j2"),
        "# Types\n\n{{ table(query(\"types\")) }}\n\n{% for row in query(\"types\") %}{{ row.n }}|{{ row.null_list }}|{{ row.time_ns }}{% endfor %}\n",
    )
    .unwrap();
    let project = Project { dir };
    let mut report = String::new();
    for format in ["table", "csv", "json", "md"] {
        let output = project.run(&["-q", "query", "types", "--format", format]);
        assert_success(&output);
        report.push_str(&format!("--- {format}\n{}", stdout(&output)));
    }
    let summarize =
        project.run(&["-q", "query", "--sql", "SUMMARIZE SELECT NULL AS x, [NULL] AS y", "--format", "csv"]);
    assert_success(&summarize);
    report.push_str(&format!("--- summarize\n{}", stdout(&summarize)));
    assert_success(&project.run(&["-q", "build"]));
    report.push_str(&format!("--- types.md\n{}", project.read("out/types.md")));
    insta::assert_snapshot!("every_duckdb_type", report);
}

#[test]
fn a_data_file_renamed_in_case_only_is_one_table_reloaded() {
    let dir = TempDir::new().unwrap();
    fs::create_dir_all(dir.path().join("data")).unwrap();
    fs::write(dir.path().join("data/MEETINGS.csv"), "id,title\nM1,Lyon\nM2,Seoul\n").unwrap();
    let project = Project { dir };
    assert_success(&project.run(&["load"]));
    fs::rename(project.path().join("data/MEETINGS.csv"), project.path().join("data/meetings.csv")).unwrap();
    let load = project.run(&["load"]);
    assert_success(&load);
    assert!(
        stderr(&load).contains("removed MEETINGS") && stderr(&load).contains("loaded meetings (2 rows)"),
        "{}",
        stderr(&load)
    );
    assert_eq!(count(&project, "meetings"), "n\n2\n", "the renamed file's table is there, not dropped");
    // Both at once are one table twice: an error naming both.
    fs::write(project.path().join("data/Meetings.csv"), "id,title\nM3,Jakarta\n").unwrap();
    let both = project.run(&["load"]);
    assert_eq!(both.status.code(), Some(1), "{}", stderr(&both));
    assert!(stderr(&both).contains("two data sources would both be table"), "{}", stderr(&both));
    fs::remove_file(project.path().join("data/Meetings.csv")).unwrap();
    assert_eq!(count(&project, "meetings"), "n\n2\n", "the failed load changed nothing");
}

#[test]
fn threads_beyond_the_machines_cores_are_capped_with_a_warning() {
    let project = Project::sample();
    let config = project.read("laporan.toml");
    fs::write(project.path().join("laporan.toml"), format!("{config}\n[duckdb]\nthreads = 1024\n")).unwrap();
    let output = project.run(&["-v", "build", "--format", "md"]);
    assert_success(&output);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if cores < 1024 {
        assert!(
            stderr(&output).contains(&format!(
                "warning: [duckdb] threads = 1024, but this machine has {cores} cores: using {cores}"
            )),
            "{}",
            stderr(&output)
        );
    }
}

#[cfg(unix)]
#[test]
fn a_data_file_whose_name_is_not_text_is_an_error_not_left_out() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    fs::create_dir_all(dir.path().join("data/monthly")).unwrap();
    fs::write(dir.path().join("data/monthly/jan.csv"), "a\n1\n").unwrap();
    let latin1 = std::ffi::OsStr::from_bytes(b"f\xe9v.csv");
    fs::write(dir.path().join("data/monthly").join(latin1), "a\n2\n").unwrap();
    let project = Project { dir };
    let load = project.run(&["load"]);
    assert_eq!(load.status.code(), Some(1), "{}", stderr(&load));
    assert!(stderr(&load).contains("data/monthly: a name in it is not UTF-8 text"), "{}", stderr(&load));
    assert!(stderr(&load).contains("f�v.csv"), "{}", stderr(&load));
}

#[test]
fn a_deleted_report_leaves_out_and_the_index_and_nothing_else_is_removed() {
    let project = Project::sample();
    assert_success(&project.run(&["build", "--export", "csv"]));
    assert_success(&project.run(&["build", "--period", "2024-Q2"]));
    // Files laporan did not write, and files it wrote that someone changed since.
    fs::write(project.path().join("out/notes.txt"), "mine").unwrap();
    fs::write(project.path().join("out/2024-Q2/partner_brief/THA.id.md"), "edited by hand").unwrap();
    // A forged record: builds.json says the build wrote a file outside out/.
    let outside = project.path().join("keep.txt");
    fs::write(&outside, "outside").unwrap();
    let manifest_path = project.path().join(".laporan/builds.json");
    let mut manifest: serde_json::Value = serde_json::from_str(&project.read(".laporan/builds.json")).unwrap();
    let out = fs::canonicalize(project.path().join("out")).unwrap();
    let meta = fs::metadata(&outside).unwrap();
    let modified = meta.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    manifest["reports"][format!("{}|gone", out.display())] = serde_json::json!({
        "key": "forged",
        "files": [
            {"path": outside, "len": meta.len(), "modified_ns": modified},
            {"path": out.join("../keep.txt"), "len": meta.len(), "modified_ns": modified},
        ],
    });
    fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();

    fs::remove_file(project.path().join("report_templates/partner_brief.md.j2")).unwrap();
    let output = project.run(&["build"]);
    assert_success(&output);
    let messages = stderr(&output);
    let removed: Vec<&str> = messages.lines().filter(|l| l.starts_with("removed ")).collect();
    // Every page of the deleted each report, in both builds, and its exports:
    // 20 pages and 30 CSV files of the whole-data build, 19 pages of 2024-Q2.
    assert_eq!(removed.len(), 69, "{messages}");
    assert!(removed.iter().all(|l| l.contains("partner_brief/") && l.ends_with("(no report writes it now)")));
    assert!(removed.contains(&"removed out/partner_brief/THA.en.data/partner_summary.csv (no report writes it now)"));
    assert!(
        project.path().join("out/cooperation_report.en.data/period_summary.csv").exists(),
        "a build without --export leaves the exports of the reports that remain"
    );
    assert!(!project.path().join("out/partner_brief").exists(), "the emptied folders go too");
    assert_eq!(
        files_under(&project.path().join("out/2024-Q2/partner_brief")),
        ["THA.id.md"],
        "in every period folder; a page changed since is kept"
    );
    assert_eq!(project.read("out/2024-Q2/partner_brief/THA.id.md"), "edited by hand");
    assert_eq!(project.read("out/notes.txt"), "mine");
    assert_eq!(fs::read_to_string(&outside).unwrap(), "outside", "a forged record removes nothing");
    let index = project.read("out/index.html");
    assert!(!index.contains("partner_brief"), "{index}");
    assert!(index.contains("cooperation_report.en.html"));
    // A period folder deleted by hand leaves no dead link, though nothing is rendered.
    fs::remove_dir_all(project.path().join("out/2024-Q2")).unwrap();
    assert_success(&project.run(&["build"]));
    assert!(!project.read("out/index.html").contains("2024-Q2/"));
}

/// The sample reports read well for every month of the data and for a
/// period without any: no NaN, no `undefined`, no empty bold.
#[test]
fn sample_reads_well_in_every_month_and_in_an_empty_period() {
    let project = Project::sample();
    assert_success(&project.run(&["build", "--period", "2022-01..2025-12"]));
    assert_success(&project.run(&["build", "--period", "2021-Q1"]));
    let out = project.path().join("out");
    let files = files_under(&out);
    let reports = files.iter().filter(|f| f.ends_with(".md") && f.contains("cooperation_report.")).count();
    assert_eq!(reports, 2 * 49, "two locales, 48 months and 2021-Q1");
    assert!(files.iter().any(|f| f.starts_with("2024-04/partner_brief/")), "briefs in the months");
    for file in files {
        assert_reads_well(&file, &fs::read_to_string(out.join(&file)).unwrap());
    }
    let empty = project.read("out/2021-Q1/cooperation_report.en.md");
    assert!(empty.contains("No international events took place in this period."), "{empty}");
}

// ------------------------------------------------------ template fixtures

/// Each `tests/templates/NAME.md.j2` is the only report of a copy of the
/// fixture project `tests/templates/project/`, with `NAME.toml` (if there
/// is one) as its `[reports.NAME]` settings, such as `locale = "id"`. The
/// snapshot holds the build's exit code and messages, the Markdown and the
/// `<main>` part of the page. `error_*` templates must stop the build,
/// naming the template and line; the others must build, and read well.
#[test]
fn template_fixtures() {
    insta::glob!("templates/*.md.j2", |template| {
        let file_name = template.file_name().unwrap().to_str().unwrap();
        let name = file_name.strip_suffix(".md.j2").unwrap();
        let project = Project::case(template.parent().unwrap());
        fs::create_dir_all(project.path().join("report_templates")).unwrap();
        fs::copy(template, project.path().join("report_templates").join(file_name)).unwrap();
        if let Ok(settings) = fs::read_to_string(template.with_file_name(format!("{name}.toml"))) {
            let config = project.read("laporan.toml");
            fs::write(project.path().join("laporan.toml"), format!("{config}\n[reports.{name}]\n{settings}")).unwrap();
        }
        let output = project.run(&["build", "--as-of", "2026-01-01"]);
        let mut report = format!("exit: {}\n--- stderr\n{}", output.status.code().unwrap_or(-1), stderr(&output));
        if name.starts_with("error_") {
            assert_eq!(output.status.code(), Some(1), "{name} must stop the build:\n{}", stderr(&output));
            let place = format!("report_templates/{file_name}:");
            assert!(stderr(&output).contains(&place), "{name}: the error must name the template and line");
            assert!(!project.path().join("out").exists(), "{name}: a failed build publishes nothing");
        } else {
            assert_success(&output);
            let md = project.read(&format!("out/{name}.md"));
            let html = project.read(&format!("out/{name}.html"));
            assert_reads_well(&format!("{name}.md"), &md);
            assert_reads_well(&format!("{name}.html"), &html);
            assert!(!html.contains("<script"), "{name}: no script in the page");
            report.push_str(&format!("--- out/{name}.md\n{md}--- out/{name}.html <main>\n{}\n", main_of(&html)));
        }
        insta::assert_snapshot!(report);
    });
}

// ------------------------------------------------------------------ watch

/// A child process that is killed when dropped, so that a failed assertion
/// leaves no `laporan watch` running.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long any one step of a test driving a long-running laporan may take:
/// generous, for a slow shared machine. Nothing is asserted about timing.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(180);

/// Polls `done` every 100 ms until it holds, for at most [`PATIENCE`];
/// panics with `what` and `context()` if it never does.
#[track_caller]
fn wait_until(what: &str, context: impl Fn() -> String, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(std::time::Instant::now() < deadline, "waited {PATIENCE:?} for {what}\n{}", context());
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Replaces a file the way editors save: a new file renamed over the old
/// one, so that a rebuild never reads it half written. The temporary name
/// ends in `.tmp`, which the watcher ignores.
fn save(project: &Project, relative: &str, text: &str) {
    let temporary = project.path().join("saving.tmp");
    fs::write(&temporary, text).unwrap();
    fs::rename(&temporary, project.path().join(relative)).unwrap();
}

/// `laporan watch` builds at once, then again after each change to a
/// template; a broken template is reported and waited out (the pages stay
/// as they were), and the next good edit builds again.
#[test]
fn watch_rebuilds_after_each_edit_and_outlives_a_broken_template() {
    use std::io::{BufRead, BufReader};
    use std::sync::{Arc, Mutex};
    let project = Project::case(&repo().join("tests/cases/html_template_and_layout"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_laporan"))
        .arg("watch")
        .current_dir(project.path())
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its messages, as they come.
    let messages = Arc::new(Mutex::new(String::new()));
    let pipe = child.stderr.take().unwrap();
    let received = messages.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            received.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    let mut watcher = KillOnDrop(child);
    let said = || messages.lock().unwrap().clone();
    let page = |file: &str| fs::read_to_string(project.path().join("out").join(file)).unwrap_or_default();

    // The first build.
    wait_until("the first build", said, || said().contains("wrote out/index.html"));
    assert!(page("summary.md").starts_with("# Summary"), "{}", page("summary.md"));

    // An edit: both outputs of that template are written again.
    let template = "report_templates/summary.md.j2";
    let text = project.read(template);
    save(&project, template, &format!("{text}\nEdited while watching.\n"));
    wait_until("the edit in summary.html", said, || page("summary.html").contains("Edited while watching."));
    assert!(page("summary.md").contains("Edited while watching."), "{}", page("summary.md"));

    // A broken edit: reported with its place, the pages left as they were,
    // and the watcher still running.
    save(&project, template, "# Summary\n\n{% for e in query(\"events\") %}\n- {{ e.city }}\n");
    wait_until("the error", said, || said().contains(&format!("--> {template}:")));
    let shown = said();
    assert!(shown.contains("error: syntax error"), "{shown}");
    assert!(shown.contains("change detected, rebuilding…"), "{shown}");
    assert!(page("summary.md").contains("Edited while watching."), "a failed build publishes nothing");
    assert!(watcher.0.try_wait().unwrap().is_none(), "watch is still running:\n{shown}");

    // Fixed: built again.
    save(&project, template, &format!("{text}\nFixed after the error.\n"));
    wait_until("the fix in summary.md", said, || page("summary.md").contains("Fixed after the error."));
    wait_until("the fix in summary.html", said, || page("summary.html").contains("Fixed after the error."));
    assert!(!page("summary.md").contains("Edited while watching."));
    assert!(watcher.0.try_wait().unwrap().is_none(), "watch is still running:\n{}", said());
    watcher.0.kill().unwrap();
    watcher.0.wait().unwrap();
}

/// `--format docx`: a Word document of each Markdown report, made from its
/// HTML page and read back as text (`common::docx_outline`): headings in
/// Word's heading styles, tables as Word tables whose header rows repeat,
/// every chart, map, donut and sparkline of the page a picture with its
/// alt text; the same inputs and `--as-of` give the same bytes. The build
/// the issue names (md, html, docx, xlsx) writes every file.
#[test]
fn the_sample_as_a_word_document() {
    let project = Project::sample_built_twice(&["--format", "md,html,docx", "--export", "xlsx"]);
    let first = project.path().join("first/2024-Q2");
    for name in ["cooperation_report.en", "cooperation_report.id", "partner_brief/JPN.en"] {
        for file in [format!("{name}.md"), format!("{name}.html"), format!("{name}.docx")] {
            assert!(first.join(&file).is_file(), "{file} was not written");
        }
    }
    assert!(first.join("cooperation_report.en.data/cooperation_report.en.xlsx").is_file());
    let docx = fs::read(first.join("cooperation_report.en.docx")).unwrap();
    let again = fs::read(project.path().join("second/2024-Q2/cooperation_report.en.docx")).unwrap();
    assert!(docx == again, "the same inputs and --as-of give the same .docx");

    let outline = common::docx_outline(&docx);
    let html = fs::read_to_string(first.join("cooperation_report.en.html")).unwrap();
    let main = &html[html.find("<main>").unwrap()..html.find("</main>").unwrap()];
    assert_eq!(outline.matches("[picture: ").count(), main.matches("<svg").count(), "every chart is a picture");
    assert!(!outline.contains("NO ALT TEXT"), "every picture has alt text");
    // Every table shown (not the data folded under a chart) and the
    // provenance footer's has a header row that repeats.
    let tables = main.matches("<thead>").count() - main.matches("<details class=\"chart-data\"").count() + 1;
    assert_eq!(outline.lines().filter(|l| l.starts_with('‖')).count(), tables, "{outline}");
    insta::assert_snapshot!("sample_cooperation_report_2024_q2_docx", outline);
}

/// `report_templates/_reference.docx` gives the documents its styles (those
/// it lacks are laporan's); a file that is not a Word document is refused
/// before anything is loaded; an `.html.j2` report gets no document, and
/// the build says so.
#[test]
fn word_styles_come_from_the_reference_document() {
    use std::io::{Read, Write};
    let project = Project::empty();
    fs::write(project.path().join("report_templates/brief.md.j2"), "# Brief\n\n## Part\n\nText.\n").unwrap();
    fs::write(project.path().join("report_templates/page.html.j2"), "<!DOCTYPE html><title>P</title><p>HTML</p>\n")
        .unwrap();
    let output = project.run(&["build", "--format", "html,docx"]);
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no Word document of page.html.j2: an HTML template"), "{stderr}");
    assert!(!project.path().join("out/page.docx").exists());
    let styles = |path: &Path| {
        let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
        let mut text = String::new();
        archive.by_name("word/styles.xml").unwrap().read_to_string(&mut text).unwrap();
        text
    };
    let built_in = styles(&project.path().join("out/brief.docx"));
    assert!(built_in.contains("w:styleId=\"Heading2\"") && built_in.contains("<w:name w:val=\"heading 2\"/>"));

    // A reference whose Heading 2 is red and which has no tile style.
    let mut reference =
        zip::ZipWriter::new(fs::File::create(project.path().join("report_templates/_reference.docx")).unwrap());
    reference.start_file("word/styles.xml", zip::write::SimpleFileOptions::default()).unwrap();
    reference
        .write_all(
            b"<?xml version=\"1.0\"?><w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
              <w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/>\
              <w:rPr><w:color w:val=\"C00000\"/></w:rPr></w:style></w:styles>",
        )
        .unwrap();
    reference.finish().unwrap();
    assert_success(&project.run(&["build", "--format", "html,docx"]));
    let styled = styles(&project.path().join("out/brief.docx"));
    assert!(styled.contains("C00000"), "the reference's heading");
    assert_eq!(styled.matches("w:styleId=\"Heading2\"").count(), 1);
    assert!(styled.contains("w:styleId=\"TileValue\""), "a style the reference lacks is laporan's");

    fs::write(project.path().join("report_templates/_reference.docx"), "not a document").unwrap();
    let output = project.run(&["build", "--format", "html,docx"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("report_templates/_reference.docx is not a Word document: it is not a zip archive"),
        "{stderr}"
    );
}

/// A report's own HTML in a Word document: bullets stay bullets, a cell
/// spanning rows is merged, a table's caption and an image carried in the
/// page (a data URL) come along, what the page hides does not, an empty
/// table is no table; characters Word refuses become U+FFFD; an SVG filter
/// that would make resvg allocate terabytes is left out; links to a share,
/// a parent folder or a script are text. The document opens (read back).
#[test]
fn word_documents_of_hand_written_html() {
    let project = Project::empty();
    fs::write(project.path().join("data/notes.csv"), "note\n\"odd \u{FFFF} and \u{FFFE} here\"\n").unwrap();
    fs::write(project.path().join("queries/notes.sql"), "-- Notes.\nSELECT * FROM notes\n").unwrap();
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAAEElEQVR4nGP4z8AARwzIHABvqgf5gNwAKAAAAABJRU5ErkJggg==";
    fs::write(
        project.path().join("report_templates/r.md.j2"),
        format!(
            "# Hand-written\n\n- apple\n- pear\n\n1. one\n2. two\n\n\
             {{% for n in query(\"notes\") %}}Note: {{{{ n.note }}}}{{% endfor %}}\n\n\
             <table><caption>Spans</caption><tr><th>a</th><th>b</th></tr>\
             <tr><td rowspan=\"2\">tall</td><td>1</td></tr><tr><td>2</td></tr></table>\n\n\
             <table></table>\n\n<p hidden>secret draft</p><p style=\"display: none\">also hidden</p>\n\n\
             ![logo](data:image/png;base64,{png})\n\n\
             <svg viewBox=\"0 0 100 100\"><filter id=\"f\" x=\"-100\" y=\"-100\" width=\"300\" height=\"300\">\
             <feFlood/></filter><rect width=\"100\" height=\"100\" filter=\"url(#f)\"/></svg>\n\n\
             <a href=\"\\\\attacker\\share\\x.docx\">share</a> <a href=\"../../etc/passwd\">up</a> \
             <a href=\"javascript:alert(1)\">script</a> <a href=\"#hand-written\">top</a> \
             <a href=\"https://example.org/?a=1&amp;b=2\">web</a>\n\n\
             <table><tr><th>shown</th></tr><tr hidden><td>hidden row</td></tr>\
             <tr style=\"color: red; /* display: none */\"><td>a comment hides nothing</td></tr></table>\n\n\
             {}deep\n",
            "> ".repeat(300)
        ),
    )
    .unwrap();
    // A project title with characters XML refuses: the running header.
    fs::write(project.path().join("laporan.toml"), "title = \"Team\\u0001 \\uFFFF\"\n").unwrap();
    assert_success(&project.run(&["build", "--format", "html,docx", "--as-of", "2026-01-02"]));
    let docx = fs::read(project.path().join("out/r.docx")).unwrap();
    let outline = common::docx_outline(&docx);
    insta::assert_snapshot!("hand_written_html_docx", outline.split("[Provenance]").next().unwrap());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&docx)).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    let numbering = read("word/numbering.xml");
    // docx-rs writes a numbering 1 of its own: the bullets are another.
    assert_eq!(numbering.matches("<w:abstractNum w:abstractNumId=\"1\">").count(), 1, "{numbering}");
    assert!(numbering.contains("<w:num w:numId=\"2\"><w:abstractNumId w:val=\"2\" />"), "{numbering}");
    assert!(numbering.contains(
        "<w:abstractNum w:abstractNumId=\"2\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\" /><w:numFmt w:val=\"bullet\" />"
    ));
    let rels = read("word/_rels/document.xml.rels");
    assert!(rels.contains("https://example.org/?a=1&amp;b=2"), "{rels}");
    for refused in ["attacker", "etc/passwd", "javascript"] {
        assert!(!rels.contains(refused), "{refused}: {rels}");
    }
    let document = read("word/document.xml");
    assert!(document.contains("w:anchor=\"h1_hand_written\""), "the link to the heading");
    assert!(document.contains("<w:vMerge w:val=\"continue\""), "the cell spanning two rows");
}

/// `--export xlsx`: one workbook per report, read back with calamine (the
/// reader laporan loads workbooks with): a sheet per query call after a
/// first sheet listing them, numbers as numbers, dates as dates, text as
/// text (a value starting with `=` too), the same bytes for the same inputs.
#[test]
fn the_xlsx_export_has_a_typed_sheet_per_query_call() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let project = Project::sample_built_twice(&["--export", "xlsx"]);
    let path = "2024-Q2/cooperation_report.en.data/cooperation_report.en.xlsx";
    let first = fs::read(project.path().join("first").join(path)).unwrap();
    assert!(first == fs::read(project.path().join("second").join(path)).unwrap(), "reproducible");
    let mut book: Xlsx<_> = open_workbook(project.path().join("first").join(path)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "laporan");
    let about = book.worksheet_range("laporan").unwrap();
    let listed: Vec<String> = about.rows().nth(1).unwrap().iter().take(5).map(|c| c.to_string()).collect();
    assert_eq!(listed[..3], ["period_summary", "period_summary", "2"]);
    assert!(listed[3].contains("period_start = 2024-04-01"), "the call's parameters: {listed:?}");
    assert!(listed[4].starts_with("Headline figures for the period"), "the query's description: {listed:?}");
    assert!(names.iter().all(|n| n.chars().count() <= 31), "{names:?}");
    assert!(names.contains(&"participating_countries_per_eve".to_owned()), "{names:?}");
    assert!(names.contains(&"event_countries.2".to_owned()), "a second call has its own sheet: {names:?}");
    let sheet = book.worksheet_range("assets_seized_per_operation").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = sheet.rows().nth(1).unwrap();
    assert!(matches!(row[column("assets_seized_usd")], Data::Float(v) if (v - 14209698.27).abs() < 0.001), "{row:?}");
    assert!(matches!(row[column("arrests")], Data::Float(v) if v == 636.0), "{row:?}");
    assert!(matches!(row[column("start_date")], Data::DateTime(_)), "{row:?}");
    assert!(matches!(&row[column("operation")], Data::String(s) if s == "Golden Thread"), "{row:?}");

    let dir = TempDir::new().unwrap();
    fs::create_dir_all(dir.path().join("data")).unwrap();
    fs::create_dir_all(dir.path().join("queries")).unwrap();
    fs::create_dir_all(dir.path().join("report_templates")).unwrap();
    fs::write(dir.path().join("data/notes.csv"), "note,n\n\"=HYPERLINK(\"\"http://evil\"\")\",1\n").unwrap();
    fs::write(dir.path().join("queries/notes.sql"), "-- Notes.\nSELECT * FROM notes\n").unwrap();
    // A query named like the first sheet, and a text longer than a cell holds.
    fs::write(dir.path().join("queries/laporan.sql"), "-- Long.\nSELECT repeat('x', 40000) AS long\n").unwrap();
    fs::write(
        dir.path().join("report_templates/r.md.j2"),
        "{{ table(query(\"notes\")) }}\n{{ query(\"laporan\") | length }}\n",
    )
    .unwrap();
    let hostile = Project { dir };
    assert_success(&hostile.run(&["build", "--export", "xlsx"]));
    let mut book: Xlsx<_> = open_workbook(hostile.path().join("out/r.data/r.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["laporan", "notes", "laporan~2"]);
    let long = book.worksheet_range("laporan~2").unwrap();
    let cell = long.rows().nth(1).unwrap()[0].to_string();
    assert_eq!(cell.chars().count(), 32_767);
    assert!(cell.ends_with("[40000 characters: the CSV and JSON exports have them all]"), "{}", &cell[32_600..]);
    let mut book: Xlsx<_> = open_workbook(hostile.path().join("out/r.data/r.xlsx")).unwrap();
    let sheet = book.worksheet_range("notes").unwrap();
    assert!(matches!(&sheet.rows().nth(1).unwrap()[0], Data::String(s) if s.starts_with("=HYPERLINK")));
    assert!(book.worksheet_formula("notes").unwrap().used_cells().next().is_none(), "no formula");
}

// ---------------------------------------------------------- result cache

/// A project whose report shows six queries: one over each of two
/// datasets, one building on the first and reading the second, one that
/// calls random() and one that reads a file directly (never kept), and one
/// reading dataset b where a later CTE takes its name.
fn cache_project() -> Project {
    let project = Project::empty();
    let write = |path: &str, text: &str| fs::write(project.path().join(path), text).unwrap();
    write("data/a.csv", "k,v\nx,1\ny,2\n");
    write("data/b.csv", "k,w\nx,10\ny,20\n");
    write("queries/sum_a.sql", "-- Sum of a.\nSELECT sum(v) AS total FROM a\n");
    write("queries/sum_b.sql", "-- Sum of b.\nSELECT sum(w) AS total FROM b\n");
    write("queries/joined.sql", "-- Both.\nSELECT sum(w * total) AS total FROM b CROSS JOIN sum_a\n");
    write("queries/clock.sql", "-- Random.\nSELECT count(*) AS total FROM a WHERE random() < 2\n");
    write("queries/direct.sql", "-- The file.\nSELECT count(*) AS total FROM read_csv('data/a.csv')\n");
    write(
        "queries/shadow.sql",
        "-- A CTE named b.\nWITH big AS (SELECT * FROM b WHERE w > 10), b AS (SELECT sum(w) AS total FROM big) FROM b\n",
    );
    let lines: Vec<String> = ["sum_a", "sum_b", "joined", "clock", "direct", "shadow"]
        .iter()
        .map(|q| format!("{q} {{{{ query(\"{q}\")[0].total }}}}\n"))
        .collect();
    write("report_templates/r.md.j2", &lines.concat());
    project
}

/// How many saved query calls a `-v` build ran, and answered from the
/// result cache.
fn run_and_kept(output: &Output) -> (usize, usize) {
    let text = stderr(output);
    let line = text.lines().find(|l| l.contains(" from the result cache")).unwrap_or_else(|| panic!("{text}"));
    let number_before = |word: &str| -> usize {
        let head = &line[..line.find(word).unwrap()];
        head.trim_end().rsplit([' ', ';']).next().unwrap().parse().unwrap()
    };
    (number_before(" quer"), number_before(" from the result cache"))
}

#[test]
fn the_result_cache_reruns_exactly_what_changed() {
    let project = cache_project();
    let build = |args: &[&str]| {
        let mut all = vec!["-v", "build"];
        all.extend_from_slice(args);
        let output = project.run(&all);
        assert_success(&output);
        (run_and_kept(&output), project.read("out/r.md"))
    };
    let (counts, page) = build(&[]);
    assert_eq!(counts, (6, 0));
    assert!(page.contains("sum_a 3\nsum_b 30\njoined 90\nclock 2\ndirect 2\nshadow 20\n"), "{page}");

    // A template edit: all but the two that may change are kept.
    let template = project.path().join("report_templates/r.md.j2");
    fs::write(&template, fs::read_to_string(&template).unwrap() + "edited\n").unwrap();
    assert_eq!(build(&[]).0, (2, 4));

    // A dataset changed: the queries reading it run again, and only they.
    fs::write(project.path().join("data/b.csv"), "k,w\nx,11\ny,20\n").unwrap();
    let (counts, page) = build(&[]);
    assert_eq!(counts, (5, 1), "sum_a is kept");
    assert!(page.contains("sum_a 3\nsum_b 31\njoined 93\nclock 2\ndirect 2\nshadow 31\n"), "{page}");

    // A query's SQL changed: it and the queries building on it run again.
    fs::write(project.path().join("queries/sum_a.sql"), "-- Sum of a.\nSELECT 2 * sum(v) AS total FROM a\n").unwrap();
    let (counts, page) = build(&[]);
    assert_eq!(counts, (4, 2), "sum_b and shadow are kept");
    assert!(page.contains("sum_a 6\nsum_b 31\njoined 186\n"), "{page}");

    // --force runs everything.
    assert_eq!(build(&["--force"]).0, (6, 0));
    // `query` answers from the cache too, with the same exact value.
    let output = project.run(&["query", "joined", "--format", "csv"]);
    assert_success(&output);
    assert_eq!(stdout(&output), "total\n186\n");
}

#[test]
fn a_database_other_than_the_one_recorded_is_refused_not_cached() {
    let project = cache_project();
    assert_success(&project.run(&["build"]));
    let database = project.path().join(".laporan/laporan.duckdb");
    let old = fs::read(&database).unwrap();
    fs::write(project.path().join("data/a.csv"), "k,v\nx,100\ny,200\n").unwrap();
    assert_success(&project.run(&["build"]));
    // The database of the old data put back, the record of the new kept: a
    // query that must run finds out, and nothing is kept.
    fs::write(&database, old).unwrap();
    fs::write(project.path().join("queries/sum_a.sql"), "-- Sum of a.\nSELECT sum(v) + 0 AS total FROM a\n").unwrap();
    let output = project.run(&["build"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("does not hold the data this command started with"), "{}", stderr(&output));
    // Run again: the files are checked, the new data loaded, the sums right.
    let output = project.run(&["build"]);
    assert_success(&output);
    assert!(project.read("out/r.md").starts_with("sum_a 300\n"), "{}", project.read("out/r.md"));
}

#[test]
fn the_result_cache_keeps_to_its_size() {
    let project = cache_project();
    let results = project.path().join(".laporan/cache/results");
    let size = |dir: &Path| -> u64 {
        fs::read_dir(dir).map(|d| d.flatten().map(|e| e.metadata().unwrap().len()).sum()).unwrap_or(0)
    };
    assert_success(&project.run(&["build"]));
    let full = size(&results);
    assert!(full > 0);
    let limit = full / 2;
    fs::write(project.path().join("laporan.toml"), format!("[cache]\nmax_size = \"{limit}B\"\n")).unwrap();
    assert_success(&project.run(&["build", "--force"]));
    assert!((1..=limit).contains(&size(&results)), "{} > {limit}", size(&results));

    fs::write(project.path().join("laporan.toml"), "[cache]\nmax_size = \"0\"\n").unwrap();
    assert_success(&project.run(&["build", "--force"]));
    assert_eq!(size(&results), 0, "nothing is kept");

    fs::write(project.path().join("laporan.toml"), "[cache]\nmax_size = \"lots\"\n").unwrap();
    let output = project.run(&["build"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("[cache] max_size = \"lots\": not a size"), "{}", stderr(&output));
    assert!(stderr(&output).contains("laporan.toml:2:"), "{}", stderr(&output));
}

#[test]
fn a_build_killed_at_any_moment_leaves_a_cache_that_is_right_or_ignored() {
    let project = Project::sample();
    let build = ["-v", "build", "--as-of", "2026-01-02"];
    let outputs = |project: &Project| -> Vec<(String, Vec<u8>)> {
        let out = project.path().join("out");
        files_under(&out).into_iter().map(|f| (f.clone(), fs::read(out.join(&f)).unwrap())).collect()
    };
    assert_success(&project.run(&build));
    let expected = outputs(&project);
    let state = project.path().join(".laporan");
    let mut answered = 0;
    for step in 0..12u64 {
        // A cold build, killed somewhere between loading and writing.
        fs::remove_dir_all(&state).unwrap();
        fs::remove_dir_all(project.path().join("out")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_laporan"))
            .args(build)
            .current_dir(project.path())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30 + step * 55));
        child.kill().unwrap();
        child.wait().unwrap();
        fs::remove_dir_all(project.path().join("out")).ok();
        let output = project.run(&build);
        assert_success(&output);
        answered += run_and_kept(&output).1;
        assert!(outputs(&project) == expected, "after a kill at step {step}, the reports differ");
    }
    assert!(answered > 0, "no killed build left a result to use");

    // Damaged results (cut short, a byte changed, emptied) and a damaged
    // record of parses are ignored, never used.
    let results = state.join("cache/results");
    for (index, entry) in fs::read_dir(&results).unwrap().flatten().enumerate() {
        let mut bytes = fs::read(entry.path()).unwrap();
        match index % 3 {
            0 => bytes.truncate(bytes.len() / 2),
            1 => *bytes.last_mut().unwrap() ^= 1,
            _ => bytes.clear(),
        }
        fs::write(entry.path(), bytes).unwrap();
    }
    fs::write(state.join("cache/queries.json"), "{\"not\": ").unwrap();
    fs::remove_dir_all(project.path().join("out")).unwrap();
    let output = project.run(&build);
    assert_success(&output);
    assert_eq!(run_and_kept(&output).1, 0, "no damaged result is used");
    assert!(outputs(&project) == expected, "the reports are the same");
}
