"""Webhooks arriving together are stored in one transaction, each acknowledged only once
stored, and a write that fails fails every request of its batch (the providers retry)."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from channels_adapters.group_commit import store_together
from channels_adapters.models import InboundPayload
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("settled")]


@pytest.fixture
def settled(celery_worker):
    """The worker has processed what a test stored before the tables are emptied."""
    yield
    wait_for(lambda: not InboundPayload.objects.filter(status="pending").exists())


def body(number: int) -> bytes:
    return json.dumps({"messages": [{"id": f"m{number}", "from": "+33612345678",
                                     "text": f"#{number}"}]}).encode()


async def test_requests_arriving_together_are_each_stored_once(make_channel):
    channel = await sync_to_async(make_channel)("sms")

    ids = await asyncio.gather(*(store_together(channel=channel, headers={}, body=body(n))
                                 for n in range(50)))

    assert len(set(ids)) == 50
    stored = await sync_to_async(lambda: {
        payload.pk: bytes(payload.body) for payload in InboundPayload.objects.all()})()
    assert [stored[pk] for pk in ids] == [body(n) for n in range(50)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's xmin")
async def test_requests_arriving_together_share_transactions(make_channel):
    channel = await sync_to_async(make_channel)("sms")

    await asyncio.gather(*(store_together(channel=channel, headers={}, body=body(n))
                           for n in range(40)))

    def transactions() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT xmin::text) "
                           "FROM channels_adapters_inboundpayload")
            return cursor.fetchone()[0]

    assert 1 < await sync_to_async(transactions)() < 40


async def test_a_batch_that_cannot_be_written_fails_each_of_its_requests(make_channel):
    channel = await sync_to_async(make_channel)("sms")
    # The first request is written alone; the next two together, and the NOT NULL column
    # refuses the second's missing body: their transaction rolls back, both fail.
    bodies = [body(1), None, body(3)]

    results = await asyncio.gather(
        *(store_together(channel=channel, headers={}, body=raw) for raw in bodies),
        return_exceptions=True)

    assert isinstance(results[1], Exception) and isinstance(results[2], Exception)
    assert await sync_to_async(InboundPayload.objects.count)() == 1
