"""A python-telegram-bot ``Bot`` for one channel, and running its coroutines from sync code.

The adapter runs in a Celery task (a worker thread, or eagerly inside a Django request on
the embedded stack): there is no event loop there, so each call runs its own with
``asyncio.run`` and a ``Bot`` made for it (httpx's client belongs to one loop). Nothing in
the coroutines touches the database, so Django's async-unsafe checks never trip.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from telegram import Bot
from telegram.request import HTTPXRequest

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_BASE_URL = "https://api.telegram.org/file/bot"

Result = TypeVar("Result")


@dataclass(frozen=True)
class BotConfig:
    """What a ``Bot`` needs, read from the channel before any coroutine runs."""

    token: str
    api_base_url: str = DEFAULT_API_BASE_URL
    file_base_url: str = DEFAULT_FILE_BASE_URL

    def __repr__(self) -> str:  # never print the token
        return f"BotConfig(api_base_url={self.api_base_url!r})"


def bot_config(channel) -> BotConfig:
    """The channel's token and API URLs. ``api_base_url`` points tests (or a local Bot API
    server) elsewhere; the file URL follows it unless ``file_base_url`` is set."""
    settings = channel.settings or {}
    api_base_url = settings.get("api_base_url") or DEFAULT_API_BASE_URL
    file_base_url = settings.get("file_base_url") or (
        api_base_url[: -len("/bot")] + "/file/bot" if api_base_url.endswith("/bot")
        else DEFAULT_FILE_BASE_URL)
    return BotConfig(token=str((channel.secrets or {}).get("bot_token") or ""),
                     api_base_url=api_base_url, file_base_url=file_base_url)


@asynccontextmanager
async def bot_session(config: BotConfig) -> AsyncIterator[Bot]:
    """A ``Bot`` for one run. Not ``initialize``d: that would call getMe on every send, and
    its InvalidToken error prints the token."""
    request = HTTPXRequest(connect_timeout=5.0, read_timeout=20.0, write_timeout=20.0,
                           media_write_timeout=60.0)
    bot = Bot(config.token, base_url=config.api_base_url, base_file_url=config.file_base_url,
              request=request, get_updates_request=request)
    try:
        yield bot
    finally:
        await request.shutdown()


def run(config: BotConfig, work: Callable[[Bot], Awaitable[Result]]) -> Result:
    """``await work(bot)`` from sync code; in a thread of its own if this one already runs
    an event loop (a caller inside async code)."""

    async def main() -> Result:
        async with bot_session(config) as bot:
            return await work(bot)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()
