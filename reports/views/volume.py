"""Volume: conversations started, messages received and replies sent per hour, day or week,
and over the range by channel, team and tag."""

from datetime import UTC, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import metrics
from ..access import supervisors_only
from ..charts import bar_chart, line_chart
from ..exports import respond
from ..filters import ReportFilters, local_midnight, read_filters
from ..tables import Column, Table

Kind = metrics.Kind
KINDS = [(Kind.STARTED, "Conversations started"), (Kind.INBOUND, "Messages received"),
         (Kind.REPLY, "Replies sent")]
KIND_COLUMNS = [Column(kind.value, label) for kind, label in KINDS]


@supervisors_only
@require_GET
def volume(request: HttpRequest) -> HttpResponse:
    report = read_filters(request)
    if not report.valid:
        return respond(request, page="volume", template="reports/volume.html", report=report)
    kinds = [kind for kind, _ in KINDS]
    over_time = metrics.volume(report.metrics, report.bucket, kinds=kinds)
    tables = [
        _over_time(report, over_time),
        _breakdown(report, "channel", metrics.totals(report.metrics, by="channel_id"),
                   report.channel_names, "No channel"),
        _breakdown(report, "team", metrics.totals(report.metrics, by="team_id"),
                   report.team_names, "No team"),
        _by_tag(metrics.volume_by_tag(report.metrics)),
    ]
    return respond(request, page="volume", template="reports/volume.html", report=report,
                   tables=tables)


def bucket_starts(report: ReportFilters) -> list[datetime]:
    """Every bucket of the range in order, empty ones too, in the current time zone."""
    bucket, first, last = report.bucket, report.first, report.last
    if bucket == "hour":
        # In UTC: arithmetic on two times of one zone ignores a clock change between them.
        start, end = report.metrics.start.astimezone(UTC), report.metrics.end.astimezone(UTC)
        hours = (timezone.localtime(start + timedelta(hours=hour)).replace(minute=0, second=0)
                 for hour in range(int((end - start).total_seconds() // 3600)))
        return list(dict.fromkeys(hours))  # a half-hour zone meets an hour twice
    if bucket == "week":
        first = first - timedelta(days=first.weekday())
    step = 7 if bucket == "week" else 1
    return [local_midnight(first + timedelta(days=day))
            for day in range(0, (last - first).days + 1, step)]


def bucket_label(start: datetime, bucket: str) -> str:
    local = timezone.localtime(start)
    if bucket == "hour":
        return f"{local:%d %b %H}:00"
    if bucket == "week":
        return f"Week of {local:%d %b}"
    return f"{local:%a %d %b}"


def _over_time(report: ReportFilters, rows: list[dict]) -> Table:
    counts = {(row["bucket"], row["kind"]): row["count"] for row in rows}
    starts = bucket_starts(report)
    table_rows = [[bucket_label(start, report.bucket)]
                  + [counts.get((start, kind), 0) for kind, _ in KINDS] for start in starts]
    table = Table("over_time", f"Per {report.bucket}",
                  [Column("bucket", report.bucket.title(), "text"), *KIND_COLUMNS], table_rows)
    table.chart = line_chart([row[0] for row in table_rows],
                             [(label, [row[index + 1] for row in table_rows])
                              for index, (_, label) in enumerate(KINDS)],
                             title=f"Volume per {report.bucket}", width=1000)
    return table


def _breakdown(report, name: str, rows: list[dict], names: dict, none: str) -> Table:
    key = f"{name}_id"
    counts: dict[int, dict] = {}
    for row in rows:
        counts.setdefault(row[key], {}).setdefault(row["kind"], 0)
        counts[row[key]][row["kind"]] += row["count"]
    kinds = [kind for kind, _ in KINDS]
    table_rows = [[names.get(pk, none) if pk else none] + [found.get(kind, 0) for kind in kinds]
                  for pk, found in counts.items() if any(found.get(kind) for kind in kinds)]
    table_rows.sort(key=lambda row: (-row[2], -row[1], row[0].casefold()))
    table = Table(f"by_{name}", f"By {name}", [Column(name, name.title(), "text"),
                                               *KIND_COLUMNS], table_rows)
    table.chart = bar_chart([row[0] for row in table_rows],
                            [("Messages received", [row[2] for row in table_rows])],
                            title=f"Messages received by {name}")
    return table


def _by_tag(rows: list[dict]) -> Table:
    table_rows = [[row["tag"], row["count"]] for row in rows]
    table = Table("by_tag", "By tag", [Column("tag", "Tag", "text"),
                                       Column("started", "Conversations started")], table_rows,
                  empty="No conversation with a tag started in this range.")
    table.chart = bar_chart([row[0] for row in table_rows],
                            [("Conversations started", [row[1] for row in table_rows])],
                            title="Conversations started by tag")
    return table
