"""THREADLINE_EVENT_LISTENERS: integrations hear every committed event; one that fails
never stops the publication or the listeners after it."""

import pytest

from inbox.actions import receive_message

pytestmark = pytest.mark.django_db(transaction=True)

heard: list[tuple[str, list[str]]] = []


def broken_listener(events):
    heard.append(("broken", [event.type for event in events]))
    raise RuntimeError("this integration is down")


def recording_listener(events):
    heard.append(("recording", [event.type for event in events]))


@pytest.fixture(autouse=True)
def _nothing_heard():
    heard.clear()


def test_a_listener_that_raises_does_not_stop_publishing(settings, make_channel):
    settings.THREADLINE_EVENT_LISTENERS = [f"{__name__}.broken_listener",
                                           f"{__name__}.recording_listener"]

    received = receive_message(channel=make_channel("sms"), address="+33612345678",
                               text="Hello", external_id="SM1")

    assert received.created
    types = ["customer.created", "identity.added", "message.received"]
    assert sorted({kind for _, kinds in heard for kind in kinds}) == sorted(types)
    assert {who for who, _ in heard} == {"broken", "recording"}
    # every batch the broken one failed on still reached the next listener
    assert [kinds for who, kinds in heard if who == "broken"] == [
        kinds for who, kinds in heard if who == "recording"]


def test_a_listener_that_cannot_be_imported_is_skipped(settings, make_channel):
    settings.THREADLINE_EVENT_LISTENERS = ["nowhere.to.be.found",
                                           f"{__name__}.recording_listener"]

    receive_message(channel=make_channel("sms"), address="+33612345678", text="Hello")

    assert heard and {who for who, _ in heard} == {"recording"}
