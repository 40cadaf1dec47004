"""/api/v1/teams/, agents/, canned-responses/ and channels/: what each scope may read and
write, team by team, and a channel's secrets never shown."""

import json

import pytest
from django.utils import timezone

from channels_adapters.models import Channel, InboundPayload
from inbox.actions import send_reply
from inbox.models import AgentPresence, CannedResponse, Team

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Teams -------------------------------------------------------------------------------


def test_reader_sees_its_teams_with_their_agents_only(reader, team, other_team, agent):
    response = reader.get("/api/v1/teams/")

    assert ids(response) == [team.pk]
    assert response.json()["results"][0]["members"] == [agent.pk]  # not the token's user
    assert reader.get(f"/api/v1/teams/{other_team.pk}/").status_code == 404


def test_all_teams_token_sees_every_team(api_client, team, other_team):
    assert set(ids(api_client("read", all_teams=True).get("/api/v1/teams/"))) == {
        team.pk, other_team.pk}


def test_only_admin_creates_and_renames_teams(reader, writer, admin_client, team):
    for client in (reader, writer):
        assert client.post("/api/v1/teams/", {"name": "Billing"}).status_code == 403
        assert client.patch(f"/api/v1/teams/{team.pk}/", {"name": "X"}).status_code == 403

    created = admin_client.post("/api/v1/teams/", {"name": "Billing"})
    renamed = admin_client.patch(f"/api/v1/teams/{team.pk}/", {"name": "Support EU"})

    assert created.status_code == 201
    assert Team.objects.filter(name="Billing", pk=created.json()["id"]).exists()
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Support EU"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 101}, {"name": ["a"]},
                                  {"name": "Sales"}, {"name": "N", "members": [1]}])
def test_bad_team_bodies_are_400(admin_client, other_team, body):
    response = admin_client.post("/api/v1/teams/", body, format="json")

    assert response.status_code == 400
    assert Team.objects.count() == 2  # team (the token's) and other_team


def test_listing_teams_counts_its_queries(admin_client, make_user, django_assert_max_num_queries):
    for number in range(10):
        team = Team.objects.create(name=f"T{number}")
        make_user(f"agent{number}", teams=[team])

    with django_assert_max_num_queries(4):
        assert len(ids(admin_client.get("/api/v1/teams/"))) == 11


# --- Agents ------------------------------------------------------------------------------


def test_agents_of_the_tokens_teams_with_presence_and_no_token_users(
        reader, team, other_team, agent, make_user, api_client):
    make_user("bea", teams=[other_team])
    both = make_user("carl", teams=[team, other_team])
    AgentPresence.objects.create(user=agent, status="online", connections=1,
                                 heartbeat_at=timezone.now())
    api_client("write", teams=[team])  # another token's user is in the team too

    response = reader.get("/api/v1/agents/")

    assert set(ids(response)) == {agent.pk, both.pk}
    rows = {row["id"]: row for row in response.json()["results"]}
    assert rows[agent.pk]["presence"] == "online"
    assert rows[agent.pk]["name"] == "Ana"
    assert rows[both.pk]["presence"] == "offline"
    assert rows[both.pk]["teams"] == [team.pk]  # the other team is not shown
    assert reader.get(f"/api/v1/agents/{agent.pk}/").status_code == 200


def test_agents_of_other_teams_are_not_found(reader, other_team, make_user):
    bea = make_user("bea", teams=[other_team])

    assert reader.get(f"/api/v1/agents/{bea.pk}/").status_code == 404


def test_agents_are_read_only(admin_client, agent):
    assert admin_client.post("/api/v1/agents/", {"username": "x"}).status_code == 405
    assert admin_client.patch(f"/api/v1/agents/{agent.pk}/", {"role": "admin"}).status_code == 405


def test_listing_agents_counts_its_queries(admin_client, team, make_user,
                                           django_assert_max_num_queries):
    for number in range(15):
        make_user(f"agent{number}", teams=[team])

    with django_assert_max_num_queries(4):
        assert len(ids(admin_client.get("/api/v1/agents/"))) == 15


# --- Canned responses --------------------------------------------------------------------


@pytest.fixture
def canned(team, other_team):
    return {
        "ours": CannedResponse.objects.create(shortcut="hello", title="Hello", body="Hi",
                                              team=team),
        "shared": CannedResponse.objects.create(shortcut="bye", title="Bye", body="Bye"),
        "theirs": CannedResponse.objects.create(shortcut="sales", title="Sales", body="$",
                                                team=other_team),
    }


def test_reader_sees_its_teams_and_the_shared_canned_responses(reader, canned):
    assert set(ids(reader.get("/api/v1/canned-responses/"))) == {canned["ours"].pk,
                                                                 canned["shared"].pk}
    assert reader.get(f"/api/v1/canned-responses/{canned['theirs'].pk}/").status_code == 404
    assert reader.post("/api/v1/canned-responses/", {
        "shortcut": "x", "title": "x", "body": "x", "team": None}, format="json"
    ).status_code == 403


def test_writer_manages_its_teams_canned_responses(writer, team, canned):
    created = writer.post("/api/v1/canned-responses/", {
        "shortcut": "thanks", "title": "Thanks", "body": "Thank you!", "team": team.pk},
        format="json")
    updated = writer.patch(f"/api/v1/canned-responses/{canned['ours'].pk}/",
                           {"title": "Hello!"}, format="json")
    deleted = writer.delete(f"/api/v1/canned-responses/{canned['ours'].pk}/")

    assert created.status_code == 201, created.json()
    assert created.json()["team"] == team.pk
    assert updated.status_code == 200
    assert updated.json()["title"] == "Hello!"
    assert deleted.status_code == 204
    assert not CannedResponse.objects.filter(pk=canned["ours"].pk).exists()


def test_writer_cannot_touch_shared_or_other_teams_canned_responses(writer, other_team, canned):
    shared_url = f"/api/v1/canned-responses/{canned['shared'].pk}/"
    theirs_url = f"/api/v1/canned-responses/{canned['theirs'].pk}/"

    assert writer.post("/api/v1/canned-responses/", {
        "shortcut": "s", "title": "s", "body": "s", "team": None}, format="json"
    ).status_code == 403
    assert writer.patch(shared_url, {"title": "x"}, format="json").status_code == 403
    assert writer.delete(shared_url).status_code == 403
    assert writer.patch(f"/api/v1/canned-responses/{canned['ours'].pk}/", {"team": None},
                        format="json").status_code == 403
    assert writer.patch(theirs_url, {"title": "x"}, format="json").status_code == 404
    assert writer.delete(theirs_url).status_code == 404
    other = writer.post("/api/v1/canned-responses/", {
        "shortcut": "s", "title": "s", "body": "s", "team": other_team.pk}, format="json")
    assert other.status_code == 400
    assert other.json()["error"]["fields"]["team"] == ["There is no team with this id."]
    assert CannedResponse.objects.count() == 3


def test_admin_manages_shared_canned_responses(admin_client, canned):
    created = admin_client.post("/api/v1/canned-responses/", {
        "shortcut": "welcome", "title": "Welcome", "body": "Welcome!", "team": None},
        format="json")
    deleted = admin_client.delete(f"/api/v1/canned-responses/{canned['shared'].pk}/")

    assert created.status_code == 201
    assert created.json()["team"] is None
    assert deleted.status_code == 204


@pytest.mark.parametrize("body", [
    {"shortcut": "hello", "title": "t", "body": "b", "team": None},  # taken
    {"shortcut": "no spaces", "title": "t", "body": "b", "team": None},
    {"shortcut": "ok", "title": "t", "body": "b"},  # team is required (null to share)
    {"shortcut": "ok", "title": "t", "body": "b", "team": None, "x": 1},
    {"shortcut": "ok", "title": "t" * 101, "body": "b", "team": None},
    {"shortcut": "ok", "title": "t", "body": 5, "team": None, "id": 3},
])
def test_bad_canned_response_bodies_are_400(admin_client, canned, body):
    response = admin_client.post("/api/v1/canned-responses/", body, format="json")

    assert response.status_code == 400, response.content
    assert CannedResponse.objects.count() == 3


def test_listing_canned_responses_counts_its_queries(reader, team, django_assert_max_num_queries):
    for number in range(20):
        CannedResponse.objects.create(shortcut=f"s{number}", title="t", body="b", team=team)

    with django_assert_max_num_queries(3):
        assert len(ids(reader.get("/api/v1/canned-responses/"))) == 20


# --- Channels ----------------------------------------------------------------------------


def test_channels_show_health_and_never_secrets(reader, make_channel, other_team, agent):
    channel = make_channel("telegram", address="@bot",
                           secrets={"bot_token": "123456:SECRET-TOKEN-VALUE"})
    make_channel("email", name="sales", channel_team=other_team)
    InboundPayload.objects.create(channel=channel, body=b"{}", status="failed",
                                  error="could not parse")
    from customers.actions import identity_resolve

    customer = identity_resolve(kind="telegram", address="42", team=channel.team).customer
    send_reply(thread=customer.thread, channel=channel, author=agent, text="hi")

    response = reader.get("/api/v1/channels/")

    assert ids(response) == [channel.pk]
    row = response.json()["results"][0]
    assert row["secret_names"] == ["bot_token"]
    assert "SECRET-TOKEN-VALUE" not in json.dumps(response.json())
    assert row["health"]["last_error"] == "could not parse"
    assert row["health"]["last_inbound_at"] is not None
    assert row["health"]["queued"] + row["health"]["failed"] == 1


def test_channels_of_other_teams_are_not_found(reader, make_channel, other_team):
    theirs = make_channel("email", channel_team=other_team)

    assert reader.get(f"/api/v1/channels/{theirs.pk}/").status_code == 404


def test_only_admin_creates_and_updates_channels(reader, writer, admin_client, team,
                                                  make_channel):
    body = {"kind": "telegram", "name": "Bot", "address": "@bot", "team": team.pk,
            "secrets": {"bot_token": "123:SECRET"}}
    channel = make_channel("sms")
    for client in (reader, writer):
        assert client.post("/api/v1/channels/", body, format="json").status_code == 403
        assert client.patch(f"/api/v1/channels/{channel.pk}/", {"is_active": False},
                            format="json").status_code == 403

    created = admin_client.post("/api/v1/channels/", body, format="json")
    updated = admin_client.patch(f"/api/v1/channels/{channel.pk}/", {
        "is_active": False, "name": "SMS FR", "secrets": {"auth_token": "abc"}}, format="json")

    assert created.status_code == 201, created.json()
    assert "SECRET" not in json.dumps(created.json())
    assert Channel.objects.get(pk=created.json()["id"]).secrets == {"bot_token": "123:SECRET"}
    assert updated.status_code == 200, updated.json()
    channel.refresh_from_db()
    assert (channel.is_active, channel.name, channel.secrets) == (False, "SMS FR",
                                                                  {"auth_token": "abc"})
    assert updated.json()["kind"] == "sms"


def test_a_team_bound_admin_cannot_use_another_teams_channel_or_team(
        api_client, make_channel, team, other_team):
    client = api_client("admin", teams=[team])
    theirs = make_channel("email", channel_team=other_team)
    ours = make_channel("sms")

    assert client.patch(f"/api/v1/channels/{theirs.pk}/", {"is_active": False},
                        format="json").status_code == 404
    moved = client.patch(f"/api/v1/channels/{ours.pk}/", {"team": other_team.pk},
                         format="json")
    assert moved.status_code == 400
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert theirs.is_active and ours.team == team


@pytest.mark.parametrize("body", [
    {"kind": "fax", "name": "x"},
    {"kind": "email", "name": "email channel"},  # taken, with the team below
    {"kind": "email", "name": "x", "secrets": ["a"]},
    {"kind": "email", "name": "x", "secrets": {"a": {"nested": 1}}},
    {"kind": "email", "name": "x", "settings": {}},
    {"kind": "email", "name": "x", "is_active": "perhaps"},
    {"kind": "email", "name": "x" * 101},
])
def test_bad_channel_bodies_are_400(admin_client, make_channel, team, body):
    make_channel("email")

    response = admin_client.post("/api/v1/channels/", {"team": team.pk, **body}, format="json")

    assert response.status_code == 400, response.content
    assert Channel.objects.count() == 1


def test_a_channel_keeps_its_kind(admin_client, make_channel):
    channel = make_channel("sms")

    response = admin_client.patch(f"/api/v1/channels/{channel.pk}/", {"kind": "email"},
                                  format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["kind"]


def test_listing_channels_counts_its_queries(admin_client, make_channel,
                                             django_assert_max_num_queries):
    for number in range(10):
        make_channel("email", name=f"mailbox {number}")

    with django_assert_max_num_queries(3):
        assert len(ids(admin_client.get("/api/v1/channels/"))) == 10


# --- The browser's session ---------------------------------------------------------------


def test_session_reads_the_directory_and_needs_csrf_to_write(session_client, team):
    for path in ("teams", "agents", "canned-responses", "channels"):
        assert session_client.get(f"/api/v1/{path}/").status_code == 200, path

    response = session_client.post("/api/v1/canned-responses/", {
        "shortcut": "x", "title": "x", "body": "x", "team": team.pk}, format="json")

    assert response.status_code == 403
    assert not CannedResponse.objects.exists()
