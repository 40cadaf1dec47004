"""What routing reads: who is online in a team, and how many open threads each holds."""

from django.db.models import Count, F

from inbox.models import AgentPresence, Thread, User

# A pending thread waits on the customer but is still the agent's: it counts.
LOAD_STATUSES = (Thread.Status.OPEN, Thread.Status.PENDING)


def online_members(team_id: int) -> list[int]:
    """Active members of the team whose page is open and not idle: the inbox's presence
    (``AgentPresence.live_status`` online)."""
    return list(
        User.objects.filter(AgentPresence.online_now("presence__"), teams=team_id,
                            is_active=True)
        .order_by("pk").values_list("pk", flat=True)
    )


def is_online(user_id: int) -> bool:
    return AgentPresence.objects.filter(AgentPresence.online_now(), user_id=user_id).exists()


def open_loads(agent_ids: list[int]) -> dict[int, int]:
    """Open and pending threads per agent, across all their teams."""
    rows = (Thread.objects.filter(assignee_id__in=agent_ids, status__in=LOAD_STATUSES)
            .values("assignee_id").annotate(n=Count("id")))
    loads = dict.fromkeys(agent_ids, 0)
    loads.update({row["assignee_id"]: row["n"] for row in rows})
    return loads


def waiting_threads(team_id: int, *, limit: int) -> list[int]:
    """The team's open unassigned threads, longest waiting first."""
    return list(
        Thread.objects.filter(team_id=team_id, assignee__isnull=True,
                              status=Thread.Status.OPEN)
        .order_by("last_activity_at", "id").values_list("pk", flat=True)[:limit]
    )


def auto_assigned_to_absent_agents(team_id: int) -> list[int]:
    """Threads routing gave to an agent who is no longer online (away, offline, or left the
    team) and who still holds them, open or pending."""
    online = online_members(team_id)
    return list(
        Thread.objects.filter(team_id=team_id, status__in=LOAD_STATUSES,
                              auto_assignment__isnull=False,
                              assignee_id=F("auto_assignment__agent_id"))
        .exclude(assignee_id__in=online).order_by("pk").values_list("pk", flat=True)
    )
