"""Providers' POSTs reach the webhook view straight from the ASGI server (no middleware):
the same answers as through Django, and nothing else takes that road."""

import json

import pytest
from channels.testing import HttpCommunicator

from channels_adapters.adapters.stub import sign
from channels_adapters.models import InboundPayload
from config.asgi import application
from inbox.models import Message
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "route-S3cret"


@pytest.fixture
def channel(make_channel):
    return make_channel("sms", secrets={"webhook_secret": SECRET})


def document(number: int = 1) -> bytes:
    return json.dumps({"messages": [{"id": f"SM{number}", "from": "+33612345678",
                                     "text": "Hello"}]}).encode()


async def call(method: str, path: str, body: bytes = b"", headers=()) -> dict:
    communicator = HttpCommunicator(application, method, path, body=body, headers=[
        (b"host", b"127.0.0.1"), (b"content-type", b"application/json"), *headers])
    return await communicator.get_response(timeout=10)


def signed(body: bytes, secret: str = SECRET):
    return [(b"x-threadline-signature", sign(body, secret).encode())]


async def test_a_signed_post_is_stored_and_processed(channel, celery_worker):
    body = document()

    response = await call("POST", f"/hooks/sms/{channel.pk}/", body, signed(body))

    assert response["status"] == 200
    payload_id = json.loads(response["body"])["payload"]
    await wait_for_async(lambda: Message.objects.filter(external_id="SM1").exists())
    assert (await InboundPayload.objects.aget(pk=payload_id)).status == "processed"


async def test_refusals_are_the_views(channel):
    body = document()
    bad = await call("POST", f"/hooks/sms/{channel.pk}/", body, signed(body, "wrong"))
    unknown = await call("POST", "/hooks/sms/999999/", body, signed(body))
    wrong_kind = await call("POST", f"/hooks/telegram/{channel.pk}/", body, signed(body))

    assert bad["status"] == 403 and b"bad_signature" in bad["body"]
    assert unknown["status"] == wrong_kind["status"] == 404
    assert not await InboundPayload.objects.aexists()


async def test_an_oversized_body_is_refused_before_it_is_stored(channel):
    body = b'{"messages": [], "padding": "' + b"x" * (2 * 1024 * 1024) + b'"}'

    response = await call("POST", f"/hooks/sms/{channel.pk}/", body, signed(body))

    assert response["status"] == 413
    assert not await InboundPayload.objects.aexists()


async def test_a_declared_length_over_the_limit_is_refused_unread(channel):
    response = await call("POST", f"/hooks/sms/{channel.pk}/", b"{}",
                          [(b"content-length", b"999999999")])

    assert response["status"] == 413


async def test_a_host_not_served_here_is_refused(channel):
    body = document()
    communicator = HttpCommunicator(application, "POST", f"/hooks/sms/{channel.pk}/",
                                    body=body, headers=[(b"host", b"evil.example"),
                                                        *signed(body)])

    response = await communicator.get_response(timeout=10)

    assert response["status"] == 400
    assert not await InboundPayload.objects.aexists()


async def test_other_paths_and_methods_go_through_django(channel):
    page = await call("GET", "/accounts/login/")
    handshake = await call("GET", f"/hooks/sms/{channel.pk}/")

    assert page["status"] == 200
    assert handshake["status"] == 405  # the view, through Django: no handshake for SMS


async def wait_for_async(condition):
    from asgiref.sync import sync_to_async

    await sync_to_async(wait_for)(condition)
