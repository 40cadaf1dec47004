"""Writes about agents rather than threads: presence, and what each has read.

Presence and read marks are per-agent view state, not history: they are not written to the
Event log. Presence is announced on the channel layer; a (re)connecting page reads the
current presence from the table.
"""

from django.db import transaction
from django.utils import timezone

from ..groups import STAFF_GROUP, team_group, webchat_thread_group
from ..models import AgentPresence, Thread, ThreadRead, User
from ..publish import publish_ephemeral

Status = AgentPresence.Status


def _announce(presence: AgentPresence) -> None:
    user = presence.user
    message = {"type": "presence", "user_id": user.pk, "name": user.display_name,
               "status": presence.status}
    groups = [STAFF_GROUP, *(team_group(team_id) for team_id in
                             user.teams.values_list("id", flat=True))]
    transaction.on_commit(lambda: publish_ephemeral(groups, message))


@transaction.atomic
def presence_connect(*, user: User) -> AgentPresence:
    """A page of the agent connected: online. Connections counted by a server that died
    since (no heartbeat for a while) are forgotten."""
    presence, _created = AgentPresence.objects.select_for_update().get_or_create(user=user)
    was = presence.live_status
    if was == Status.OFFLINE:
        presence.connections = 0
    presence.connections += 1
    presence.status = Status.ONLINE
    presence.heartbeat_at = timezone.now()
    presence.save()
    if was != Status.ONLINE:
        _announce(presence)
    return presence


@transaction.atomic
def presence_disconnect(*, user: User) -> AgentPresence:
    """A page of the agent closed; with the last one, offline."""
    presence, _created = AgentPresence.objects.select_for_update().get_or_create(user=user)
    presence.connections = max(presence.connections - 1, 0)
    if presence.connections == 0 and presence.status != Status.OFFLINE:
        presence.status = Status.OFFLINE
        _announce(presence)
    presence.save()
    return presence


@transaction.atomic
def presence_set(*, user: User, status: str) -> AgentPresence:
    """The agent is away (idle, or said so) or online; pages also send it as a heartbeat."""
    if status not in (Status.ONLINE, Status.AWAY):
        raise ValueError(f"unknown presence {status!r}")
    presence, _created = AgentPresence.objects.select_for_update().get_or_create(user=user)
    was = presence.live_status
    presence.status, presence.heartbeat_at = status, timezone.now()
    presence.connections = max(presence.connections, 1)
    presence.save()
    if was != status:
        _announce(presence)
    return presence


def thread_mark_read(*, user: User, thread: Thread) -> None:
    """The agent has seen everything in the thread up to now (one upsert); the customer's
    chat widget, if open, shows "Seen"."""
    read_at = timezone.now()
    ThreadRead.objects.bulk_create(
        [ThreadRead(user=user, thread=thread, read_at=read_at)],
        update_conflicts=True, unique_fields=["user", "thread"], update_fields=["read_at"],
    )
    signal = {"type": "seen", "thread_id": thread.pk, "at": read_at.isoformat()}
    transaction.on_commit(lambda: publish_ephemeral([webchat_thread_group(thread.pk)], signal))


def customer_typing(*, thread: Thread) -> None:
    """The customer is typing (web chat): ring the agents of the thread's team. Passing news,
    not history: no Event, nothing stored."""
    groups = [STAFF_GROUP] + ([team_group(thread.team_id)] if thread.team_id else [])
    publish_ephemeral(groups, {"type": "customer_typing", "thread_id": thread.pk})
