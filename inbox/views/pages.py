"""The inbox page: the list of threads, and the thread the agent opened."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from channels_adapters.models import ChannelKind

from ..lists import (
    ListFilters,
    list_threads,
    prepare_rows,
    thread_page,
    unread_count,
    unread_thread_ids,
    view_counts,
    views_for,
)
from ..models import Event, Tag, User
from ..selectors import threads_visible_to
from .thread import pane_context


def _agents_for(user):
    agents = User.objects.filter(is_active=True).select_related("presence").order_by(
        "first_name", "username")
    if not user.sees_all_teams:
        agents = agents.filter(teams__in=user.teams.all()).distinct()
    return agents


@login_required
@require_GET
def inbox(request: HttpRequest, thread_id: int | None = None) -> HttpResponse:
    # Subscribe first, then read: the cursor is read before the data, so the page's socket
    # replays whatever changes while the page is being rendered.
    cursor = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    filters = ListFilters.from_query(request.GET)
    views = views_for(request.user)
    context = {}
    if thread_id is not None:
        # First, so that the list already shows the open thread as read.
        thread = get_object_or_404(threads_visible_to(request.user), pk=thread_id)
        context.update(pane_context(request, thread))
    context |= {
        "cursor": cursor,
        "filters": filters,
        "page": thread_page(request.user, filters),
        "views": views,
        "counts": view_counts(request.user, views),
        "unread": unread_count(request.user),
        "channel_kinds": ChannelKind.choices,
        "tags": Tag.objects.order_by("name"),
        "agents": _agents_for(request.user),
    }
    return render(request, "inbox/inbox.html", context)


@login_required
@require_GET
def thread_list(request: HttpRequest) -> HttpResponse:
    """More rows of the list (the next keyset page), or the list for new filters."""
    filters = ListFilters.from_query(request.GET)
    return render(request, "inbox/_thread_rows.html", {
        "page": thread_page(request.user, filters), "filters": filters,
    })


@login_required
@require_GET
def thread_row(request: HttpRequest, thread_id: int) -> HttpResponse:
    """One row, fresh, if the thread belongs in the list the agent is looking at; else 204."""
    filters = ListFilters.from_query(request.GET)
    thread = list_threads(request.user, filters).filter(pk=thread_id).first()
    if thread is None:
        return HttpResponse(status=204)
    prepare_rows([thread])
    return render(request, "inbox/_thread_row.html", {
        "thread": thread, "unread": thread.pk in unread_thread_ids(request.user, [thread]),
        "query_string": filters.query_string,
    })


@login_required
@require_GET
def counts(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"views": view_counts(request.user),
                         "unread": unread_count(request.user)})
