"""The report tables: labelled columns over rows of raw values, one shape for the HTML page,
the CSV download and the charts next to them.

A cell holds the raw value (seconds for a duration, a number, a label); the column's kind
says how the page shows it. CSV writes the raw value, so a spreadsheet can add it up.
"""

import dataclasses
from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

DASH = "—"
KINDS = ("text", "int", "duration", "score", "percent", "change")


def format_duration(seconds) -> str:
    """"45 s", "12 min", "12 min 05 s", "2 h 05 min", "3 d 4 h": the two largest units."""
    if seconds is None:
        return DASH
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


@dataclasses.dataclass(frozen=True)
class Link:
    """A cell that links somewhere; its text is what CSV writes."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"

    @property
    def csv_label(self) -> str:
        if self.kind == "duration":
            return f"{self.label} (seconds)"
        return f"{self.label} (%)" if self.kind in ("percent", "change") else str(self.label)

    def show(self, value) -> str:
        if value is None or value == "":
            return DASH
        if self.kind == "duration":
            return format_duration(value)
        if self.kind == "score":
            return f"{value:.2f}"
        if self.kind == "change":
            return f"{value:+d} %"
        if self.kind == "percent":
            return f"{value:g} %"
        if self.kind == "int":
            return f"{value:,}".replace(",", " ")
        return str(value)


@dataclasses.dataclass(frozen=True)
class Cell:
    value: object
    text: str
    url: str | None
    numeric: bool


@dataclasses.dataclass
class Table:
    """``name`` is the table's name in the CSV link (``table=<name>``)."""

    name: str
    title: str
    columns: list[Column]
    rows: list[list]
    chart: str = ""
    empty: str = _("Nothing in this range.")
    sort: str = ""
    # Set by the page: the CSV link, and the query string the sort links keep (None: the
    # table is not sortable).
    download: str = ""
    sort_query: str | None = None

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    def values(self, key: str) -> list:
        index = [column.key for column in self.columns].index(key)
        return [row[index] for row in self.rows]

    def sorted_by(self, sort: str) -> "Table":
        """Rows ordered by ``sort`` (a column key, ``-`` first for descending; empty cells
        last either way); an unknown key leaves the order as it was."""
        key = sort.removeprefix("-")
        keys = [column.key for column in self.columns]
        if key not in keys:
            return self
        index = keys.index(key)
        present = [row for row in self.rows if row[index] not in (None, "")]
        missing = [row for row in self.rows if row[index] in (None, "")]
        present.sort(key=lambda row: _sort_key(row[index]), reverse=sort.startswith("-"))
        return dataclasses.replace(self, rows=present + missing, sort=sort)

    def header(self) -> list[dict]:
        """The columns with the ``sort`` value a click on each asks for."""
        return [{"column": column, "sorted": self.sort.removeprefix("-") == column.key,
                 "descending": self.sort.startswith("-"),
                 "next": column.key if self.sort == f"-{column.key}" else f"-{column.key}"}
                for column in self.columns]

    def body(self) -> Iterable[list[Cell]]:
        for row in self.rows:
            yield [Cell(value, column.show(value), getattr(value, "url", None), column.numeric)
                   for column, value in zip(self.columns, row, strict=True)]


def _sort_key(value):
    return str(value).casefold() if isinstance(value, str | Link) else value
