"""One customer across channels, watched live by an agent: Ana writes on Telegram, then
texts from a number the agent links to her, then calls; the agent answers on WhatsApp.
Everything lands in one thread, in order, and reaches the agent's socket as it happens.

Providers' requests go to the real ASGI application (the webhook route), signed as each
provider signs them; the WhatsApp reply goes to a fake Graph API on loopback.
"""

import asyncio
import json
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from channels_adapters.adapters.stub import sign
from config.asgi import application
from inbox.models import Message, Thread
from tests.channels_adapters.meta.fake_graph import FakeGraph
from tests.channels_adapters.telegram import updates
from tests.channels_adapters.twilio.webhooks import signature

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

HOST = "127.0.0.1"
TELEGRAM_SECRET = "tg-Secret_123"
TWILIO_TOKEN = "twilio-auth-token-journey"
PHONE_SECRET = "pbx-S3cret"
TEMPLATE = {"name": "order_update", "language": "en_US", "category": "UTILITY",
            "body": "Hello {{1}}, your order {{2}} has shipped."}


@pytest.fixture
def graph():
    server = FakeGraph().start()
    yield server
    server.stop()


@pytest.fixture
def lines(make_channel, graph):
    return {
        "telegram": make_channel("telegram", address="@LumenBot", secrets={
            "bot_token": "123456:journey-token", "webhook_secret": TELEGRAM_SECRET}),
        "sms": make_channel("sms", address="+33159000000", secrets={
            "account_sid": "AC" + "0" * 32, "auth_token": TWILIO_TOKEN}),
        "phone": make_channel("phone", address="+33 1 84 80 00 00",
                              secrets={"webhook_secret": PHONE_SECRET}),
        "whatsapp": make_channel("whatsapp", address="+33 1 84 80 12 34", settings={
            "graph_base_url": graph.base_url, "phone_number_id": "1099",
            "templates": [TEMPLATE]}, secrets={"access_token": graph.token,
                                               "app_secret": "meta-app-secret"}),
    }


@pytest.fixture
def agent(make_user, team):
    user = make_user("liam", teams=[team])
    user.email = "liam@lumen.example"
    user.save()
    return user


class LiveAgent:
    """The agent's inbox socket, collecting the events it is sent."""

    def __init__(self, communicator):
        self.communicator = communicator
        self.events: list[dict] = []

    async def wait_for(self, event_type: str, **payload) -> dict:
        """The next event of ``event_type`` whose message has the given fields."""
        for event in self.events:
            if self._matches(event, event_type, payload):
                return event
        while True:
            frame = await self.communicator.receive_json_from(timeout=20)
            if frame.get("type") != "event":
                continue
            self.events.append(frame["event"])
            if self._matches(frame["event"], event_type, payload):
                return frame["event"]

    @staticmethod
    def _matches(event, event_type, payload) -> bool:
        message = event["payload"].get("message") or {}
        return event["type"] == event_type and all(
            message.get(name) == value for name, value in payload.items())


async def post(path: str, body: bytes, headers: list[tuple[bytes, bytes]],
               content_type: bytes = b"application/json") -> dict:
    communicator = HttpCommunicator(application, "POST", path, body=body, headers=[
        (b"host", HOST.encode()), (b"content-type", content_type), *headers])
    response = await communicator.get_response(timeout=20)
    assert response["status"] == 200, response["body"]
    return response


async def test_one_customer_across_telegram_sms_phone_and_whatsapp(lines, agent, graph):
    browser = Client()
    await sync_to_async(browser.force_login)(agent)
    socket = WebsocketCommunicator(application, "/ws/inbox/", headers=[
        (b"host", HOST.encode()), (b"origin", f"http://{HOST}".encode()),
        (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())])
    connected, _ = await socket.connect(timeout=10)
    assert connected
    live = LiveAgent(socket)

    # 1. Ana writes to the bot on Telegram.
    telegram = json.dumps(updates.text("Hi, my lamp order has not arrived.")).encode()
    await post(f"/hooks/telegram/{lines['telegram'].pk}/", telegram,
               [(b"x-telegram-bot-api-secret-token", TELEGRAM_SECRET.encode())])
    first = await live.wait_for("message.received", channel_kind="telegram")
    thread_id = first["thread_id"]

    # 2. She texts from her mobile: a new number, so for now a customer of its own…
    path = f"/hooks/sms/{lines['sms'].pk}/"
    params = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "0" * 32,
              "From": "+33612345678", "To": "+33159000000", "NumMedia": "0",
              "Body": "It's Ana from Telegram, order #48213."}
    await post(path, urlencode(params).encode(),
               [(b"x-twilio-signature", signature(f"http://{HOST}{path}", params,
                                                  TWILIO_TOKEN).encode())],
               content_type=b"application/x-www-form-urlencoded")
    texted = await live.wait_for("message.received", channel_kind="sms")
    assert texted["thread_id"] != thread_id

    # …until the agent links the number to her: one customer, one thread.
    sms_customer = await sync_to_async(
        lambda: Thread.objects.get(pk=texted["thread_id"]).customer_id)()
    merged = await sync_to_async(browser.post)(
        reverse("inbox:merge", args=[thread_id]), {"source": sms_customer},
        HTTP_X_REQUESTED_WITH="fetch")
    assert merged.status_code == 200, merged.content
    await live.wait_for("customers.merged")

    # 3. She calls; the telephony system reports the call, numbered the French way.
    call = json.dumps({"calls": [{
        "id": "CA-1", "direction": "inbound", "from": "06 12 34 56 78",
        "to": "+33184800000", "duration_seconds": 240, "outcome": "answered",
        "summary": "Parcel stuck at the depot; promised an update.",
        "agent_email": "liam@lumen.example"}]}).encode()
    await post(f"/hooks/phone/{lines['phone'].pk}/", call,
               [(b"x-threadline-signature", sign(call, PHONE_SECRET).encode())])
    logged = await live.wait_for("interaction.logged")
    assert logged["thread_id"] == thread_id

    # 4. The agent answers on WhatsApp: she never wrote there, so with an approved template.
    replied = await sync_to_async(browser.post)(reverse("inbox:reply", args=[thread_id]), {
        "channel": lines["whatsapp"].pk, "template_name": "order_update",
        "template_language": "en_US", "template_parameters": ["Ana", "#48213"]},
        HTTP_X_REQUESTED_WITH="fetch")
    assert replied.status_code == 200, replied.content
    await live.wait_for("reply.queued", channel_kind="whatsapp")
    await live.wait_for("message.delivery_changed")

    # One thread, in order, on four channels.
    timeline = await sync_to_async(lambda: list(
        Message.objects.filter(thread_id=thread_id).order_by("created_at", "id")
        .values_list("direction", "channel__kind", "delivery_status")))()
    assert timeline == [("inbound", "telegram", ""), ("inbound", "sms", ""),
                        ("call", "phone", ""), ("outbound", "whatsapp", "sent")]
    assert await sync_to_async(Thread.objects.filter(customer__merged_into=None).count)() == 1

    # The provider got exactly one correct call.
    sends = graph.calls_to("/1099/messages")
    assert len(sends) == 1
    sent = sends[0].json
    assert sent["to"] == "33612345678" and sent["type"] == "template"
    assert sent["template"]["name"] == "order_update"
    assert [p["text"] for p in sent["template"]["components"][0]["parameters"]] == [
        "Ana", "#48213"]

    # And the agent saw it all live, in that order.
    seen = [(event["type"], (event["payload"].get("message") or {}).get("channel_kind"))
            for event in live.events if event["thread_id"] == thread_id
            and event["type"] in ("message.received", "interaction.logged", "reply.queued")]
    assert seen == [("message.received", "telegram"), ("interaction.logged", "phone"),
                    ("reply.queued", "whatsapp")]
    await socket.disconnect()
    await asyncio.sleep(0)
