"""Auto-assignment: give a team's waiting threads to its online agents under capacity, and
take them back from agents who went away.

Every change goes through ``inbox.actions.assign_thread`` (its event, its live update), with
no actor: the timeline says the system assigned it. Each thread is routed in its own
transaction that first locks the team's TeamRouting row, then the thread: two workers
routing the same team take turns, so two threads never take one agent's last free place and
one thread is never given twice. Only threads routing assigned itself (an AutoAssignment
whose agent is still the assignee) are ever moved; a person's assignment, and an automation
rule's, always wins. A thread the first-line bot is answering (bot/) waits until it hands off.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from bot.selectors import threads_held_by_bot
from inbox.actions import assign_thread
from inbox.actions.threads import lock_thread
from inbox.events import RULE_KEY, ThreadAssigned
from inbox.models import Event, Thread, User

from .models import AgentRouting, AutoAssignment, TeamRouting
from .selectors import (
    LOAD_STATUSES,
    auto_assigned_to_absent_agents,
    online_members,
    open_loads,
    waiting_threads,
)

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    load: int
    last_assigned_at: datetime | None


def _lock_routing(team_id: int | None) -> TeamRouting | None:
    if team_id is None:
        return None
    return (TeamRouting.objects.select_for_update().filter(team_id=team_id)
            .exclude(mode=TeamRouting.Mode.NONE).first())


def _candidates(routing: TeamRouting, *, excluding: int | None = None) -> list[Candidate]:
    """Online members under their capacity (read after the team's lock: the counts include
    every assignment committed by whoever held it before)."""
    agent_ids = [pk for pk in online_members(routing.team_id) if pk != excluding]
    if not agent_ids:
        return []
    own = {row.agent_id: row for row in AgentRouting.objects.filter(routing=routing,
                                                                    agent_id__in=agent_ids)}
    loads = open_loads(agent_ids)
    found = []
    for agent_id in agent_ids:
        row = own.get(agent_id)
        capacity = row.capacity if row and row.capacity is not None else routing.default_capacity
        if loads[agent_id] < capacity:
            found.append(Candidate(agent_id, loads[agent_id],
                                   row.last_assigned_at if row else None))
    return found


def _pick(routing: TeamRouting, candidates: list[Candidate]) -> int | None:
    if not candidates:
        return None
    if routing.mode == TeamRouting.Mode.ROUND_ROBIN:
        # The next agent after the last one given a thread, by id, wrapping around: everyone
        # free gets one in turn, whoever joined or left the rotation since.
        ids = sorted(candidate.agent_id for candidate in candidates)
        after = routing.last_agent_id or 0
        return next((pk for pk in ids if pk > after), ids[0])
    return min(candidates, key=lambda c: (c.load, c.last_assigned_at or NEVER,
                                          c.agent_id)).agent_id


def _give(routing: TeamRouting, thread: Thread, agent_id: int | None) -> None:
    """Assign (or return to the queue, ``None``) and remember it was routing's doing."""
    now = timezone.now()
    agent = User.objects.get(pk=agent_id) if agent_id is not None else None
    assign_thread(thread=thread, assignee=agent, by=None)
    if agent is None:
        AutoAssignment.objects.filter(thread=thread).delete()
        return
    AutoAssignment.objects.update_or_create(thread=thread, defaults={"agent": agent,
                                                                     "assigned_at": now})
    AgentRouting.objects.update_or_create(routing=routing, agent=agent,
                                          defaults={"last_assigned_at": now})
    routing.last_agent = agent
    routing.save(update_fields=["last_agent"])


def route_thread(*, thread_id: int) -> int | None:
    """Give the thread to an agent if it is open, unassigned and its team is routed; the
    agent's id, or None (nothing to do, or nobody free: it waits for the sweep)."""
    return _route(thread_id)[0]


def _route(thread_id: int) -> tuple[int | None, bool]:
    """The agent given the thread, and whether nobody was free."""
    team_id = Thread.objects.filter(pk=thread_id).values_list("team_id", flat=True).first()
    with transaction.atomic():
        routing = _lock_routing(team_id)
        if routing is None:
            return None, False
        thread = lock_thread(thread_id)
        if (thread.team_id != routing.team_id or thread.assignee_id is not None
                or thread.status != Thread.Status.OPEN or threads_held_by_bot([thread.pk])):
            return None, False
        agent_id = _pick(routing, _candidates(routing))
        if agent_id is not None:
            _give(routing, thread, agent_id)
        return agent_id, agent_id is None


def _assigned_by_a_person(thread: Thread) -> bool:
    """Whether the thread's last assignment had an actor or was an automation rule's. The
    Event log is the truth: read under the thread's lock, it cannot miss a manual assignment
    that committed before."""
    actor_id, payload = (Event.objects.filter(thread=thread, type=ThreadAssigned.type)
                         .order_by("-id").values_list("actor_id", "payload").first()
                         or (None, {}))
    return actor_id is not None or RULE_KEY in payload


def reroute_from_absent_agent(*, thread_id: int) -> bool:
    """The thread's auto-assigned agent is not online: give it to another free agent, or
    back to the team's queue. False when it is no longer routing's to move."""
    team_id = Thread.objects.filter(pk=thread_id).values_list("team_id", flat=True).first()
    with transaction.atomic():
        routing = _lock_routing(team_id)
        if routing is None:
            return False
        thread = lock_thread(thread_id)
        auto = AutoAssignment.objects.filter(thread=thread).first()
        if (auto is None or thread.assignee_id != auto.agent_id
                or thread.team_id != routing.team_id or thread.status not in LOAD_STATUSES
                or auto.agent_id in online_members(routing.team_id)
                or _assigned_by_a_person(thread)):
            return False
        _give(routing, thread, _pick(routing, _candidates(routing, excluding=auto.agent_id)))
        return True


def route_team(*, team_id: int, limit: int = 200) -> int:
    """Take back the threads of agents who went away, then hand out the team's waiting
    threads, longest waiting first, until nobody is free. How many threads moved."""
    if not TeamRouting.objects.filter(team_id=team_id).exclude(
            mode=TeamRouting.Mode.NONE).exists():
        return 0
    moved = sum(reroute_from_absent_agent(thread_id=thread_id)
                for thread_id in auto_assigned_to_absent_agents(team_id)[:limit])
    for thread_id in waiting_threads(team_id, limit=limit):
        agent_id, nobody_free = _route(thread_id)
        if nobody_free:
            break
        moved += agent_id is not None
    return moved


def routed_team_ids() -> list[int]:
    return list(TeamRouting.objects.exclude(mode=TeamRouting.Mode.NONE)
                .values_list("team_id", flat=True))
