"""The live report: the page, and the panel its script re-fetches on every event."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from inbox.models import Team

from ..access import supervisors_only
from ..live import latest_event_id, live_state


def _team_ids(request: HttpRequest) -> tuple[int, ...] | None:
    """``?team=3&team=5``; none (or only unreadable values): every team."""
    team_ids = tuple(sorted({int(value) for value in request.GET.getlist("team")
                             if value.isdigit() and len(value) < 10}))
    return team_ids or None


@supervisors_only
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    # Subscribe first, then read: the cursor is read before the state, so the page's socket
    # replays whatever changes while the page is being rendered.
    cursor = latest_event_id()
    team_ids = _team_ids(request)
    return render(request, "reports/live.html", {
        "cursor": cursor,
        "state": live_state(team_ids=team_ids),
        "teams": Team.objects.order_by("name"),
        "team_ids": team_ids or (),
    })


@supervisors_only
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/_live_panel.html",
                  {"state": live_state(team_ids=_team_ids(request))})
