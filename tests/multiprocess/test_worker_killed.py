"""A Celery worker killed (SIGKILL) in the middle of 1,000 inbound deliveries: every message
is there once. PostgreSQL rolls its transaction back; its unacknowledged tasks (acks late)
come back from the broker after the visibility timeout, to the other worker, which finds
their payloads processed or processes them. A task run twice does no harm: the drain takes
pending payloads only (skip locked), and a provider id is unique per channel."""

import asyncio
import datetime
import time

import pytest
from asgiref.sync import sync_to_async

from .conftest import VISIBILITY_TIMEOUT_SECONDS
from .inbound_rows import messages_by_provider_id, statuses_once_processed, stored_count, wait_until
from .telegram_provider import Deliveries, deliver_all, external_id

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERIES = 1000


def _worker_in_a_transaction(stack, channel, *, after_stored: int, timeout: float = 120):
    """Once ``after_stored`` payloads are stored, the first worker seen inside a transaction
    (in the middle of a drain)."""
    from django.db import connection

    by_name = {worker.application_name: worker for worker in stack.live_workers}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stored_count(channel) >= after_stored:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT application_name FROM pg_stat_activity WHERE application_name ="
                    " ANY(%s) AND xact_start IS NOT NULL", [list(by_name)])
                row = cursor.fetchone()
            if row:
                return by_name[row[0]]
        time.sleep(0.05)
    raise AssertionError(f"no worker was seen inside a transaction within {timeout}s "
                         f"({stored_count(channel)} payloads stored)")


def _taken_again(victim, others) -> dict[str, datetime.datetime] | None:
    """When another worker took again each task the victim had taken and not finished; None
    until all of them were (or if there were none)."""
    unfinished = {task_id for task_id, seen in victim.task_log().items()
                  if not seen.keys() & {"succeeded", "raised", "retry"}}
    again = {}
    for worker in others:
        for task_id, seen in worker.task_log().items():
            if task_id in unfinished and "received" in seen:
                again[task_id] = seen["received"]
    return again if unfinished and again.keys() == unfinished else None


async def test_worker_killed_mid_burst_loses_and_duplicates_nothing(stack, telegram_channel):
    webhooks = [f"{server.url}/hooks/telegram/{telegram_channel.pk}/" for server in stack.servers]
    deliveries = Deliveries()
    burst = asyncio.create_task(deliver_all(
        webhooks, telegram_channel.secrets["webhook_secret"], range(DELIVERIES), concurrency=8,
        deliveries=deliveries))

    victim = await sync_to_async(_worker_in_a_transaction, thread_sensitive=False)(
        stack, telegram_channel, after_stored=DELIVERIES // 3)
    victim.kill()
    killed_at = datetime.datetime.now()
    stored_at_kill = await sync_to_async(stored_count)(telegram_channel)
    # No replacement: the other worker takes on the queue, and the victim's tasks.
    await burst

    statuses = await sync_to_async(wait_until, thread_sensitive=False)(
        lambda: statuses_once_processed(telegram_channel), timeout=180,
        what=f"all {DELIVERIES} payloads processed")
    assert statuses == {"processed": DELIVERIES}
    messages = await sync_to_async(messages_by_provider_id)(telegram_channel)
    expected = {external_id(number) for number in range(DELIVERIES)}
    assert set(messages) == expected, (
        f"missing: {sorted(expected - set(messages))[:10]}, "
        f"unexpected: {sorted(set(messages) - expected)[:10]}")
    assert not [provider_id for provider_id, count in messages.items() if count > 1]
    assert deliveries.answers == {200: DELIVERIES}

    # The task the victim was running when it died comes back from the broker: taken again
    # by another worker once the visibility timeout has passed.
    others = [worker for worker in stack.workers if worker is not victim]
    taken_again = await sync_to_async(wait_until, thread_sensitive=False)(
        lambda: _taken_again(victim, others), timeout=VISIBILITY_TIMEOUT_SECONDS + 120,
        what=f"the tasks {victim.name} had not finished taken by another worker")
    waits = sorted((at - killed_at).total_seconds() for at in taken_again.values())
    print(f"\n{victim.name} killed with {stored_at_kill} of {DELIVERIES} payloads stored; "
          f"{len(taken_again)} unfinished task(s) of it taken again after "
          f"{', '.join(f'{wait:.1f}' for wait in waits)} s (visibility timeout "
          f"{VISIBILITY_TIMEOUT_SECONDS} s)")
