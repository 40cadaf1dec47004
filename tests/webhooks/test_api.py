"""``/api/v1/webhooks/``: admins register endpoints (the secret shown at creation and
rotation only), change and delete them, read deliveries with their attempts and replay one.
Other scopes are refused; an admin token of some teams manages only those teams'
endpoints, and anything else is as unknown as what does not exist."""

import pytest

from inbox.actions import receive_message
from inbox.models import Event
from webhooks.actions import deliveries_create, endpoint_create
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.sending import attempt_delivery

pytestmark = pytest.mark.django_db
ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"
NEW = {"url": "https://crm.example.com/threadline", "description": "CRM",
       "event_types": ["message.received"]}


@pytest.fixture
def team_admin(api_client, team):
    """An admin token that sees one team only."""
    return api_client("admin", teams=[team])


@pytest.fixture
def endpoint(team, owner):
    return endpoint_create(url="https://crm.example.com/hook", teams=[team], created_by=owner)


@pytest.fixture
def delivery(endpoint, make_channel, receiver):
    endpoint.url = receiver.url
    endpoint.save(update_fields=["url"])
    receive_message(channel=make_channel("telegram"), address="1001", text="Hi",
                    display_name="Ana")
    [delivery] = deliveries_create(events=list(Event.objects.filter(type="message.received")))
    receiver.answer(500)
    attempt_delivery(delivery.pk)
    return WebhookDelivery.objects.get(pk=delivery.pk)


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(admin_client, team):
    response = admin_client.post(ENDPOINTS, {**NEW, "teams": [team.pk]}, format="json")

    assert response.status_code == 201
    created = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert created["secret"] == endpoint.secret and endpoint.secret.startswith("whsec_")
    assert created["teams"] == [team.pk] and created["event_types"] == ["message.received"]
    assert created["is_active"] is True
    assert created["created_by"] == admin_client.token.created_by_id
    # then no other answer shows the secret
    listed = admin_client.get(ENDPOINTS).json()["results"]
    assert [e["id"] for e in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    assert "secret" not in admin_client.get(f"{ENDPOINTS}{endpoint.pk}/").json()
    assert endpoint.secret not in admin_client.get(ENDPOINTS).content.decode()


def test_a_signed_in_admin_owns_the_endpoint_they_register(client, make_user, team):
    admin = make_user("adam", role="admin")
    client.force_login(admin)

    response = client.post(ENDPOINTS, {**NEW, "all_teams": True}, content_type="application/json")

    assert response.status_code == 201
    assert WebhookEndpoint.objects.get().created_by == admin


def test_an_endpoint_is_changed_deactivated_and_deleted(admin_client, endpoint, other_team):
    url = f"{ENDPOINTS}{endpoint.pk}/"

    changed = admin_client.patch(url, {"teams": [other_team.pk], "event_types": []},
                                 format="json")
    assert changed.status_code == 200
    assert changed.json()["teams"] == [other_team.pk]
    assert changed.json()["event_types"] == []
    assert changed.json()["url"] == endpoint.url  # what was not given stays
    assert "secret" not in changed.json()

    assert admin_client.patch(url, {"is_active": False}, format="json").json()[
        "is_active"] is False
    assert admin_client.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert admin_client.get(url).status_code == 404


def test_rotating_the_secret_answers_the_new_one(admin_client, endpoint):
    old = endpoint.secret

    response = admin_client.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")

    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert response.json()["secret"] == endpoint.secret != old


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://crm.example.com/x", "all_teams": True}, "url"),
    ({"url": "https://me:pw@crm.example.com/x", "all_teams": True}, "url"),
    ({"url": "not a url", "all_teams": True}, "url"),
    ({"url": "https://crm.example.com/" + "x" * 2000, "all_teams": True}, "url"),
    ({**NEW, "all_teams": True, "event_types": ["message.sent"]}, "event_types"),
    ({**NEW, "all_teams": True, "event_types": "message.received"}, "event_types"),
    ({**NEW, "all_teams": True, "secret": "whsec_mine"}, "secret"),
    ({**NEW, "all_teams": "maybe"}, "all_teams"),
    ({**NEW, "teams": [2**70]}, "teams"),
    ({**NEW, "teams": [-1]}, "teams"),
    ({**NEW, "teams": []}, "teams"),
    ({**NEW, "teams": [987654]}, "teams"),
])
def test_bad_endpoint_bodies_are_refused_with_the_field_at_fault(admin_client, body, field):
    response = admin_client.post(ENDPOINTS, body, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [field], error
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_of_some_teams_manages_only_their_endpoints(team_admin, team, other_team,
                                                             owner):
    ours = endpoint_create(url="https://a.example.com/", teams=[team], created_by=owner)
    theirs = endpoint_create(url="https://b.example.com/", teams=[other_team])
    everyone = endpoint_create(url="https://c.example.com/", all_teams=True)

    listed = [e["id"] for e in team_admin.get(ENDPOINTS).json()["results"]]
    assert listed == [ours.pk]
    for hidden in (theirs, everyone):
        assert team_admin.get(f"{ENDPOINTS}{hidden.pk}/").status_code == 404
        assert team_admin.patch(f"{ENDPOINTS}{hidden.pk}/", {"description": "x"},
                                format="json").status_code == 404
        assert team_admin.delete(f"{ENDPOINTS}{hidden.pk}/").status_code == 404
        assert team_admin.post(f"{ENDPOINTS}{hidden.pk}/rotate-secret/").status_code == 404
    # and it cannot ask for other teams' events
    other = team_admin.post(ENDPOINTS, {**NEW, "teams": [other_team.pk]}, format="json")
    assert (other.status_code, other.json()["error"]["fields"]) == (
        400, {"teams": ["Unknown team."]})
    everything = team_admin.post(ENDPOINTS, {**NEW, "all_teams": True}, format="json")
    assert everything.status_code == 400
    assert list(everything.json()["error"]["fields"]) == ["all_teams"]
    assert not WebhookEndpoint.objects.filter(description="CRM").exists()


@pytest.mark.parametrize("scope", ["read", "write"])
def test_tokens_without_the_admin_scope_are_refused(api_client, endpoint, delivery, scope):
    client = api_client(scope, all_teams=True)

    assert client.get(ENDPOINTS).status_code == 403
    assert client.post(ENDPOINTS, {**NEW, "all_teams": True}, format="json").status_code == 403
    assert client.get(DELIVERIES).status_code == 403
    assert client.post(f"{DELIVERIES}{delivery.pk}/replay/").status_code == 403


def test_agents_signed_in_are_refused(session_client):
    assert session_client.get(ENDPOINTS).status_code == 403


def test_deliveries_are_listed_with_their_attempts(admin_client, delivery,
                                                   django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        page = admin_client.get(DELIVERIES, {"status": "retrying"}).json()

    [listed] = page["results"]
    assert (listed["id"], listed["status"], listed["attempts"]) == (delivery.pk, "retrying", 1)
    assert listed["last_status_code"] == 500 and listed["event_type"] == "message.received"
    detail = admin_client.get(f"{DELIVERIES}{delivery.pk}/").json()
    [attempt] = detail["attempt_log"]
    assert attempt["status_code"] == 500 and attempt["number"] == 1
    assert attempt["response_snippet"].startswith("Internal trouble")
    assert admin_client.get(DELIVERIES, {"status": "delivered"}).json()["results"] == []
    assert admin_client.get(DELIVERIES, {"endpoint": delivery.endpoint_id + 1}).json()[
        "results"] == []


def test_listing_endpoints_costs_the_same_for_many(admin_client, team, other_team,
                                                  django_assert_max_num_queries):
    for number in range(20):
        endpoint_create(url=f"https://crm.example.com/{number}", teams=[team, other_team])

    with django_assert_max_num_queries(5):
        response = admin_client.get(ENDPOINTS, {"page_size": 50})

    assert len(response.json()["results"]) == 20


def test_a_delivery_is_replayed_now(admin_client, delivery, receiver):
    response = admin_client.post(f"{DELIVERIES}{delivery.pk}/replay/")

    assert response.status_code == 202
    replayed = WebhookDelivery.objects.get(pk=delivery.pk)
    assert replayed.first_attempt_at is None  # a new day of retries
    assert replayed.next_attempt_at is not None
    assert attempt_delivery(delivery.pk).outcome.value == "delivered"
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 2


def test_a_delivery_of_a_disabled_endpoint_is_not_replayed(admin_client, delivery):
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(is_active=False)

    response = admin_client.post(f"{DELIVERIES}{delivery.pk}/replay/")

    assert (response.status_code, error_code(response)) == (400, "endpoint_disabled")


def test_other_teams_deliveries_are_unknown(team_admin, delivery, other_team):
    delivery.endpoint.teams.set([other_team])

    assert team_admin.get(DELIVERIES).json()["results"] == []
    assert team_admin.get(f"{DELIVERIES}{delivery.pk}/").status_code == 404
    assert team_admin.post(f"{DELIVERIES}{delivery.pk}/replay/").status_code == 404


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", str(2**64), "1.5"])
def test_ids_that_are_not_row_ids_are_404s(admin_client, raw_id):
    for url in (f"{ENDPOINTS}{raw_id}/", f"{DELIVERIES}{raw_id}/"):
        response = admin_client.get(url)
        assert response.status_code == 404
        assert error_code(response) == "not_found"


@pytest.mark.parametrize("query", [{"status": "lost"}, {"endpoint": "x"},
                                   {"event_type": "nope"}, {"page_size": 1000},
                                   {"cursor": "-1"}])
def test_bad_delivery_queries_are_400s(admin_client, query):
    assert admin_client.get(DELIVERIES, query).status_code == 400


def test_only_json_bodies_are_taken(admin_client):
    response = admin_client.post(ENDPOINTS, {**NEW, "all_teams": True}, format="multipart")

    assert response.status_code == 415
    assert not WebhookEndpoint.objects.exists()
