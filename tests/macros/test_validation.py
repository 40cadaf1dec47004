"""A macro's steps are checked when it is saved: one that could not run is never stored."""

import pytest
from django.core.exceptions import ValidationError

from macros.models import Macro

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("steps, message", [
    ([], "non-empty list"),
    ({"action": "note"}, "non-empty list"),
    ([{"action": "delete_everything"}], "Step 1: action is one of"),
    ([{"action": "status", "status": "snoozed"}], "status is one of"),
    ([{"action": "note", "text": "ok"}, {"action": "note", "text": " "}], "Step 2: a text"),
    ([{"action": "reply"}], "a text is needed"),
    ([{"action": "priority", "priority": 9}], "priority is a number"),
    ([{"action": "priority", "priority": True}], "priority is a number"),
    ([{"action": "snooze", "minutes": 0}], "minutes is a whole number"),
    ([{"action": "snooze", "minutes": "60"}], "minutes is a whole number"),
    ([{"action": "tag"}], "at least one tag"),
    ([{"action": "tag", "add": "vip"}], "lists of tag names"),
    ([{"action": "assign", "assignee": "boss"}], "assignee is"),
    ([{"action": "assign", "assignee": 999999}], "no active agent"),
    ([{"action": "note", "text": "x", "colour": "red"}], "unknown field"),
    ([{"action": "note", "text": "x"}] * 21, "20 steps at most"),
])
def test_an_invalid_macro_is_refused_on_save(steps, message):
    with pytest.raises(ValidationError, match=message):
        Macro.objects.create(name="Bad", steps=steps)
    assert not Macro.objects.exists()


def test_a_valid_macro_is_stored(agent):
    steps = [{"action": "status", "status": "resolved"},
             {"action": "assign", "assignee": agent.pk},
             {"action": "tag", "add": ["a"], "remove": ["b"]},
             {"action": "priority", "priority": 0},
             {"action": "reply", "text": "Hi {{ customer.first_name }}"},
             {"action": "note", "text": "n"},
             {"action": "snooze", "minutes": 30}]
    assert Macro.objects.create(name="All", steps=steps).steps == steps


def test_the_admin_form_shows_the_step_error(admin_client):
    response = admin_client.post("/admin/macros/macro/add/", {
        "name": "Bad", "team": "", "steps": '[{"action": "fly"}]'})
    assert response.status_code == 200
    assert "Step 1: action is one of" in response.content.decode()
    assert not Macro.objects.exists()
