"""What agents do to a thread from the page: each view parses the form, checks the agent may
see the thread, and calls one action. Pages post with fetch and get JSON back; without
JavaScript the same forms post normally and are redirected back to the thread."""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.actions import merge_customers, undo_merge
from customers.models import Customer, CustomerMerge

from ..actions import (
    add_note,
    assign_thread,
    change_status,
    log_interaction,
    retry_message,
    send_reply,
    snooze_thread,
    tag_thread,
)
from ..actions.agents import thread_mark_read
from ..models import Message, Team, Thread, User
from ..selectors import threads_visible_to
from .thread import visible_thread


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def thread_command(handler: Callable[[HttpRequest, Thread], dict | None]):
    """Login, POST, a thread the agent may see; a ValidationError becomes a 400 that says
    what was wrong (or a flash message without JavaScript)."""

    @login_required
    @require_POST
    @wraps(handler)
    def view(request: HttpRequest, thread_id: int) -> HttpResponse:
        thread = visible_thread(request, thread_id)
        try:
            result = handler(request, thread) or {}
        except ValidationError as error:
            text = " ".join(error.messages)
            if _wants_json(request):
                return JsonResponse({"error": text}, status=400)
            flash.error(request, text)
            result = {}
        if _wants_json(request):
            return JsonResponse({"ok": True, **result})
        return redirect("inbox:thread", thread_id=result.get("thread_id", thread.pk))

    return view


def _channel_id(request: HttpRequest) -> int:
    raw = request.POST.get("channel", "")
    if not raw.isdigit():
        raise ValidationError(_("Choose the channel to answer on."))
    return int(raw)


def _template(request: HttpRequest) -> dict | None:
    """The template the composer chose (a WhatsApp window that has closed), if any."""
    name = request.POST.get("template_name", "").strip()
    if not name:
        return None
    return {"name": name, "language": request.POST.get("template_language", "").strip(),
            "parameters": request.POST.getlist("template_parameters")}


@thread_command
def reply(request, thread):
    message = send_reply(thread=thread, channel=_channel_id(request), author=request.user,
                         text=request.POST.get("text", ""), template=_template(request))
    return {"message_id": message.pk}


@thread_command
def note(request, thread):
    message = add_note(thread=thread, author=request.user, text=request.POST.get("text", ""))
    return {"message_id": message.pk}


@thread_command
def interaction(request, thread):
    duration = request.POST.get("duration_minutes", "").strip()
    if duration and not duration.isdigit():
        raise ValidationError(_("The duration is a whole number of minutes."))
    message = log_interaction(
        thread=thread, author=request.user, kind=request.POST.get("kind", "call"),
        direction=request.POST.get("direction", "inbound"),
        number=request.POST.get("number", ""),
        duration_seconds=int(duration) * 60 if duration else None,
        outcome=request.POST.get("outcome", ""), summary=request.POST.get("text", ""),
    )
    return {"message_id": message.pk}


def _user_or_none(raw: str):
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise ValidationError(_("Unknown agent."))
    user = User.objects.filter(pk=int(raw), is_active=True).first()
    if user is None:
        raise ValidationError(_("Unknown agent."))
    return user


@thread_command
def assign(request, thread):
    changes = {}
    if "assignee" in request.POST:
        changes["assignee"] = (request.user if request.POST["assignee"] == "me"
                               else _user_or_none(request.POST["assignee"]))
    if "team" in request.POST:
        raw = request.POST["team"]
        team = Team.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if raw and team is None:
            raise ValidationError(_("Unknown team."))
        if team is not None and not request.user.sees_all_teams and not (
                request.user.teams.filter(pk=team.pk).exists()):
            raise ValidationError(_("You can only move threads to your own teams."))
        changes["team"] = team
    assign_thread(thread=thread, by=request.user, **changes)


@thread_command
def status(request, thread):
    change_status(thread=thread, status=request.POST.get("status", ""), by=request.user)


SNOOZE_CHOICES = {"1h": timedelta(hours=1), "4h": timedelta(hours=4),
                  "1d": timedelta(days=1), "1w": timedelta(weeks=1)}


def _snooze_until(raw: str) -> datetime:
    if raw in SNOOZE_CHOICES:
        return timezone.now() + SNOOZE_CHOICES[raw]
    until = parse_datetime(raw) if raw else None
    if until is None:
        raise ValidationError(_("Choose when the thread should wake up."))
    return timezone.make_aware(until) if timezone.is_naive(until) else until


@thread_command
def snooze(request, thread):
    snooze_thread(thread=thread, until=_snooze_until(request.POST.get("until", "")),
                  by=request.user)


@thread_command
def tags(request, thread):
    tag_thread(thread=thread, add=[n for n in request.POST.getlist("add") if n.strip()],
               remove=request.POST.getlist("remove"), by=request.user)


@thread_command
def read(request, thread):
    thread_mark_read(user=request.user, thread=thread)


@thread_command
def retry(request, thread):
    raw = request.POST.get("message", "")
    message = get_object_or_404(Message, pk=int(raw), thread=thread) if raw.isdigit() else None
    if message is None:
        raise ValidationError(_("Unknown message."))
    retry_message(message=message, by=request.user)


@thread_command
def merge(request, thread):
    """Merge another customer (one the agent may see) into this thread's customer."""
    raw = request.POST.get("source", "")
    source = (Customer.objects.filter(pk=int(raw), thread__in=threads_visible_to(request.user))
              .first() if raw.isdigit() else None)
    if source is None:
        raise ValidationError(_("Unknown customer."))
    merged = merge_customers(source=source, target=thread.customer, by=request.user)
    return {"merge_id": merged.pk}


@thread_command
def undo(request, thread):
    raw = request.POST.get("merge", "")
    merged = (CustomerMerge.objects.filter(pk=int(raw), target=thread.customer).first()
              if raw.isdigit() else None)
    if merged is None:
        raise ValidationError(_("Unknown merge."))
    undo_merge(merge=merged, by=request.user)
