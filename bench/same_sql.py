#!/usr/bin/env python3
"""The work of `laporan build` as one SQL script, for DuckDB alone.

    python3 bench/same_sql.py PROJECT [PERIOD...] > script.sql

Reads a laporan project and writes what a DuckDB user would run by hand to do
the same work: load each dataset with its declared column types, check its
primary key, run the data tests, then run every saved query with each
period's parameters (and the declared defaults; with no period, once, with
the defaults, as `laporan build` without --period). Statements are separated by
a line holding only `;`, so that a runner can take them one by one. Periods
are quarters or months (`2024-Q2`, `2024-05`), as the benchmark uses them.
"""

import calendar
import re
import sys
import tomllib
from pathlib import Path

PARAM = re.compile(r"^--\s*@param\s+(\w+)\s+(\w+)(?:\s*=\s*(.*))?$", re.M)


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def period_bounds(text):
    """(first day, last day) of 2024-Q2 or 2024-05."""
    year, part = text.split("-")
    first, count = (3 * int(part[1:]) - 2, 3) if part.startswith("Q") else (int(part), 1)
    last = first + count - 1
    return f"{year}-{first:02d}-01", f"{year}-{last:02d}-{calendar.monthrange(int(year), last)[1]:02d}"


def previous_period(text):
    year, part = text.split("-")
    if part.startswith("Q"):
        return f"{int(year) - 1}-Q4" if part == "Q1" else f"{year}-Q{int(part[1:]) - 1}"
    return f"{int(year) - 1}-12" if part == "01" else f"{year}-{int(part) - 1:02d}"


def period_params(text):
    start, end = period_bounds(text)
    previous_start, previous_end = period_bounds(previous_period(text))
    return {
        "period_start": start,
        "period_end": end,
        "period_label": text,
        "previous_start": previous_start,
        "previous_end": previous_end,
    }


def typed(value, ty):
    if ty == "DATE":
        return f"DATE {literal(value)}"
    if ty in ("INTEGER", "BIGINT", "DOUBLE", "DECIMAL"):
        return value
    return literal(value)


def load(project, config):
    statements = []
    for name, dataset in config.get("datasets", {}).items():
        columns = dataset.get("columns", {})
        spec = ", ".join(f"{literal(c)}: {literal(t)}" for c, t in columns.items())
        path = project / "data" / f"{name}.csv"
        statements.append(
            f"CREATE TABLE {quote(name)} AS SELECT * FROM read_csv({literal(str(path))}, header = true, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {{{spec}}})"
        )
        key = dataset.get("primary_key")
        if key:
            cols = ", ".join(quote(c) for c in key)
            nulls = " OR ".join(f"{quote(c)} IS NULL" for c in key)
            statements.append(
                f"SELECT {cols}, count(*) FROM {quote(name)} GROUP BY ALL HAVING count(*) > 1 OR bool_or({nulls}) LIMIT 5"
            )
    return statements


def tests(project, config):
    """The data tests, as laporan runs them: the first failing rows."""
    queries = []
    for name, dataset in config.get("datasets", {}).items():
        table, declared = quote(name), dataset.get("tests", {})
        for columns in declared.get("unique", []):
            cols = [c.strip() for c in columns.split(",")]
            listed = ", ".join(quote(c) for c in cols)
            not_null = " AND ".join(f"{quote(c)} IS NOT NULL" for c in cols)
            queries.append(
                f"SELECT {listed}, count(*) AS occurrences FROM {table} WHERE {not_null} "
                f"GROUP BY ALL HAVING count(*) > 1 ORDER BY occurrences DESC, {listed}"
            )
        for column in declared.get("not_null", []):
            queries.append(f"SELECT * FROM {table} WHERE {quote(column)} IS NULL")
        for column, values in declared.get("accepted_values", {}).items():
            c, listed = quote(column), ", ".join(literal(v) for v in values)
            queries.append(
                f"SELECT {c}, count(*) AS occurrences FROM {table} WHERE {c} IS NOT NULL "
                f"AND CAST({c} AS VARCHAR) NOT IN ({listed}) GROUP BY ALL ORDER BY occurrences DESC, {c}"
            )
        for column, target in declared.get("relationships", {}).items():
            other, key = target.split(".")
            c = quote(column)
            queries.append(
                f"SELECT child.{c}, count(*) AS occurrences FROM {table} AS child WHERE child.{c} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {quote(other)} AS parent WHERE parent.{quote(key)} = child.{c}) "
                f"GROUP BY ALL ORDER BY occurrences DESC, child.{c}"
            )
        rows = declared.get("rows")
        if rows:
            conditions = [f"count(*) < {rows['min']}"] if "min" in rows else []
            conditions += [f"count(*) > {rows['max']}"] if "max" in rows else []
            queries.append(f"SELECT count(*) AS rows FROM {table} HAVING {' OR '.join(conditions)}")
    for path in sorted((project / "data_tests").glob("*.sql")):
        queries.append(path.read_text().strip().rstrip(";"))
    return [f"SELECT * FROM ({q}\n) LIMIT 6" for q in queries]


def saved_queries(project, periods):
    """Every saved query for each period; with no periods, once, with the defaults."""
    statements = []
    for period in periods or [None]:
        given = period_params(period) if period else {}
        for path in sorted((project / "queries").glob("*.sql")):
            sql = path.read_text()
            for name, ty, default in PARAM.findall(sql):
                value = given.get(name, default.strip())
                sql = re.sub(rf"\${name}\b", typed(value, ty.upper()), sql)
            statements.append(sql.strip().rstrip(";"))
    return statements


def script(project, periods):
    config = tomllib.loads((project / "laporan.toml").read_text())
    statements = load(project, config) + tests(project, config) + saved_queries(project, periods)
    return "".join(f"{s}\n;\n" for s in statements)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.stdout.write(script(Path(sys.argv[1]).resolve(), sys.argv[2:]))
