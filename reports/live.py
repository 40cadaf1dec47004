"""What the live report shows now: who is online, each agent's open load, the customers
waiting for a reply, and the backlog's totals. A handful of aggregate queries, whatever the
number of agents or threads: the page re-reads it on every event.

Presence follows ``AgentPresence.live_status``, in SQL: without a heartbeat for
``HEARTBEAT_TIMEOUT`` an agent is offline whatever the stored status says (a server that
died never said its sockets closed).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, Min, Q, QuerySet, Value, When
from django.utils import timezone

from inbox.models import HEARTBEAT_TIMEOUT, AgentPresence, Event, Team, Thread, User

from .metrics import waiting_customers
from .models import Episode

Status = Thread.Status
Presence = AgentPresence.Status
# Not resolved: what an agent still holds.
HELD = (Status.OPEN, Status.PENDING, Status.SNOOZED)
PRESENCE_ORDER = {Presence.ONLINE: 0, Presence.AWAY: 1, Presence.OFFLINE: 2}
# The waiting customers listed; the totals count them all.
WAITING_SHOWN = 25


@dataclass(frozen=True)
class AgentLoad:
    agent: User
    presence: str  # online, away or offline: AgentPresence.Status
    teams: list[Team]
    open: int
    pending: int
    snoozed: int

    @property
    def presence_label(self) -> str:
        return Presence(self.presence).label

    @property
    def total(self) -> int:
        return self.open + self.pending + self.snoozed


def format_wait(seconds: int) -> str:
    """"42 s", "12 min 05 s", "1 h 05 min", "2 d 3 h": what live.js shows too."""
    seconds = max(int(seconds), 0)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if days:
        return f"{days} d {hours % 24} h"
    if hours:
        return f"{hours} h {minutes % 60:02d} min"
    if minutes:
        return f"{minutes} min {seconds % 60:02d} s"
    return f"{seconds} s"


@dataclass(frozen=True)
class WaitingCustomer:
    """An open conversation whose customer has had no reply since ``since``."""

    episode: Episode
    since: datetime
    seconds: int

    @property
    def wait_text(self) -> str:
        return format_wait(self.seconds)


@dataclass(frozen=True)
class LiveTotals:
    open: int
    pending: int
    snoozed: int
    unassigned_open: int
    waiting: int
    longest_waiting_since: datetime | None
    longest_wait_seconds: int | None

    @property
    def longest_wait_text(self) -> str:
        return "" if self.longest_wait_seconds is None else format_wait(
            self.longest_wait_seconds)


@dataclass(frozen=True)
class LiveState:
    now: datetime
    agents: list[AgentLoad]
    waiting: list[WaitingCustomer]  # longest wait first, at most WAITING_SHOWN
    totals: LiveTotals

    @property
    def presence_counts(self) -> dict[str, int]:
        counts = {status: 0 for status in PRESENCE_ORDER}
        for row in self.agents:
            counts[row.presence] += 1
        return counts


def latest_event_id() -> int:
    """The page's cursor, read before its data: its socket replays what changed since."""
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def live_state(*, team_ids: tuple[int, ...] | None = None,
               waiting_shown: int = WAITING_SHOWN) -> LiveState:
    """Everything the live panel shows, for the given teams (None: every team)."""
    now = timezone.now()
    return LiveState(
        now=now,
        agents=agent_loads(team_ids=team_ids, now=now),
        waiting=[WaitingCustomer(episode=episode, since=episode.awaiting_since,
                                 seconds=_seconds_between(episode.awaiting_since, now))
                 for episode in waiting_customers(team_ids, limit=waiting_shown)],
        totals=live_totals(team_ids=team_ids, now=now),
    )


def agents_for_teams(team_ids: tuple[int, ...] | None) -> QuerySet[User]:
    """People who can hold threads: active users, not the users API tokens act through."""
    agents = User.objects.filter(is_active=True, api_token__isnull=True)
    if team_ids is not None:
        agents = agents.filter(pk__in=Team.members.through.objects.filter(
            team_id__in=team_ids).values("user_id"))
    return agents


def agent_loads(*, team_ids: tuple[int, ...] | None = None,
                now: datetime | None = None) -> list[AgentLoad]:
    """Each agent (of the teams) with their presence now and the threads assigned to them
    that are not resolved, per status (of the teams' threads): online first, then away,
    then offline, by name. Three small queries: the agents with their presence, their
    teams, and the load counted per assignee and status (on the assignee index; joining the
    threads to the agents' rows instead carries every user column through the grouping)."""
    now = now or timezone.now()
    live_presence = Case(
        When(presence__heartbeat_at__gte=now - HEARTBEAT_TIMEOUT,
             presence__status__in=(Presence.ONLINE, Presence.AWAY),
             then="presence__status"),
        default=Value(Presence.OFFLINE),
    )
    presence_rank = Case(
        *(When(live_presence=Value(status), then=Value(rank))
          for status, rank in PRESENCE_ORDER.items()),
        default=Value(len(PRESENCE_ORDER)),
    )
    agents = (agents_for_teams(team_ids)
              .annotate(live_presence=live_presence, presence_rank=presence_rank)
              .prefetch_related("teams")
              .order_by("presence_rank", "first_name", "last_name", "username", "id"))
    held = Thread.objects.filter(status__in=HELD, assignee__isnull=False)
    if team_ids is not None:
        held = held.filter(team_id__in=team_ids)
    counts = {(row["assignee_id"], row["status"]): row["count"] for row in
              held.values("assignee_id", "status").annotate(count=Count("id")).order_by()}
    return [
        AgentLoad(agent=agent, presence=agent.live_presence, teams=list(agent.teams.all()),
                  open=counts.get((agent.pk, Status.OPEN), 0),
                  pending=counts.get((agent.pk, Status.PENDING), 0),
                  snoozed=counts.get((agent.pk, Status.SNOOZED), 0))
        for agent in agents
    ]


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(int((end - start).total_seconds()), 0)


def live_totals(*, team_ids: tuple[int, ...] | None = None,
                now: datetime | None = None) -> LiveTotals:
    """The backlog now (threads per status, open ones nobody holds) and the customers
    waiting for a reply (as ``waiting_customers`` counts them). Two aggregate queries."""
    threads = Thread.objects.filter(status__in=HELD)
    if team_ids is not None:
        threads = threads.filter(team_id__in=team_ids)
    backlog = threads.aggregate(
        open=Count("id", filter=Q(status=Status.OPEN)),
        pending=Count("id", filter=Q(status=Status.PENDING)),
        snoozed=Count("id", filter=Q(status=Status.SNOOZED)),
        unassigned_open=Count("id", filter=Q(status=Status.OPEN, assignee__isnull=True)),
    )
    waiting = waiting_customers(team_ids, limit=None).order_by().aggregate(
        count=Count("id"), since=Min("awaiting_since"))
    since = waiting["since"]
    return LiveTotals(waiting=waiting["count"], longest_waiting_since=since,
                      longest_wait_seconds=None if since is None else _seconds_between(
                          since, now or timezone.now()),
                      **backlog)
