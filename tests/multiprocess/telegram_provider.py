"""Telegram's side of a webhook: Updates built with python-telegram-bot's own types, posted
with the secret header, and posted again until answered 2xx, as Telegram retries an update
its webhook did not accept."""

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from telegram import Chat, Message, Update, User

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SENT_AT = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
CUSTOMERS = 50


def text_update(number: int, *, customers: int = CUSTOMERS) -> dict:
    """Update ``number``: a text from one of ``customers`` customers, each in their own
    private chat. Its message's provider id (``<chat id>:<message id>``) is
    ``external_id(number)``."""
    customer = number % customers
    user = User(id=5_000_000 + customer, is_bot=False, first_name=f"Customer {customer}")
    chat = Chat(id=user.id, type=Chat.PRIVATE, first_name=user.first_name)
    message = Message(message_id=number + 1, date=SENT_AT, chat=chat, from_user=user,
                      text=f"update #{number}")
    return Update(update_id=800_000_000 + number, message=message).to_dict()


def external_id(number: int, *, customers: int = CUSTOMERS) -> str:
    return f"{5_000_000 + number % customers}:{number + 1}"


@dataclass
class Deliveries:
    """What the webhook answered: every status (and refused connection) seen, per update."""

    answers: Counter = field(default_factory=Counter)
    retried: set[int] = field(default_factory=set)

    @property
    def refusals(self) -> int:
        return sum(count for answer, count in self.answers.items() if answer != 200)


async def deliver(session: aiohttp.ClientSession, url: str, secret: str, number: int,
                  deliveries: Deliveries, *, retry_every: float = 0.25,
                  give_up_after: float = 180) -> None:
    """Post update ``number`` until the webhook answers 200 (a 5xx or a refused connection
    is sent again later, as Telegram does)."""
    body = text_update(number)
    deadline = asyncio.get_running_loop().time() + give_up_after
    while True:
        try:
            async with session.post(url, json=body, headers={SECRET_HEADER: secret}) as response:
                await response.read()
                answer = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            answer = type(error).__name__
        deliveries.answers[answer] += 1
        if answer == 200:
            return
        if isinstance(answer, int) and answer < 500:
            raise AssertionError(f"update {number} was refused with {answer}, not retried")
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"update {number} was not accepted within {give_up_after}s "
                                 f"(answers so far: {dict(deliveries.answers)})")
        deliveries.retried.add(number)
        await asyncio.sleep(retry_every)


async def deliver_all(urls: list[str], secret: str, numbers, *, concurrency: int,
                      deliveries: Deliveries, pace: float = 0.0) -> Deliveries:
    """Post the updates ``numbers`` round-robin to the servers ``urls``, ``concurrency`` at
    a time, starting one every ``pace`` seconds at most."""
    limit = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def one(index: int, number: int) -> None:
            async with limit:
                await deliver(session, urls[index % len(urls)], secret, number, deliveries)

        tasks = []
        for index, number in enumerate(numbers):
            tasks.append(asyncio.create_task(one(index, number)))
            if pace:
                await asyncio.sleep(pace)
        await asyncio.gather(*tasks)
    return deliveries
