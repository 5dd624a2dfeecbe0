#!/usr/bin/env python3
"""Write the corpus workbooks about declarations and values (self-made; MIT like laporan).

Needs openpyxl (pip, in a venv). Run from anywhere:
    python make_declared_workbooks.py
It writes next to itself, under the corpus names (good_*/bad_*), with their .toml.
"""
import datetime as dt
import os

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))


def budget(name, cell_c14, declaration, value=lambda i: 100 + i / 4):
    """Sheet "2024": a title row, a blank row, a header on row 3, 11 rows of
    amounts (`value(row)`); C14 holds `cell_c14`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2024"
    wb.create_sheet("notes")["A1"] = "figures in thousands of euros"
    ws["A1"] = "Budget 2024 (thousands)"
    ws.append([])
    ws.append(["code", "label", "amount"])
    for i in range(4, 15):
        ws.append([f"B{i:02d}", f"line {i}", value(i)])
    ws["C14"] = cell_c14
    wb.save(os.path.join(HERE, name + ".xlsx"))
    with open(os.path.join(HERE, name + ".toml"), "w") as f:
        f.write(declaration)


def main():
    budget(
        "bad_text_in_a_declared_number_column",
        "n/a",
        'sheet = "2024"\nskip = 2\n[columns]\ncode = "VARCHAR"\nlabel = "VARCHAR"\namount = "DECIMAL(18,2)"\n',
    )
    budget("good_null_text_read_as_null", "n/a", 'sheet = "2024"\nskip = 2\nnull = ["n/a"]\n')
    budget("good_one_text_among_numbers_is_text", "NA", 'sheet = "2024"\nskip = 2\n')
    budget(
        "bad_more_decimals_than_declared",
        123.456,
        'sheet = "2024"\nskip = 2\n[columns]\ncode = "VARCHAR"\nlabel = "VARCHAR"\namount = "DECIMAL(18,2)"\n',
    )
    budget(
        "bad_date_and_time_into_a_date",
        dt.datetime(2024, 5, 1, 9, 30),
        'sheet = "2024"\nskip = 2\n[columns]\ncode = "VARCHAR"\nlabel = "VARCHAR"\namount = "DATE"\n',
        lambda i: dt.date(2024, 5, i),
    )


if __name__ == "__main__":
    main()
