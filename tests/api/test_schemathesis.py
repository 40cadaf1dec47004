"""schemathesis against the live schema: a real server (pytest-django's live_server) with a
team's customers, threads and messages, called with a write-scope token. Every operation of
/api/schema/ gets its examples and generated requests, valid and invalid; no answer may be
a 5xx, and every answer must be one the schema documents, in the shape it documents.

The number of examples per operation is bounded (SCHEMATHESIS_MAX_EXAMPLES, default 15)
and methods a path does not have are not tried, so the run takes a minute or two.

The schema is the one this code generates (the live server serves the same, checked below):
schemathesis' lazy loader (``from_fixture``) does not work with pytest 9.2."""

import json

import pytest
import requests

from api.tokens import create_token
from customers.actions import identity_resolve
from inbox.actions import add_note, assign_thread, receive_message, send_reply, tag_thread
from inbox.models import CannedResponse
from tests.schema_fuzzing import CHECKS, SCHEMA, bounded, schema


@pytest.fixture
def seeded_token(transactional_db, team, other_team, make_channel, make_user):
    """A team's inbox with something in it, another team's the token must never see, and
    the key of a write-scope token of the first team."""
    agent = make_user("ana", teams=[team])
    email = make_channel("email", name="Support mailbox")
    make_channel("sms", name="Sales SMS", channel_team=other_team)
    for number, name in enumerate(["Ana Lima", "Ben Okafor", "Chloé Petit"]):
        received = receive_message(channel=email, address=f"customer{number}@example.com",
                                   display_name=name, text=f"Hello, order #{1000 + number}?")
        thread = received.message.thread
        assign_thread(thread=thread, assignee=agent, by=agent)
        tag_thread(thread=thread, add=["order"], by=agent)
        send_reply(thread=thread, channel=email, author=agent, text="Looking into it.")
        add_note(thread=thread, author=agent, text="Checked the warehouse.")
    identity_resolve(kind="phone", address="+33612345678")
    CannedResponse.objects.create(shortcut="hello", title="Greeting", body="Hello!")
    _token, raw_key = create_token(name="Fuzzer", scope="write", teams=[team])
    return raw_key


@pytest.fixture
def admin_token(seeded_token, team):
    """An admin-scope key of the same team, for what the write scope may not do."""
    _token, raw_key = create_token(name="Admin fuzzer", scope="admin", teams=[team])
    return raw_key


def test_the_live_server_serves_the_schema_under_test(live_api):
    served = requests.get(f"{live_api}/api/schema/",
                          headers={"Accept": "application/vnd.oai.openapi+json"}, timeout=30)

    assert served.json() == json.loads(json.dumps(SCHEMA))


@schema.parametrize()
@bounded
def test_the_api_answers_every_request_as_its_schema_says(case, live_api, seeded_token):
    case.call_and_validate(base_url=live_api,
                           headers={"Authorization": f"Bearer {seeded_token}"},
                           checks=CHECKS)


# What needs the admin scope: channels, teams, deleting customers, shared canned responses.
# (Not webhook endpoints: a fuzzed URL would be called by the deliveries.)
admin_schema = schema.include(method=["POST", "PATCH", "DELETE"],
                              path_regex=r"^/api/v1/(channels|teams|customers/\{id\}/$|"
                                         r"canned-responses)")


@admin_schema.parametrize()
@bounded
def test_admin_writes_answer_as_the_schema_says(case, live_api, admin_token):
    case.call_and_validate(base_url=live_api, headers={"Authorization": f"Bearer {admin_token}"},
                           checks=CHECKS)
