"""The one write of automation: applying a rule to a thread.

Each action goes through the inbox's own action with no actor (the system), and every event
they record carries the rule (``inbox.publish.attributed_to_rule``). One transaction per
rule and thread: the RuleRun (whose unique key makes a retried task a no-op), the actions,
the visible log line in the timeline (a note with ``metadata.rule``: id, name, and what was
done, which the timeline shows as a compact line, not as an agent's note) and a ``rule.applied``
event. An action that fails rolls all of that back; a RuleRun holding the error is kept
instead (and logged), and the caller goes on with the next rule.
"""

import logging
import types
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_adapters.models import WRITTEN_KINDS, Channel
from inbox.actions import (
    add_note,
    assign_thread,
    change_status,
    send_reply,
    set_priority,
    snooze_thread,
    tag_thread,
)
from inbox.actions.threads import lock_thread
from inbox.events import RuleApplied
from inbox.models import CannedResponse, Message, Team, Thread, User
from inbox.publish import attributed_to_rule, record_event
from inbox.timeline import fill_placeholders

from .models import Rule, RuleRun
from .schema import validate_actions

logger = logging.getLogger(__name__)

# A rule writes as nobody: the agent placeholders of a text are left empty.
NO_AGENT = types.SimpleNamespace(first_name="", username="", display_name="")
STATUS_DONE = {
    Thread.Status.RESOLVED: gettext_lazy("resolved this"),
    Thread.Status.PENDING: gettext_lazy("set it pending"),
    Thread.Status.OPEN: gettext_lazy("opened this"),
}


def _assign(action, thread, message):
    if action["assignee"] == "nobody":
        assign_thread(thread=thread, assignee=None)
        return _("unassigned this")
    assignee = User.objects.filter(pk=action["assignee"]).first()
    if assignee is None:
        raise ValidationError(_("The agent of this rule no longer exists."))
    assign_thread(thread=thread, assignee=assignee)
    return _("assigned this to %(agent)s") % {"agent": assignee.display_name}


def _assign_team(action, thread, message):
    team = Team.objects.filter(pk=action["team"]).first()
    if team is None:
        raise ValidationError(_("The team of this rule no longer exists."))
    assignee = thread.assignee
    keeps = assignee is not None and (assignee.sees_all_teams
                                      or assignee.teams.filter(pk=team.pk).exists())
    assign_thread(thread=thread, team=team, assignee=assignee if keeps else None)
    return _("moved this to the team %(team)s") % {"team": team.name}


def _tag(action, thread, message):
    add, remove = action.get("add", []), action.get("remove", [])
    tag_thread(thread=thread, add=add, remove=remove)
    done = []
    if add:
        done.append(_("tagged %(tags)s") % {"tags": ", ".join(add)})
    if remove:
        done.append(_("removed the tag %(tags)s") % {"tags": ", ".join(remove)})
    return _(" and ").join(done)


def _priority(action, thread, message):
    set_priority(thread=thread, priority=action["priority"])
    return _("set priority %(priority)s") % {
        "priority": Thread.Priority(action["priority"]).label}


def _reply_channel(thread: Thread, message: Message | None) -> Channel:
    """The channel the customer wrote on (this message's, else their last one's that carries
    a written reply: not a phone line)."""
    if message is None or message.channel is None or message.channel.kind not in WRITTEN_KINDS:
        message = (Message.objects.filter(thread=thread, direction=Message.Direction.INBOUND,
                                          channel__kind__in=WRITTEN_KINDS)
                   .select_related("channel").order_by("-created_at", "-id").first())
    channel = message.channel if message is not None else None
    if channel is None or not channel.is_active:
        raise ValidationError(_("No channel the customer wrote on can take the reply."),
                              code="no_channel")
    return channel


def _reply(action, thread, message, rule):
    if "canned_response" in action:
        canned = CannedResponse.objects.filter(pk=action["canned_response"]).first()
        if canned is None:
            raise ValidationError(_("The canned response of this rule no longer exists."))
        body, done = canned.body, _("sent the reply /%(shortcut)s") % {
            "shortcut": canned.shortcut}
    else:
        body, done = action["text"], _("sent a reply")
    send_reply(thread=thread, channel=_reply_channel(thread, message), author=None,
               text=fill_placeholders(body, thread=thread, agent=NO_AGENT),
               metadata={"automatic": True, "rule": rule.pk})
    return done


def _note(action, thread, message):
    add_note(thread=thread, author=None,
             text=fill_placeholders(action["text"], thread=thread, agent=NO_AGENT))
    return _("added a note")


def _snooze(action, thread, message):
    snooze_thread(thread=thread, until=timezone.now() + timedelta(minutes=action["minutes"]))
    return _("snoozed this for %(minutes)d minutes") % {"minutes": action["minutes"]}


def _status(action, thread, message):
    change_status(thread=thread, status=action["status"])
    return str(STATUS_DONE[action["status"]])


RUNS = {"assign": _assign, "assign_team": _assign_team, "tag": _tag, "priority": _priority,
        "note": _note, "snooze": _snooze, "status": _status}


def run_action(action: dict, *, thread: Thread, message: Message | None, rule: Rule) -> str:
    """Do one action; what it did, in words."""
    thread = lock_thread(thread)  # each action sees the previous ones' changes
    if action["action"] == "reply":
        return _reply(action, thread, message, rule)
    return RUNS[action["action"]](action, thread, message)


def log_line(rule_name: str, done: list[str]) -> str:
    """The timeline's line: Rule “Refunds” assigned this to Emma Roux, tagged refund."""
    return _("Rule “%(name)s” %(done)s.") % {"name": rule_name, "done": ", ".join(done)}


def apply_rule(*, rule: Rule, thread: Thread | int, trigger_key: str,
               message: Message | None = None) -> RuleRun | None:
    """Run the rule's actions on the thread once for ``trigger_key``. None when it ran (or
    failed) for that key already, or the thread is no longer its team's; else the RuleRun,
    with ``error`` set when an action failed and nothing was kept."""
    thread_id = getattr(thread, "pk", thread)
    try:
        with transaction.atomic():
            thread = lock_thread(thread_id)  # two runs at once: one waits, then sees the other
            if rule.team_id is not None and thread.team_id != rule.team_id:
                return None
            if RuleRun.objects.filter(rule=rule, thread=thread, trigger_key=trigger_key).exists():
                return None
            validate_actions(rule.actions, team=rule.team)  # a row edited by hand, a team gone
            run = RuleRun.objects.create(rule=rule, rule_name=rule.name, thread=thread,
                                         trigger_key=trigger_key)
            with attributed_to_rule(rule):
                run.done = [run_action(action, thread=thread, message=message, rule=rule)
                            for action in rule.actions]
                add_note(thread=thread, author=None, text=log_line(rule.name, run.done),
                         metadata={"rule": {"id": rule.pk, "name": rule.name,
                                            "done": run.done}}, notify_mentions=False)
            run.save(update_fields=["done"])
            record_event(RuleApplied(rule_id=rule.pk, name=rule.name, trigger=rule.trigger,
                                     done=run.done), thread=lock_thread(thread_id))
            return run
    except IntegrityError:
        return None  # another run of this key committed first (SQLite has no row lock)
    except DatabaseError:
        raise  # a lost connection, a deadlock: the task tries again
    except Exception as error:  # noqa: BLE001 - any action's failure is the rule's, logged
        return _record_failure(rule, thread_id, trigger_key, error)


def _record_failure(rule: Rule, thread_id: int, trigger_key: str,
                    error: Exception) -> RuleRun | None:
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else repr(error)
    logger.error("rule %s (%s) failed on thread %s (%s): %s", rule.pk, rule.name, thread_id,
                 trigger_key, text, exc_info=not isinstance(error, ValidationError))
    try:
        with transaction.atomic():
            return RuleRun.objects.create(rule=rule, rule_name=rule.name, thread_id=thread_id,
                                          trigger_key=trigger_key, error=text[:2000])
    except IntegrityError:
        return None
