"""``manage.py seed_volume``: benchmark volume that looks like what the actions write."""

import io
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Sum

from channels_adapters.models import IDENTITY_KIND_OF_CHANNEL, ChannelKind
from customers.addresses import normalise_address
from customers.models import Customer, Identity
from inbox.events import parse_payload
from inbox.models import Event, Message, Team, Thread, User
from inbox.snapshots import message_snapshot
from reports.models import DailyActivity, Episode, HourlyActivity
from reports.rebuild import rebuild_reports

SMALL = ("--customers", "50", "--messages", "400", "--teams", "3", "--agents", "8",
         "--big-thread-messages", "100")
EVENT_TYPE_OF = {"inbound": "message.received", "outbound": "reply.queued",
                 "note": "note.added", "call": "interaction.logged"}


def message_events():
    return Event.objects.filter(type__in=EVENT_TYPE_OF.values())


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*options: str) -> str:
    output = io.StringIO()
    call_command("seed_volume", *options, stdout=output)
    return output.getvalue()


def big_thread_id(output: str) -> int:
    line = next(line for line in output.splitlines() if line.startswith("Big thread:"))
    return int(line.split()[2])


def test_counts_match_what_was_asked(db, tmp_path):
    id_file = tmp_path / "thread-id"

    output = seed(*SMALL, "--thread-id-out", str(id_file))

    assert (Customer.objects.count(), Thread.objects.count()) == (50, 50)
    assert (Message.objects.count(), message_events().count()) == (400, 400)
    others = Event.objects.exclude(type__in=EVENT_TYPE_OF.values())
    assert set(others.values_list("type", flat=True)) == {"thread.status_changed",
                                                          "thread.assigned"}
    assert f"400 messages and {Event.objects.count()} events" in output
    teams = Team.objects.filter(name__endswith=" (seed)")
    assert teams.count() == 3
    assert User.objects.filter(username__startswith="seed-agent-", role="agent").count() == 8
    for team in teams:
        assert sorted(team.channels.values_list("kind", flat=True)) == sorted(ChannelKind.values)
        assert team.members.exists()
    thread_id = big_thread_id(output)
    assert Message.objects.filter(thread_id=thread_id).count() == 100
    assert id_file.read_text().strip() == str(thread_id)
    assert "Seeded 50 customers" in output and " s." in output


def test_agents_can_log_in_with_the_known_password(db):
    from django.contrib.auth import authenticate

    seed(*SMALL)

    assert authenticate(username="seed-agent-001", password="seed-agent") is not None


def test_every_customer_has_one_thread_and_normal_addresses(db):
    seed(*SMALL)

    assert not Customer.objects.filter(thread=None).exists()
    per_customer = Counter(Identity.objects.values_list("customer_id", flat=True))
    assert set(per_customer) == set(Customer.objects.values_list("id", flat=True))
    assert set(per_customer.values()) <= {1, 2, 3}
    for kind, address in Identity.objects.values_list("kind", "address"):
        assert normalise_address(kind, address) == address


def schema() -> set[tuple[str, str]]:
    """The indexes and constraints of the loaded tables, as PostgreSQL defines them."""
    if connection.vendor != "postgresql":
        return set()
    tables = [model._meta.db_table for model in (Customer, Identity, Thread, Message, Event)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = ANY(%s::regclass[]) UNION SELECT conname,"
            " pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
            [tables, tables])
        return set(cursor.fetchall())


def test_constraints_hold(db):
    indexes_and_constraints = schema()

    seed(*SMALL)

    assert schema() == indexes_and_constraints  # rebuilt as they were, on PostgreSQL
    connection.check_constraints()
    assert not Thread.objects.filter(status="snoozed", snoozed_until=None).exists()
    assert set(Thread.objects.values_list("status", flat=True)) <= set(Thread.Status.values)
    for thread in Thread.objects.exclude(assignee=None).select_related("assignee"):
        assert thread.assignee.teams.filter(pk=thread.team_id).exists()
    messages = Message.objects.select_related("thread", "channel", "identity")
    for message in messages:
        if message.direction in ("inbound", "outbound"):
            assert message.channel.team_id == message.thread.team_id
            assert message.identity.customer_id == message.thread.customer_id
            assert IDENTITY_KIND_OF_CHANNEL[message.channel.kind] == message.identity.kind
            assert message.channel.kind != ChannelKind.PHONE
        else:
            assert (message.channel, message.identity) == (None, None)
            assert message.author_id is not None
        if message.direction == "outbound":
            assert message.delivery_status in {"queued", "sent", "delivered", "read", "failed"}
            assert (message.external_id is None) == (message.delivery_status
                                                     in {"queued", "failed"})
        else:
            assert message.delivery_status == ""


def test_every_message_has_the_one_event_its_action_writes(db):
    seed(*SMALL)

    events = {event.payload["message"]["id"]: event for event in message_events()}
    messages = (Message.objects.select_related("channel", "author")
                .prefetch_related("attachments"))
    assert len(events) == messages.count()
    for message in messages:
        event = events[message.pk]
        parse_payload(event.type, json.loads(json.dumps(event.payload)))
        assert event.type == EVENT_TYPE_OF[message.direction]
        assert (event.thread_id, event.created_at) == (message.thread_id, message.created_at)
        assert (event.customer_id, event.team_id) == (message.thread.customer_id,
                                                      message.thread.team_id)
        assert event.actor_id == message.author_id
        snapshot = message_snapshot(message)
        if message.direction == "outbound":  # snapshotted when queued, before sending
            snapshot.update(delivery_status="queued", external_id=None)
        assert event.payload["message"] == snapshot
        if message.direction == "inbound":
            assert isinstance(event.payload["reopened"], bool)


def test_thread_times_are_those_of_its_messages(db):
    seed(*SMALL)

    threads = Thread.objects.annotate(
        last_message=Max("messages__created_at"), messages_count=Count("messages"))
    for thread in threads:
        assert thread.messages_count >= 1
        assert thread.last_activity_at == thread.last_message
        inbound = [message.created_at for message in thread.messages.filter(direction="inbound")
                   if not message.metadata.get("automatic")]  # automatic ones do not count
        assert thread.last_inbound_at == max(inbound, default=None)
        times = list(thread.messages.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times) and len(set(times)) == len(times)
    event_times = list(Event.objects.order_by("id").values_list("created_at", flat=True))
    assert event_times == sorted(event_times)


@pytest.mark.parametrize("append", [("--append",), ("--append", "--keep-indexes")])
def test_a_second_run_is_refused_unless_appending(db, append):
    seed(*SMALL)

    with pytest.raises(CommandError, match="already loaded"):
        seed(*SMALL)
    assert (Customer.objects.count(), Message.objects.count()) == (50, 400)

    seed(*SMALL, *append)
    assert (Customer.objects.count(), Thread.objects.count()) == (100, 100)
    assert (Message.objects.count(), message_events().count()) == (800, 800)
    assert Team.objects.filter(name__endswith=" (seed)").count() == 3
    assert not Customer.objects.filter(thread=None).exists()
    seeded = report_rows()
    rebuild_reports()
    assert report_rows() == seeded  # the counts of the second load were added to the first's


def test_each_thread_goes_through_its_events(db):
    """Status changes and assignments as the actions write them, re-opens as receiving does,
    and the thread is left where its events leave it."""
    seed(*SMALL)

    threads = Thread.objects.select_related("team").prefetch_related("team__members")
    events = {}
    for event in Event.objects.order_by("id"):
        events.setdefault(event.thread_id, []).append(event)
    seen = Counter()
    for thread in threads:
        status, assignee, snoozed_until, reopening = "open", None, None, None
        agents = {member.pk for member in thread.team.members.all()}
        for event in events[thread.pk]:
            parse_payload(event.type, json.loads(json.dumps(event.payload)))
            payload = event.payload
            if reopening is not None:  # the status change a re-opening message caused
                assert (event.type, event.created_at, event.actor_id) == (
                    "thread.status_changed", reopening.created_at, None)
                assert payload == {"status": "open", "previous_status": status,
                                   "snoozed_until": None}
                seen["reopened"] += 1
                status, reopening = "open", None
                continue
            if event.type == "message.received":
                automatic = bool(payload["message"]["metadata"].get("automatic"))
                seen["automatic in"] += automatic
                assert payload["reopened"] is (not automatic and status != "open")
                if payload["reopened"]:
                    reopening = event
                    continue
            elif event.type == "reply.queued":
                automatic = bool(payload["message"]["metadata"].get("automatic"))
                seen["automatic out"] += automatic
                assert (event.actor_id is None) is automatic
                assert automatic or event.actor_id in agents
            elif event.type == "thread.assigned":
                assert payload == {"assignee_id": thread.assignee_id, "team_id": thread.team_id,
                                   "previous_assignee_id": None,
                                   "previous_team_id": thread.team_id}
                assignee = payload["assignee_id"]
            elif event.type == "thread.status_changed":
                assert payload["previous_status"] == status != payload["status"]
                assert event.actor_id in agents
                if payload["status"] == "snoozed":
                    assert payload["snoozed_until"] > event.created_at.isoformat()
                elif status == "snoozed" and payload["status"] == "open":
                    seen["woken"] += 1
                seen[payload["status"]] += 1
                status, snoozed_until = payload["status"], payload["snoozed_until"]
        assert reopening is None
        assert (thread.status, thread.assignee_id) == (status, assignee)
        assert (thread.snoozed_until.isoformat() if thread.snoozed_until else None) == (
            snoozed_until if status == "snoozed" else None)
        seen["left " + status] += 1
    for what in ("resolved", "snoozed", "woken", "pending", "reopened", "automatic in",
                 "automatic out", "left open", "left resolved"):
        assert seen[what] > 0, what


def report_rows() -> tuple[list, list, list]:
    episodes = Episode.objects.order_by("thread_id", "started_at").values_list(
        *(field.attname for field in Episode._meta.concrete_fields if field.name != "id"))
    keys = ("team_id", "channel_id", "agent_id", "kind")
    # Summed per key: live recording and rebuilds write rows per batch, the seeder one per key.
    hours = HourlyActivity.objects.values_list("hour", *keys).annotate(
        total=Sum("count")).order_by("hour", *keys)
    days = DailyActivity.objects.values_list("day", *keys).annotate(
        total=Sum("count")).order_by("day", *keys)
    return list(episodes), list(hours), list(days)


def test_the_report_rows_are_those_rebuild_reports_makes(db):
    seed(*SMALL)
    seeded = report_rows()

    rebuild_reports()

    assert report_rows() == seeded
    episodes, hours, days = seeded
    assert days and sum(row[-1] for row in days) == sum(row[-1] for row in hours)
    assert len(episodes) > Thread.objects.count()  # threads with several conversations
    assert not Episode.objects.filter(resolved_at=None, thread__status="resolved").exists()
    assert Episode.objects.filter(resolved_at=None).exists()
    assert Episode.objects.filter(reopened=True).exists()
    assert Episode.objects.filter(snoozed_seconds__gt=0).exists()
    assert not Episode.objects.filter(agent=None, resolved_at__isnull=False).exists()
    kinds = {kind for *_, kind, _ in hours}
    assert kinds == set(HourlyActivity.Kind.values)
