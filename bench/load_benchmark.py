#!/usr/bin/env python3
"""Load benchmark: laporan's strict CSV load beside DuckDB's plain read_csv.

Run by hand, not by the tests (timings on a shared machine are noisy):

    python3 bench/load_benchmark.py            # 10 million rows
    python3 bench/load_benchmark.py --rows 1000000 --runs 5

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

Needs: a release build of laporan (cargo build --release), and
`pip install duckdb==2.0.0`.
"""

import argparse
import os
import random
import shutil
import statistics
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


def write_csv(path, rows):
    """A deterministic CSV: the same rows for the same count, every time."""
    rng = random.Random(20240423)
    countries = ["IDN", "MYS", "THA", "PHL", "VNM", "SGP", "KHM", "LAO", "BRN", "MMR", "AUS", "JPN", "KOR", "FRA"]
    words = ["joint", "operation", "seizure", "fraud", "network", "victims", "rescued", "cyber", "scam", "Lyon"]
    with open(path, "w", newline="") as f:
        f.write("result_id,operation_id,country_iso3,report_date,assets_seized_usd,arrests,victims_rescued,note\n")
        for i in range(rows):
            amount = rng.randrange(0, 10_000_000_000)
            note = " ".join(rng.choice(words) for _ in range(rng.randrange(1, 6)))
            if i % 97 == 0:
                note = f'"{note}, with a comma and a ""quote"""'
            f.write(
                f"R{i:010d},OP-{rng.randrange(1000):04d},{rng.choice(countries)},"
                f"{2022 + i % 4}-{1 + i % 12:02d}-{1 + i % 28:02d},{amount // 100}.{amount % 100:02d},"
                f"{rng.randrange(60)},{rng.randrange(12)},{note}\n"
            )


def project(base, name, csv, declaration):
    path = base / name
    shutil.rmtree(path, ignore_errors=True)
    (path / "data").mkdir(parents=True)
    os.link(csv, path / "data" / "results.csv")  # the same bytes, no copy
    if declaration:
        (path / "laporan.toml").write_text(declaration)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    args = parser.parse_args()

    try:
        import duckdb
    except ImportError:
        sys.exit(f"the duckdb Python package is missing: pip install duckdb=={DUCKDB_VERSION}")
    if duckdb.__version__ != DUCKDB_VERSION:
        print(f"warning: duckdb {duckdb.__version__} is not the bundled engine {DUCKDB_VERSION}", file=sys.stderr)

    laporan = laporan_binary()
    args.work.mkdir(parents=True, exist_ok=True)
    csv = args.work / f"results_{args.rows}.csv"
    if not csv.exists():
        print(f"writing {csv} ({args.rows:,} rows)…", file=sys.stderr)
        write_csv(csv.with_suffix(".tmp"), args.rows)
        csv.with_suffix(".tmp").rename(csv)
    size_mb = csv.stat().st_size / 1e6

    declared = project(args.work, "declared", csv, DECLARATION)
    no_key = project(args.work, "declared_no_key", csv, DECLARATION.replace('primary_key = ["result_id"]\n', ""))
    inferred = project(args.work, "inferred", csv, None)
    duck_db = args.work / "duckdb_plain.duckdb"
    duck_sql = f"CREATE TABLE results AS SELECT * FROM read_csv('{csv}')"
    duck_script = f"import duckdb; c = duckdb.connect('{duck_db}'); c.execute(\"{duck_sql}\"); c.close()"

    cases = {
        "laporan load (declared)": lambda: measure([laporan, "-q", "load", "--force"], declared),
        "  without a primary key": lambda: measure([laporan, "-q", "load", "--force"], no_key),
        "laporan load (inferred)": lambda: measure([laporan, "-q", "load", "--force"], inferred),
        "duckdb read_csv (plain)": lambda: measure([sys.executable, "-c", duck_script], args.work),
    }
    results = {name: [] for name in cases}
    for run in range(args.runs):
        for name, case in cases.items():
            # A fresh database for every run.
            for path in [declared / ".laporan", no_key / ".laporan", inferred / ".laporan"]:
                shutil.rmtree(path, ignore_errors=True)
            for path in [duck_db, duck_db.with_suffix(".duckdb.wal")]:
                path.unlink(missing_ok=True)
            results[name].append(case())
            print(f"run {run + 1}: {name}: {results[name][-1][0]:.2f} s", file=sys.stderr)

    def median(name, index):
        return statistics.median(r[index] for r in results[name])

    base = "duckdb read_csv (plain)"
    print(f"\n{args.rows:,} rows, {size_mb:.0f} MB CSV, {os.cpu_count()} cores, median of {args.runs} runs\n")
    print(f"{'':26} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'time ×':>7} {'memory ×':>9}")
    for name in cases:
        wall, cpu, rss = median(name, 0), median(name, 1), median(name, 2)
        print(
            f"{name:26} {wall:8.2f} {cpu:8.2f} {rss:9.0f} "
            f"{wall / median(base, 0):7.2f} {rss / median(base, 2):9.2f}"
        )
    print("\ntargets for the declared load: time × <= 1.25, memory × <= 1.20")


if __name__ == "__main__":
    main()
