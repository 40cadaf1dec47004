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

Threads have a history for the reports: conversations in bursts, after which an agent of the
team resolves the thread, snoozes it (woken by an agent when the time comes, or by the
customer writing first), sets it pending, or leaves it; a customer's message to a thread not
open re-opens it (``message.received`` with ``"reopened": true``, then its
``thread.status_changed`` to open, as receiving writes them); assigned threads have their
``thread.assigned`` after the first message; a few messages are automatic (metadata
``{"automatic": true}``: mailbox auto-replies in, acknowledgements and surveys out). The
thread's status, snooze and assignee are where its events leave them. The report tables
(``reports.models``) get what live recording would have written: every event goes through
``reports.recording``'s fold as it is made, and the episodes and hourly counts are written in
bulk at the end (``rebuild_reports`` gives the same rows, but takes far longer on a million
events).

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
    ASSIGN,
    ASSIGNED,
    AUTO,
    AUTOMATIC_IN_LINES,
    AUTOMATIC_OUT_LINES,
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
    OPEN,
    OUTBOUND,
    PENDING,
    PHONE_KINDS,
    PLANS,
    RESOLVED,
    SECOND,
    SNOOZED,
    SOURCE,
    STATUS,
    STATUS_CHANGED,
    STATUS_OF,
    TEAM_NAMES,
    TEAM_SUFFIX,
    TEXT_CHANNEL_OF,
    THREAD_FIELDS,
    WOKEN,
    SeedEvent,
    _address,
    _indexes_built_after,
    _reserve_ids,
    _texts,
    _thread_sizes,
    _worth_rebuilding,
    _write,
    _write_reports,
)
from reports.models import DailyActivity, Episode, HourlyActivity
from reports.recording import _Fold


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
        analysed = (*loaded, Episode, HourlyActivity, DailyActivity)
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
            episodes, hours = _write_reports(self.fold, self.db_value)
            self.progress(f"{episodes:,} conversations and {hours:,} hourly counts written")
        self.progress("committed")
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(model._meta.db_table)
                               for model in analysed)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")
            self.progress("analysed")
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {customers:,} customers ({self.identity_count:,} identities, one thread "
            f"each), {messages:,} messages and {self.event_count:,} events over "
            f"{len(self.teams)} teams in {time.monotonic() - self.started:.1f} s."))
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
        """Plan every thread (its identities, its timeline: message times and directions,
        what agents did in between), write the customers, identities and threads, and keep in
        ``self.plans`` what messages and events need."""
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
            team = self.teams[index % len(self.teams)]
            assignee = (rng.choice(team["agents"]) if team["agents"]
                        and (is_big or rng.random() < 0.8) else None)
            offsets, codes, untils, status = self.plan_timeline(
                size, addresses, assigned=assignee is not None, big=is_big)
            # Sorting these puts every entry of the load in time order, ids included.
            self.keys.extend((offset << self.bits) | index for offset in offsets)
            created_at = self.timestamp(offsets[0] - rng.randrange(SECOND))
            customers.append((customer_id, name, json.dumps(
                {"source": SOURCE, "plan": rng.choice(PLANS), "language": rng.choice(LANGUAGES)}),
                "", None, created_at, created_at))
            owned = []
            for which, (kind, address) in enumerate(addresses):
                wrote = [offset for offset, code in zip(offsets, codes, strict=True)
                         if code & ~AUTO == INBOUND << 2 | which]
                identities.append((identity_id, customer_id, kind, address, name,
                                   kind in PHONE_KINDS or rng.random() < 0.3, created_at,
                                   self.timestamp(wrote[-1]) if wrote else None))
                owned.append((identity_id, kind, address))
                identity_id += 1
            sent = [offset for offset, code in zip(offsets, codes, strict=True)
                    if (code & ~AUTO) >> 2 < STATUS]
            inbound = [offset for offset, code in zip(offsets, codes, strict=True)
                       if code >> 2 == INBOUND]  # automatic ones left out, as receiving does
            priority = rng.choices(range(5), (55, 15, 17, 9, 4))[0]
            snoozed_until = self.timestamp(untils[-1]) if status == Thread.Status.SNOOZED else None
            threads.append((thread_id, customer_id, status, assignee[0] if assignee else None,
                            team["id"], Thread.Priority.HIGH.value if is_big else priority,
                            snoozed_until, self.timestamp(sent[-1]),
                            self.timestamp(inbound[-1]) if inbound else None, created_at))
            # The thread's status and assignee as its events go by, and its next snooze end.
            self.plans.append((thread_id, customer_id, team, assignee, owned, bytes(codes),
                               name.split()[0], untils, [OPEN, None, 0]))
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

    def plan_timeline(self, size: int, owned, *, assigned: bool, big: bool):
        """A thread's timeline: entry times (µs into the window, strictly increasing) and codes
        — its ``size`` messages (direction << 2 | index of the identity, AUTO for automatic
        ones) in bursts of conversation, and what agents did (ASSIGN << 2 after the first
        message; STATUS << 2 | RESOLVED, SNOOZED, WOKEN or PENDING after a burst) — the snooze
        ends, and the status the thread is left in."""
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
            # An auto-reply of the customer's mailbox; an acknowledgement or a survey.
            automatic = rng.random() < {INBOUND: 0.02, OUTBOUND: 0.04}.get(direction, 0)
            codes.append(direction << 2 | which | (AUTO if automatic else 0))
        entries = list(zip(offsets, codes, strict=True))
        limit = window - SECOND // 2  # agents' actions end before now

        def after(moment: int, before: int, mean: int) -> int | None:
            """A time soon after ``moment``, well before ``before`` (None: no room)."""
            if before - moment < 4:
                return None
            return moment + 1 + min(int(rng.expovariate(1 / mean)), (before - moment) // 2)

        if assigned:  # by a rule or a supervisor, right after the first message
            moment = after(offsets[0], offsets[1] if size > 1 else limit, MINUTE)
            if moment is not None:
                entries.append((moment, ASSIGN << 2))
        untils = []
        ends = [i for i in range(size - 1) if offsets[i + 1] - offsets[i] > 2 * HOUR]
        for end in [*ends, size - 1]:
            last = end == size - 1
            before = limit if last else offsets[end + 1]
            moment = after(offsets[end], before, 30 * MINUTE)
            if moment is None or big:
                continue
            what = self.plan_status((codes[end] & ~AUTO) >> 2, window - offsets[end], last=last)
            if what is None:
                continue
            entries.append((moment, STATUS << 2 | what))
            if what == SNOOZED:
                if last:  # still snoozed now
                    untils.append(window + rng.randrange(HOUR, 7 * DAY))
                    continue
                until = moment + rng.randrange(HOUR, 2 * DAY)
                untils.append(until)
                # Woken by an agent when it is time, unless the customer writes first.
                wakes = next((offset for offset, code in zip(offsets[end + 1:], codes[end + 1:],
                                                              strict=True)
                              if code >> 2 == INBOUND), limit)
                if until < wakes:
                    entries.append((until, STATUS << 2 | WOKEN))
        entries.sort()
        # What the thread goes through: changes that change nothing are not recorded.
        status, kept, snoozes = OPEN, [], iter(untils)
        untils = []
        for moment, code in entries:
            if code >> 2 == INBOUND:
                status = OPEN  # a customer's message re-opens (not an automatic one)
            elif code >> 2 == STATUS:
                new = STATUS_OF[code & 3]
                if code & 3 == SNOOZED:
                    until = next(snoozes)
                if new == status or (code & 3 == WOKEN and status != Thread.Status.SNOOZED):
                    continue
                if code & 3 == SNOOZED:
                    untils.append(until)
                status = new
            if kept and moment <= kept[-1][0]:
                moment = kept[-1][0] + 1
            kept.append((moment, code))
        return [moment for moment, _ in kept], [code for _, code in kept], untils, status

    def plan_status(self, last_direction: int, age: int, *, last: bool) -> int | None:
        """What an agent does after a burst of messages (None: nothing); after the last one,
        something plausible for a thread of this age (µs since its last message)."""
        draw = self.rng.random()
        if not last:
            if draw < 0.55:
                return RESOLVED
            if draw < 0.72:
                return SNOOZED
            return PENDING if draw < 0.8 and last_direction == OUTBOUND else None
        if draw < 0.05:
            return SNOOZED
        if age > 14 * DAY:
            return RESOLVED if draw < 0.93 else (None if last_direction == INBOUND else PENDING)
        if last_direction == INBOUND:
            return None if draw < 0.8 else RESOLVED
        if last_direction == OUTBOUND:
            return PENDING if draw < 0.6 else RESOLVED
        return (None, PENDING, RESOLVED)[int(draw * 3) % 3]

    def messages_and_events(self, total: int, chunk: int) -> None:
        self.keys.sort()  # every entry of the load, in time order
        first_message = _reserve_ids(Message, total)
        self.positions = [0] * len(self.plans)
        self.fold = _Fold()  # the report rows, folded from the events as they are made
        texts = {kind: _texts(self.rng, lines, 2000) for kind, lines in
                 ((INBOUND, CUSTOMER_LINES), (OUTBOUND, AGENT_LINES), (NOTE, NOTE_LINES),
                  (CALL, AGENT_LINES), (INBOUND | AUTO, AUTOMATIC_IN_LINES),
                  (OUTBOUND | AUTO, AUTOMATIC_OUT_LINES))}
        done, self.event_count, message_id = 0, 0, first_message
        while done < len(self.keys):
            keys = self.keys[done:done + chunk]
            events = []
            message_id += _write(Message, MESSAGE_FIELDS,
                                 self.message_rows(keys, message_id, texts, events))
            self.event_count += _write(Event, EVENT_FIELDS, events)
            done += len(keys)
            self.progress(f"{message_id - first_message:,}/{total:,} messages and "
                          f"{self.event_count:,} events written")
        self.keys = None

    def message_rows(self, keys, message_id: int, texts, events: list):
        """Yield message rows in time order, appending each event row to ``events`` (the
        message's, the status changes and assignments between them) and folding it into
        the report rows.

        One long loop on purpose: it runs once per message, a million times."""
        rng, bits, plans, positions = self.rng, self.bits, self.plans, self.positions
        mask, base, window, db_time = (1 << bits) - 1, self.base, self.window, self.db_time
        for key in keys:
            index, offset = key & mask, key >> bits
            (thread_id, customer_id, team, assignee, owned, codes, first_name, untils,
             state) = plans[index]
            code = codes[positions[index]]
            positions[index] += 1
            automatic, direction, which = code & AUTO, (code & ~AUTO) >> 2, code & 3
            moment = base + timedelta(microseconds=offset)
            iso = moment.isoformat()
            created_at = db_time(moment, iso)
            agent = assignee or (rng.choice(team["agents"]) if team["agents"] else None)
            if direction == ASSIGN:
                state[1] = assignee[0]
                self.event(events, ASSIGNED, moment, created_at, thread_id, customer_id, team,
                           None, {"assignee_id": assignee[0], "team_id": team["id"],
                                  "previous_assignee_id": None, "previous_team_id": team["id"]},
                           state)
                continue
            if direction == STATUS:
                until = None
                if which == SNOOZED:
                    until = (base + timedelta(microseconds=untils[state[2]])).isoformat()
                    state[2] += 1
                payload = {"status": STATUS_OF[which], "previous_status": state[0],
                           "snoozed_until": until}
                state[0] = STATUS_OF[which]
                self.event(events, STATUS_CHANGED, moment, created_at, thread_id, customer_id,
                           team, agent[0] if agent else None, payload, state)
                continue
            text, email_html = rng.choice(texts[direction | automatic])
            channel_id = channel_kind = identity_id = author = external_id = sent_at = None
            html, status, error, attempts, metadata = "", "", "", 0, {}
            if direction != INBOUND and not automatic:
                author = agent
            if direction in (INBOUND, OUTBOUND):
                identity_id, kind, _ = owned[which]
                channel_kind = TEXT_CHANNEL_OF[kind]
                channel_id = team["channels"][channel_kind]
                html = email_html if channel_kind == ChannelKind.EMAIL else ""
                if automatic:
                    metadata = {"automatic": True}
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
            reopens = direction == INBOUND and not automatic and state[0] != OPEN
            if direction == INBOUND:
                extra = {"reopened": reopens}
            self.event(events, event_type, moment, created_at, thread_id, customer_id, team,
                       author[0] if author else None, {"message": snapshot, **extra}, state)
            if reopens:  # the status change the message caused, in the same batch
                self.event(events, STATUS_CHANGED, moment, created_at, thread_id, customer_id,
                           team, None, {"status": OPEN, "previous_status": state[0],
                                        "snoozed_until": None}, state)
                state[0] = OPEN
            message_id += 1

    def event(self, events: list, event_type: str, moment, created_at, thread_id: int,
              customer_id: int, team: dict, actor_id: int | None, payload: dict,
              state: list) -> None:
        """An event row, folded into the report rows with the thread's assignee then."""
        events.append((event_type, created_at, thread_id, customer_id, team["id"], actor_id,
                       json.dumps(payload)))
        self.fold.apply(SeedEvent(event_type, moment, thread_id, team["id"], actor_id, payload),
                        state[1])

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

