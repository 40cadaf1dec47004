"""Trying a rule (saved or not) on past threads, without writing anything.

For each thread with a customer message in the last ``days`` days (the rule's team's only,
if it has one; the most recent ``MAX_EXAMINED`` threads at most), the rule's conditions are
evaluated at the moment the rule would have looked:

- "A customer writes": the thread's latest customer message in the window, at its time;
- "A conversation starts": the latest message of the window that began a conversation;
- "A customer is still waiting": the latest waiting stretch of the window, at the moment it
  reached the rule's waiting time (if it did before an answer came).

Business hours and the waiting time are those of that moment. Tags, priority, assignee and
the customer's attributes are read as they are now: their past values are not kept. A
waiting stretch that began more than a day before the window is taken as beginning then.
A fixed number of queries, however many threads are examined.
"""

import dataclasses
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.models import CannedResponse, Message, Team, Thread, User
from reports.models import Episode

from .conditions import Calendars, Facts, conditions_hold
from .models import Rule
from .schema import validate_conditions, waiting_threshold

MAX_EXAMINED = 500
EXCERPT_LENGTH = 140


@dataclasses.dataclass(frozen=True)
class DryRunMatch:
    thread_id: int
    customer_name: str
    excerpt: str
    at: datetime
    would_do: list[str]


@dataclasses.dataclass(frozen=True)
class DryRunResult:
    days: int
    examined: int
    matched: int
    matches: list[DryRunMatch]  # the most recent first, ``limit`` at most
    more_threads: bool  # more threads than were examined had messages in the window


@dataclasses.dataclass
class _Moment:
    """The message a rule would have seen on a thread, and when it would have looked."""

    message: dict
    at: datetime
    awaiting_since: datetime | None


def dry_run(rule: Rule, *, days: int = 30, limit: int = 50,
            most: int = MAX_EXAMINED) -> DryRunResult:
    """What the rule would have done on the ``most`` threads written to most recently.
    Raises ValidationError when its conditions are not well formed; writes nothing."""
    validate_conditions(rule.conditions)
    now = timezone.now()
    since = now - timedelta(days=days)
    thread_ids, more = _recent_threads(rule, since, most)
    timelines = _timelines(thread_ids, since - timedelta(days=1))
    starts = _conversation_starts(thread_ids, since) if (
        rule.trigger == Rule.Trigger.CONVERSATION_STARTED) else {}
    threads = _threads(thread_ids)
    calendars, found = Calendars(), []
    for thread_id in thread_ids:
        moment = _moment(rule, timelines.get(thread_id, []), starts.get(thread_id),
                         since=since, now=now)
        if moment is None or thread_id not in threads:
            continue
        facts = _facts(threads[thread_id], moment, calendars)
        if conditions_hold(conditions=rule.conditions, match=rule.match, facts=facts):
            found.append((thread_id, moment))
    found.sort(key=lambda entry: entry[1].at, reverse=True)
    would_do = describe_actions(rule.actions)
    return DryRunResult(days=days, examined=len(thread_ids), matched=len(found), matches=[
        DryRunMatch(thread_id=thread_id, customer_name=str(threads[thread_id].customer),
                    excerpt=_excerpt(moment.message["text"]), at=moment.at,
                    would_do=would_do)
        for thread_id, moment in found[:limit]], more_threads=more)


def _recent_threads(rule: Rule, since: datetime, most: int) -> tuple[list[int], bool]:
    """The threads with a customer message in the window, most recent first."""
    messages = _customer_messages().filter(created_at__gte=since)
    if rule.team_id is not None:
        messages = messages.filter(thread__team_id=rule.team_id)
    rows = list(messages.values("thread_id").annotate(last=Max("id"))
                .order_by("-last")[:most + 1])
    return [row["thread_id"] for row in rows[:most]], len(rows) > most


def _customer_messages():
    return (Message.objects.filter(direction=Message.Direction.INBOUND)
            .exclude(metadata__has_key="automatic"))


def _timelines(thread_ids: list[int], since: datetime) -> dict[int, list[dict]]:
    """Each thread's customer messages and replies since ``since``, in order (the replies
    end a waiting stretch; automatic ones do not)."""
    rows = (Message.objects.filter(thread_id__in=thread_ids, created_at__gte=since,
                                   direction__in=[Message.Direction.INBOUND,
                                                  Message.Direction.OUTBOUND])
            .exclude(metadata__has_key="automatic")
            .order_by("created_at", "id")
            .values("id", "thread_id", "direction", "text", "created_at", "channel_id",
                    "channel__kind"))
    timelines: dict[int, list[dict]] = {}
    for row in rows:
        timelines.setdefault(row["thread_id"], []).append(row)
    return timelines


def _conversation_starts(thread_ids: list[int], since: datetime) -> dict[int, datetime]:
    """The start of each thread's latest conversation begun in the window."""
    return dict(Episode.objects.filter(thread_id__in=thread_ids, started_at__gte=since)
                .values("thread_id").annotate(start=Max("started_at"))
                .values_list("thread_id", "start"))


def _threads(thread_ids: list[int]) -> dict[int, Thread]:
    return {thread.pk: thread for thread in
            Thread.objects.filter(pk__in=thread_ids).select_related("customer")
            .prefetch_related("tags", "customer__tags")}


def _stretches(timeline: list[dict]) -> list[tuple[datetime, datetime | None, list[dict]]]:
    """The waiting stretches: (since, answered at or None, the customer's messages)."""
    stretches, current = [], None
    for row in timeline:
        if row["direction"] == Message.Direction.INBOUND:
            if current is None:
                current = (row["created_at"], [])
            current[1].append(row)
        elif current is not None:
            stretches.append((current[0], row["created_at"], current[1]))
            current = None
    if current is not None:
        stretches.append((current[0], None, current[1]))
    return stretches


def _moment(rule: Rule, timeline, started_at, *, since, now) -> _Moment | None:
    stretches = _stretches(timeline)
    if rule.trigger == Rule.Trigger.CONVERSATION_STARTED and started_at is None:
        return None
    if rule.trigger == Rule.Trigger.WAITING:
        threshold = timedelta(minutes=waiting_threshold(rule.conditions) or 0)
        for begun, answered, messages in reversed(stretches):
            fires = begun + threshold
            if fires >= since and fires <= (answered or now):
                seen = [m for m in messages if m["created_at"] <= fires]
                return _Moment(message=seen[-1], at=fires, awaiting_since=begun)
        return None
    for begun, _answered, messages in reversed(stretches):
        for message in reversed(messages):
            if message["created_at"] < since:
                return None
            if started_at is not None and message["created_at"] > started_at:
                continue  # the conversation's start is an earlier message
            return _Moment(message=message, at=message["created_at"], awaiting_since=begun)
    return None


def _facts(thread: Thread, moment: _Moment, calendars: Calendars) -> Facts:
    customer = thread.customer
    return Facts(
        at=moment.at, thread_id=thread.pk, team_id=thread.team_id,
        text=moment.message["text"], channel_id=moment.message["channel_id"],
        channel_kind=moment.message["channel__kind"],
        attributes=customer.attributes if isinstance(customer.attributes, dict) else {},
        customer_tags={tag.name for tag in customer.tags.all()},
        thread_tags={tag.name for tag in thread.tags.all()},
        priority=thread.priority, assignee_id=thread.assignee_id,
        awaiting_since=moment.awaiting_since, calendars=calendars)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH - 1] + "…"


def describe_actions(actions: list[dict]) -> list[str]:
    """What the actions would do, in words (three queries at most)."""
    user_ids = {a.get("assignee") for a in actions if a.get("action") == "assign"}
    users = {user.pk: user.display_name for user in User.objects.filter(
        pk__in=[i for i in user_ids if isinstance(i, int)])} if user_ids else {}
    team_ids = [a.get("team") for a in actions if a.get("action") == "assign_team"]
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if (
        team_ids) else {}
    canned_ids = [a.get("canned_response") for a in actions if "canned_response" in a]
    canned = dict(CannedResponse.objects.filter(pk__in=canned_ids)
                  .values_list("pk", "shortcut")) if canned_ids else {}
    return [_describe(action, users, teams, canned) for action in actions]


def _describe(action: dict, users, teams, canned) -> str:
    kind = action.get("action")
    if kind == "assign":
        if action.get("assignee") == "nobody":
            return _("unassign it")
        return _("assign it to %(agent)s") % {"agent": users.get(action.get("assignee"), "?")}
    if kind == "assign_team":
        return _("move it to the team %(team)s") % {"team": teams.get(action.get("team"), "?")}
    if kind == "tag":
        said = []
        if action.get("add"):
            said.append(_("tag %(tags)s") % {"tags": ", ".join(action["add"])})
        if action.get("remove"):
            said.append(_("remove the tag %(tags)s") % {"tags": ", ".join(action["remove"])})
        return _(" and ").join(said)
    if kind == "priority" and action.get("priority") in Thread.Priority.values:
        return _("set priority %(priority)s") % {
            "priority": Thread.Priority(action["priority"]).label}
    if kind == "reply":
        if "canned_response" in action:
            return _("send the reply /%(shortcut)s") % {
                "shortcut": canned.get(action["canned_response"], "?")}
        return _("send the reply “%(text)s”") % {"text": _excerpt(str(action.get("text")))}
    if kind == "note":
        return _("add a note")
    if kind == "snooze":
        return _("snooze it for %(minutes)s minutes") % {"minutes": action.get("minutes")}
    if kind == "status":
        return _("set its status to %(status)s") % {"status": action.get("status")}
    return str(kind)

