"""Writes on the directory an admin keeps: teams and canned responses.

Configuration, not conversation: no Event is recorded (the audit trail is of customers and
threads). Names and shortcuts are unique; a taken one is the caller's error, not a 500."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import CannedResponse, Team

UNCHANGED = object()


def _name_taken() -> ValidationError:
    return ValidationError({"name": [_("A team with this name already exists.")]})


def _shortcut_taken() -> ValidationError:
    return ValidationError({"shortcut": [_("A canned response with this shortcut already "
                                           "exists.")]})


def _save(instance, taken, **save_options) -> None:
    try:
        with transaction.atomic():
            instance.save(**save_options)
    except IntegrityError:
        raise taken() from None


def team_create(*, name: str) -> Team:
    team = Team(name=name.strip())
    if Team.objects.filter(name=team.name).exists():
        raise _name_taken()
    _save(team, _name_taken)
    return team


def team_update(*, team: Team, name: str) -> Team:
    name = name.strip()
    if name != team.name:
        if Team.objects.filter(name=name).exclude(pk=team.pk).exists():
            raise _name_taken()
        team.name = name
        _save(team, _name_taken, update_fields=["name"])
    return team


def canned_response_create(*, shortcut: str, title: str, body: str,
                           team: Team | None) -> CannedResponse:
    """``team`` None: shared by every team."""
    response = CannedResponse(shortcut=shortcut, title=title, body=body, team=team)
    if CannedResponse.objects.filter(shortcut=shortcut).exists():
        raise _shortcut_taken()
    _save(response, _shortcut_taken)
    return response


def canned_response_update(*, canned_response: CannedResponse, shortcut=UNCHANGED,
                           title=UNCHANGED, body=UNCHANGED, team=UNCHANGED) -> CannedResponse:
    changed = {name: value for name, value in
               {"shortcut": shortcut, "title": title, "body": body, "team": team}.items()
               if value is not UNCHANGED}
    if (shortcut is not UNCHANGED and CannedResponse.objects.filter(shortcut=shortcut)
            .exclude(pk=canned_response.pk).exists()):
        raise _shortcut_taken()
    for name, value in changed.items():
        setattr(canned_response, name, value)
    if changed:
        _save(canned_response, _shortcut_taken, update_fields=list(changed))
    return canned_response


def canned_response_delete(*, canned_response: CannedResponse) -> None:
    canned_response.delete()
