"""``receive_messages``: a batch follows the rules of ``receive_message`` message by message,
in a handful of queries (and one per thread it touches), and two batches racing on the same
new senders make one customer each (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from customers.models import Customer, Identity
from inbox.actions import Incoming, change_status, receive_message, receive_messages
from inbox.models import Event, Message, Thread
from tests.helpers import needs_postgresql


@pytest.mark.django_db
def test_a_batch_follows_the_rules_of_one_message_at_a_time(make_channel):
    channel = make_channel("email")
    known = receive_message(channel=channel, address="ana@example.com", text="First",
                            external_id="<1@x>", verified=True).message
    change_status(thread=known.thread, status=Thread.Status.RESOLVED)
    before = Event.objects.order_by("-id").values_list("id", flat=True).first()

    results = receive_messages(channel=channel, items=[
        Incoming(address="ANA@example.com", text="Again", external_id="<2@x>", verified=True),
        Incoming(address="ana@example.com", text="Out of office", external_id="<3@x>",
                 verified=True, automatic=True),
        Incoming(address="bo@example.com", text="New here", external_id="<4@x>",
                 display_name="Bo", verified=True),
        Incoming(address="bo@example.com", text="New here", external_id="<4@x>",
                 verified=True),  # the provider sent it twice in one batch
        Incoming(address="ana@example.com", text="First", external_id="<1@x>",
                 verified=True),  # and one it had sent before
    ])

    assert [r.created for r in results] == [True, True, True, False, False]
    assert results[3].message == results[2].message and results[4].message == known
    assert results[2].customer_created and not results[0].customer_created
    ana = Thread.objects.get(pk=known.thread_id)
    assert ana.status == Thread.Status.OPEN  # re-opened once, by the real message
    assert ana.last_inbound_at == results[0].message.created_at
    assert ana.last_activity_at == results[1].message.created_at
    bo = Customer.objects.get(identities__address="bo@example.com")
    assert bo.name == "Bo" and bo.thread.team == channel.team
    new_types = list(Event.objects.filter(id__gt=before).order_by("id")
                     .values_list("type", flat=True))
    assert new_types == ["customer.created", "identity.added", "message.received",
                         "thread.status_changed", "message.received", "message.received"]
    assert Message.objects.filter(channel=channel).count() == 4


@pytest.mark.django_db
def test_a_batch_of_a_hundred_takes_a_handful_of_queries(make_channel,
                                                         django_assert_max_num_queries):
    channel = make_channel("email")
    for number in range(20):
        receive_message(channel=channel, address=f"known{number}@example.com", text="Hi",
                        verified=True)
    items = [Incoming(address=f"{'known' if n % 2 else 'new'}{n % 40}@example.com",
                      text=f"Message {n}", external_id=f"<batch-{n}@x>", verified=True)
             for n in range(100)]

    # A handful, and one UPDATE per thread (40 here); one by one, this took about 1,500.
    with django_assert_max_num_queries(20 + 40):
        results = receive_messages(channel=channel, items=items)

    assert all(result.created for result in results)
    assert Message.objects.filter(external_id__startswith="<batch-").count() == 100


@pytest.mark.django_db
def test_an_invalid_item_refuses_the_batch_before_writing(make_channel):
    channel = make_channel("email")
    with pytest.raises(Exception):  # noqa: B017 - the ValidationError of the empty text
        receive_messages(channel=channel, items=[
            Incoming(address="ana@example.com", text="Fine", verified=True),
            Incoming(address="bo@example.com", text="", verified=True),
        ])
    assert not Message.objects.exists() and not Customer.objects.exists()


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_batches_racing_on_the_same_new_senders_make_one_customer_each(make_channel):
    channel = make_channel("email")
    senders = [f"racer{n}@example.com" for n in range(30)]
    errors = []
    start = threading.Barrier(2)

    def batch(tag: str, order: list[str]):
        try:
            start.wait()
            receive_messages(channel=channel, items=[
                Incoming(address=address, text=f"{tag} {address}", external_id=f"<{tag}-{n}>",
                         verified=True) for n, address in enumerate(order)])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    racers = [threading.Thread(target=batch, args=("a", senders)),
              threading.Thread(target=batch, args=("b", senders[::-1]))]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert not errors
    assert Identity.objects.filter(address__startswith="racer").count() == 30
    assert Customer.objects.count() == 30
    assert Message.objects.count() == 60
    for identity in Identity.objects.all():
        assert Message.objects.filter(identity=identity).count() == 2
