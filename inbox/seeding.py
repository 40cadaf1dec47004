"""Planning and writing the bulk rows of ``manage.py seed_volume`` (benchmark data).

The rows bypass the actions on purpose: see the command's docstring.
"""


import random
from collections import Counter
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from channels_adapters.models import IDENTITY_KIND_OF_CHANNEL, ChannelKind
from customers.addresses import IdentityKind
from inbox.events import (
    InteractionLogged,
    MessageReceived,
    NoteAdded,
    ReplyQueued,
    ThreadAssigned,
    ThreadStatusChanged,
)
from inbox.models import Message, Thread
from reports.models import DailyActivity, Episode, HourlyActivity
from reports.recording import _add_counts

SOURCE = "seed_volume"
TEAM_SUFFIX = " (seed)"
AGENT_PREFIX = "seed-agent-"
TEAM_NAMES = ("Support", "Sales", "Billing", "Returns", "Partners", "Installers", "Logistics")
FIRST_NAMES = ("Ana", "Liam", "Chloe", "Noah", "Emma", "Hugo", "Julia", "Sarah", "Grace", "Omar",
               "Yuki", "Mateo", "Lena", "Ravi", "Ines", "Tom", "Aisha", "Marco", "Nora", "Felix",
               "Zoe", "Karim", "Elif", "Jonas", "Maya", "Lucas", "Sofia", "Ivan", "Leila", "Paul")
LAST_NAMES = ("Morel", "Dubois", "Bernard", "Laurent", "Fischer", "Rossi", "Novak", "Johnson",
              "Okafor", "Lefebvre", "Garcia", "Tanaka", "Kowalski", "Silva", "Nguyen", "Haddad",
              "Jensen", "Moreau", "Schmidt", "Petit", "Costa", "Yilmaz", "Murphy", "Ivanova")
DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
CUSTOMER_LINES = (
    "My order has not arrived yet.", "The lamp flickers when I dim it below 30%.",
    "Can I change the delivery address?", "I was charged twice for the same order.",
    "The hub does not show up in the app any more.", "Do you ship to Belgium?",
    "Thanks, that worked!", "Is the warranty two years or three?",
    "The bulb is warmer than the one in the picture.", "Can I return an opened box?",
    "I would like an invoice with my company name.", "The tracking link says delivered, "
    "but nothing is here.", "Which bulbs fit the Arc floor lamp?", "Any news on my refund?",
    "The remote stopped pairing after the update.", "Perfect, see you tomorrow then.",
)
AGENT_LINES = (
    "Thanks for writing to us.", "I have checked your order and it left our warehouse today.",
    "Could you send me a photo of the label under the lamp?", "I have refunded the duplicate "
    "charge; it takes 3 to 5 days to show.", "Please hold the reset button for ten seconds.",
    "We ship to all of the EU, delivery takes about four days.", "A replacement is on its way.",
    "I have updated the address on your order.", "The warranty is two years from delivery.",
    "Let me know if anything else comes up.", "Here is your return label.",
)
NOTE_LINES = ("Customer is a repeat buyer, be generous.", "Waiting on the warehouse for stock.",
              "Refund approved by billing.", "Second time this month, escalate if it recurs.",
              "Carrier claim opened.")
CALL_OUTCOMES = ("Resolved", "Call back tomorrow", "Replacement sent", "Voicemail left",
                 "Transferred to billing")
PLANS = ("free", "plus", "pro", "business")
LANGUAGES = ("en", "fr", "de", "es", "it", "nl")
# How customers reach the shop: the first identity kind is drawn with these weights.
IDENTITY_WEIGHTS = {IdentityKind.EMAIL: 35, IdentityKind.PHONE: 20, IdentityKind.WHATSAPP: 15,
                    IdentityKind.WEBCHAT: 12, IdentityKind.TELEGRAM: 6, IdentityKind.MESSENGER: 5,
                    IdentityKind.INSTAGRAM: 5, IdentityKind.SLACK: 2}
IDENTITY_KINDS = [kind.value for kind in IDENTITY_WEIGHTS]
IDENTITY_KIND_WEIGHTS = list(IDENTITY_WEIGHTS.values())
# Text messages to and from a phone number go through the SMS channel; calls are logged.
TEXT_CHANNEL_OF = {IDENTITY_KIND_OF_CHANNEL[kind].value: kind.value for kind in ChannelKind
                   if kind != ChannelKind.PHONE}
PHONE_KINDS = (IdentityKind.PHONE, IdentityKind.WHATSAPP)
EXTERNAL_ID = {ChannelKind.EMAIL: "<seed.{}@mail.example>", ChannelKind.WEBCHAT: "wc-{}",
               ChannelKind.TELEGRAM: "{}", ChannelKind.SLACK: "1700000000.{:06d}",
               ChannelKind.WHATSAPP: "wamid.seed{}", ChannelKind.MESSENGER: "m_seed{}",
               ChannelKind.INSTAGRAM: "ig_seed{}", ChannelKind.SMS: "SMseed{:026d}"}

AUTOMATIC_IN_LINES = ("Automatic reply: I am out of the office until Monday.",
                      "This is an automatic reply: your message has been received.",
                      "Delivery Status Notification (Delay): the message is still being sent.")
AUTOMATIC_OUT_LINES = ("Thanks for your message! We answer within one working day.",
                       "We are closed for the weekend; an agent will answer on Monday.",
                       "How did we do? Answer with a digit from 1 (poor) to 5 (great).")

# The code of a thread's timeline entry: what << 2 | the identity (a message) or the status
# set (STATUS), with AUTO for an automatic message.
INBOUND, OUTBOUND, NOTE, CALL, STATUS, ASSIGN = range(6)
AUTO = 0x40
RESOLVED, SNOOZED, WOKEN, PENDING = range(4)
STATUS_OF = {RESOLVED: Thread.Status.RESOLVED.value, SNOOZED: Thread.Status.SNOOZED.value,
             WOKEN: Thread.Status.OPEN.value, PENDING: Thread.Status.PENDING.value}
OPEN = Thread.Status.OPEN.value
STATUS_CHANGED, ASSIGNED = ThreadStatusChanged.type, ThreadAssigned.type
DIRECTION = {INBOUND: Message.Direction.INBOUND.value, OUTBOUND: Message.Direction.OUTBOUND.value,
             NOTE: Message.Direction.NOTE.value, CALL: Message.Direction.CALL.value}
# Each message has the one Event its action writes; the payload holds its snapshot and these.
EVENT_OF = {INBOUND: (MessageReceived.type, {"reopened": False}), OUTBOUND: (ReplyQueued.type, {}),
            NOTE: (NoteAdded.type, {}), CALL: (InteractionLogged.type, {})}
# After a message of each direction, cumulative odds of the next being inbound, outbound, note
# (the rest: a call).
NEXT_DIRECTION = {INBOUND: (0.30, 0.85, 0.95), OUTBOUND: (0.55, 0.75, 0.88),
                  NOTE: (0.20, 0.80, 0.90), CALL: (0.30, 0.70, 0.95)}
SECOND = 1_000_000
MINUTE, HOUR, DAY = 60 * SECOND, 3600 * SECOND, 86400 * SECOND

CUSTOMER_FIELDS = ("id", "name", "attributes", "notes", "merged_into_id", "created_at",
                   "updated_at")
IDENTITY_FIELDS = ("id", "customer_id", "kind", "address", "display_name", "verified",
                   "created_at", "last_seen_at")
THREAD_FIELDS = ("id", "customer_id", "status", "assignee_id", "team_id", "priority",
                 "snoozed_until", "last_activity_at", "last_inbound_at", "created_at")
MESSAGE_FIELDS = ("id", "thread_id", "channel_id", "identity_id", "direction", "author_id",
                  "text", "html", "external_id", "in_reply_to_id", "delivery_status",
                  "delivery_error", "delivery_attempts", "metadata", "created_at", "sent_at")
EVENT_FIELDS = ("type", "created_at", "thread_id", "customer_id", "team_id", "actor_id",
                "payload")
EPISODE_FIELDS = ("id", "thread_id", "team_id", "channel_id", "agent_id", "first_responder_id",
                  "reopened", "started_at", "first_response_at", "first_response_seconds",
                  "resolved_at", "resolution_seconds", "snoozed_seconds", "snoozed_at",
                  "snooze_until", "awaiting_since")
EPISODE_TIMES = frozenset({"started_at", "first_response_at", "resolved_at", "snoozed_at",
                           "snooze_until", "awaiting_since"})
ACTIVITY_FIELDS = ("hour", "team_id", "channel_id", "agent_id", "kind", "count")
DAILY_FIELDS = ("day", "team_id", "channel_id", "agent_id", "kind", "count")


class SeedEvent:
    """What the reports' fold reads of an Event, for the rows not yet in the database."""

    __slots__ = ("type", "created_at", "thread_id", "team_id", "actor_id", "payload")

    def __init__(self, type, created_at, thread_id, team_id, actor_id, payload):  # noqa: A002
        self.type, self.created_at, self.thread_id = type, created_at, thread_id
        self.team_id, self.actor_id, self.payload = team_id, actor_id, payload


def _texts(rng: random.Random, lines: tuple[str, ...], count: int) -> list[tuple[str, str]]:
    """``count`` bodies of one to a dozen sentences (mostly short), as (text, e-mail HTML)."""
    bodies = []
    for _ in range(count):
        paragraphs = [" ".join(rng.choices(lines, k=rng.randint(1, 3)))
                      for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 4))]
        bodies.append(("\n\n".join(paragraphs),
                       "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)))
    return bodies


def _address(kind: str, customer_id: int, slug: str, attempt: int) -> str | None:
    """The address of the customer's identity of ``kind``; ``attempt`` > 0 after a clash
    with an address that is not ours (None: give up that kind)."""
    suffix = f".{attempt}" if attempt else ""
    if kind == IdentityKind.EMAIL:
        return f"{slug}{customer_id}{suffix}@{DOMAINS[customer_id % len(DOMAINS)]}"
    if kind in PHONE_KINDS:  # French mobile numbers, +3361xxxxxxx for the first ten million
        fits = customer_id < 90_000_000 and not attempt
        return f"+336{10_000_000 + customer_id:08d}" if fits else None
    return {IdentityKind.TELEGRAM: f"{6_000_000_000 + customer_id}{suffix}",
            IdentityKind.SLACK: f"U{customer_id:08X}{suffix}",
            IdentityKind.MESSENGER: f"{7_100_000_000_000_000 + customer_id}{suffix}",
            IdentityKind.INSTAGRAM: f"{17_841_400_000_000_000 + customer_id}{suffix}",
            IdentityKind.WEBCHAT: f"visitor-{customer_id:08x}{suffix}"}[kind]


def _reserve_ids(model, count: int) -> int:
    """The first of ``count`` consecutive ids nobody else will take; written explicitly."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Writers wait for our commit, so the block cannot interleave with their ids.
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
            return first
        # SQLite: the write lock is ours since BEGIN IMMEDIATE; AUTOINCREMENT never reuses ids.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        first = cursor.fetchone()[0] + 1
        if connection.vendor == "sqlite":
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s",
                           [model._meta.db_table])
            row = cursor.fetchone()
            first = max(first, (row[0] if row else 0) + 1)
        return first


def _write(model, fields: tuple[str, ...], rows) -> int:
    """Insert ``rows`` (tuples of database-ready values, in ``fields`` order); their count."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                written, batch = written + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
        return written + len(batch)


def _write_reports(fold, db_value) -> tuple[int, int]:
    """Write what folding the seeded events made (``reports.recording``'s fold, as live
    recording and ``rebuild_reports`` do): the episodes — all new, as their threads are — and
    the hourly counts, added to any already there. Their numbers."""
    first = _reserve_ids(Episode, len(fold.new))
    times = [name in EPISODE_TIMES for name in EPISODE_FIELDS]
    names = [name for name in EPISODE_FIELDS if name != "id"]

    def episodes():
        for episode_id, episode in enumerate(fold.new, first):
            values = [getattr(episode, name) for name in names]
            yield (episode_id, *(db_value(value) if is_time and value is not None else value
                                 for value, is_time in zip(values, times[1:], strict=True)))

    written = _write(Episode, EPISODE_FIELDS, episodes())
    counts = sorted(fold.counts.items())
    if HourlyActivity.objects.exists():  # --append: add to the rows already there
        for start in range(0, len(counts), 2000):
            _add_counts(dict(counts[start:start + 2000]))
    else:
        _write(HourlyActivity, ACTIVITY_FIELDS,
               ((db_value(hour), team, channel, agent, str(kind), count)
                for (hour, team, channel, agent, kind), count in counts))
        # The daily rows, as reports.recording sums them: days of the server's time zone.
        zone = timezone.get_default_timezone()
        daily: Counter = Counter()
        for (hour, *key), count in counts:
            daily[(hour.astimezone(zone).date(), *key)] += count
        _write(DailyActivity, DAILY_FIELDS,
               ((day.isoformat(), team, channel, agent, str(kind), count)
                for (day, team, channel, agent, kind), count in sorted(daily.items())))
    return written, len(counts)


def _thread_sizes(rng: random.Random, threads: int, messages: int, big: int) -> list[int]:
    """Messages per thread: one each (``big`` for the first if asked), the rest spread
    log-normally, so that most threads are short and a few are long."""
    sizes = [1] * threads
    spread = [rng.lognormvariate(0, 1) for _ in range(threads)]
    if big:
        sizes[0], spread[0] = big, 0.0
    extra, total_weight = messages - sum(sizes), sum(spread) or 1.0
    for index, weight in enumerate(spread):
        sizes[index] += int(extra * weight / total_weight)
    for index in rng.choices(range(threads), weights=spread if any(spread) else None,
                             k=messages - sum(sizes)):
        sizes[index] += 1
    return sizes


@contextmanager
def _indexes_built_after(models, enabled: bool):
    """PostgreSQL: drop the secondary indexes and foreign keys of ``models`` for the load and
    create them again at the end, in the same transaction (so nothing is left half done).

    Building an index once over the loaded rows is several times faster than updating it
    row by row, and adding a foreign key checks it with one join instead of a trigger per
    row. Primary keys and unique constraints stay in place throughout.
    """
    if not enabled:
        yield
        return
    quote, dropped = connection.ops.quote_name, []
    with connection.cursor() as cursor:
        # Tables with deferred checks still pending (the teams and channels just created)
        # cannot be altered: run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f'", [table])
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint"
                " WHERE conindid = indexrelid AND conrelid = indrelid)", [table])
            indexes = cursor.fetchall()
            for name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
            dropped.append((table, foreign_keys, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, foreign_keys, indexes in dropped:
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} "
                               f"{definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares its foreign keys


def _worth_rebuilding(models, rows: int) -> bool:
    """Rebuilding indexes pays when the load is not small next to what the tables hold."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(GREATEST(reltuples, 0)), 0) FROM pg_class"
                       " WHERE oid = ANY(%s::regclass[])",
                       [[model._meta.db_table for model in models]])
        # An index build sorts all rows, old and new; row-by-row updates touch the new only.
        return 3 * rows >= cursor.fetchone()[0]
