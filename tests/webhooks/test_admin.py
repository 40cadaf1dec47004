"""The back office's webhooks: an admin registers an endpoint and becomes its owner, sees its
secret on its own page only, rotates it, and sends deliveries again."""

import pytest
from django.urls import reverse

from inbox.actions import receive_message
from inbox.models import Event
from webhooks.actions import deliveries_create, endpoint_create
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.sending import attempt_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(client, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(owner)
    return client


@pytest.fixture
def endpoint(team, owner, receiver):
    return endpoint_create(url=receiver.url, teams=[team], created_by=owner,
                           event_types=["message.received"])


def test_an_admin_registers_an_endpoint_and_owns_it(back_office, team, owner):
    response = back_office.post(reverse("admin:webhooks_webhookendpoint_add"), {
        "url": "https://crm.example.com/hook", "description": "CRM",
        "event_types": ["message.received", "note.added"], "teams": [team.pk],
        "is_active": "on"})

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.created_by == owner
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.event_types == ["message.received", "note.added"]
    assert list(endpoint.teams.all()) == [team]


def test_an_endpoint_with_credentials_in_its_url_is_refused(back_office, team):
    response = back_office.post(reverse("admin:webhooks_webhookendpoint_add"), {
        "url": "https://me:pw@crm.example.com/hook", "teams": [team.pk], "is_active": "on"})

    assert response.status_code == 200
    assert "may not contain a user name or password" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_secret_shows_on_the_endpoints_page_only(back_office, endpoint):
    listing = back_office.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    page = back_office.get(reverse("admin:webhooks_webhookendpoint_change",
                                   args=[endpoint.pk]))

    assert endpoint.secret not in listing.content.decode()
    assert endpoint.secret in page.content.decode()


def test_the_secret_is_rotated_from_the_list(back_office, endpoint):
    old = endpoint.secret

    back_office.post(reverse("admin:webhooks_webhookendpoint_changelist"), {
        "action": "rotate_secret", "_selected_action": [endpoint.pk]})

    endpoint.refresh_from_db()
    assert endpoint.secret != old


def test_deliveries_are_sent_again_from_the_list(back_office, endpoint, make_channel,
                                                 receiver):
    # given a delivery the endpoint refused
    receive_message(channel=make_channel("telegram"), address="1001", text="Hi",
                    display_name="Ana")
    [delivery] = deliveries_create(events=list(Event.objects.filter(type="message.received")))
    receiver.answer(500)
    attempt_delivery(delivery.pk)

    # when an admin sends it again
    response = back_office.post(reverse("admin:webhooks_webhookdelivery_changelist"), {
        "action": "send_again", "_selected_action": [delivery.pk]})

    # then it is due now, with a new day of retries, and its page shows every attempt
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.first_attempt_at is None
    page = back_office.get(reverse("admin:webhooks_webhookdelivery_change",
                                   args=[delivery.pk])).content.decode()
    assert "Internal trouble" in page
    assert endpoint.secret not in page
