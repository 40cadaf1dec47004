"""Applying a macro: every step through the inbox's actions, all or nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inbox.actions.threads import lock_thread
from inbox.events import MacroApplied
from inbox.models import Thread, User
from inbox.publish import record_event

from .models import Macro
from .selectors import macros_for
from .steps import run_step, validate_steps


@transaction.atomic
def apply_macro(*, macro: Macro, thread: Thread | int, by: User) -> Thread:
    """Run the macro's steps on the thread in one transaction, each writing its own event,
    then one ``macro.applied`` event. A step that fails rolls every step back (and nothing
    is published or sent: publication and delivery wait for the commit)."""
    if not macros_for(by).filter(pk=macro.pk).exists():
        raise ValidationError(_("The macro %(name)s is not one of your teams'.")
                              % {"name": macro.name}, code="macro_not_allowed")
    validate_steps(macro.steps)  # an agent deleted since, or a row edited by hand
    thread = lock_thread(thread)
    for step in macro.steps:
        run_step(step, thread=thread, agent=by)
    thread = lock_thread(thread)  # the steps' changes, re-read
    record_event(MacroApplied(macro_id=macro.pk, name=macro.name,
                              steps=[step["action"] for step in macro.steps]),
                 thread=thread, actor=by)
    return thread
