"""The step kinds of a macro: how each is validated when stored and run when applied.

A step is a small JSON object with an ``action`` and its arguments:

- ``{"action": "status", "status": "open" | "pending" | "resolved"}``
- ``{"action": "assign", "assignee": "me" | "nobody" | <user id>}``
- ``{"action": "tag", "add": [names], "remove": [names]}``
- ``{"action": "priority", "priority": 0..4}``
- ``{"action": "reply", "text": "..."}`` on the thread's default reply channel
- ``{"action": "note", "text": "..."}``
- ``{"action": "snooze", "minutes": n}``

``reply`` and ``note`` texts may hold ``{{ customer.first_name }}``, ``{{ customer.name }}``,
``{{ agent.first_name }}`` and ``{{ agent.name }}`` (the canned responses' placeholders).
Every step runs through the inbox's own action, which records its usual event.
"""

from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.actions import (
    add_note,
    assign_thread,
    change_status,
    send_reply,
    set_priority,
    snooze_thread,
    tag_thread,
)
from inbox.models import Thread, User
from inbox.timeline import fill_placeholders, reply_channels

MAX_STEPS = 20
MAX_SNOOZE_MINUTES = 60 * 24 * 365
STEP_STATUSES = (Thread.Status.OPEN, Thread.Status.PENDING, Thread.Status.RESOLVED)


def _fail(index: int, text: str) -> ValidationError:
    return ValidationError(_("Step %(n)d: %(text)s") % {"n": index + 1, "text": text},
                           code="invalid_step")


def _text(step: dict, index: int) -> None:
    text = step.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _fail(index, _("a text is needed."))


def _check_status(step, index):
    if step.get("status") not in STEP_STATUSES:
        raise _fail(index, _("status is one of %(choices)s.")
                    % {"choices": ", ".join(STEP_STATUSES)})


def _check_assign(step, index):
    assignee = step.get("assignee")
    if assignee in ("me", "nobody"):
        return
    if not isinstance(assignee, int) or isinstance(assignee, bool):
        raise _fail(index, _('assignee is "me", "nobody" or an agent\'s id.'))
    if not User.objects.filter(pk=assignee, is_active=True).exists():
        raise _fail(index, _("no active agent has the id %(id)s.") % {"id": assignee})


def _check_tag(step, index):
    add, remove = step.get("add", []), step.get("remove", [])
    for names in (add, remove):
        if not isinstance(names, list) or not all(
                isinstance(name, str) and name.strip() and len(name) <= 50 for name in names):
            raise _fail(index, _("add and remove are lists of tag names (50 characters at "
                                 "most)."))
    if not add and not remove:
        raise _fail(index, _("a tag step adds or removes at least one tag."))


def _check_priority(step, index):
    priority = step.get("priority")
    if isinstance(priority, bool) or priority not in Thread.Priority.values:
        raise _fail(index, _("priority is a number from 0 (none) to 4 (urgent)."))


def _check_snooze(step, index):
    minutes = step.get("minutes")
    if (not isinstance(minutes, int) or isinstance(minutes, bool)
            or not 1 <= minutes <= MAX_SNOOZE_MINUTES):
        raise _fail(index, _("minutes is a whole number from 1 to %(max)d.")
                    % {"max": MAX_SNOOZE_MINUTES})


def _run_status(step, thread, agent):
    change_status(thread=thread, status=step["status"], by=agent)


def _run_assign(step, thread, agent):
    assignee = {"me": agent, "nobody": None}.get(step["assignee"], None)
    if isinstance(step["assignee"], int):
        assignee = User.objects.filter(pk=step["assignee"]).first()
        if assignee is None:
            raise ValidationError(_("The agent of this macro no longer exists."))
    assign_thread(thread=thread, assignee=assignee, by=agent)


def _run_tag(step, thread, agent):
    tag_thread(thread=thread, add=step.get("add", []), remove=step.get("remove", []), by=agent)


def _run_priority(step, thread, agent):
    set_priority(thread=thread, priority=step["priority"], by=agent)


def _run_reply(step, thread, agent):
    _channels, channel = reply_channels(thread, agent)
    if channel is None:
        raise ValidationError(_("No channel reaches this customer: the reply cannot be sent."),
                              code="no_channel")
    send_reply(thread=thread, channel=channel, author=agent,
               text=fill_placeholders(step["text"], thread=thread, agent=agent),
               metadata={"macro": True})


def _run_note(step, thread, agent):
    add_note(thread=thread, author=agent,
             text=fill_placeholders(step["text"], thread=thread, agent=agent))


def _run_snooze(step, thread, agent):
    snooze_thread(thread=thread, until=timezone.now() + timedelta(minutes=step["minutes"]),
                  by=agent)


StepCheck = Callable[[dict, int], None]
StepRun = Callable[[dict, Thread, User], None]

STEP_KINDS: dict[str, tuple[StepCheck, StepRun, set[str]]] = {
    "status": (_check_status, _run_status, {"status"}),
    "assign": (_check_assign, _run_assign, {"assignee"}),
    "tag": (_check_tag, _run_tag, {"add", "remove"}),
    "priority": (_check_priority, _run_priority, {"priority"}),
    "reply": (_text, _run_reply, {"text"}),
    "note": (_text, _run_note, {"text"}),
    "snooze": (_check_snooze, _run_snooze, {"minutes"}),
}


def validate_steps(steps) -> None:
    """A ValidationError naming the first step that is not one of STEP_KINDS, well formed."""
    if not isinstance(steps, list) or not steps:
        raise ValidationError(_("A macro is a non-empty list of steps."), code="invalid_steps")
    if len(steps) > MAX_STEPS:
        raise ValidationError(_("A macro has %(max)d steps at most.") % {"max": MAX_STEPS},
                              code="invalid_steps")
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or step.get("action") not in STEP_KINDS:
            raise _fail(index, _("action is one of %(kinds)s.")
                        % {"kinds": ", ".join(STEP_KINDS)})
        check, _run, allowed = STEP_KINDS[step["action"]]
        unknown = set(step) - allowed - {"action"}
        if unknown:
            raise _fail(index, _("unknown field(s) %(fields)s.")
                        % {"fields": ", ".join(sorted(unknown))})
        check(step, index)


def run_step(step: dict, *, thread: Thread, agent: User) -> None:
    STEP_KINDS[step["action"]][1](step, thread, agent)
