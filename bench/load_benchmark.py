#!/usr/bin/env python3
"""Load benchmark: laporan's strict CSV load beside DuckDB's plain read_csv.

Run by hand, not by the tests (timings on a shared machine are noisy):

    python3 bench/load_benchmark.py            # 10 million rows
    python3 bench/load_benchmark.py --rows 1000000 --json-rows 100000 --runs 5

It writes a deterministic synthetic CSV (the sample's operation_results
shape, plus a date and a free-text column), then in the same run times, each
in a fresh process and into a fresh database file:

- laporan load with the dataset declared in laporan.toml (the strict path),
  with its primary key checked, and without a primary key;
- laporan load with the dataset undeclared (types inferred);
- DuckDB's plain `CREATE TABLE t AS SELECT * FROM read_csv('file')`, through
  the `duckdb` Python package at the engine version laporan bundles.

It prints wall time, CPU time and peak RSS (median of the runs) and the
ratios against DuckDB. Targets: strict load <= 1.25x the time and <= 1.2x the
memory of the plain read_csv.

Then the same rows as JSON lines (--json-rows, 1 million by default): laporan
load declared and inferred, beside DuckDB's plain `read_json`. laporan parses
JSON itself, keeping every value's text (see src/load/json.rs), so this
shows what that costs; a load that grows faster than the file (as one did,
counting lines from the start of the file for every record) shows here.

Then the costs of reading files as analysts get them (--wide, --workbook-rows):
inferring the types of a short, wide file (249 rows × 56 columns; target: the
inference step, `read and convert` in `load -v`, <= 50 ms), and loading a
workbook beside Python's openpyxl reading every cell of it (target <= 2x).
The inferred CSV load's target is <= 1.1x the time and <= 1.2x the memory of
DuckDB's own read_csv with its type detection.

Needs: a release build of laporan (cargo build --release), and
`pip install duckdb==2.0.0 openpyxl`.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from benchlib import DUCKDB_VERSION, ROOT, laporan_binary, measure

DECLARATION = """
[datasets.results]
primary_key = ["result_id"]
[datasets.results.columns]
result_id = "VARCHAR"
operation_id = "VARCHAR"
country_iso3 = "VARCHAR"
report_date = "DATE"
assets_seized_usd = "DECIMAL(18,2)"
arrests = "INTEGER"
victims_rescued = "INTEGER"
note = "VARCHAR"
"""


def records(rows):
    """Deterministic rows: the same for the same count, every time."""
    rng = random.Random(20240423)
    countries = ["IDN", "MYS", "THA", "PHL", "VNM", "SGP", "KHM", "LAO", "BRN", "MMR", "AUS", "JPN", "KOR", "FRA"]
    words = ["joint", "operation", "seizure", "fraud", "network", "victims", "rescued", "cyber", "scam", "Lyon"]
    for i in range(rows):
        amount = rng.randrange(0, 10_000_000_000)
        note = " ".join(rng.choice(words) for _ in range(rng.randrange(1, 6)))
        if i % 97 == 0:
            note = f'{note}, with a comma and a "quote"'
        yield (
            f"R{i:010d}",
            f"OP-{rng.randrange(1000):04d}",
            rng.choice(countries),
            f"{2022 + i % 4}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            f"{amount // 100}.{amount % 100:02d}",
            rng.randrange(60),
            rng.randrange(12),
            note,
        )


COLUMNS = ["result_id", "operation_id", "country_iso3", "report_date", "assets_seized_usd", "arrests",
           "victims_rescued", "note"]


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for row in records(rows):
            note = row[7]
            if '"' in note or "," in note:
                note = '"' + note.replace('"', '""') + '"'
            f.write(",".join(str(v) for v in row[:7]) + f",{note}\n")


def write_jsonl(path, rows):
    """The same rows as JSON lines; the amount a JSON number with its digits."""
    with open(path, "w") as f:
        for row in records(rows):
            fields = dict(zip(COLUMNS, row))
            amount = fields.pop("assets_seized_usd")
            text = json.dumps(fields)
            f.write(text[:-1] + f', "assets_seized_usd": {amount}}}\n')


def write_wide(path, rows, columns=56):
    """A short, wide export: whole numbers, decimals, dates, booleans, text,
    numbers with one 'NA', and empty columns, in turn."""
    rng = random.Random(7)
    with open(path, "w") as out:
        out.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        for row in range(rows):
            values = []
            for column in range(columns):
                kind = column % 7
                values.append(
                    [
                        str(row * 1000 + column),
                        f"{rng.random() * 1000:.2f}",
                        f"2024-{1 + row % 12:02d}-{1 + row % 28:02d}",
                        rng.choice(["true", "false"]),
                        f"text {row}",
                        "NA" if row == 100 else str(row),
                        "",
                    ][kind]
                )
            out.write(",".join(values) + "\n")


def write_workbook(path, rows):
    """The CSV's shape as an .xlsx (numbers, dates, text), one sheet."""
    import datetime

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("results")
    sheet.append(["result_id", "operation_id", "country_iso3", "report_date", "assets_seized_usd", "arrests"])
    for i, record in enumerate(records(rows)):
        sheet.append([
            record[0],
            record[1],
            record[2],
            datetime.date.fromisoformat(record[3]),
            float(record[4]),
            int(record[5]),
        ])
    book.save(path)


def read_workbook(path):
    """What openpyxl does to read every cell: the comparison for a workbook load."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    return sum(1 for _ in book.active.iter_rows(values_only=True))


def project(base, name, source, declaration):
    path = base / name
    shutil.rmtree(path, ignore_errors=True)
    (path / "data").mkdir(parents=True)
    os.link(source, path / "data" / f"results{source.suffix}")  # the same bytes, no copy
    if declaration:
        (path / "laporan.toml").write_text(declaration)
    return path


def run_cases(cases, projects, plain_db, runs):
    """Runs every case `runs` times, each into a fresh database; the results."""
    results = {name: [] for name in cases}
    for run in range(runs):
        for name, case in cases.items():
            for path in projects:
                shutil.rmtree(path / ".laporan", ignore_errors=True)
            for path in [plain_db, plain_db.with_suffix(".duckdb.wal")]:
                path.unlink(missing_ok=True)
            results[name].append(case())
            print(f"run {run + 1}: {name}: {results[name][-1][0]:.2f} s", file=sys.stderr)
    return results


def print_table(title, cases, results, base):
    def median(name, index):
        return statistics.median(r[index] for r in results[name])

    print(f"\n{title}\n")
    print(f"{'':26} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'time ×':>7} {'memory ×':>9}")
    for name in cases:
        wall, cpu, rss = median(name, 0), median(name, 1), median(name, 2)
        print(
            f"{name:26} {wall:8.2f} {cpu:8.2f} {rss:9.0f} "
            f"{wall / median(base, 0):7.2f} {rss / median(base, 2):9.2f}"
        )


def written(path, rows, write):
    if not path.exists():
        print(f"writing {path} ({rows:,} rows)…", file=sys.stderr)
        write(path.with_suffix(".tmp"), rows)
        path.with_suffix(".tmp").rename(path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--json-rows", type=int, default=1_000_000, help="0: no JSON")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    parser.add_argument("--workbook-rows", type=int, default=100_000, help="0: no workbook")
    args = parser.parse_args()

    try:
        import duckdb
    except ImportError:
        sys.exit(f"the duckdb Python package is missing: pip install duckdb=={DUCKDB_VERSION}")
    if duckdb.__version__ != DUCKDB_VERSION:
        print(f"warning: duckdb {duckdb.__version__} is not the bundled engine {DUCKDB_VERSION}", file=sys.stderr)

    laporan = laporan_binary()
    args.work.mkdir(parents=True, exist_ok=True)
    csv = written(args.work / f"results_{args.rows}.csv", args.rows, write_csv)
    size_mb = csv.stat().st_size / 1e6

    declared = project(args.work, "declared", csv, DECLARATION)
    no_key = project(args.work, "declared_no_key", csv, DECLARATION.replace('primary_key = ["result_id"]\n', ""))
    inferred = project(args.work, "inferred", csv, None)
    duck_db = args.work / "duckdb_plain.duckdb"

    def plain(reader):
        sql = f"CREATE TABLE results AS SELECT * FROM {reader}"
        script = f"import duckdb; c = duckdb.connect('{duck_db}'); c.execute(\"{sql}\"); c.close()"
        return lambda: measure([sys.executable, "-c", script], args.work)

    def load(path):
        return lambda: measure([laporan, "-q", "load", "--force"], path)

    cases = {
        "laporan load (declared)": load(declared),
        "  without a primary key": load(no_key),
        "laporan load (inferred)": load(inferred),
        "duckdb read_csv (plain)": plain(f"read_csv('{csv}')"),
    }
    results = run_cases(cases, [declared, no_key, inferred], duck_db, args.runs)
    title = f"{args.rows:,} rows, {size_mb:.0f} MB CSV, {os.cpu_count()} cores, median of {args.runs} runs"
    print_table(title, cases, results, "duckdb read_csv (plain)")
    print("\ntargets: declared load time × <= 1.25, memory × <= 1.20; inferred load time × <= 1.10, memory × <= 1.20")

    # A short, wide export: the inference step alone, from `load -v`.
    wide = written(args.work / "wide_249x56.csv", 249, write_wide)
    wide_project = project(args.work, "wide", wide, None)
    steps = []
    for _ in range(max(args.runs, 3)):
        shutil.rmtree(wide_project / ".laporan", ignore_errors=True)
        out = subprocess.run([laporan, "-v", "load", "--force"], cwd=wide_project, capture_output=True, text=True)
        step = [line for line in out.stderr.splitlines() if "read and convert" in line]
        steps.append(float(step[0].rsplit(":", 1)[1].strip().split()[0]) * 1000)
    took = statistics.median(steps)
    print(f"\n249 rows × 56 columns, inferred: read and convert {took:.0f} ms (target <= 50 ms: {'met' if took <= 50 else 'not met'})")

    if args.workbook_rows:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            sys.exit("the openpyxl Python package is missing: pip install openpyxl")
        book = written(args.work / f"results_{args.workbook_rows}.xlsx", args.workbook_rows, write_workbook)
        book_project = project(args.work, "workbook", book, None)
        reader = f"import sys; sys.path.insert(0, '{Path(__file__).parent}'); import load_benchmark as b; b.read_workbook('{book}')"
        cases = {
            "laporan load (workbook)": load(book_project),
            "openpyxl reads every cell": lambda: measure([sys.executable, "-c", reader], args.work),
        }
        results = run_cases(cases, [book_project], duck_db, args.runs)
        title = f"{args.workbook_rows:,} rows as .xlsx ({book.stat().st_size / 1e6:.0f} MB), median of {args.runs} runs"
        print_table(title, cases, results, "openpyxl reads every cell")
        print("\ntarget: laporan's workbook load time × <= 2.00 openpyxl's")

    if args.json_rows == 0:
        return
    jsonl = written(args.work / f"results_{args.json_rows}.jsonl", args.json_rows, write_jsonl)
    json_declared = project(args.work, "json_declared", jsonl, DECLARATION.replace('primary_key = ["result_id"]\n', ""))
    json_inferred = project(args.work, "json_inferred", jsonl, None)
    cases = {
        "laporan load (declared)": load(json_declared),
        "laporan load (inferred)": load(json_inferred),
        "duckdb read_json (plain)": plain(f"read_json('{jsonl}')"),
    }
    results = run_cases(cases, [json_declared, json_inferred], duck_db, args.runs)
    size_mb = jsonl.stat().st_size / 1e6
    title = f"{args.json_rows:,} rows, {size_mb:.0f} MB of JSON lines, median of {args.runs} runs"
    print_table(title, cases, results, "duckdb read_json (plain)")


if __name__ == "__main__":
    main()
