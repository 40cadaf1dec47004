"""The thread pane: one customer's timeline, the composer and the customer sidebar."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from customers.models import CustomerMerge
from customers.selectors import similar_customers

from ..actions.agents import thread_mark_read
from ..messaging_window import composer_windows
from ..models import Attachment, Thread, User
from ..selectors import threads_visible_to
from ..timeline import (
    canned_responses_for,
    fill_placeholders,
    message_for_thread,
    reply_channels,
    timeline_page,
)


def visible_thread(request: HttpRequest, thread_id: int) -> Thread:
    """The thread, if the user may see it; 404 otherwise (never 403: no hint it exists)."""
    return get_object_or_404(
        threads_visible_to(request.user).select_related("customer"), pk=thread_id)


def assignable_agents(thread: Thread):
    agents = User.objects.filter(is_active=True).order_by("first_name", "username")
    if thread.team_id is not None:
        agents = agents.filter(teams=thread.team_id)
    return agents


def pane_context(request: HttpRequest, thread: Thread) -> dict:
    channels, default_channel = reply_channels(thread, request.user)
    customer = thread.customer
    thread_mark_read(user=request.user, thread=thread)
    return {
        "thread": thread,
        "customer": customer,
        "timeline": timeline_page(thread),
        "channels": channels,
        "default_channel": default_channel,
        "reply_windows": composer_windows(thread, channels),
        "identities": customer.identities.order_by("kind", "address"),
        "merges": CustomerMerge.objects.filter(target=customer, undone_at__isnull=True)
        .select_related("source"),
        "assignees": assignable_agents(thread),
        "canned_filled": [
            {"shortcut": canned.shortcut, "title": canned.title,
             "body": fill_placeholders(canned.body, thread=thread, agent=request.user)}
            for canned in canned_responses_for(request.user)
        ],
        "statuses": Thread.Status,
    }


@login_required
@require_GET
def pane(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = visible_thread(request, thread_id)
    return render(request, "inbox/_thread_pane.html", pane_context(request, thread))


@login_required
@require_GET
def header(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = visible_thread(request, thread_id)
    return render(request, "inbox/_thread_header.html", {
        "thread": thread, "customer": thread.customer, "assignees": assignable_agents(thread),
        "statuses": Thread.Status,
    })


@login_required
@require_GET
def older_messages(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = visible_thread(request, thread_id)
    before = request.GET.get("before", "")
    if not before.isdigit():
        raise Http404("before must be a message id")
    return render(request, "inbox/_timeline_page.html", {
        "thread": thread, "timeline": timeline_page(thread, before=int(before)),
    })


@login_required
@require_GET
def message(request: HttpRequest, thread_id: int, message_id: int) -> HttpResponse:
    thread = visible_thread(request, thread_id)
    found = message_for_thread(thread, message_id)
    if found is None:
        raise Http404("no such message in this thread")
    return render(request, "inbox/_message.html", {"message": found, "thread": thread})


@login_required
@require_GET
def attachment(request: HttpRequest, thread_id: int, attachment_id: int) -> FileResponse:
    """Attachments are served only to agents who may see the thread, always as downloads
    (a customer's HTML or SVG file never runs in the inbox's origin)."""
    thread = visible_thread(request, thread_id)
    found = get_object_or_404(Attachment, pk=attachment_id, message__thread=thread)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename)
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def similar(request: HttpRequest, thread_id: int) -> HttpResponse:
    """The customers who look like this one, with a merge button each. Loaded after the pane,
    so that the pane itself stays fast."""
    thread = visible_thread(request, thread_id)
    return render(request, "inbox/_similar_customers.html", {
        "thread": thread, "customer": thread.customer,
        "similar": similar_customers(thread.customer),
    })
