"""The thread page's macro picker and the view it posts to."""

import pytest
from django.test import Client
from django.urls import reverse

from inbox.actions import receive_message
from inbox.models import Event, Thread
from macros.models import Macro

pytestmark = pytest.mark.django_db

RESOLVE = [{"action": "tag", "add": ["done"]}, {"action": "status", "status": "resolved"}]


@pytest.fixture
def thread(make_channel) -> Thread:
    received = receive_message(channel=make_channel("email"), address="zoe@example.com",
                               text="Hello")
    return Thread.objects.get(pk=received.message.thread_id)


@pytest.fixture
def resolve(team) -> Macro:
    return Macro.objects.create(name="Close with thanks", team=team, steps=RESOLVE)


def apply_url(thread) -> str:
    return reverse("macros:apply", args=[thread.pk])


def test_applying_a_macro_from_the_page(client, agent, thread, resolve):
    client.force_login(agent)

    response = client.post(apply_url(thread), {"macro": resolve.pk},
                           headers={"X-Requested-With": "fetch"})

    assert response.status_code == 200
    assert response.json() == {"ok": True, "macro": "Close with thanks"}
    thread.refresh_from_db()
    assert thread.status == Thread.Status.RESOLVED
    assert Event.objects.filter(type="macro.applied", thread=thread, actor=agent).count() == 1


def test_the_view_refuses_a_post_without_the_csrf_token(agent, thread, resolve):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(apply_url(thread), {"macro": resolve.pk})

    assert response.status_code == 403
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_the_view_asks_for_a_login(client, thread, resolve):
    response = client.post(apply_url(thread), {"macro": resolve.pk})
    assert response.status_code == 302
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_a_thread_the_agent_may_not_see_is_not_found(client, make_user, other_team, thread,
                                                     resolve):
    outsider = make_user("olga", teams=[other_team])
    Macro.objects.create(name="Global", steps=RESOLVE)
    client.force_login(outsider)

    response = client.post(apply_url(thread), {"macro": resolve.pk})

    assert response.status_code == 404


def test_another_teams_macro_is_refused(client, make_user, team, other_team, thread):
    theirs = Macro.objects.create(name="Sales close", team=other_team, steps=RESOLVE)
    client.force_login(make_user("ben", teams=[team]))

    response = client.post(apply_url(thread), {"macro": theirs.pk},
                           headers={"X-Requested-With": "fetch"})

    assert response.status_code == 400
    assert response.json() == {"error": "Unknown macro."}
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_a_failing_macro_answers_400_and_changes_nothing(client, agent, thread, team):
    broken = Macro.objects.create(name="Reply", team=team, steps=[
        {"action": "tag", "add": ["x"]}, {"action": "reply", "text": "Hi"}])
    thread.customer.identities.all().delete()
    client.force_login(agent)
    events = Event.objects.count()

    response = client.post(apply_url(thread), {"macro": broken.pk},
                           headers={"X-Requested-With": "fetch"})

    assert response.status_code == 400
    assert "No channel reaches" in response.json()["error"]
    assert (Event.objects.count(), thread.tags.count()) == (events, 0)


def test_the_thread_page_offers_the_agents_macros_on_the_m_key(client, agent, other_team,
                                                               thread, resolve):
    Macro.objects.create(name="Everyone's macro", steps=RESOLVE)
    Macro.objects.create(name="Sales only", team=other_team, steps=RESOLVE)
    client.force_login(agent)

    page = client.get(reverse("inbox:thread", args=[thread.pk])).content.decode()

    assert 'id="macro-dialog"' in page
    assert f'action="{apply_url(thread)}"' in page
    assert "Close with thanks" in page and "Everyone&#x27;s macro" in page
    assert "Sales only" not in page
    assert "macros/picker.js" in page
    assert "<kbd>m</kbd>" in page


def test_the_header_refreshed_after_a_change_keeps_the_picker(client, agent, thread, resolve):
    client.force_login(agent)
    header = client.get(reverse("inbox:header", args=[thread.pk])).content.decode()
    assert 'id="macro-form"' in header


def test_no_picker_without_macros(client, agent, thread):
    client.force_login(agent)
    page = client.get(reverse("inbox:thread", args=[thread.pk])).content.decode()
    assert 'id="macro-dialog"' not in page
