"""The event listener (THREADLINE_EVENT_LISTENERS) of auto-assignment.

- a person or an automation rule assigned a thread (an event with an actor, or the rule's
  mark): routing forgets it ever assigned it, so it never moves it again (manual assignment
  always wins);
- a customer wrote, a thread was re-opened or returned to its team's queue, or the first-line
  bot handed it to a person: route it (one the bot still answers is left to it: see
  ``routing.assign``);
- a thread was resolved or snoozed: its agent has room again, route the team's queue.

Runs after every commit: no query unless one of the events matters, and then one to learn
which of their teams are routed."""

from inbox.events import (
    RULE_KEY,
    BotHandedOff,
    MessageReceived,
    ThreadAssigned,
    ThreadStatusChanged,
)
from inbox.models import Event, Thread

from .models import AutoAssignment, TeamRouting
from .tasks import route_team_task, route_thread_task

FREEING = {Thread.Status.RESOLVED, Thread.Status.SNOOZED}


def on_events(events: list[Event]) -> None:
    manual, threads, teams = set(), {}, set()
    for event in events:
        if event.thread_id is None:
            continue
        if event.type == ThreadAssigned.type:
            payload = event.payload
            if event.actor_id is not None or RULE_KEY in payload:
                manual.add(event.thread_id)
                if payload.get("assignee_id") is None and event.team_id:
                    threads[event.thread_id] = event.team_id  # put back in the queue
            if payload.get("previous_assignee_id") is not None and event.team_id:
                teams.add(event.team_id)  # its previous agent has room again
        elif event.type in (MessageReceived.type, BotHandedOff.type) and event.team_id:
            threads[event.thread_id] = event.team_id
        elif event.type == ThreadStatusChanged.type and event.team_id:
            if event.payload.get("status") == Thread.Status.OPEN:
                threads[event.thread_id] = event.team_id
            elif event.payload.get("status") in FREEING:
                teams.add(event.team_id)
    if manual:
        AutoAssignment.objects.filter(thread_id__in=manual).delete()
    wanted = set(threads.values()) | teams
    if not wanted:
        return
    routed = set(TeamRouting.objects.filter(team_id__in=wanted)
                 .exclude(mode=TeamRouting.Mode.NONE).values_list("team_id", flat=True))
    for thread_id, team_id in threads.items():
        if team_id in routed and team_id not in teams:
            route_thread_task.delay(thread_id)
    for team_id in teams & routed:
        route_team_task.delay(team_id)
