#!/usr/bin/env python3
"""Build benchmark: laporan beside DuckDB alone and a Python script doing the
same job, on the same generated data.

Run by hand, not by the tests (timings on a shared machine are noisy). From
a clean checkout, one command does everything (a venv with the Python
packages in bench/work/venv, the release build, the synthetic project):

    python3 bench/build_benchmark.py                 # 10 million rows
    python3 bench/build_benchmark.py --rows 1000000 --runs 5
    python3 bench/build_benchmark.py --spill 50000000   # also: 50M rows, memory_limit 1GB

The project is `cargo run --release --example synthetic` at --rows (the
sample's schema, data tests, queries and reports); the build is the sample's
two reports for each quarter of 2024 (`--period 2024-Q1..2024-Q4`: 8 reports,
Markdown and HTML). Each case runs in a fresh process:

- laporan build, cold (no database, no result cache), warm (nothing
  changed), and after editing one template (a comment appended to
  cooperation_report.md.j2: the data and SQL are the same, so every query
  is answered from the result cache in .laporan/cache/);
- laporan check, nothing changed (the dry render of every report included);
- the DuckDB CLI (PyPI's duckdb-cli) and the duckdb Python package (the
  engine version laporan bundles) running the same load, primary-key checks,
  data tests and queries (bench/same_sql.py), into a fresh database file;
- a Python script doing the whole job with duckdb + jinja2 + markdown
  (bench/whole_job.py).

Then the sample project itself, built as the README does (no period): cold,
warm, after editing a template, check. It
prints wall time, CPU time and peak RSS (median of the runs) and the ratios
against the DuckDB CLI, where the time of a template-edit rebuild goes
(`laporan -v build`), and checks the targets of issue 16.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import DUCKDB_VERSION, ROOT, WORK, cargo_build, in_venv, laporan_binary, measure, target_dir  # noqa: E402

PERIODS = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
PERIOD_RANGE = "2024-Q1..2024-Q4"
EDITED = "report_templates/cooperation_report.md.j2"
RUN_SCRIPT = """
import sys, duckdb
conn = duckdb.connect(sys.argv[1])
for statement in open(sys.argv[2]).read().split("\\n;\\n"):
    if statement.strip():
        conn.execute(statement).fetchall()
conn.close()
"""


def synthetic(rows, memory_limit=None):
    """The synthetic project with `rows` rows (made once, kept in bench/work)."""
    project = WORK / f"synthetic_{rows}"
    if not (project / "laporan.toml").exists():
        print(f"generating {project} …", file=sys.stderr)
        shutil.rmtree(project, ignore_errors=True)
        subprocess.run([target_dir() / "release" / "examples" / "synthetic", "--rows", str(rows), project], check=True)
    config = project / "laporan.toml"
    text = config.read_text().split("\n[duckdb]\n")[0]
    if memory_limit:
        text += f'\n[duckdb]\nmemory_limit = "{memory_limit}"\n'
    config.write_text(text)
    return project


def fresh(*paths):
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def cases_for(project, label, periods):
    """name -> function returning (wall, cpu, rss), for building `project`
    for `periods` (a laporan range and the list of its periods), or without
    a period when `periods` is None."""
    period_range, periods = periods or (None, [])
    laporan = laporan_binary()
    venv_bin = Path(sys.executable).parent
    database = WORK / f"{label}.duckdb"
    script = WORK / f"{label}.sql"
    script.write_text(subprocess.run(
        [sys.executable, ROOT / "bench" / "same_sql.py", project, *periods], check=True, capture_output=True, text=True
    ).stdout)
    build = [laporan, "-q", "build", *(["--period", period_range] if period_range else [])]

    def cold():
        fresh(project / ".laporan", project / "out")
        return measure(build, project)

    def edited():
        with open(project / EDITED, "a") as template:
            template.write("{# edited by the benchmark #}\n")
        return measure(build, project)

    check = [laporan, "-q", "check", *(["--period", period_range] if period_range else [])]

    def cli():
        fresh(database, Path(f"{database}.wal"))
        with open(script) as sql:
            return measure([venv_bin / "duckdb", database, "-csv"], WORK, stdin=sql)

    def python_duckdb():
        fresh(database, Path(f"{database}.wal"))
        return measure([sys.executable, "-c", RUN_SCRIPT, database, script], WORK)

    def whole_job():
        fresh(database, Path(f"{database}.wal"), WORK / f"{label}_out")
        return measure(
            [sys.executable, ROOT / "bench" / "whole_job.py", project, database, WORK / f"{label}_out", *periods],
            ROOT / "bench",
        )

    return {
        "laporan build, cold": cold,
        "laporan build, warm": lambda: measure(build, project),
        "laporan build, 1 template edited": edited,
        "laporan check, nothing changed": lambda: measure(check, project),
        "DuckDB CLI (same SQL)": cli,
        f"duckdb {DUCKDB_VERSION} Python (same SQL)": python_duckdb,
        "Python: duckdb+jinja2+markdown": whole_job,
    }


def run_cases(cases, runs):
    results = {name: [] for name in cases}
    for run in range(runs):
        for name, case in cases.items():
            results[name].append(case())
            print(f"run {run + 1}: {name}: {results[name][-1][0]:.2f} s", file=sys.stderr)
    return {name: [statistics.median(r[i] for r in values) for i in range(3)] for name, values in results.items()}


def table(title, medians, base):
    print(f"\n{title}\n")
    print(f"{'':36} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'time ×':>7} {'memory ×':>9}")
    for name, (wall, cpu, rss) in medians.items():
        ratios = f"{wall / medians[base][0]:7.2f} {rss / medians[base][2]:9.2f}" if base else ""
        print(f"{name:36} {wall:8.3f} {cpu:8.2f} {rss:9.0f} {ratios}")


def edit_split(project, periods):
    """Where a rebuild after a template edit goes, from `laporan -v build`:
    the total, and the lines that say what rendering took and what ran."""
    with open(project / EDITED, "a") as template:
        template.write("{# edited by the benchmark, -v #}\n")
    command = [laporan_binary(), "-v", "build", *(["--period", periods] if periods else [])]
    start = time.perf_counter()
    output = subprocess.run(command, cwd=project, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    lines = [line for line in output.stderr.splitlines() if "rendered in" in line or "data tests" in line]
    return wall, lines


def verdict(name, value, target, unit=""):
    print(f"  {name:44} {value:8.3f}{unit}  target <= {target}{unit}  {'met' if value <= target else 'NOT MET'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--spill", type=int, metavar="ROWS", help="also build ROWS rows with memory_limit 1GB")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    in_venv(Path(__file__).resolve())
    cargo_build("--example", "synthetic")
    cli_version = subprocess.run([Path(sys.executable).parent / "duckdb", "--version"], capture_output=True, text=True)

    project = synthetic(args.rows)
    size = sum(f.stat().st_size for f in (project / "data").iterdir()) / 1e6
    medians = run_cases(cases_for(project, f"synthetic_{args.rows}", (PERIOD_RANGE, PERIODS)), args.runs)

    sample = WORK / "sample"
    fresh(sample)
    for folder in ["data", "queries", "report_templates", "data_tests"]:
        shutil.copytree(ROOT / folder, sample / folder)
    shutil.copy(ROOT / "laporan.toml", sample / "laporan.toml")
    sample_medians = run_cases(cases_for(sample, "sample", None), args.runs)

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")))
    print(f"\nmachine: {os.cpu_count()} cores ({cpu}), {memory} GiB; DuckDB CLI {cli_version.stdout.split()[0]}; "
          f"median of {args.runs} runs")
    title = f"{args.rows:,} rows of operation results ({size:.0f} MB of CSV); build --period {PERIOD_RANGE}: 8 reports"
    table(title, medians, "DuckDB CLI (same SQL)")
    table("the sample project (laporan build: all the data, 2 reports)", sample_medians, "DuckDB CLI (same SQL)")

    for label, where, periods in [(f"{args.rows:,} rows", project, PERIOD_RANGE), ("the sample", sample, None)]:
        wall, lines = edit_split(where, periods)
        print(f"\nafter a template edit, {label} (laporan -v build, one run): {wall:.3f} s")
        for line in lines:
            print(f"  {line}")

    cold, edited = medians["laporan build, cold"], medians["laporan build, 1 template edited"]
    python = medians[f"duckdb {DUCKDB_VERSION} Python (same SQL)"]
    edit_target = 0.05 if args.rows >= 10_000_000 else 0.10
    print(f"\ntargets (issue 16; the edit target is 5% at 10,000,000 rows, 10% at 1,000,000; this run: {args.rows:,}):")
    verdict("template edited / cold build, time", edited[0] / cold[0], edit_target, "×")
    verdict(f"cold build / duckdb {DUCKDB_VERSION} Python, time", cold[0] / python[0], 1.0, "×")
    verdict(f"cold build / duckdb {DUCKDB_VERSION} Python, peak RSS", cold[2] / python[2], 1.0, "×")
    verdict("sample build, cold, wall", sample_medians["laporan build, cold"][0], 0.150, " s")
    verdict("sample build, 1 template edited, wall", sample_medians["laporan build, 1 template edited"][0], 0.060, " s")
    verdict("sample check, wall", sample_medians["laporan check, nothing changed"][0], 0.150, " s")

    if args.spill:
        spill = synthetic(args.spill, memory_limit="1GB")
        fresh(spill / ".laporan", spill / "out")
        wall, cpu_time, rss = measure([laporan_binary(), "-q", "build", "--period", PERIOD_RANGE], spill)
        print(f"\n{args.spill:,} rows, memory_limit 1GB: cold build completed in {wall:.1f} s "
              f"(CPU {cpu_time:.1f} s), peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
