"""Helpers shared by the benchmarks in bench/: finding laporan, measuring a
process, and the Python packages the comparisons need."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
DUCKDB_VERSION = "2.0.0"  # the engine the duckdb crate bundles
PACKAGES = [f"duckdb=={DUCKDB_VERSION}", "duckdb-cli", "jinja2", "markdown"]


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def laporan_binary():
    binary = target_dir() / "release" / "laporan"
    if not binary.exists():
        sys.exit(f"no release build at {binary}: run cargo build --release first")
    return binary


def cargo_build(*extra):
    """Builds laporan (and `extra` targets) in release mode; quiet when up to date."""
    print("cargo build --release …", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "laporan", *extra], cwd=ROOT, check=True)


def in_venv(script):
    """Re-runs `script` inside bench/work/venv (made once, with PACKAGES)
    unless this interpreter already has them all."""
    venv = WORK / "venv"
    python = venv / "bin" / "python"
    if Path(sys.prefix) == venv:
        return
    if not python.exists():
        print(f"creating {venv} with {', '.join(PACKAGES)} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
    os.execv(str(python), [str(python), str(script), *sys.argv[1:]])


def measure(command, cwd, stdin=None):
    """Runs a command; returns (wall seconds, CPU seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{process.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
