"""Rate limits per token: past the rate, 429 with Retry-After and the error body; each token
(and each signed-in user) has its own allowance."""

import pytest
from django.urls import path
from rest_framework.response import Response

from api.base import ApiViewSet
from config.process_cache import process_cache

pytestmark = pytest.mark.urls(__name__)


class PingView(ApiViewSet):
    def list(self, request):
        return Response({"pong": True})

    def create(self, request):
        return Response({"pong": True}, status=201)


urlpatterns = [path("api/test/ping/", PingView.as_view({"get": "list", "post": "create"}))]


@pytest.fixture
def three_per_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"api": "3/min"}}


def test_past_the_rate_a_token_gets_429_with_retry_after(three_per_minute, reader):
    statuses = [reader.get("/api/test/ping/").status_code for _ in range(3)]

    response = reader.get("/api/test/ping/")

    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert "seconds" in error["message"]
    assert error["fields"] == {}


def test_writes_and_reads_share_one_allowance(three_per_minute, writer):
    writer.get("/api/test/ping/")
    writer.post("/api/test/ping/", {})
    writer.get("/api/test/ping/")

    assert writer.post("/api/test/ping/", {}).status_code == 429


def test_each_token_has_its_own_allowance(three_per_minute, api_client):
    busy, quiet = api_client("read", name="Busy"), api_client("read", name="Quiet")
    for _ in range(4):
        busy.get("/api/test/ping/")

    assert busy.get("/api/test/ping/").status_code == 429
    assert quiet.get("/api/test/ping/").status_code == 200


def test_a_signed_in_user_is_limited_too(three_per_minute, session_client, agent):
    # Users are counted by id, and an earlier test's user may have had the same id.
    process_cache().delete(f"throttle_api_user-{agent.pk}")
    for _ in range(3):
        assert session_client.get("/api/test/ping/").status_code == 200

    assert session_client.get("/api/test/ping/").status_code == 429


def test_the_default_rate_is_generous(reader):
    assert all(reader.get("/api/test/ping/").status_code == 200 for _ in range(20))
