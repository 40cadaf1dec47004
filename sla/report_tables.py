"""The SLA tables of the reports' overview (when policies exist): the conversations past a
due time now, and the achievement (met / breached per target) by team and by channel."""

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.tables import Column, Link, Table

from .episodes import with_episode_times
from .models import SlaClock, Target
from .selectors import achievement

BREACHES_SHOWN = 50
TARGET_LABELS = {Target.FIRST_RESPONSE: _("First response"), Target.RESOLUTION: _("Resolution")}
BREACH_NOTE = _("Open conversations past a due time of their SLA policy (first response or "
                "resolution) that they have not met.")
BREACH_COLUMNS = [Column("customer", _("Customer"), "text"),
                  Column("target", _("Target"), "text"),
                  Column("overdue", _("Overdue by"), "duration"),
                  Column("channel", _("Channel"), "text"), Column("team", _("Team"), "text"),
                  Column("assignee", _("Assignee"), "text"),
                  Column("policy", _("Policy"), "text")]


def _missed(clock: SlaClock, now: datetime) -> tuple[str, datetime] | None:
    """The first target the open conversation is past without meeting it."""
    if clock.first_response_at is None and clock.first_response_due_at < now:
        return Target.FIRST_RESPONSE, clock.first_response_due_at
    if clock.resolution_due_at < now:
        return Target.RESOLUTION, clock.resolution_due_at
    return None


def breaches_table(report, now: datetime) -> tuple[Table, int]:
    """The conversations breaching now, longest overdue first, and how many there are."""
    filters = report.metrics
    clocks = (with_episode_times(SlaClock.objects.filter(thread__isnull=False))
              .filter(episode_open=True)
              .select_related("thread__customer", "thread__assignee", "team", "channel",
                              "policy")
              .order_by("first_response_due_at", "id"))
    if filters.team_ids is not None:
        clocks = clocks.filter(team_id__in=filters.team_ids)
    if filters.channel_ids is not None:
        clocks = clocks.filter(channel_id__in=filters.channel_ids)
    clocks = clocks.filter(Q(first_response_due_at__lt=now, first_response_at=None)
                           | Q(resolution_due_at__lt=now))
    breaching = []
    for clock in clocks:
        missed = _missed(clock, now)
        if missed is not None:
            breaching.append((clock, *missed))
    breaching.sort(key=lambda found: found[2])
    rows = [[Link(str(clock.thread.customer), f"/inbox/t/{clock.thread_id}/"),
             str(TARGET_LABELS[target]), int((now - due_at).total_seconds()),
             clock.channel.name if clock.channel else "", clock.team.name if clock.team else "",
             clock.thread.assignee.display_name if clock.thread.assignee else "",
             clock.policy.name if clock.policy else ""]
            for clock, target, due_at in breaching[:BREACHES_SHOWN]]
    return Table("sla_breaches", _("SLA breaches now"), BREACH_COLUMNS, rows,
                 empty=_("No conversation is past its SLA.")), len(breaching)


def achievement_tables(report, now: datetime) -> list[Table]:
    """Conversations started in the range, per team and per channel: each target met,
    breached, still pending, and the share met of those decided."""
    filters = report.metrics
    tables = []
    for by, names, none in (("team", report.team_names, _("No team")),
                            ("channel", report.channel_names, _("No channel"))):
        rows = []
        for row in achievement(start=filters.start, end=filters.end, now=now,
                               team_ids=filters.team_ids, channel_ids=filters.channel_ids,
                               by=by):
            cells = [str(names.get(row[f"{by}_id"], none))]
            for target in Target.values:
                met, breached = row[f"{target}_met"], row[f"{target}_breached"]
                cells += [met, breached, row[f"{target}_pending"],
                          round(100 * met / (met + breached)) if met + breached else None]
            rows.append(cells)
        columns = [Column(by, by.title(), "text")]
        for target in Target.values:
            label = TARGET_LABELS[target]
            columns += [Column(f"{target}_met", f"{label}: met"),
                        Column(f"{target}_breached", f"{label}: breached"),
                        Column(f"{target}_pending", f"{label}: pending"),
                        Column(f"{target}_rate", f"{label}: met %", "percent")]
        tables.append(Table(f"sla_by_{by}", _("SLA achievement by %(by)s") % {"by": by},
                            columns, rows, empty=_("No conversation under an SLA policy "
                                                   "started in this range.")))
    return tables
