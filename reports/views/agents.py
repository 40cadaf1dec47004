"""The agents' and the teams' tables: conversations handled, replies sent, median first
response and resolution, CSAT average."""

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from inbox.models import User

from .. import metrics
from ..access import supervisors_only
from ..charts import bar_chart
from ..exports import respond
from ..filters import ReportFilters, read_filters
from ..tables import Column, Table, format_duration

COLUMNS = [
    Column("handled", "Conversations handled"),
    Column("replies", "Replies sent"),
    Column("first_response_median", "Median first response", "duration"),
    Column("resolution_median", "Median resolution", "duration"),
    Column("csat", "CSAT average", "score"),
    Column("csat_count", "CSAT answers"),
]


@supervisors_only
@require_GET
def agents(request: HttpRequest) -> HttpResponse:
    return _page(request, "agents")


@supervisors_only
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    return _page(request, "teams")


def _page(request: HttpRequest, page: str) -> HttpResponse:
    report = read_filters(request)
    template = "reports/agents.html"
    if not report.valid:
        return respond(request, page=page, template=template, report=report,
                       context={"per": page})
    table = _agents(report) if page == "agents" else _teams(report)
    return respond(request, page=page, template=template, report=report, tables=[table],
                   context={"per": page}, sortable=(table.name,))


def csat_averages(report: ReportFilters, field: str) -> dict:
    """{id: (average, answers)} per agent or team; empty while surveys/ is not installed."""
    if not apps.is_installed("surveys"):
        return {}
    from surveys.metrics import answered_surveys, average_by

    filters = report.metrics
    return average_by(answered_surveys(start=filters.start, end=filters.end,
                                       team_ids=filters.team_ids,
                                       channel_ids=filters.channel_ids,
                                       agent_ids=filters.agent_ids), field)


def _figures(report: ReportFilters, by: str, field: str):
    filters = report.metrics
    resolved = {row.key: row for row in metrics.resolution_times(filters, by)}
    first = {row.key: row for row in metrics.first_response_times(filters, by)}
    replies = {row[field]: row["count"] for row in metrics.totals(filters, by=field)
               if row["kind"] == metrics.Kind.REPLY}
    return resolved, first, replies, csat_averages(report, field)


def _rows(keys, names: dict, none: str, figures) -> list[list]:
    resolved, first, replies, csat = figures
    rows = []
    for key in keys:
        resolution, answer = resolved.get(key), first.get(key)
        average, answers = csat.get(key, (None, 0))
        rows.append([names.get(key, none) if key else none,
                     resolution.count if resolution else 0, replies.get(key or 0, 0),
                     answer.median if answer else None,
                     resolution.median if resolution else None, average, answers])
    return rows


def _agents(report: ReportFilters) -> Table:
    figures = _figures(report, "agent", "agent_id")
    resolved, first, replies, csat = figures
    chosen = report.metrics.agent_ids
    # Every agent (zeros show who did nothing), and anyone else with a figure (a supervisor
    # who replied); one row for the work of people since deleted or never assigned.
    keys = {agent.pk for agent in report.agents
            if agent.role == User.Role.AGENT and agent.is_active}
    keys |= {key for key in (*resolved, *first, *csat) if key is not None}
    keys |= {key for key in replies if key}
    if chosen is not None:
        keys &= set(chosen)
    names = report.agent_names
    ordered = sorted(keys, key=lambda key: names.get(key, "").casefold())
    rows = _rows(ordered, names, "Deleted user", figures)
    if None in resolved or None in csat:
        rows += _rows([None], names, "Unassigned", figures)
    return _with_chart(Table("agents", "Agents", [Column("agent", "Agent", "text"), *COLUMNS],
                             rows))


def _teams(report: ReportFilters) -> Table:
    figures = _figures(report, "team", "team_id")
    resolved, first, replies, csat = figures
    chosen = report.metrics.team_ids
    keys = {team.pk for team in report.teams}
    keys |= {key for key in (*resolved, *first, *csat, *replies) if key}
    if chosen is not None:
        keys &= set(chosen)
    names = report.team_names
    ordered = sorted(keys, key=lambda key: names.get(key, "").casefold())
    rows = _rows(ordered, names, "Deleted team", figures)
    if None in resolved or None in first or replies.get(0) or None in csat:
        rows += _rows([None], names, "No team", figures)
    return _with_chart(Table("teams", "Teams", [Column("team", "Team", "text"), *COLUMNS],
                             rows))


def _with_chart(table: Table) -> Table:
    labels = table.values(table.columns[0].key)
    table.chart = bar_chart(
        labels, [("Median first response", table.values("first_response_median")),
                 ("Median resolution", table.values("resolution_median"))],
        title=f"{table.title}: median first response and resolution",
        value_format=format_duration)
    return table
