"""``POST /api/v1/threads/<id>/apply-macro/``: a write token applies a macro of its teams."""

import pytest
from rest_framework.test import APIClient

from api.tokens import create_token
from inbox.actions import receive_message
from inbox.models import Event, Thread
from macros.models import Macro

pytestmark = pytest.mark.django_db

STEPS = [{"action": "tag", "add": ["refund"]}, {"action": "status", "status": "resolved"}]


def client_for(scope, teams) -> APIClient:
    _token, raw_key = create_token(name="Integration", scope=scope, teams=teams)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


@pytest.fixture
def thread(make_channel) -> Thread:
    received = receive_message(channel=make_channel("email"), address="zoe@example.com",
                               text="Hello")
    return Thread.objects.get(pk=received.message.thread_id)


def url(thread) -> str:
    return f"/api/v1/threads/{thread.pk}/apply-macro/"


def test_a_write_token_applies_a_macro_of_its_team(thread, team):
    macro = Macro.objects.create(name="Refund", team=team, steps=STEPS)

    response = client_for("write", [team]).post(url(thread), {"macro": macro.pk},
                                                format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert response.json()["tags"] == ["refund"]
    assert Event.objects.filter(thread=thread, type="macro.applied").count() == 1


def test_a_read_token_may_not(thread, team):
    macro = Macro.objects.create(name="Refund", team=team, steps=STEPS)
    response = client_for("read", [team]).post(url(thread), {"macro": macro.pk},
                                               format="json")
    assert response.status_code == 403
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_another_teams_macro_is_unknown(thread, team, other_team):
    theirs = Macro.objects.create(name="Sales", team=other_team, steps=STEPS)
    response = client_for("write", [team]).post(url(thread), {"macro": theirs.pk},
                                                format="json")
    assert response.status_code == 400
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_another_teams_thread_is_not_found(thread, team, other_team):
    macro = Macro.objects.create(name="Global", steps=STEPS)
    response = client_for("write", [other_team]).post(url(thread), {"macro": macro.pk},
                                                      format="json")
    assert response.status_code == 404
