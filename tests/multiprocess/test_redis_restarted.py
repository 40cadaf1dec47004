"""Redis restarted in the middle of a burst of webhooks: its queue, its channel-layer groups
and its cache are gone. Every update Telegram sent is stored and becomes one message, and
the agent's socket catches up by Event id once it reconnects."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from .agent_socket import AgentSocket
from .inbound_rows import messages_by_provider_id, statuses_once_processed, stored_count, wait_until
from .telegram_provider import Deliveries, deliver_all, external_id

pytestmark = pytest.mark.django_db(transaction=True)

UPDATES = 300


async def test_redis_restarted_mid_burst_loses_nothing_and_socket_catches_up(
        stack, telegram_channel, agent_cookie):
    webhooks = [f"{server.url}/hooks/telegram/{telegram_channel.pk}/" for server in stack.servers]
    agent_server = stack.servers[1]
    expected = {external_id(number) for number in range(UPDATES)}
    socket = await AgentSocket(agent_server.url, agent_cookie).connect()
    deliveries = Deliveries()
    # A worker may exit when Redis goes (kombu, closing the lost connection: "Unrecoverable
    # error: AttributeError ... 'hostname'"): replaced, as systemd does in production.
    with stack.workers_supervised() as exited:
        burst = asyncio.create_task(deliver_all(
            webhooks, telegram_channel.secrets["webhook_secret"], range(UPDATES),
            concurrency=4, deliveries=deliveries, pace=0.02))
        await sync_to_async(wait_until, thread_sensitive=False)(
            lambda: stored_count(telegram_channel) >= UPDATES // 3, timeout=120,
            what=f"a third of the {UPDATES} updates stored")
        await asyncio.to_thread(stack.redis.stop)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(stack.redis.start)
        # The server ends a socket whose channel layer is gone: the page knows to reconnect.
        assert await socket.wait_closed(timeout=60), "the socket stayed open, deaf"
        again = await AgentSocket(agent_server.url, agent_cookie).connect(
            after=socket.last_event_id)
        try:
            await again.wait_for(lambda: again.caught_up is not None, timeout=120,
                                 what="the catch-up after reconnecting")
            await burst
            await again.wait_for(
                lambda: (socket.received_external_ids() | again.received_external_ids())
                >= expected,
                timeout=180, what=f"the {UPDATES} messages' events heard live or caught up")
        finally:
            await again.close()
            await socket.close()

        messages = await sync_to_async(messages_by_provider_id)(telegram_channel)
        assert set(messages) == expected
        assert not [provider_id for provider_id, count in messages.items() if count > 1]
        # What was stored while Redis was away (answered 5xx, stored again by the retry) is
        # processed too, not left for the sweep.
        statuses = await sync_to_async(wait_until, thread_sensitive=False)(
            lambda: statuses_once_processed(telegram_channel), timeout=120,
            what="every stored payload processed")
    assert set(statuses) == {"processed"}
    print(f"\nwebhook answers {dict(deliveries.answers)}, {len(deliveries.retried)} updates "
          f"sent again, {statuses['processed']} payloads stored; socket closed with code "
          f"{socket.close_code}, heard {len(socket.received_external_ids())} messages before, "
          f"{len(again.received_external_ids())} after reconnecting; workers that exited and "
          f"were replaced: {exited or 'none'}")
