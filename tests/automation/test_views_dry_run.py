"""The form's "Test on past threads" button: the unsaved rule is tried on recent threads and
the matches are listed; nothing is written, not even to a rule being edited."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automation.models import Rule

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def as_admin(client, make_user):
    client.force_login(make_user("ada", role="admin"))
    return client


def refund_rule(emma, **fields) -> dict:
    return {"name": "Refunds", "team": "", "trigger": "message_received", "match": "all",
            "is_active": "on", "dry_run": "1",
            "condition-0-field": "text", "condition-0-operator": "contains_any",
            "condition-0-words": "refund",
            "action-0-action": "assign", "action-0-agent": str(emma.pk),
            "action-1-action": "tag", "action-1-add": "refund", **fields}


def test_the_dry_run_lists_the_threads_that_would_match_and_writes_nothing(
        as_admin, writes, make_user, team):
    emma = make_user("emma", teams=[team])
    wanted = writes("I want a refund <b>now</b>", address="zoe@example.com").thread
    writes("Where is my parcel?", address="max@example.com")

    with CaptureQueriesContext(connection) as queries:
        response = as_admin.post("/automation/new/", refund_rule(emma))

    assert response.status_code == 200 and Rule.objects.count() == 0
    written = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]
    assert written == []
    tried = response.context["dry_run"]
    assert (tried.examined, tried.matched) == (2, 1)
    assert [match.thread_id for match in tried.matches] == [wanted.pk]
    page = response.content.decode()
    assert f'href="/inbox/t/{wanted.pk}/"' in page
    assert "assign it to Emma, tag refund" in page
    assert "I want a refund &lt;b&gt;now&lt;/b&gt;" in page  # the customer's text, escaped
    assert 'id="dry-run"' in page


def test_a_dry_run_of_an_edited_rule_leaves_the_saved_rule_as_it_was(as_admin, make_user,
                                                                       team):
    emma = make_user("emma", teams=[team])
    rule = Rule.objects.create(name="Saved", actions=[{"action": "note", "text": "seen"}])

    response = as_admin.post(f"/automation/{rule.pk}/", refund_rule(emma, name="Changed"))

    assert response.status_code == 200 and response.context["dry_run"].examined == 0
    rule.refresh_from_db()
    assert (rule.name, rule.conditions, rule.actions) == (
        "Saved", [], [{"action": "note", "text": "seen"}])
    assert "0</span><span class=\"report-caption\">of 0 recent conversations" in (
        response.content.decode())


def test_a_dry_run_of_an_invalid_rule_shows_its_errors_instead(as_admin, make_user, team):
    emma = make_user("emma", teams=[team])
    response = as_admin.post("/automation/new/", refund_rule(
        emma, **{"condition-0-operator": "matches_regex"}))
    assert response.status_code == 400 and response.context["dry_run"] is None
    assert "operator is one of" in response.context["form"].condition_rows[0].error
