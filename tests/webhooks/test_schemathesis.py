"""schemathesis on the webhook operations, with an admin token (the suite-wide run in
tests/api uses a write token, which these operations refuse): no 5xx, and every answer as
the schema documents it. Deliveries go to a real receiver on loopback."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import CacheConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import create_token
from inbox.actions import receive_message
from webhooks.actions import endpoint_create

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _schema_of_this_code() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_schema_of_this_code(), config=schemathesis.Config(
    cache=CacheConfig(enabled=False))).include(path_regex="/webhooks/")
schema.config.generation.update(max_examples=MAX_EXAMPLES, database="none")
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@pytest.fixture
def seeded_admin_key(transactional_db, team, make_channel, receiver, owner):
    """An endpoint of the team with a delivery made, and an admin token of that team."""
    endpoint_create(url=receiver.url, teams=[team], created_by=owner,
                    event_types=["message.received"])
    receive_message(channel=make_channel("telegram"), address="1001", text="Hello",
                    display_name="Ana")
    _token, raw_key = create_token(name="Fuzzer", scope="admin", teams=[team])
    return raw_key


@pytest.fixture
def live_api(live_server, settings) -> str:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"api": "1000000/min"}}
    return live_server.url


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_webhook_operations_answer_as_their_schema_says(case, live_api, seeded_admin_key):
    case.call_and_validate(base_url=live_api,
                           headers={"Authorization": f"Bearer {seeded_admin_key}"},
                           checks=CHECKS)
