"""/api/v1/customers/ and /api/v1/merges/: profiles, identities, merge and undo, through
tokens of each scope, team by team."""

import pytest

from customers.actions import customer_create, identity_resolve, merge_customers
from customers.models import Customer, CustomerMerge, Identity
from inbox.actions import add_note
from inbox.events import parse_payload
from inbox.models import Event, Message

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"


def customer_url(customer, suffix=""):
    return f"{CUSTOMERS}{customer.pk}/{suffix}"


@pytest.fixture
def ana(team):
    resolved = identity_resolve(kind="email", address="ana@example.com", display_name="Ana Silva",
                                verified=True, team=team)
    return resolved.customer


@pytest.fixture
def bruno(other_team):
    return identity_resolve(kind="phone", address="+33612345678", display_name="Bruno Costa",
                            team=other_team).customer


# --- Reading -----------------------------------------------------------------------------


def test_reader_lists_only_customers_of_its_teams(reader, ana, bruno):
    response = reader.get(CUSTOMERS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ana.pk]
    row = response.json()["results"][0]
    assert row["name"] == "Ana Silva"
    assert row["team"] == ana.thread.team_id
    assert row["thread"] == ana.thread.pk
    assert row["identities"][0]["address"] == "ana@example.com"


def test_all_teams_token_lists_every_customer(api_client, ana, bruno):
    response = api_client("read", all_teams=True).get(CUSTOMERS)

    assert {row["id"] for row in response.json()["results"]} == {ana.pk, bruno.pk}


def test_listing_customers_takes_the_same_queries_for_one_or_many(
        reader, team, ana, django_assert_max_num_queries):
    for number in range(20):
        identity_resolve(kind="email", address=f"c{number}@example.com", team=team)

    with django_assert_max_num_queries(4):
        response = reader.get(CUSTOMERS)

    assert len(response.json()["results"]) == 21


def test_customers_filtered_by_search_team_and_identity(api_client, ana, bruno, other_team):
    client = api_client("read", all_teams=True)

    def ids(query):
        response = client.get(CUSTOMERS, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids({"q": "silva"}) == [ana.pk]
    assert ids({"q": "3361234"}) == [bruno.pk]
    assert ids({"team": other_team.pk}) == [bruno.pk]
    assert ids({"kind": "phone"}) == [bruno.pk]
    assert ids({"kind": "phone", "address": "06 12 34 56 78"}) == [bruno.pk]
    assert ids({"address": "ana@example.com"}) == [ana.pk]


@pytest.mark.parametrize("query", [{"team": "abc"}, {"team": "-1"}, {"kind": "fax"},
                                   {"team": ""}, {"kind": ""}, {"q": "x" * 201},
                                   {"page_size": "100000"}, {"cursor": "-1"}])
def test_bad_filters_are_400(reader, query):
    response = reader.get(CUSTOMERS, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"]


def test_reader_reads_a_customer_of_its_team(reader, ana):
    response = reader.get(customer_url(ana))

    assert response.status_code == 200
    assert response.json()["id"] == ana.pk


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_customer_of_another_team_is_not_found(api_client, bruno, method):
    client = api_client("admin")

    response = getattr(client, method)(customer_url(bruno), {"name": "x"}
                                       if method == "patch" else None)

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.",
                                         "fields": {}}}


def test_missing_and_malformed_ids_are_404(reader):
    assert reader.get(f"{CUSTOMERS}999999/").status_code == 404
    assert reader.get(f"{CUSTOMERS}abc/").status_code == 404
    assert reader.get(f"{CUSTOMERS}{2**70}/").status_code == 404


def test_ids_that_are_not_numbers_get_the_json_404(writer, ana):
    for response in (writer.get(f"{CUSTOMERS}0.5/"),
                     writer.post("/api/v1/merges/0.5/undo/"),
                     writer.delete(customer_url(ana, "identities/null,null/"))):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_only_json_bodies_are_taken(writer):
    response = writer.post(CUSTOMERS, {"name": "X"}, format="multipart")

    assert response.status_code == 415
    assert not Customer.objects.exists()


def test_no_token_is_401_and_a_revoked_one_too(client, api_client, ana):
    from api.tokens import revoke_token

    assert client.get(CUSTOMERS).status_code in {401, 403}
    revoked = api_client("read")
    revoke_token(token=revoked.token)
    assert revoked.get(CUSTOMERS).status_code == 401


# --- Creating ----------------------------------------------------------------------------


def test_writer_creates_a_customer_with_identities_in_its_team(writer, team):
    response = writer.post(CUSTOMERS, {"name": "Carla Dias", "identities": [
        {"kind": "email", "address": "Carla@Example.com", "display_name": "Carla"},
        {"kind": "phone", "address": "06 11 22 33 44"}]}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.thread.team == team
    assert sorted(i["address"] for i in body["identities"]) == ["+33611223344",
                                                                "carla@example.com"]
    assert not any(i["verified"] for i in body["identities"])
    assert list(Event.objects.filter(customer=customer).values_list("type", flat=True)
                .order_by("id")) == ["customer.created", "identity.added", "identity.added"]
    assert Event.objects.filter(customer=customer).first().actor == writer.token.user


def test_reader_cannot_create(reader):
    response = reader.post(CUSTOMERS, {"name": "X"}, format="json")

    assert response.status_code == 403
    assert not Customer.objects.exists()


def test_creating_with_a_taken_address_creates_nothing(writer, ana):
    response = writer.post(CUSTOMERS, {"name": "Other", "identities": [
        {"kind": "email", "address": "ANA@example.com"}]}, format="json")

    assert response.status_code == 400
    assert "identities" in response.json()["error"]["fields"]
    assert Customer.objects.count() == 1


def test_a_token_of_several_teams_must_name_the_team(api_client, team, other_team):
    client = api_client("write", teams=[team, other_team])

    missing = client.post(CUSTOMERS, {"name": "X"}, format="json")
    named = client.post(CUSTOMERS, {"name": "X", "team": other_team.pk}, format="json")

    assert missing.status_code == 400
    assert missing.json()["error"]["fields"]["team"]
    assert named.status_code == 201
    assert named.json()["team"] == other_team.pk


def test_another_teams_id_is_refused_as_unknown(writer, other_team):
    response = writer.post(CUSTOMERS, {"name": "X", "team": other_team.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["team"] == ["There is no team with this id."]


def test_only_admin_may_create_verified_identities(writer, api_client):
    body = {"name": "V", "identities": [{"kind": "email", "address": "v@example.com",
                                         "verified": True}]}

    refused = writer.post(CUSTOMERS, body, format="json")
    accepted = api_client("admin").post(CUSTOMERS, body, format="json")

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert accepted.json()["identities"][0]["verified"] is True


@pytest.mark.parametrize("body", [
    {"name": "X", "nickname": "unknown field"},
    {"name": "X", "id": 5},
    {"name": ["not", "a", "string"]},
    {"name": "x" * 201},
    {"team": "abc"},
    {"team": 2**80},
    {"identities": "ana@example.com"},
    {"identities": [{"kind": "fax", "address": "1"}]},
    {"identities": [{"kind": "email", "address": "not an address"}]},
    {"identities": [{"kind": "email", "address": "a@example.com", "extra": 1}]},
    {"identities": [{"kind": "email", "address": f"{n}@example.com"} for n in range(21)]},
    [],
    "text",
])
def test_bad_creation_bodies_are_400_and_create_nothing(writer, body):
    response = writer.post(CUSTOMERS, body, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not Customer.objects.exists()


def test_a_retried_creation_with_the_same_idempotency_key_creates_one_customer(writer):
    first = writer.post(CUSTOMERS, {"name": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = writer.post(CUSTOMERS, {"name": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Customer.objects.count() == 1


# --- Updating and deleting ---------------------------------------------------------------


def test_writer_updates_name_attributes_and_notes(writer, ana):
    response = writer.patch(customer_url(ana), {"name": "Ana P. Silva",
                                                "attributes": {"plan": "pro", "seats": 3},
                                                "notes": "VIP"}, format="json")

    assert response.status_code == 200, response.json()
    ana.refresh_from_db()
    assert (ana.name, ana.attributes, ana.notes) == ("Ana P. Silva", {"plan": "pro", "seats": 3},
                                                     "VIP")
    event = Event.objects.filter(type="customer.updated").get()
    assert parse_payload(event.type, event.payload).changed == ["name", "attributes", "notes"]


@pytest.mark.parametrize("body", [
    {"attributes": ["a"]}, {"attributes": "a"}, {"attributes": {str(n): n for n in range(51)}},
    {"attributes": {"big": "x" * 20_000}}, {"name": None}, {"merged_into": 3}, {"thread": 1},
])
def test_bad_updates_are_400(writer, ana, body):
    response = writer.patch(customer_url(ana), body, format="json")

    assert response.status_code == 400
    ana.refresh_from_db()
    assert ana.name == "Ana Silva"


def test_reader_cannot_update_and_put_is_not_allowed(reader, writer, ana):
    assert reader.patch(customer_url(ana), {"name": "X"}, format="json").status_code == 403
    assert writer.put(customer_url(ana), {"name": "X"}, format="json").status_code == 405


def test_only_admin_deletes_a_customer_with_thread_and_messages(writer, api_client, ana):
    add_note(thread=ana.thread, author=None, text="remember")
    thread_id = ana.thread.pk

    refused = writer.delete(customer_url(ana))
    deleted = api_client("admin").delete(customer_url(ana))

    assert refused.status_code == 403
    assert deleted.status_code == 204
    assert not Customer.objects.filter(pk=ana.pk).exists()
    assert not Message.objects.filter(thread_id=thread_id).exists()
    assert not Identity.objects.exists()
    record = Event.objects.get(type="customer.deleted")
    assert parse_payload(record.type, record.payload).message_count == 1
    assert record.payload["customer_id"] == ana.pk
    assert record.customer_id is None and record.team_id is not None


# --- Identities --------------------------------------------------------------------------


def test_reader_lists_identities_but_cannot_add(reader, ana):
    listed = reader.get(customer_url(ana, "identities/"))
    added = reader.post(customer_url(ana, "identities/"), {"kind": "phone",
                                                           "address": "0611223344"},
                        format="json")

    assert listed.status_code == 200
    assert [i["address"] for i in listed.json()] == ["ana@example.com"]
    assert added.status_code == 403


def test_writer_adds_a_normalised_identity(writer, ana):
    response = writer.post(customer_url(ana, "identities/"),
                           {"kind": "phone", "address": "06 11 22 33 44"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["address"] == "+33611223344"
    assert ana.identities.filter(kind="phone", address="+33611223344", verified=False).exists()


def test_adding_an_address_of_another_customer_is_refused(writer, ana, bruno):
    response = writer.post(customer_url(ana, "identities/"),
                           {"kind": "phone", "address": "+33612345678"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "identity_taken"
    assert str(bruno.pk) not in response.json()["error"]["message"]


def test_bad_identity_bodies_are_400(writer, ana):
    url = customer_url(ana, "identities/")
    for body in ({"kind": "phone", "address": "not a number"}, {"kind": "email"},
                 {"kind": "email", "address": "b@example.com", "customer": 1},
                 {"kind": "email", "address": "b@example.com", "verified": "maybe"}):
        assert writer.post(url, body, format="json").status_code == 400, body
    assert ana.identities.count() == 1


def test_only_admin_adds_a_verified_identity(writer, api_client, ana):
    body = {"kind": "telegram", "address": "12345", "verified": True}

    assert writer.post(customer_url(ana, "identities/"), body, format="json").status_code == 403
    response = api_client("admin").post(customer_url(ana, "identities/"), body, format="json")
    assert response.status_code == 201
    assert response.json()["verified"] is True


def test_writer_removes_an_identity_and_the_messages_stay(writer, ana):
    identity = ana.identities.get()

    response = writer.delete(customer_url(ana, f"identities/{identity.pk}/"))

    assert response.status_code == 204
    assert not ana.identities.exists()
    event = Event.objects.get(type="identity.removed")
    assert parse_payload(event.type, event.payload).identity_id == identity.pk


def test_identities_of_another_team_or_customer_are_not_found(api_client, ana, bruno):
    client = api_client("admin")
    brunos = bruno.identities.get()

    assert client.get(customer_url(bruno, "identities/")).status_code == 404
    assert client.post(customer_url(bruno, "identities/"), {"kind": "telegram", "address": "9"},
                       format="json").status_code == 404
    assert client.delete(customer_url(ana, f"identities/{brunos.pk}/")).status_code == 404
    assert client.delete(customer_url(bruno, f"identities/{brunos.pk}/")).status_code == 404
    assert Identity.objects.filter(pk=brunos.pk).exists()


# --- Merge and undo ----------------------------------------------------------------------


@pytest.fixture
def ana_twin(team):
    customer = customer_create(name="Ana S.", team=team)
    Identity.objects.create(customer=customer, kind="telegram", address="777")
    return customer


def test_writer_merges_and_undoes(writer, ana, ana_twin):
    merged = writer.post(customer_url(ana, "merge/"), {"source": ana_twin.pk}, format="json")

    assert merged.status_code == 201, merged.json()
    merge = CustomerMerge.objects.get()
    assert merged.json()["id"] == merge.pk
    assert (merged.json()["source"], merged.json()["target"]) == (ana_twin.pk, ana.pk)
    assert set(ana.identities.values_list("kind", flat=True)) == {"email", "telegram"}
    assert writer.get(customer_url(ana_twin)).json()["merged_into"] == ana.pk
    assert writer.get(f"/api/v1/merges/{merge.pk}/").status_code == 200

    undone = writer.post(f"/api/v1/merges/{merge.pk}/undo/")

    assert undone.status_code == 200, undone.json()
    assert undone.json()["undone_at"] is not None
    assert ana_twin.identities.get().address == "777"
    again = writer.post(f"/api/v1/merges/{merge.pk}/undo/")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "already_undone"


def test_reader_cannot_merge_or_undo(reader, writer, ana, ana_twin):
    assert reader.post(customer_url(ana, "merge/"), {"source": ana_twin.pk},
                       format="json").status_code == 403
    merge_id = writer.post(customer_url(ana, "merge/"), {"source": ana_twin.pk},
                           format="json").json()["id"]
    assert reader.post(f"/api/v1/merges/{merge_id}/undo/").status_code == 403


def test_merging_with_another_teams_customer_is_refused_either_way(writer, ana, bruno):
    as_source = writer.post(customer_url(ana, "merge/"), {"source": bruno.pk}, format="json")
    as_target = writer.post(customer_url(bruno, "merge/"), {"source": ana.pk}, format="json")

    assert as_source.status_code == 400
    assert as_source.json()["error"]["fields"]["source"] == ["There is no customer with this id."]
    assert as_target.status_code == 404
    assert not CustomerMerge.objects.exists()


def test_merges_of_another_team_are_not_found(api_client, writer, other_team, bruno):
    twin = customer_create(name="Bruno C.", team=other_team)
    sales = api_client("write", teams=[other_team])
    merge_id = sales.post(customer_url(bruno, "merge/"), {"source": twin.pk},
                          format="json").json()["id"]

    assert writer.get(f"/api/v1/merges/{merge_id}/").status_code == 404
    assert writer.post(f"/api/v1/merges/{merge_id}/undo/").status_code == 404


def test_a_merge_into_another_teams_customer_does_not_show_its_id(reader, ana, bruno):
    merge_customers(source=ana, target=bruno)

    assert reader.get(customer_url(ana)).json()["merged_into"] is None


@pytest.mark.parametrize("body", [{}, {"source": "x"}, {"source": -1}, {"source": 1, "x": 1},
                                  {"source": 2**80}])
def test_bad_merge_bodies_are_400(writer, ana, body):
    assert writer.post(customer_url(ana, "merge/"), body, format="json").status_code == 400


def test_merging_a_customer_into_itself_is_400(writer, ana):
    response = writer.post(customer_url(ana, "merge/"), {"source": ana.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "same_customer"


# --- The browser's session ---------------------------------------------------------------


def test_session_reads_and_needs_csrf_to_write(session_client, ana):
    assert session_client.get(CUSTOMERS).status_code == 200

    response = session_client.post(CUSTOMERS, {"name": "X"}, format="json")

    assert response.status_code == 403
    assert not Customer.objects.filter(name="X").exists()


def test_session_writes_with_its_csrf_token(session_client, agent, team):
    csrf = "a" * 32
    session_client.cookies["csrftoken"] = csrf

    response = session_client.post(CUSTOMERS, {"name": "X"}, format="json",
                                   HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 201, response.json()
    assert response.json()["team"] == team.pk
    assert Event.objects.get(type="customer.created").actor == agent
