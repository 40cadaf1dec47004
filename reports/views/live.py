"""The live report: the page, and the panel its script re-fetches on every event."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inbox.models import Team

from ..access import supervisors_only
from ..live import latest_event_id, live_state


def _team_ids(request: HttpRequest, teams: list[Team] | None = None) -> tuple[int, ...] | None:
    """``?team=3&team=5`` (none: every team). Raises ValueError for anything else, as the
    other pages' filters refuse it; ids are checked against ``teams`` when given (the panel
    takes the page's query, checked already: an unknown id there just matches nothing)."""
    known = None if teams is None else {team.pk for team in teams}
    team_ids = set()
    for value in request.GET.getlist("team"):
        if value == "":
            continue
        if not value.isdigit() or len(value) > 9 or (known is not None
                                                     and int(value) not in known):
            raise ValueError(_("Teams: %(value)s is not one of the teams.") % {"value": value})
        team_ids.add(int(value))
    return tuple(sorted(team_ids)) or None


@supervisors_only
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    # Subscribe first, then read: the cursor is read before the state, so the page's socket
    # replays whatever changes while the page is being rendered.
    cursor = latest_event_id()
    teams = list(Team.objects.order_by("name"))
    try:
        team_ids = _team_ids(request, teams)
    except ValueError as error:
        return render(request, "reports/live.html", {"teams": teams, "error": str(error)},
                      status=400)
    return render(request, "reports/live.html", {
        "cursor": cursor,
        "state": live_state(team_ids=team_ids),
        "teams": teams,
        "team_ids": team_ids or (),
        "chosen_teams": [team.name for team in teams if team.pk in (team_ids or ())],
    })


@supervisors_only
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    try:
        team_ids = _team_ids(request)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    return render(request, "reports/_live_panel.html", {"state": live_state(team_ids=team_ids)})
