"""Response times: first response and resolution, median and 90th percentile, overall and by
channel, team and agent. The definitions are written on the page (reports/times.html)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .. import metrics
from ..access import supervisors_only
from ..charts import bar_chart
from ..exports import respond
from ..filters import read_filters
from ..tables import Column, Table, format_duration

TIME_COLUMNS = [
    Column("first_response_count", "First responses"),
    Column("first_response_median", "First response median", "duration"),
    Column("first_response_p90", "First response p90", "duration"),
    Column("resolved", "Resolved"),
    Column("resolution_median", "Resolution median", "duration"),
    Column("resolution_p90", "Resolution p90", "duration"),
]


@supervisors_only
@require_GET
def times(request: HttpRequest) -> HttpResponse:
    report = read_filters(request)
    if not report.valid:
        return respond(request, page="times", template="reports/times.html", report=report)
    tables = [
        _table(report, "all", "overall", "Overall", {0: "All conversations"}, ""),
        _table(report, "channel", "by_channel", "By channel", report.channel_names,
               "No channel"),
        _table(report, "team", "by_team", "By team", report.team_names, "No team"),
        _table(report, "agent", "by_agent", "By agent", report.agent_names, "Unassigned"),
    ]
    return respond(request, page="times", template="reports/times.html", report=report,
                   tables=tables,
                   context={"cache_seconds": settings.THREADLINE_REPORTS_CACHE_SECONDS})


def _table(report, by: str, name: str, title: str, names: dict, none: str) -> Table:
    first = {row.key: row for row in metrics.first_response_times(report.metrics, by)}
    resolved = {row.key: row for row in metrics.resolution_times(report.metrics, by)}
    keys = sorted(set(first) | set(resolved),
                  key=lambda key: (key is None, str(names.get(key, "")).casefold()))
    rows = []
    for key in keys:
        answer, resolution = first.get(key), resolved.get(key)
        rows.append([names.get(key, none) if key is not None else none,
                     answer.count if answer else 0, answer and answer.median,
                     answer and answer.p90, resolution.count if resolution else 0,
                     resolution and resolution.median, resolution and resolution.p90])
    label = {"all": "", "channel": "Channel", "team": "Team", "agent": "Agent"}[by]
    table = Table(name, title, [Column(by, label, "text"), *TIME_COLUMNS], rows)
    labels = [row[0] for row in rows]
    table.chart = _chart(labels, rows, 2, "First response", title) + _chart(
        labels, rows, 5, "Resolution", title)
    return table


def _chart(labels: list, rows: list[list], median: int, heading: str, title: str):
    """Median and p90 (the column after it) of one clock, one bar each per row."""
    return bar_chart(labels, [("Median", [row[median] for row in rows]),
                              ("90th percentile", [row[median + 1] for row in rows])],
                     title=f"{heading} time {title.lower()}", value_format=format_duration,
                     heading=heading)
