#!/usr/bin/env python3
"""The whole job of `laporan build` as a Python script would do it:
duckdb + jinja2 + markdown, the alternative laporan is measured against.

    python3 bench/whole_job.py PROJECT DATABASE OUT [PERIOD...]

Loads the project's datasets into DATABASE with their declared types, checks
the primary keys, runs the data tests (the SQL of bench/same_sql.py), then
renders each report template of the project with Jinja2 for each period
(or once, for all the data, without periods),
with the same helpers the templates call (query, table, bar, line and the
number, money, date and delta filters; simpler than laporan's, not the same
output), writes Markdown, converts it to HTML with Python-Markdown and wraps
it in a page. Needs: pip install duckdb jinja2 markdown.
"""

import datetime
import decimal
import html
import sys
from pathlib import Path

import duckdb
import jinja2
import markdown

import same_sql


def number(value, decimals=None):
    if value is None:
        return ""
    if decimals is None and float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.{decimals if decimals is not None else 2}f}"


def money(value, currency="USD", compact=True):
    if value is None:
        return ""
    value = float(value)
    if compact and abs(value) >= 1e6:
        for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
            if abs(value) >= size:
                return f"{currency} {value / size:.1f}{suffix}"
    return f"{currency} {value:,.2f}"


def date(value, style="long"):
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return value.strftime("%d %b %Y" if style == "short" else "%d %B %Y")


def delta(value, previous, format=None):
    if value is None or previous is None:
        return ""
    change = float(value) - float(previous)
    text = money(abs(change)) if format == "money" else number(abs(change))
    percent = f" ({change / float(previous):+.0%})" if previous else ""
    return ("+" if change >= 0 else "−") + text + percent


def percent(value, decimals=1):
    return "" if value is None else f"{float(value) * 100:.{decimals}f}%"


def table(rows, labels=None, totals=None):
    labels = labels or {}
    if not rows:
        return ""
    columns = list(rows[0].keys())
    lines = ["| " + " | ".join(labels.get(c, c) for c in columns) + " |", "|" + " --- |" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(html.escape(str(row[c])) for c in columns) + " |")
    if totals:
        lines.append("| " + " | ".join(number(sum(r[c] or 0 for r in rows)) if c in totals else "" for c in columns) + " |")
    return "\n".join(lines)


def chart(rows, x, y, title="", **_):
    """An SVG bar chart, one bar (or stack) per row."""
    series = y if isinstance(y, list) else [y]
    top = max((sum(float(r[s] or 0) for s in series) for r in rows), default=0) or 1
    bars = []
    for i, row in enumerate(rows):
        offset = 0.0
        for s in series:
            width = 600 * float(row[s] or 0) / top
            bars.append(
                f'<rect x="{120 + offset:.1f}" y="{i * 22}" width="{width:.1f}" height="18">'
                f"<title>{html.escape(str(row[x]))}: {row[s]}</title></rect>"
            )
            offset += width
        bars.append(f'<text x="115" y="{i * 22 + 13}" text-anchor="end">{html.escape(str(row[x]))}</text>')
    return (
        f'<figure><svg viewBox="0 0 720 {len(rows) * 22}" role="img" aria-label="{html.escape(title)}">'
        + "".join(bars)
        + f"</svg><figcaption>{html.escape(title)}</figcaption></figure>"
    )


def main():
    project, database, out, *periods = sys.argv[1:]
    project, out = Path(project).resolve(), Path(out)
    config = same_sql.tomllib.loads((project / "laporan.toml").read_text())
    conn = duckdb.connect(database)
    for statement in same_sql.load(project, config) + same_sql.tests(project, config):
        conn.execute(statement).fetchall()

    def query_runner(params):
        cache = {}

        def query(name, **kwargs):
            key = (name, tuple(sorted(kwargs.items())))
            if key not in cache:
                sql = (project / "queries" / f"{name}.sql").read_text()
                given = {**params, **{k: str(v) for k, v in kwargs.items()}}
                for param, ty, default in same_sql.PARAM.findall(sql):
                    value = given.get(param, default.strip())
                    sql = same_sql.re.sub(rf"\${param}\b", same_sql.typed(value, ty.upper()), sql)
                result = conn.execute(sql)
                columns = [d[0] for d in result.description]
                cache[key] = [
                    {c: float(v) if isinstance(v, decimal.Decimal) else v for c, v in zip(columns, row)}
                    for row in result.fetchall()
                ]
            return cache[key]

        return query

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(project / "report_templates"), trim_blocks=True)
    env.filters.update(number=number, money=money, date=date, delta=delta, percent=percent)
    env.globals.update(table=table, bar=chart, line=chart)
    reports = config.get("reports", {})
    for period in periods or [None]:
        params = same_sql.period_params(period) if period else {}
        context = {"period": None, "params": params}
        if period:
            start, end = params["period_start"], params["period_end"]
            previous = {"label": same_sql.previous_period(period), "start": params["previous_start"]}
            context["period"] = {"key": period, "label": period, "start": start, "end": end, "previous": previous}
        folder = out / (period or "")
        folder.mkdir(parents=True, exist_ok=True)
        for template in sorted((project / "report_templates").glob("*.md.j2")):
            name = template.name.removesuffix(".md.j2")
            env.globals["query"] = query_runner(params)
            page = env.get_template(template.name).render(context, locale=reports.get(name, {}).get("locale", "id"))
            (folder / f"{name}.md").write_text(page)
            body = markdown.markdown(page, extensions=["tables", "toc"])
            title = reports.get(name, {}).get("title", name)
            (folder / f"{name}.html").write_text(
                f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title></head>"
                f"<body><main>{body}</main></body></html>"
            )
    conn.close()


if __name__ == "__main__":
    main()
