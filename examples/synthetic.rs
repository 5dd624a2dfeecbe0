//! A synthetic laporan project at any scale, for benchmarks.
//!
//! ```sh
//! cargo run --release --example synthetic -- --rows 10000000 /tmp/synthetic
//! laporan -C /tmp/synthetic build
//! ```
//!
//! It has the sample project's schema, declarations, data tests, queries and
//! reports (copied from this repository), its countries and organisations,
//! and made-up rows: `--rows` operation results (one per operation and
//! country), with operations, events, participants and cases in proportion
//! (N/200, N/1000, N/20 and N/100). The same `--rows` always gives the same
//! bytes. Every row's `source` is `synthetic`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const CRIME_TYPES: [&str; 8] = [
    "online financial crime",
    "human trafficking",
    "drug trafficking",
    "money laundering",
    "migrant smuggling",
    "fraud",
    "environmental crime",
    "online child sexual exploitation",
];
const EVENT_TYPES: [&str; 5] =
    ["conference", "working meeting", "bilateral meeting", "operational meeting", "training"];
const EVIDENCE: [&str; 3] = ["sufficient and secured", "partial", "insufficient"];
const STATUS: [&str; 3] = ["open", "transferred", "closed"];
const CITIES: [&str; 8] = ["Jakarta", "Lyon", "Singapore", "Bangkok", "Seoul", "Kuala Lumpur", "Manila", "Tokyo"];

/// A small deterministic generator (xorshift64*): no dependency, same
/// numbers on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A date in 2022–2025 from a day number (0..1461).
fn date(day: u64) -> String {
    let mut day = day % 1461;
    let mut year = 2022;
    loop {
        let length = if year == 2024 { 366 } else { 365 };
        if day < length {
            break;
        }
        day -= length;
        year += 1;
    }
    let months = [31, if year == 2024 { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while day >= months[month] {
        day -= months[month];
        month += 1;
    }
    format!("{year}-{:02}-{:02}", month + 1, day + 1)
}

fn csv_column(text: &str, column: usize) -> Vec<String> {
    text.lines().skip(1).map(|line| line.split(',').nth(column).unwrap_or_default().to_owned()).collect()
}

fn writer(path: &Path, header: &str) -> BufWriter<File> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    writeln!(out, "{header}").unwrap();
    out
}

/// Copies a folder and the folders in it (such as report_templates/_messages/).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_file() {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        } else if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut rows: u64 = 1_000_000;
    let mut target: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = args.next().and_then(|n| n.replace('_', "").parse().ok()).expect("--rows N"),
            "-h" | "--help" => {
                println!("usage: synthetic [--rows N] DIR   (N operation results; default 1000000)");
                return;
            }
            other => target = Some(PathBuf::from(other)),
        }
    }
    let target = target.expect("usage: synthetic [--rows N] DIR");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::create_dir_all(target.join("data")).unwrap();
    for folder in ["queries", "report_templates", "data_tests"] {
        copy_dir(&repo.join(folder), &target.join(folder));
    }
    // The seed articles' figures are the sample's rows, not these.
    fs::remove_file(target.join("data_tests/seed_figures_hold.sql")).unwrap();
    fs::copy(repo.join("laporan.toml"), target.join("laporan.toml")).unwrap();
    // The sample's data as it is (reference tables, whatever datasets it
    // gains); the large tables are written over below.
    copy_dir(&repo.join("data"), &target.join("data"));
    let countries = csv_column(&fs::read_to_string(repo.join("data/countries.csv")).unwrap(), 0);
    let organisations = csv_column(&fs::read_to_string(repo.join("data/organisations.csv")).unwrap(), 0);
    let countries: Vec<&str> = countries.iter().map(String::as_str).collect();
    let organisations: Vec<&str> = organisations.iter().map(String::as_str).collect();
    let mut random = Random(0x5EED_2024_0423_0001);

    // Operations, each with results for up to 200 distinct countries.
    let per_operation = 200.min(countries.len() as u64);
    let operations = rows.div_ceil(per_operation).max(1);
    let mut out = writer(
        &target.join("data/operations.csv"),
        "operation_id,name,crime_type,lead_org_id,start_date,end_date,source",
    );
    let mut results = writer(
        &target.join("data/operation_results.csv"),
        "operation_id,country_iso3,assets_seized_usd,arrests,victims_rescued,source",
    );
    let mut written = 0;
    for op in 0..operations {
        let start = random.below(1400);
        writeln!(
            out,
            "OP-{op:08},Operation {op},{},{},{},{},synthetic",
            random.pick(&CRIME_TYPES),
            random.pick(&organisations),
            date(start),
            date(start + random.below(60))
        )
        .unwrap();
        let first = random.below(countries.len() as u64) as usize;
        for k in 0..per_operation.min(rows - written) {
            let country = countries[(first + k as usize) % countries.len()];
            let cents = random.below(5_000_000_000);
            writeln!(
                results,
                "OP-{op:08},{country},{}.{:02},{},{},synthetic",
                cents / 100,
                cents % 100,
                1 + random.below(40),
                random.below(10)
            )
            .unwrap();
        }
        written += per_operation.min(rows - written);
    }
    out.flush().unwrap();
    results.flush().unwrap();

    // Events, and participants: up to 50 distinct countries per event.
    let events = (rows / 1000).max(1);
    let mut out = writer(
        &target.join("data/events.csv"),
        "event_id,name,event_type,city,country_iso3,start_date,end_date,organiser_org_id,source",
    );
    let mut participants = writer(
        &target.join("data/event_participants.csv"),
        "event_id,participant_type,country_iso3,org_id,delegates,source",
    );
    let per_event = 50.min(countries.len() as u64);
    for event in 0..events {
        let start = random.below(1450);
        writeln!(
            out,
            "EV-{event:08},Event {event},{},{},{},{},{},{},synthetic",
            random.pick(&EVENT_TYPES),
            random.pick(&CITIES),
            random.pick(&countries),
            date(start),
            date(start + random.below(4)),
            random.pick(&organisations)
        )
        .unwrap();
        let first = random.below(countries.len() as u64) as usize;
        for k in 0..per_event {
            let country = countries[(first + k as usize) % countries.len()];
            writeln!(participants, "EV-{event:08},country,{country},,{},synthetic", 1 + random.below(9)).unwrap();
        }
    }
    out.flush().unwrap();
    participants.flush().unwrap();

    // Cases exchanged with partners.
    let mut out = writer(
        &target.join("data/cases.csv"),
        "case_id,opened_date,crime_type,partner_country_iso3,discussed_at_event_id,operation_id,evidence_status,status,source",
    );
    for case in 0..(rows / 100).max(1) {
        let event = if random.below(3) == 0 { format!("EV-{:08}", random.below(events)) } else { String::new() };
        let operation =
            if random.below(4) == 0 { format!("OP-{:08}", random.below(operations)) } else { String::new() };
        writeln!(
            out,
            "KS-{case:09},{},{},{},{event},{operation},{},{},synthetic",
            date(random.below(1461)),
            random.pick(&CRIME_TYPES),
            random.pick(&countries),
            random.pick(&EVIDENCE),
            random.pick(&STATUS)
        )
        .unwrap();
    }
    out.flush().unwrap();
    eprintln!(
        "wrote {}: {rows} operation results, {operations} operations, {events} events, {} participants, {} cases",
        target.display(),
        events * per_event,
        (rows / 100).max(1)
    );
}
