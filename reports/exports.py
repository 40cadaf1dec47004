"""Every report table as a CSV download: the page's own URL with ``format=csv&table=<name>``.

Cells a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) get a leading apostrophe: a customer's name or comment must never run in the
supervisor's spreadsheet (CSV injection).
"""

import csv

from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render

from .filters import ReportFilters
from .tables import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)  # a negative number is a number, not a formula
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_filename(page: str, table: str, filters: ReportFilters) -> str:
    first, last = filters.dates
    return f"threadline-{page}-{table}-{first:%Y-%m-%d}-{last:%Y-%m-%d}.csv"


def csv_response(table: Table, *, page: str, filters: ReportFilters) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{csv_filename(page, table.name, filters)}"')
    writer = csv.writer(response)
    writer.writerow([safe_cell(column.csv_label) for column in table.columns])
    for row in table.rows:
        writer.writerow([safe_cell(value) for value in row])
    return response


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def table_download(request, tables: list[Table], *, page: str,
                   filters: ReportFilters) -> HttpResponse:
    """The table the query string names, as CSV; 400 for a name the page has not."""
    name = request.GET.get("table", "")
    for table in tables:
        if table.name == name:
            return csv_response(table, page=page, filters=filters)
    names = ", ".join(table.name for table in tables)
    return HttpResponseBadRequest(f"Unknown table. This page has: {names}.",
                                  content_type="text/plain; charset=utf-8")


def respond(request, *, page: str, template: str, report: ReportFilters,
            tables: list[Table] = (), context: dict | None = None,
            sortable: tuple[str, ...] = ()) -> HttpResponse:
    """A report page's answer: the page, one of its tables as CSV, or — for filters that
    cannot be used — the page with the form's errors and status 400."""
    if not report.valid:
        if wants_csv(request):
            errors = "; ".join(str(message) for messages in report.form.errors.values()
                               for message in messages)
            return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
        return render(request, template, {"report": report, "page": page, "tables": {}},
                      status=400)
    sort = request.GET.get("sort", "")
    tables = [table.sorted_by(sort) if table.name in sortable else table for table in tables]
    if wants_csv(request):
        return table_download(request, tables, page=page, filters=report)
    for table in tables:
        # A sorted table downloads in the order it is shown.
        table.download = "?" + report.query_string(
            format="csv", table=table.name, sort=(table.sort or None))
        table.sort_query = report.query_string() if table.name in sortable else None
    return render(request, template, {"report": report, "page": page,
                                      "tables": {table.name: table for table in tables},
                                      **(context or {})})
