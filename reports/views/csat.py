"""Customer satisfaction: the answers to the survey sent at resolution — average, share
satisfied, distribution, trend, by agent and team, and the latest comments."""

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..access import supervisors_only
from ..charts import bar_chart, line_chart
from ..exports import respond
from ..filters import ReportFilters, read_filters
from ..tables import Column, Link, Table
from .volume import bucket_label

LATEST_COMMENTS = 20
SCORE_LABELS = {1: "1 · Very dissatisfied", 2: "2", 3: "3", 4: "4", 5: "5 · Very satisfied"}


@supervisors_only
@require_GET
def csat(request: HttpRequest) -> HttpResponse:
    report = read_filters(request)
    template = "reports/csat.html"
    if not report.valid:
        return respond(request, page="csat", template=template, report=report)
    if not apps.is_installed("surveys"):
        return respond(request, page="csat", template=template, report=report,
                       context={"installed": False})
    from surveys import metrics as survey_metrics

    filters = report.metrics
    surveys = survey_metrics.answered_surveys(
        start=filters.start, end=filters.end, team_ids=filters.team_ids,
        channel_ids=filters.channel_ids, agent_ids=filters.agent_ids)
    average, count = survey_metrics.summary(surveys)
    satisfied = survey_metrics.satisfied_share(surveys)
    bucket = "day" if report.days <= 62 else "week"
    tables = [
        _distribution(survey_metrics.score_distribution(surveys)),
        _trend(survey_metrics.trend(surveys, bucket), bucket),
        _averages("by_agent", "By agent", "Agent",
                  survey_metrics.average_by(surveys, "agent_id"), report.agent_names,
                  "Unassigned"),
        _averages("by_team", "By team", "Team", survey_metrics.average_by(surveys, "team_id"),
                  report.team_names, "No team"),
        _comments(report, surveys),
    ]
    return respond(request, page="csat", template=template, report=report, tables=tables,
                   context={"installed": True, "average": average, "count": count,
                            "satisfied": satisfied})


def _distribution(distribution: dict[int, int]) -> Table:
    total = sum(distribution.values())
    rows = [[score, count, round(100 * count / total, 1) if total else None]
            for score, count in sorted(distribution.items(), reverse=True)]
    table = Table("distribution", "Distribution",
                  [Column("score", "Score"), Column("answers", "Answers"),
                   Column("share", "Share", "percent")], rows)
    table.chart = bar_chart([SCORE_LABELS.get(row[0], row[0]) for row in rows],
                            [("Answers", [row[1] if total else None for row in rows])],
                            title="Answers per score")
    return table


def _trend(trend, bucket: str) -> Table:
    rows = [[bucket_label(start, bucket), average, count] for start, average, count in trend]
    table = Table("trend", f"Trend per {bucket}",
                  [Column("bucket", bucket.title(), "text"), Column("average", "Average",
                                                                      "score"),
                   Column("answers", "Answers")], rows)
    table.chart = line_chart([row[0] for row in rows], [("Average score", [row[1] for row in
                                                                             rows])],
                             title=f"Average score per {bucket}", y_range=(1, 5),
                             value_format=lambda value: f"{value:.0f}")
    return table


def _averages(name: str, title: str, label: str, averages: dict, names: dict,
              none: str) -> Table:
    rows = [[names.get(key, none) if key else none, average, count]
            for key, (average, count) in averages.items()]
    rows.sort(key=lambda row: (-(row[1] or 0), row[0].casefold()))
    table = Table(name, title, [Column(label.lower(), label, "text"),
                                Column("average", "Average", "score"),
                                Column("answers", "Answers")], rows)
    table.chart = bar_chart([row[0] for row in rows], [("Average score", [row[1] for row in
                                                                           rows])],
                            title=f"Average score {title.lower()}",
                            value_format=lambda value: f"{value:.2f}")
    return table


def _comments(report: ReportFilters, surveys) -> Table:
    latest = (surveys.exclude(comment="").select_related("thread__customer")
              .order_by("-answered_at", "-id")[:LATEST_COMMENTS])
    names = report.agent_names
    rows = []
    for survey in latest:
        customer = (Link(str(survey.thread.customer), f"/inbox/t/{survey.thread_id}/")
                    if survey.thread else "Deleted customer")
        rows.append([f"{timezone.localtime(survey.answered_at):%d %b %Y %H:%M}", customer,
                     survey.score, names.get(survey.agent_id, "") if survey.agent_id else "",
                     survey.comment])
    return Table("comments", "Latest comments",
                 [Column("answered", "Answered", "text"), Column("customer", "Customer", "text"),
                  Column("score", "Score"), Column("agent", "Agent", "text"),
                  Column("comment", "Comment", "text")], rows,
                 empty="No comment in this range.")
