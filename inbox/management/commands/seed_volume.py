"""``manage.py seed_volume``: benchmark volume — teams, agents, channels, customers, threads,
messages and their events — loaded fast.

This bypasses ``inbox.actions`` on purpose: it is bulk seeding for benchmarks, not traffic.
Rows are written directly in one transaction (psycopg's COPY on PostgreSQL, ``executemany``
elsewhere), nothing is published to the channel layer and no task is queued. What the
actions guarantee is rebuilt by hand instead: each message has the one Event its action
writes (``message.received``, ``reply.queued``, ``note.added``, ``interaction.logged``) with
the action's payload and ``message_snapshot``'s keys; a thread's ``last_activity_at`` and
``last_inbound_at`` are those of its messages; message and event ids grow with time, and
within a thread the messages are strictly ordered.

Addresses are deterministic and already normal (lower-case e-mails, E.164 numbers), built
from the customer id, so they are unique without asking phonenumbers row by row.

Seed rows are recognisable: teams named "… (seed)", agents "seed-agent-NNN", customers whose
``attributes["source"]`` is ``"seed_volume"``. A second run is refused unless ``--append``,
which reuses the seed teams, agents and channels and adds customers.
"""

import json
import random
import time
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from channels_adapters.models import Channel, ChannelKind
from customers.models import Customer, Identity
from inbox.models import Event, Message, Team, Thread, User
from inbox.seeding import (
    AGENT_LINES,
    AGENT_PREFIX,
    CALL,
    CALL_OUTCOMES,
    CUSTOMER_FIELDS,
    CUSTOMER_LINES,
    DAY,
    DIRECTION,
    EVENT_FIELDS,
    EVENT_OF,
    EXTERNAL_ID,
    FIRST_NAMES,
    HOUR,
    IDENTITY_FIELDS,
    IDENTITY_KIND_WEIGHTS,
    IDENTITY_KINDS,
    INBOUND,
    LANGUAGES,
    LAST_NAMES,
    MESSAGE_FIELDS,
    MINUTE,
    NEXT_DIRECTION,
    NOTE,
    NOTE_LINES,
    OUTBOUND,
    PHONE_KINDS,
    PLANS,
    SECOND,
    SOURCE,
    TEAM_NAMES,
    TEAM_SUFFIX,
    TEXT_CHANNEL_OF,
    THREAD_FIELDS,
    _address,
    _indexes_built_after,
    _reserve_ids,
    _texts,
    _thread_sizes,
    _worth_rebuilding,
    _write,
)


class Command(BaseCommand):
    help = "Fill the database with benchmark volume (bypasses the actions; see the docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1000)
        parser.add_argument("--messages", type=int, default=10_000,
                            help="All messages, the big thread's included.")
        parser.add_argument("--teams", type=int, default=5)
        parser.add_argument("--agents", type=int, default=40)
        parser.add_argument("--big-thread-messages", "--thread-messages", type=int, default=0,
                            dest="big_thread_messages",
                            help="Give one thread this many messages and print its id.")
        parser.add_argument("--thread-id-out", type=Path,
                            help="Also write the big thread's id to this file.")
        parser.add_argument("--days", type=int, default=120, help="Spread over the last N days.")
        parser.add_argument("--agent-password", default="seed-agent",
                            help="The agents' password ('' for an unusable one).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")
        parser.add_argument("--chunk", type=int, default=100_000,
                            help="Messages generated and written per round.")
        parser.add_argument("--append", action="store_true",
                            help="Add to existing seed data instead of refusing.")
        parser.add_argument("--keep-indexes", action="store_true",
                            help="PostgreSQL: update indexes row by row instead of dropping "
                                 "and rebuilding them around the load.")

    def handle(self, *args, **options):
        self.started = time.monotonic()
        self.verbosity = options["verbosity"]
        customers, messages = options["customers"], options["messages"]
        big = options["big_thread_messages"]
        if min(customers, options["teams"], options["days"], options["chunk"]) < 1 or min(
                options["agents"], big) < 0:
            raise CommandError("--customers, --teams, --days and --chunk must be positive, "
                               "--agents and --big-thread-messages not negative.")
        if messages < customers + max(big - 1, 0):
            raise CommandError("Every thread needs a message: --messages must be at least "
                               "--customers (plus the big thread's extra messages).")
        if Team.objects.filter(name__endswith=TEAM_SUFFIX).exists() and not options["append"]:
            raise CommandError("Seed data is already loaded (teams named '…" + TEAM_SUFFIX +
                               "'). Use --append to add more, or a fresh database.")
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        self.window = options["days"] * DAY
        self.base = self.now - timedelta(microseconds=self.window)
        self.db_time = ((lambda moment, iso: iso) if connection.vendor == "postgresql"
                        else (lambda moment, iso: connection.ops.adapt_datetimefield_value(moment)))
        loaded = (Customer, Identity, Thread, Message, Event)
        rebuild = not options["keep_indexes"] and _worth_rebuilding(loaded, 2 * messages)
        with transaction.atomic():
            self.teams = self.people_and_channels(options)
            self.progress("teams, agents and channels ready")
            with _indexes_built_after(loaded, rebuild):
                big_thread_id = self.customers_and_threads(customers, messages, big)
                self.progress(f"{customers:,} customers and threads written")
                self.messages_and_events(messages, options["chunk"])
            if rebuild:
                self.progress("indexes and foreign keys rebuilt")
        self.progress("committed")
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(model._meta.db_table)
                               for model in loaded)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")
            self.progress("analysed")
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {customers:,} customers ({self.identity_count:,} identities, one thread "
            f"each), {messages:,} messages and {messages:,} events over {len(self.teams)} teams"
            f" in {time.monotonic() - self.started:.1f} s."))
        password = options["agent_password"]
        self.stdout.write(f"Agents: {AGENT_PREFIX}001…, password "
                          + (repr(password) if password else "unusable"))
        if big:
            self.stdout.write(f"Big thread: {big_thread_id} ({big:,} messages)")
            if options["thread_id_out"]:
                options["thread_id_out"].write_text(f"{big_thread_id}\n")

    def progress(self, what: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"[{time.monotonic() - self.started:7.1f} s] {what}")
            self.stdout.flush()

    def people_and_channels(self, options) -> list[dict]:
        """The seed teams with their agents and one channel per kind, reused by --append."""
        teams = list(Team.objects.filter(name__endswith=TEAM_SUFFIX).order_by("id"))
        for index in range(len(teams), options["teams"]):
            name = TEAM_NAMES[index] if index < len(TEAM_NAMES) else f"Team {index + 1}"
            teams.append(Team.objects.create(name=name + TEAM_SUFFIX))
        teams = teams[:options["teams"]]
        agents = list(User.objects.filter(username__startswith=AGENT_PREFIX).order_by("id"))
        password = make_password(options["agent_password"] or None)
        for index in range(len(agents), options["agents"]):
            first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
            agent = User.objects.create(
                username=f"{AGENT_PREFIX}{index + 1:03d}", password=password,
                role=User.Role.AGENT, first_name=first, last_name=last,
                email=f"{AGENT_PREFIX}{index + 1:03d}@seed.example")
            # Round-robin over the teams; every fifth agent also helps the next team.
            agent.teams.add(teams[index % len(teams)])
            if index % 5 == 4 and len(teams) > 1:
                agent.teams.add(teams[(index + 1) % len(teams)])
            agents.append(agent)
        members = {}
        for membership in Team.members.through.objects.filter(team__in=teams, user__in=agents):
            members.setdefault(membership.team_id, []).append(membership.user_id)
        names = {agent.pk: agent.display_name for agent in agents}
        usernames = {agent.pk: agent.username for agent in agents}
        result = []
        for team in teams:
            channels = {}
            for kind in ChannelKind:
                channel, _ = Channel.objects.get_or_create(
                    kind=kind, name=f"{team.name} {kind.label}",
                    defaults={"team": team, "address": f"{kind}.{team.pk}@seed.example"})
                channels[kind] = channel.pk
            agent_ids = members.get(team.pk, [])
            result.append({"id": team.pk, "channels": channels,
                           "agents": [(pk, names[pk], usernames[pk]) for pk in agent_ids]})
        return result

    def customers_and_threads(self, count: int, messages: int, big: int) -> int | None:
        """Plan every thread (its identities, message times and directions), write the
        customers, identities and threads, and keep in ``self.plans`` what messages need."""
        rng = self.rng
        first_customer, first_thread = _reserve_ids(Customer, count), _reserve_ids(Thread, count)
        taken = set(Identity.objects.exclude(customer__attributes__source=SOURCE)
                    .values_list("kind", "address"))
        people = [self.plan_identities(first_customer + index, taken) for index in range(count)]
        identity_id = _reserve_ids(Identity, sum(len(owned) for _, owned in people))
        customers, identities, threads = [], [], []
        self.plans, self.keys = [], []
        self.bits = max(1, (count - 1).bit_length())
        for index, (size, (name, addresses)) in enumerate(
                zip(_thread_sizes(rng, count, messages, big), people, strict=True)):
            customer_id, thread_id = first_customer + index, first_thread + index
            is_big = bool(big) and index == 0
            offsets, codes = self.plan_timeline(size, addresses, big=is_big)
            # Sorting these puts every message of the load in time order, ids included.
            self.keys.extend((offset << self.bits) | index for offset in offsets)
            team = self.teams[index % len(self.teams)]
            status, assignee, snoozed_until = self.plan_state(team, offsets[-1], codes[-1] >> 2,
                                                              big=is_big)
            created_at = self.timestamp(offsets[0] - rng.randrange(SECOND))
            customers.append((customer_id, name, json.dumps(
                {"source": SOURCE, "plan": rng.choice(PLANS), "language": rng.choice(LANGUAGES)}),
                "", None, created_at, created_at))
            owned = []
            for which, (kind, address) in enumerate(addresses):
                wrote = [offset for offset, code in zip(offsets, codes, strict=True)
                         if code == INBOUND << 2 | which]
                identities.append((identity_id, customer_id, kind, address, name,
                                   kind in PHONE_KINDS or rng.random() < 0.3, created_at,
                                   self.timestamp(wrote[-1]) if wrote else None))
                owned.append((identity_id, kind, address))
                identity_id += 1
            inbound = [offset for offset, code in zip(offsets, codes, strict=True)
                       if code >> 2 == INBOUND]
            priority = rng.choices(range(5), (55, 15, 17, 9, 4))[0]
            threads.append((thread_id, customer_id, status, assignee[0] if assignee else None,
                            team["id"], Thread.Priority.HIGH.value if is_big else priority,
                            snoozed_until, self.timestamp(offsets[-1]),
                            self.timestamp(inbound[-1]) if inbound else None, created_at))
            self.plans.append((thread_id, customer_id, team, assignee, owned, bytes(codes),
                               name.split()[0]))
        self.identity_count = len(identities)
        _write(Customer, CUSTOMER_FIELDS, customers)
        _write(Identity, IDENTITY_FIELDS, identities)
        _write(Thread, THREAD_FIELDS, threads)
        return first_thread if big else None

    def plan_identities(self, customer_id: int, taken: set) -> tuple[str, list[tuple[str, str]]]:
        """A name and one to three (kind, address), none clashing with rows not ours."""
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        kinds = [rng.choices(IDENTITY_KINDS, IDENTITY_KIND_WEIGHTS)[0]]
        for _ in range(rng.choices((0, 1, 2), (55, 35, 10))[0]):
            other = rng.choice(IDENTITY_KINDS)
            if other not in kinds:
                kinds.append(other)
        addresses = []
        for kind in kinds:
            for attempt in range(5):
                address = _address(kind, customer_id, f"{first}.{last}".lower(), attempt)
                if address is None or (kind, address) not in taken:
                    break
            if address is not None:
                addresses.append((kind, address))
        return f"{first} {last}", addresses or [("webchat", f"visitor-seed-{customer_id:x}")]

    def timestamp(self, offset: int) -> str:
        return self.db_value(self.base + timedelta(microseconds=offset))

    def db_value(self, moment) -> str:
        return self.db_time(moment, moment.isoformat())

    def plan_timeline(self, size: int, owned, *, big: bool) -> tuple[list[int], list[int]]:
        """Message times (µs into the window, strictly increasing) and codes
        (direction << 2 | index of the identity) of one thread, in bursts of conversation."""
        rng, window = self.rng, self.window
        start = rng.randrange(window // 50) if big else rng.randrange(window - HOUR)
        bursts = max(1, min(size, round(size / rng.uniform(2, 8))))
        starts = sorted([start, *(rng.randrange(start, window - MINUTE)
                                  for _ in range(bursts - 1))])
        offsets = []
        for burst, moment in enumerate(starts):
            for _ in range(size // bursts + (burst < size % bursts)):
                offsets.append(int(moment))
                moment += SECOND + rng.expovariate(1 / (4 * MINUTE))
        offsets.sort()
        if offsets[-1] > window - SECOND - size:
            # A late burst ran past now: squeeze the thread to end within the last hour.
            end = max(window - SECOND - size - rng.randrange(HOUR), start + 1)
            scale = (end - start) / (offsets[-1] - start)
            offsets = [start + int((offset - start) * scale) for offset in offsets]
        for position in range(1, size):
            if offsets[position] <= offsets[position - 1]:
                offsets[position] = offsets[position - 1] + 1
        phone = next((i for i, (kind, _) in enumerate(owned) if kind in PHONE_KINDS), None)
        codes, direction, last_writer = [INBOUND << 2], INBOUND, 0
        for _ in range(size - 1):
            draw, odds = rng.random(), NEXT_DIRECTION[direction]
            direction = next((d for d, limit in enumerate(odds) if draw < limit), CALL)
            which = 0
            if direction == CALL and phone is None:
                direction = NOTE
            if direction == INBOUND:
                which = last_writer = 0 if rng.random() < 0.8 else rng.randrange(len(owned))
            elif direction == OUTBOUND:
                which = last_writer if rng.random() < 0.9 else rng.randrange(len(owned))
            elif direction == CALL:
                which = phone
            codes.append(direction << 2 | which)
        return offsets, codes

    def plan_state(self, team, last_offset: int, last_direction: int, *, big: bool):
        """Status, assignee and snooze of a thread, plausible after its last message."""
        rng, draw = self.rng, self.rng.random()
        Status, snoozed_until = Thread.Status, None
        if big:
            status = Status.OPEN
        elif draw < 0.05:
            status = Status.SNOOZED
            snoozed_until = self.db_value(
                self.now + timedelta(seconds=rng.randrange(3600, 7 * 86400)))
        elif self.window - last_offset > 14 * DAY:
            status = Status.RESOLVED if draw < 0.93 else (
                Status.OPEN if last_direction == INBOUND else Status.PENDING)
        elif last_direction == INBOUND:
            status = Status.OPEN if draw < 0.8 else Status.RESOLVED
        elif last_direction == OUTBOUND:
            status = Status.PENDING if draw < 0.6 else Status.RESOLVED
        else:
            status = (Status.OPEN, Status.PENDING, Status.RESOLVED)[int(draw * 3) % 3]
        assigned = big or rng.random() < {Status.OPEN: 0.55}.get(status, 0.88)
        assignee = rng.choice(team["agents"]) if assigned and team["agents"] else None
        return status, assignee, snoozed_until

    def messages_and_events(self, total: int, chunk: int) -> None:
        self.keys.sort()  # every message of the load, in time order
        first_message = _reserve_ids(Message, total)
        self.positions = [0] * len(self.plans)
        texts = {kind: _texts(self.rng, lines, 2000) for kind, lines in
                 ((INBOUND, CUSTOMER_LINES), (OUTBOUND, AGENT_LINES), (NOTE, NOTE_LINES),
                  (CALL, AGENT_LINES))}
        done = 0
        while done < total:
            keys = self.keys[done:done + chunk]
            events = []
            _write(Message, MESSAGE_FIELDS,
                   self.message_rows(keys, first_message + done, texts, events))
            _write(Event, EVENT_FIELDS, events)
            done += len(keys)
            self.progress(f"{done:,}/{total:,} messages and events written")
        self.keys = None

    def message_rows(self, keys, message_id: int, texts, events: list):
        """Yield message rows in time order, appending each one's event row to ``events``.

        One long loop on purpose: it runs once per message, a million times."""
        rng, bits, plans, positions = self.rng, self.bits, self.plans, self.positions
        mask, base, window, db_time = (1 << bits) - 1, self.base, self.window, self.db_time
        for key in keys:
            index, offset = key & mask, key >> bits
            thread_id, customer_id, team, assignee, owned, codes, first_name = plans[index]
            code = codes[positions[index]]
            positions[index] += 1
            direction, which = code >> 2, code & 3
            moment = base + timedelta(microseconds=offset)
            iso = moment.isoformat()
            text, email_html = rng.choice(texts[direction])
            channel_id = channel_kind = identity_id = author = external_id = sent_at = None
            html, status, error, attempts, metadata = "", "", "", 0, {}
            if direction != INBOUND:
                author = assignee or (rng.choice(team["agents"]) if team["agents"] else None)
            if direction in (INBOUND, OUTBOUND):
                identity_id, kind, _ = owned[which]
                channel_kind = TEXT_CHANNEL_OF[kind]
                channel_id = team["channels"][channel_kind]
                html = email_html if channel_kind == ChannelKind.EMAIL else ""
            if direction == INBOUND:
                external_id = EXTERNAL_ID[channel_kind].format(message_id)
            elif direction == OUTBOUND:
                if author and rng.random() < 0.3:
                    text = f"Hi {first_name},\n\n{text}"
                status, attempts = self.delivery(channel_kind, window - offset)
                if status == Message.DeliveryStatus.FAILED:
                    error = "The provider refused the message (seeded failure)."
                elif status != Message.DeliveryStatus.QUEUED:
                    external_id = EXTERNAL_ID[channel_kind].format(message_id)
                    sent = moment + timedelta(seconds=1 + rng.random() * 20)
                    sent_at = db_time(sent, sent.isoformat())
            elif direction == NOTE:
                mention = rng.random() < 0.2 and team["agents"]
                helper = rng.choice(team["agents"]) if mention else None
                if helper:
                    text = f"@{helper[2]} {text}"
                metadata = {"mentions": [helper[0]] if helper else []}
            else:
                seconds = rng.randrange(30, 1800)
                metadata = {"interaction_direction": rng.choice(("inbound", "outbound")),
                            "number": owned[which][2], "duration_seconds": seconds,
                            "outcome": rng.choice(CALL_OUTCOMES),
                            "occurred_at": (moment - timedelta(seconds=seconds)).isoformat()}
            created_at = db_time(moment, iso)
            yield (message_id, thread_id, channel_id, identity_id, DIRECTION[direction],
                   author[0] if author else None, text, html, external_id, None, status, error,
                   attempts, json.dumps(metadata), created_at, sent_at)
            # The payload as the action wrote it: a reply is snapshotted while still queued.
            event_type, extra = EVENT_OF[direction]
            snapshot = {
                "id": message_id, "thread_id": thread_id, "channel_id": channel_id,
                "channel_kind": channel_kind, "identity_id": identity_id,
                "direction": DIRECTION[direction], "author_id": author[0] if author else None,
                "author_name": author[1] if author else None, "text": text, "html": html,
                "external_id": None if direction == OUTBOUND else external_id,
                "delivery_status": Message.DeliveryStatus.QUEUED if direction == OUTBOUND
                else status,
                "created_at": iso, "metadata": metadata, "attachments": []}
            events.append((event_type, created_at, thread_id, customer_id, team["id"],
                           author[0] if author else None,
                           json.dumps({"message": snapshot, **extra})))
            message_id += 1

    def delivery(self, channel_kind: str, age: int) -> tuple[str, int]:
        """Where a reply of this age stands now, and how many sending attempts it took."""
        Status, draw = Message.DeliveryStatus, self.rng.random()
        if age < 10 * MINUTE:
            return Status.QUEUED, 0
        if draw < 0.02:
            return Status.FAILED, 3
        if channel_kind in (ChannelKind.EMAIL, ChannelKind.SMS):  # no read receipts
            return (Status.SENT if draw < 0.3 else Status.DELIVERED), 1
        return (Status.SENT if draw < 0.1 else Status.DELIVERED if draw < 0.45 else Status.READ), 1

