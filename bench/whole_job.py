#!/usr/bin/env python3
"""The whole job of `laporan build` as a Python script would do it:
duckdb + jinja2 + markdown, the alternative laporan is measured against.

    python3 bench/whole_job.py PROJECT DATABASE OUT [PERIOD...]

Loads the project's datasets into DATABASE with their declared types, checks
the primary keys, runs the data tests (the SQL of bench/same_sql.py), then
renders each report template of the project with Jinja2 for each period
(or once, for all the data, without periods),
with the same helpers the templates call (query, t, table, bar, line, kpi,
map, donut and the number, money, date and delta filters; simpler than
laporan's, not the same output), in each of a report's locales and, for a
report with `each`, once per row of its query, writes Markdown, converts it to HTML with Python-Markdown and wraps
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


def table(rows, labels=None, totals=None, columns=None, **_):
    labels = labels or {}
    if not rows:
        return ""
    columns = columns or list(rows[0].keys())
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


def kpi(value, label="", previous=None, format=None, **_):
    """A figure with its label and its change."""
    shown = money(value) if format == "money" else number(value)
    change = f" <small>{html.escape(delta(value, previous, format))}</small>" if previous is not None else ""
    return f'<div class="kpi"><strong>{html.escape(shown)}</strong>{change}<span>{html.escape(str(label))}</span></div>'


def figure(rows, title="", labels=None, **_):
    """A map or donut as its table (the drawing is the same kind of work as bar's)."""
    return f"<figure><figcaption>{html.escape(str(title))}</figcaption>\n\n{table(rows, labels)}\n</figure>"


def messages(project, locale):
    """t("key", name=…): the words of report_templates/_messages/LOCALE.toml."""
    path = project / "report_templates" / "_messages" / f"{locale}.toml"
    catalogue = same_sql.tomllib.loads(path.read_text()) if path.exists() else {}

    def t(key, **values):
        text = catalogue
        for part in key.split("."):
            text = text.get(part, key) if isinstance(text, dict) else key
        if isinstance(text, dict):
            text = text.get("one" if values.get("count") == 1 else "other", key)
        return str(text).format_map({k: "" if v is None else v for k, v in values.items()})

    return t


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
    env.globals.update(table=table, bar=chart, line=chart, kpi=kpi, map=figure, donut=figure)
    reports = config.get("reports", {})
    for period in periods or [None]:
        given = same_sql.period_params(period) if period else {}
        context = {"period": None}
        if period:
            start, end = given["period_start"], given["period_end"]
            previous = {"label": same_sql.previous_period(period), "start": given["previous_start"]}
            context["period"] = {"key": period, "label": period, "start": start, "end": end, "previous": previous}
        for template in sorted((project / "report_templates").glob("*.md.j2")):
            name = template.name.removesuffix(".md.j2")
            report = reports.get(name, {})
            params = {**{k: str(v) for k, v in report.get("params", {}).items()}, **given}
            # A report with `each`: one page per row of its query, the row's columns as parameters.
            pages = [(out / (period or "") / name, params)]
            if report.get("each"):
                rows = query_runner(params)(report["each"])
                key = report.get("key") or next(iter(rows[0]), None) if rows else None
                pages = [(out / (period or "") / name / str(row[key]), {**params, **row}) for row in rows]
            else:
                pages = [(out / (period or "") / name, params)]
            for path, page_params in pages:
                path.parent.mkdir(parents=True, exist_ok=True)
                env.globals["query"] = query_runner({k: str(v) for k, v in page_params.items()})
                for locale in report.get("locales") or [report.get("locale", config.get("locale", "id"))]:
                    env.globals["t"] = messages(project, locale)
                    page = env.get_template(template.name).render(context, locale=locale, params=page_params)
                    path.with_name(f"{path.name}.{locale}.md").write_text(page)
                    body = markdown.markdown(page, extensions=["tables", "toc"])
                    title = report.get("title", name)
                    path.with_name(f"{path.name}.{locale}.html").write_text(
                        f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title></head>"
                        f"<body><main>{body}</main></body></html>"
                    )
    conn.close()


if __name__ == "__main__":
    main()
