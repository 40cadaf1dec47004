"""The overview: the backlog and waiting customers now, today against last week, and the
range's totals."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from inbox.models import Thread
from sla import report_tables as sla_tables
from sla.selectors import policies_exist

from .. import metrics
from ..access import supervisors_only
from ..charts import stacked_bar_chart
from ..exports import respond
from ..filters import local_midnight, read_filters
from ..tables import Column, Link, Table

Kind = metrics.Kind
OPEN_STATUSES = [status for status in Thread.Status if status != Thread.Status.RESOLVED]
WAITING_SHOWN = 10
SLA_NOTE = ("Customers waiting for a reply longer than the first-response target, %d min "
            "(THREADLINE_FIRST_RESPONSE_TARGET_MINUTES). Per-priority SLA policies come with "
            "automation.")
COMPARED = [(Kind.STARTED, "New conversations"), (Kind.INBOUND, "Messages received"),
            (Kind.REPLY, "Replies sent")]
RANGE_TOTALS = COMPARED + [(Kind.RESOLVED, "Conversations resolved"),
                           (Kind.NOTE, "Private notes")]


@supervisors_only
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    report = read_filters(request)
    if not report.valid:
        return respond(request, page="overview", template="reports/overview.html",
                       report=report)
    filters = report.metrics
    now = timezone.now()
    target = settings.THREADLINE_FIRST_RESPONSE_TARGET_MINUTES
    backlog = _backlog_tables(report, metrics.open_backlog(filters.team_ids, filters.channel_ids))
    waiting = _waiting(report, now)
    # SLA policies (sla/), when some exist, replace the one first-response target.
    with_policies = policies_exist()
    breaches = (sla_tables.breaches_table(report, now) if with_policies
                else _breaches(report, now))
    achievement = sla_tables.achievement_tables(report, now) if with_policies else []
    return respond(request, page="overview", template="reports/overview.html", report=report,
                   tables=[*backlog, waiting, breaches[0], _today(report, now), *achievement],
                   context={"breach_count": breaches[1], "range_totals": _range_totals(report),
                            "target_minutes": target, "with_policies": with_policies,
                            "sla_note": sla_tables.BREACH_NOTE if with_policies
                            else SLA_NOTE % target})


def _backlog_tables(report, rows: list[dict]) -> list[Table]:
    """Open threads per status, and per channel and per team split by status (a thread with
    no conversation open, e.g. only an automatic message, has no channel)."""
    by_status = dict.fromkeys(OPEN_STATUSES, 0)
    for row in rows:
        by_status[Thread.Status(row["status"])] += row["count"]
    tables = [Table("backlog_status", "Open threads by status",
                    [Column("status", "Status", "text"), Column("threads", "Threads")],
                    [[status.label, count] for status, count in by_status.items()])]
    tables.append(_split_by_status("channel", rows, report.channel_names, "No channel"))
    tables.append(_split_by_status("team", rows, report.team_names, "No team"))
    return tables


def _split_by_status(name: str, rows: list[dict], names: dict, none: str) -> Table:
    counts: dict[int | None, dict[str, int]] = {}
    for row in rows:
        found = counts.setdefault(row[f"{name}_id"], {})
        found[row["status"]] = found.get(row["status"], 0) + row["count"]
    keys = sorted(counts, key=lambda pk: (pk is None, names.get(pk, none).casefold()))
    table_rows = [[names.get(pk, none)]
                  + [counts[pk].get(status.value, 0) for status in OPEN_STATUSES]
                  + [sum(counts[pk].values())] for pk in keys]
    table = Table(f"backlog_{name}", f"Open threads by {name}",
                  [Column(name, name.title(), "text")]
                  + [Column(status.value, status.label) for status in OPEN_STATUSES]
                  + [Column("total", "Total")], table_rows)
    table.chart = stacked_bar_chart(
        [row[0] for row in table_rows],
        [(status.label, [row[index + 1] for row in table_rows])
         for index, status in enumerate(OPEN_STATUSES)],
        title=f"Open threads by {name} and status")
    return table


def _open_episodes(report):
    return metrics.waiting_customers(report.metrics.team_ids, report.metrics.channel_ids,
                                     limit=None)


def _waiting_rows(report, episodes, now) -> list[list]:
    rows = []
    for episode in episodes:
        thread = episode.thread
        rows.append([Link(str(thread.customer), f"/inbox/t/{thread.pk}/"),
                     int((now - episode.awaiting_since).total_seconds()),
                     episode.channel.name if episode.channel else "",
                     episode.team.name if episode.team else "",
                     thread.assignee.display_name if thread.assignee else "",
                     thread.get_status_display()])
    return rows


WAITING_COLUMNS = [Column("customer", "Customer", "text"), Column("waiting", "Waiting",
                                                                   "duration"),
                   Column("channel", "Channel", "text"), Column("team", "Team", "text"),
                   Column("assignee", "Assignee", "text"), Column("status", "Status", "text")]


def _waiting(report, now) -> Table:
    episodes = _open_episodes(report)[:WAITING_SHOWN]
    return Table("waiting", "Longest-waiting customers", WAITING_COLUMNS,
                 _waiting_rows(report, episodes, now), empty="Nobody is waiting for a reply.")


def _breaches(report, now) -> tuple[Table, int]:
    target = timedelta(minutes=settings.THREADLINE_FIRST_RESPONSE_TARGET_MINUTES)
    episodes = _open_episodes(report).filter(awaiting_since__lt=now - target)
    shown = list(episodes[:50])
    count = len(shown) if len(shown) < 50 else episodes.count()
    table = Table("sla_breaches", "SLA breaches now", WAITING_COLUMNS,
                  _waiting_rows(report, shown, now),
                  empty="Nobody has waited longer than the target.")
    return table, count


def _today(report, now) -> Table:
    """Today so far against the same weekday last week, both up to the end of this hour
    (the counts are hourly)."""
    filters = report.metrics
    start = local_midnight(timezone.localdate(now))
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    week = timedelta(days=7)
    kinds = [kind for kind, _ in COMPARED]
    today = _counts(metrics.totals(_narrowed(filters, start, end)), kinds)
    last_week = _counts(metrics.totals(_narrowed(filters, start - week, end - week)), kinds)
    rows = []
    for kind, label in COMPARED:
        change = (round(100 * (today[kind] - last_week[kind]) / last_week[kind])
                  if last_week[kind] else None)
        rows.append([label, today[kind], last_week[kind], change])
    return Table("today", "Today so far",
                 [Column("figure", "", "text"), Column("today", "Today"),
                  Column("last_week", f"Last {timezone.localtime(now):%A}"),
                  Column("change", "Change", "change")], rows)


def _range_totals(report) -> list[dict]:
    counts = _counts(metrics.totals(report.metrics), [kind for kind, _ in RANGE_TOTALS])
    return [{"label": label, "count": counts[kind]} for kind, label in RANGE_TOTALS]


def _narrowed(filters: metrics.Filters, start, end) -> metrics.Filters:
    return metrics.Filters(start=start, end=end, team_ids=filters.team_ids,
                           channel_ids=filters.channel_ids)


def _counts(rows: list[dict], kinds) -> dict:
    counts = dict.fromkeys(kinds, 0)
    for row in rows:
        if row["kind"] in counts:
            counts[row["kind"]] += row["count"]
    return counts

