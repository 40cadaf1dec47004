"""What the tests read back from the test database while the stack works: payloads stored,
messages by provider id; and polling until they are as expected."""

import time
from collections import Counter


def stored_count(channel) -> int:
    return channel.payloads.count()


def payload_statuses(channel) -> Counter:
    return Counter(channel.payloads.values_list("status", flat=True))


def statuses_once_processed(channel) -> Counter | None:
    """The payloads' statuses once none is pending any more (else None)."""
    statuses = payload_statuses(channel)
    return statuses if statuses and "pending" not in statuses else None


def messages_by_provider_id(channel) -> Counter:
    """How many messages of the channel carry each provider id (``external_id``)."""
    from inbox.models import Message

    return Counter(Message.objects.filter(channel=channel).values_list("external_id", flat=True))


def wait_until(predicate, *, timeout: float, what: str):
    """``predicate()``'s first truthy result, polled; ``what`` names it when it never comes."""
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.2)
    return result
