"""API clients: one per token (scope and teams chosen by the test) and one signed in."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def make_token(db, team):
    """``make_token(scope="write", teams=[team], all_teams=False)`` → (token, raw key)."""
    from api.tokens import create_token

    def make(scope="read", *, teams=None, all_teams=False, name="Integration"):
        return create_token(name=name, scope=scope,
                            teams=[team] if teams is None else teams, all_teams=all_teams)

    return make


@pytest.fixture
def api_client(make_token):
    """``api_client(scope="write", teams=[...])`` → an APIClient sending that token."""

    def make(scope="read", **options):
        _token, raw_key = make_token(scope, **options)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        client.token = _token
        return client

    return make


@pytest.fixture
def reader(api_client):
    return api_client("read")


@pytest.fixture
def writer(api_client):
    return api_client("write")


@pytest.fixture
def admin_client(api_client):
    return api_client("admin", all_teams=True)


@pytest.fixture
def session_client(agent):
    """The browser's way in: a signed-in agent, CSRF checks on."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent)
    return client
