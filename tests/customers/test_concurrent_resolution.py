"""Identity resolution and message storage under real concurrent transactions (PostgreSQL).

SQLite serialises every write, so these races can only happen, and only be proven, on
PostgreSQL: the suite runs there on the production stack (``.ci/run``).
"""

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from customers.models import Customer, Identity
from inbox.actions import receive_message
from inbox.models import Event, Message, Thread
from tests.conftest import ROOT
from tests.helpers import database_url_for, needs_postgresql, on_postgresql

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_postgresql,
]


def _in_own_connection(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def test_a_second_transaction_that_loses_the_race_joins_the_first_customer(make_channel):
    # Given transaction A has created the customer of a new identity but not committed yet
    assert on_postgresql()
    channel = make_channel("telegram")
    a_inserted, b_started = threading.Event(), threading.Event()

    @_in_own_connection
    def first():
        with transaction.atomic():
            received = receive_message(channel=channel.pk, address="4242", text="first",
                                       external_id="a")
            a_inserted.set()
            b_started.wait(5)
            time.sleep(0.5)  # B is now blocked on the identity's unique index
        return received

    @_in_own_connection
    def second():
        a_inserted.wait(5)
        b_started.set()
        started = time.monotonic()
        received = receive_message(channel=channel.pk, address="4242", text="second",
                                   external_id="b")
        return received, time.monotonic() - started

    # When transaction B receives a message from the same identity meanwhile
    with ThreadPoolExecutor(2) as pool:
        a_future, b_future = pool.submit(first), pool.submit(second)
        a_result, (b_result, b_waited) = a_future.result(), b_future.result()

    # Then B waited for A, then joined A's customer and thread: one customer, one thread
    assert b_waited > 0.3
    assert a_result.customer_created and not b_result.customer_created
    assert Customer.objects.count() == 1
    assert Thread.objects.count() == 1
    assert Identity.objects.count() == 1
    assert set(Message.objects.values_list("text", flat=True)) == {"first", "second"}
    assert Event.objects.filter(type="customer.created").count() == 1


def test_the_same_provider_message_in_two_transactions_at_once_is_stored_once(make_channel):
    channel = make_channel("whatsapp")
    barrier = threading.Barrier(8)

    @_in_own_connection
    def deliver(_):
        barrier.wait(5)
        return receive_message(channel=channel.pk, address="+33612345678", text="hello",
                               external_id="wamid.1")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(deliver, range(8)))

    assert sum(result.created for result in results) == 1
    assert len({result.message.pk for result in results}) == 1
    assert Message.objects.count() == 1
    assert Customer.objects.count() == 1
    assert Event.objects.filter(type="message.received").count() == 1


RACER = """
import json, os, sys, time
import django
django.setup()
from inbox.actions import receive_message
start, channel_id, process = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
time.sleep(max(0, start - time.time()))
results = []
for n in range(20):
    received = receive_message(channel=channel_id, address=f"+3361234{n:04d}",
                               text=f"from process {process}", external_id=f"{process}-{n}")
    results.append(received.customer_created)
print(json.dumps(results))
"""


def test_two_processes_racing_on_twenty_new_identities_make_twenty_customers(make_channel):
    # Given two processes that start at the same instant, each receiving a first message
    # from the same twenty new phone numbers
    channel = make_channel("sms")
    env = {**os.environ, "DATABASE_URL": database_url_for(connection.settings_dict),
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    start = time.time() + 2
    racers = [
        subprocess.Popen([sys.executable, "-c", RACER, str(start), str(channel.pk), name],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for name in ("p1", "p2")
    ]
    outputs = [racer.communicate(timeout=60) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers), outputs

    # Then each number has one customer and one thread holding both processes' messages
    created = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]
    assert sum(map(sum, created)) == 20
    assert Customer.objects.count() == 20
    assert Thread.objects.count() == 20
    assert Identity.objects.count() == 20
    assert Message.objects.count() == 40
    for thread in Thread.objects.all():
        assert sorted(thread.messages.values_list("text", flat=True)) == [
            "from process p1", "from process p2"]
