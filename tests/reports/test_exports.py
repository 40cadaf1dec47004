"""CSV downloads: file names, raw values, and cells a spreadsheet would run as formulas."""

import csv
import io
from datetime import date

import pytest

from reports.exports import csv_filename, csv_response, safe_cell
from reports.tables import Column, Link, Table


class Range:
    dates = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+33 6 12", "'+33 6 12"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
    (None, ""), (-5, "-5"), (3.5, "3.5"), (0, "0"),
    (Link("=HYPERLINK(\"x\")", "/inbox/t/1/"), "'=HYPERLINK(\"x\")"),
])
def test_formula_cells_get_an_apostrophe(value, cell):
    assert safe_cell(value) == cell


def test_file_name():
    assert csv_filename("volume", "by_tag", Range()) == (
        "threadline-volume-by_tag-2026-03-01-2026-03-31.csv")


def test_a_table_as_csv():
    table = Table("agents", "Agents", [Column("agent", "Agent", "text"),
                                       Column("replies", "Replies"),
                                       Column("median", "Median", "duration"),
                                       Column("csat", "CSAT", "score")],
                  [["Ana", 3, 1800, 4.5], ["=cmd|' /C calc'!A0", 0, None, None]])
    response = csv_response(table, page="agents", filters=Range())
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="threadline-agents-agents-2026-03-01-2026-03-31.csv"')
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Agent", "Replies", "Median (seconds)", "CSAT"],
        ["Ana", "3", "1800", "4.5"],
        ["'=cmd|' /C calc'!A0", "0", "", ""],
    ]
