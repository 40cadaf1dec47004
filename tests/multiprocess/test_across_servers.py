"""A message posted to server 1 reaches the agent whose socket is on server 2: the servers
share nothing but PostgreSQL and Redis."""

import pytest

from .agent_socket import AgentSocket
from .telegram_provider import Deliveries, deliver_all, external_id

pytestmark = pytest.mark.django_db(transaction=True)


async def test_webhook_on_one_server_reaches_agent_on_the_other(
        stack, telegram_channel, agent_cookie):
    server_1, server_2 = stack.servers
    socket = await AgentSocket(server_2.url, agent_cookie).connect()
    try:
        webhook = f"{server_1.url}/hooks/telegram/{telegram_channel.pk}/"
        await deliver_all([webhook], telegram_channel.secrets["webhook_secret"], [0],
                          concurrency=1, deliveries=Deliveries())

        await socket.wait_for(lambda: external_id(0) in socket.received_external_ids(),
                              timeout=120, what="the message's event reached server 2's socket")
    finally:
        await socket.close()
    (event,) = [event for event in socket.events.values() if event["type"] == "message.received"]
    assert event["payload"]["message"]["text"] == "update #0"
    assert event["payload"]["message"]["channel_id"] == telegram_channel.pk
