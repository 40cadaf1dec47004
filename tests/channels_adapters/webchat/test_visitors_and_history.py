"""The widget's HTTP side: creating visitors (anonymous, pre-chat, verified by the site),
the history a visitor may read, and CORS for the channel's allowed origins only."""

import json

import pytest
from django.test import Client

from channels_adapters.webchat.tokens import read_token
from customers.models import Identity
from inbox.actions import add_note, receive_message, send_reply
from inbox.models import Event, Message
from tests.helpers import wait_for

from .conftest import SHOP, user_hash

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _deliveries(celery_worker):
    """Replies are delivered by the real worker on the production stack (eagerly otherwise);
    each test ends when it is idle."""


@pytest.fixture
def http(client_ip):
    return Client(HTTP_ORIGIN=SHOP, REMOTE_ADDR=client_ip)


def create_visitor(http, channel, **fields):
    return http.post(f"/webchat/{channel.pk}/visitors/", json.dumps(fields),
                     content_type="application/json")


def history(http, channel, token, query=""):
    return http.get(f"/webchat/{channel.pk}/messages/{query}",
                    HTTP_AUTHORIZATION=f"Bearer {token}")


def email_exchange(mailbox, agent, address="ana@example.com"):
    """Ana wrote by e-mail last week and was answered: her thread, before any chat."""
    thread = receive_message(channel=mailbox, address=address, verified=True,
                             display_name="Ana Morel",
                             text="My lamp arrived cracked.").message.thread
    reply = send_reply(thread=thread, channel=mailbox, author=agent,
                       text="Sorry! A new one is on its way.")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")
    add_note(thread=thread, author=agent, text="Internal: VIP, refund if she asks.")
    return thread


# --- verification --------------------------------------------------------------------------

def test_a_verified_visitor_joins_the_customer_and_sees_their_e_mail_history(
        http, webchat, mailbox, agent):
    # Given Ana's earlier e-mail exchange
    thread = email_exchange(mailbox, agent)

    # When the shop's page opens the chat for its signed-in user Ana, with the right hash
    response = create_visitor(http, webchat, user_email="Ana@Example.com",
                              user_hash=user_hash("Ana@Example.com"))

    # Then the visitor is verified, their web-chat identity is on Ana's customer
    assert response.status_code == 201 and response.json()["verified"] is True
    token = response.json()["token"]
    visitor = read_token(token, channel_id=webchat.pk)
    identity = Identity.objects.get(kind="webchat", address=visitor.address)
    assert identity.customer_id == thread.customer_id and identity.verified

    # And the history shows her e-mail and our e-mail reply, labelled with their channel;
    # never the private note
    page = history(http, webchat, token).json()
    assert page["verified"] is True
    assert [(m["direction"], m["channel"]["kind"], m["text"]) for m in page["messages"]] == [
        ("inbound", "email", "My lamp arrived cracked."),
        ("outbound", "email", "Sorry! A new one is on its way."),
    ]
    assert page["messages"][1]["author"] == {"name": "Ana", "initials": "A"}


def test_a_wrong_hash_is_refused_and_nothing_is_joined_or_stored(
        http, webchat, mailbox, agent):
    email_exchange(mailbox, agent)
    identities, events = Identity.objects.count(), Event.objects.count()

    response = create_visitor(http, webchat, user_email="ana@example.com",
                              user_hash=user_hash("mallory@example.com"))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_user_hash"
    assert "not verified" in response.json()["error"]["message"]
    assert (Identity.objects.count(), Event.objects.count()) == (identities, events)


def test_verification_is_refused_on_a_channel_without_an_identity_secret(
        http, make_channel):
    channel = make_channel("webchat", name="No secret", settings={"allowed_origins": [SHOP]})
    response = create_visitor(http, channel, user_email="ana@example.com",
                              user_hash=user_hash("ana@example.com"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "verification_not_set_up"


def test_an_e_mail_typed_in_the_pre_chat_form_never_joins_a_customer_nor_shows_history(
        http, webchat, mailbox, agent):
    # Given Ana's e-mail exchange
    ana_thread = email_exchange(mailbox, agent)

    # When someone types Ana's e-mail in the pre-chat form
    response = create_visitor(http, webchat, name="Not Ana", email="ana@example.com")
    token = response.json()["token"]
    visitor = read_token(token, channel_id=webchat.pk)

    # Then they are a customer of their own, with the claim kept as an unverified attribute
    identity = Identity.objects.select_related("customer").get(address=visitor.address)
    assert response.json()["verified"] is False and visitor.verified_email is None
    assert identity.customer_id != ana_thread.customer_id
    assert identity.customer.attributes["email"] == "ana@example.com"
    assert not Identity.objects.filter(customer=identity.customer, kind="email").exists()
    # ...that agents are offered as a possible same person
    from customers.selectors import similar_customers
    assert [s.customer.pk for s in similar_customers(identity.customer)] == [
        ana_thread.customer_id]
    # And their history is empty: nothing of Ana's
    assert history(http, webchat, token).json()["messages"] == []


def test_an_anonymous_visitor_sees_only_their_own_chat_even_after_a_merge(
        http, webchat, mailbox, agent):
    from customers.actions import merge_customers

    # Given an anonymous visitor who chatted, whose profile an agent merged into Ana's
    ana_thread = email_exchange(mailbox, agent)
    token = create_visitor(http, webchat).json()["token"]
    visitor = read_token(token, channel_id=webchat.pk)
    chat = receive_message(channel=webchat, address=visitor.address, text="hello from chat")
    merge_customers(source=chat.message.thread.customer, target=ana_thread.customer, by=agent)

    # Then the visitor still sees only the messages of their own chat
    texts = [m["text"] for m in history(http, webchat, token).json()["messages"]]
    assert texts == ["hello from chat"]


# --- history ---------------------------------------------------------------------------------

def test_history_pages_back_and_catches_up_by_message_id(http, webchat, agent):
    token = create_visitor(http, webchat).json()["token"]
    address = read_token(token, channel_id=webchat.pk).address
    ids = [receive_message(channel=webchat, address=address, text=f"message {n}",
                           external_id=f"{address}:c{n}").message.pk for n in range(5)]

    newest = history(http, webchat, token, "?limit=2").json()
    assert [m["id"] for m in newest["messages"]] == ids[3:] and newest["has_more"]
    assert newest["messages"][0]["client_id"] == "c3"
    older = history(http, webchat, token, f"?before={ids[3]}&limit=2").json()
    assert [m["id"] for m in older["messages"]] == ids[1:3] and older["has_more"]
    oldest = history(http, webchat, token, f"?before={ids[1]}&limit=2").json()
    assert [m["id"] for m in oldest["messages"]] == ids[:1] and not oldest["has_more"]
    missed = history(http, webchat, token, f"?after={ids[2]}").json()
    assert [m["id"] for m in missed["messages"]] == ids[3:] and not missed["has_more"]


def test_queued_and_failed_replies_are_not_shown_until_sent(http, webchat, agent):
    token = create_visitor(http, webchat).json()["token"]
    address = read_token(token, channel_id=webchat.pk).address
    thread = receive_message(channel=webchat, address=address, text="hi").message.thread
    reply = send_reply(thread=thread, channel=webchat, author=agent, text="hello!")
    Message.objects.filter(pk=reply.pk).update(delivery_status="failed")

    assert [m["text"] for m in history(http, webchat, token).json()["messages"]] == ["hi"]


def test_hostile_text_comes_back_as_the_same_text(http, webchat):
    token = create_visitor(http, webchat).json()["token"]
    address = read_token(token, channel_id=webchat.pk).address
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    receive_message(channel=webchat, address=address, text=hostile)
    assert history(http, webchat, token).json()["messages"][0]["text"] == hostile


@pytest.mark.parametrize("authorization", ["", "Bearer ", "Bearer nope", "Token abc"])
def test_history_without_a_valid_token_is_refused(http, webchat, authorization):
    response = http.get(f"/webchat/{webchat.pk}/messages/", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401 and response.json()["error"]["code"] == "bad_token"


def test_a_token_of_one_channel_reads_nothing_on_another(http, webchat, make_channel):
    other = make_channel("webchat", name="Other shop", settings={"allowed_origins": [SHOP]})
    token = create_visitor(http, webchat).json()["token"]
    response = history(http, other, token)
    assert response.status_code == 401 and "another channel" in response.json()["error"][
        "message"]


# --- origins and CORS -----------------------------------------------------------------------

def test_cors_is_answered_to_allowed_origins_only(webchat, client_ip):
    allowed = Client(HTTP_ORIGIN=SHOP, REMOTE_ADDR=client_ip)
    preflight = allowed.options(f"/webchat/{webchat.pk}/visitors/",
                                HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SHOP
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert allowed.get(f"/webchat/{webchat.pk}/config/")["Access-Control-Allow-Origin"] == SHOP

    stranger = Client(HTTP_ORIGIN="https://evil.example", REMOTE_ADDR=client_ip)
    for response in (stranger.options(f"/webchat/{webchat.pk}/visitors/"),
                     stranger.get(f"/webchat/{webchat.pk}/config/"),
                     create_visitor(stranger, webchat)):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "origin_not_allowed"
        assert "Access-Control-Allow-Origin" not in response


def test_the_config_tells_the_widget_what_to_show_and_no_secret(http, webchat):
    config = http.get(f"/webchat/{webchat.pk}/config/").json()
    assert config["title"] == "Website chat" and config["identity_verification"] is True
    assert config["agents_online"] is False
    assert "wh-identity-secret" not in json.dumps(config)


def test_unknown_channels_and_other_kinds_are_not_found(http, make_channel):
    mail = make_channel("email", name="mail", settings={"allowed_origins": [SHOP]})
    assert http.get(f"/webchat/{mail.pk}/config/").status_code == 404
    assert http.get("/webchat/999999/config/").status_code == 404


def test_new_visitors_are_rate_limited_per_address(http, webchat, settings):
    settings.THREADLINE_WEBCHAT_VISITORS_PER_MINUTE = 3
    codes = [create_visitor(http, webchat).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]


@pytest.mark.parametrize("body", [b"[1]", b"{not json", b'{"name": 5}'])
def test_malformed_visitor_requests_are_refused(http, webchat, body):
    response = http.post(f"/webchat/{webchat.pk}/visitors/", body,
                         content_type="application/json")
    assert response.status_code == 400
