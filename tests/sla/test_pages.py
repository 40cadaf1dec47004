"""Where the SLAs show: a badge with the due time in the inbox list and on the thread page,
the breaches now and the achievement on the reports' overview; the policies in the back
office. And the whole path live: a customer's message gives the conversation its clock
through the listener and the task."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from inbox.actions import send_reply
from sla.actions import announce_due, start_clock
from sla.models import SlaClock
from tests.helpers import wait_for
from tests.sla.conftest import MONDAY_10H

MIN = timedelta(minutes=1)


@pytest.fixture
def clock(make_policy, customer_writes):
    make_policy("Mail within 30 min", first_response_minutes=30, resolution_hours=4)
    return start_clock(thread_id=customer_writes(MONDAY_10H).thread_id)


def page(client, url, at) -> str:
    with time_machine.travel(at, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_list_and_the_thread_show_the_due_time(client, agent, clock, mailbox):
    client.force_login(agent)
    row = f"/inbox/t/{clock.thread_id}/row/"
    header = f"/inbox/t/{clock.thread_id}/header/"
    soon = MONDAY_10H + 10 * MIN
    assert "First reply due in 20 min" in page(client, reverse("inbox:inbox"), soon)
    assert "First reply due in 20 min" in page(client, header, soon)
    overdue = page(client, row, MONDAY_10H + 35 * MIN)
    assert 'class="sla sla-overdue"' in overdue and "First reply overdue 5 min" in overdue
    with time_machine.travel(MONDAY_10H + 40 * MIN, tick=False):
        send_reply(thread=clock.thread, channel=mailbox, author=agent, text="Here you are")
    assert "Resolution due in 3 h 20" in page(client, row, MONDAY_10H + 40 * MIN)


@pytest.mark.django_db
def test_threads_without_a_clock_show_no_badge(client, agent, customer_writes):
    thread_id = customer_writes(MONDAY_10H).thread_id
    client.force_login(agent)
    assert 'class="sla' not in page(client, f"/inbox/t/{thread_id}/row/", MONDAY_10H)
    assert 'class="sla' not in page(client, f"/inbox/t/{thread_id}/header/", MONDAY_10H)


@pytest.mark.django_db
def test_the_overview_reports_breaches_and_achievement_by_policy(client, supervisor, clock,
                                                                   team, mailbox):
    announce_due(now=MONDAY_10H + 31 * MIN)
    client.force_login(supervisor)
    with time_machine.travel(MONDAY_10H + 45 * MIN, tick=False):
        response = client.get("/reports/?from=2026-03-02&to=2026-03-02")
    tables = response.context["tables"]
    [breach] = tables["sla_breaches"].rows
    assert [str(cell) for cell in breach] == ["Ana Lima", "First response", "900",
                                              mailbox.name, team.name, "",
                                              "Mail within 30 min"]
    assert response.context["breach_count"] == 1
    assert tables["sla_by_team"].rows == [[team.name, 0, 1, 0, 0, 0, 0, 1, None]]
    assert tables["sla_by_channel"].rows == [[mailbox.name, 0, 1, 0, 0, 0, 0, 1, None]]
    html = response.content.decode()
    assert "Past an SLA due time" in html and "SLA achievement by team" in html


@pytest.mark.django_db
def test_without_policies_the_overview_keeps_the_single_target(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/reports/")
    assert "sla_by_team" not in response.context["tables"]
    assert "THREADLINE_FIRST_RESPONSE_TARGET_MINUTES" in response.content.decode()


@pytest.mark.django_db
def test_admins_edit_policies_and_business_hours_in_the_back_office(admin_client):
    for url in ("/admin/sla/slapolicy/add/", "/admin/sla/slapolicy/", "/admin/sla/slaclock/",
                "/admin/hours/businesshours/add/", "/admin/hours/outofhoursreply/"):
        assert admin_client.get(url).status_code == 200, url
    response = admin_client.post("/admin/sla/slapolicy/add/", {
        "name": "Urgent chats", "priority": "4", "channel_kind": "webchat",
        "first_response_minutes": "5", "resolution_hours": "2"})
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_customer_message_starts_the_clock_through_the_listener(
        celery_worker, make_policy, customer_writes):
    make_policy(first_response_minutes=30, resolution_hours=4)
    message = customer_writes()
    clock = wait_for(lambda: SlaClock.objects.filter(thread_id=message.thread_id).first(),
                     timeout=60)
    assert clock.first_response_due_at - clock.started_at == timedelta(minutes=30)
