"""API tokens: created by admins in the back office (key shown once), stored hashed,
revocable, their last use recorded; ``manage.py create_api_token`` and the demo's token."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import create_token, hash_key, revoke_token, token_for_key
from inbox.models import User

ADD_URL = reverse("admin:api_apitoken_add")
LIST_URL = reverse("admin:api_apitoken_changelist")
KEY_PATTERN = re.compile(r"<code>(tl_[\w-]+)</code>")


@pytest.fixture
def back_office(client, make_user):
    admin_user = make_user("boss", role=User.Role.ADMIN)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    client.user = admin_user
    return client


def bearer(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def test_an_admin_creates_a_token_and_sees_its_key_once(back_office, team):
    response = back_office.post(ADD_URL, {"name": "Shop CRM", "scope": "write",
                                          "teams": [team.pk], "_save": "Save"}, follow=True)

    page = response.content.decode()
    raw_key = KEY_PATTERN.search(page).group(1)
    token = ApiToken.objects.get(name="Shop CRM")
    assert token.key_hash == hash_key(raw_key)
    assert raw_key.startswith(token.prefix)
    assert token.scope == "write"
    assert token.created_by == back_office.user
    assert list(token.teams.all()) == list(token.user.teams.all()) == [team]
    # never again: not on the list, not on the token's page
    assert raw_key not in back_office.get(LIST_URL).content.decode()
    change_url = reverse("admin:api_apitoken_change", args=[token.pk])
    assert raw_key not in back_office.get(change_url).content.decode()
    assert token_for_key(raw_key) == token


def test_only_the_hash_of_a_key_is_stored(db, team):
    token, raw_key = create_token(name="CRM", teams=[team])

    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get()
              .values()]
    assert raw_key not in stored
    assert hash_key(raw_key) in stored


def test_a_token_needs_teams_or_all_teams(back_office):
    response = back_office.post(ADD_URL, {"name": "Lost", "scope": "read", "_save": "Save"})

    assert response.status_code == 200
    assert "Choose the token" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_token_list_shows_prefix_scope_teams_creator_and_last_use(back_office, team):
    token, raw_key = create_token(name="Telephony", scope="admin", teams=[team],
                                  created_by=back_office.user)
    bearer(raw_key).get("/api/schema/")  # any authenticated request marks it used

    page = back_office.get(LIST_URL).content.decode()

    token.refresh_from_db()
    assert token.last_used_at is not None
    for shown in ("Telephony", token.prefix, "Admin", team.name, "boss"):
        assert shown in page


def test_an_admin_changes_a_tokens_teams_and_its_user_follows(back_office, team, other_team):
    token, _ = create_token(name="CRM", teams=[team])

    response = back_office.post(reverse("admin:api_apitoken_change", args=[token.pk]), {
        "name": "CRM", "scope": "read", "teams": [other_team.pk], "_save": "Save"})

    assert response.status_code == 302
    token.refresh_from_db()
    assert list(token.user.teams.all()) == [other_team]


def test_the_revoke_action_revokes_and_the_key_stops_working(back_office, team):
    token, raw_key = create_token(name="Old bot", teams=[team])
    assert bearer(raw_key).get("/api/schema/").status_code == 200

    response = back_office.post(LIST_URL, {"action": "revoke_selected",
                                           "_selected_action": [token.pk]})

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(raw_key).get("/api/schema/").status_code == 401


def test_tokens_are_revoked_not_deleted(back_office, team):
    token, _ = create_token(name="CRM", teams=[team])

    response = back_office.get(reverse("admin:api_apitoken_delete", args=[token.pk]))

    assert response.status_code == 403


def test_agents_cannot_open_the_token_pages(client, agent):
    agent.is_staff = True
    agent.save()
    client.force_login(agent)

    assert client.get(ADD_URL).status_code == 403


def test_last_use_is_written_at_most_once_a_minute(db, team, django_assert_num_queries):
    token, raw_key = create_token(name="CRM", teams=[team])
    token_for_key(raw_key)

    with django_assert_num_queries(1):  # the lookup, no UPDATE
        token_for_key(raw_key)

    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):
        assert token_for_key(raw_key) == token


def test_revoking_twice_keeps_the_first_time(db, team):
    token, _ = create_token(name="CRM", teams=[team])
    first = revoke_token(token=token).revoked_at

    assert revoke_token(token=token).revoked_at == first


def test_the_token_user_can_never_log_in(db, team, client):
    token, raw_key = create_token(name="CRM", teams=[team])

    assert not token.user.is_active
    assert not token.user.has_usable_password()
    assert not client.login(username=token.user.username, password=raw_key)


def test_create_api_token_command_prints_the_key_once(db, team):
    out = io.StringIO()

    call_command("create_api_token", "--name", "Shop", "--scope", "write", "--team", team.name,
                 stdout=out, stderr=io.StringIO())

    raw_key = out.getvalue().strip()
    token = token_for_key(raw_key)
    assert token.name == "Shop" and token.scope == "write"
    assert list(token.teams.all()) == [team]


def test_create_api_token_command_refuses_an_unknown_team(db):
    with pytest.raises(CommandError, match="No team named Nowhere"):
        call_command("create_api_token", "--name", "Shop", "--team", "Nowhere")


def test_the_demo_has_an_admin_token_printed_with_the_logins(db, settings, tmp_path):
    from inbox.management.commands.load_demo import DEMO_API_KEY

    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    logins = io.StringIO()
    call_command("load_demo", "--logins", stdout=logins)

    assert DEMO_API_KEY in logins.getvalue()
    token = token_for_key(DEMO_API_KEY)
    assert token.scope == "admin" and token.all_teams
