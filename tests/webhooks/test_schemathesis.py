"""schemathesis on the webhook operations, with an admin token (the suite-wide run in
tests/api uses a write token, which these operations refuse): no 5xx, and every answer as
the schema documents it. Deliveries go to a real receiver on loopback."""

import pytest

from api.tokens import create_token
from inbox.actions import receive_message
from tests.schema_fuzzing import CHECKS, bounded
from tests.schema_fuzzing import schema as api_schema
from webhooks.actions import endpoint_create

schema = api_schema.include(path_regex="/webhooks/")


@pytest.fixture
def seeded_admin_key(transactional_db, team, make_channel, receiver, owner):
    """An endpoint of the team with a delivery made, and an admin token of that team."""
    endpoint_create(url=receiver.url, teams=[team], created_by=owner,
                    event_types=["message.received"])
    receive_message(channel=make_channel("telegram"), address="1001", text="Hello",
                    display_name="Ana")
    _token, raw_key = create_token(name="Fuzzer", scope="admin", teams=[team])
    return raw_key


@schema.parametrize()
@bounded
def test_the_webhook_operations_answer_as_their_schema_says(case, live_api, seeded_admin_key):
    case.call_and_validate(base_url=live_api,
                           headers={"Authorization": f"Bearer {seeded_admin_key}"},
                           checks=CHECKS)
