"""Storing the webhooks that arrive together in one transaction.

A provider under load posts many webhooks at once; committing each on its own makes the
database's fsync the limit. Here the requests that arrive while a write is under way wait
for the next one, which stores them all in one transaction: at low load each request is
written at once and alone, under load the batches grow by themselves. No request is
acknowledged before the transaction holding it has committed.
"""

import asyncio
import weakref

from asgiref.sync import sync_to_async

from .inbound import store_payloads
from .models import Channel

MAX_BATCH = 200

# Each batch is written in a pool thread with a database connection of its own, not on the
# one thread Django keeps for sync code.
_write = sync_to_async(store_payloads, thread_sensitive=False)


class _Batcher:
    def __init__(self):
        self.waiting: list[tuple[tuple[Channel, dict, bytes], asyncio.Future]] = []
        self.writing: asyncio.Task | None = None

    async def store(self, channel: Channel, headers: dict[str, str], body: bytes) -> int:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(((channel, headers, body), future))
        while not future.done():
            if self.writing is None:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                self.writing = asyncio.ensure_future(self._write(batch))
            # Shielded: a request whose client went away does not cancel the others' write.
            await asyncio.shield(self.writing)
        return future.result()

    async def _write(self, batch) -> None:
        try:
            payloads = await _write([request for request, _ in batch])
        except Exception as error:
            for _, future in batch:
                future.set_exception(error)
        else:
            for (_, future), payload in zip(batch, payloads, strict=True):
                future.set_result(payload.pk)
        finally:
            self.writing = None


_batchers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batcher]" = (
    weakref.WeakKeyDictionary())


async def store_together(*, channel: Channel, headers: dict[str, str], body: bytes) -> int:
    """Store one request, in the same transaction as those arriving with it; its id."""
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None:
        batcher = _batchers[loop] = _Batcher()
    return await batcher.store(channel, headers, body)
