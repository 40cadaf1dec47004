"""The back office: every admin page opens, secrets stay masked, merges are done and undone."""

import io
import json

import pytest
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels_adapters.models import Channel, ChannelKind, mask_secret
from customers.models import Customer, CustomerMerge
from inbox.actions import assign_thread, receive_message, send_reply, tag_thread
from inbox.models import Message, Thread, User

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    Group.objects.create(name="Night shift")  # auth's Group is in the back office too


@pytest.fixture
def back_office(client, demo):
    client.force_login(User.objects.get(username="admin"))
    return client


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def filter_queries(changelist: ChangeList) -> list[str]:
    """One query string per filter of the changelist: its first choice that is not "All"."""
    queries = []
    for spec in changelist.filter_specs:
        choices = [choice for choice in spec.choices(changelist) if not choice["selected"]]
        if choices:
            queries.append(choices[0]["query_string"])
    return queries


def test_every_admin_changelist_opens_plain_searched_and_filtered(back_office):
    failures, filtered = {}, 0
    for model in admin.site._registry:
        url = admin_url(model, "changelist")
        response = back_office.get(url)
        if response.status_code != 200:
            failures[url] = response.status_code
            continue
        queries = ["?q=e"] + filter_queries(response.context["cl"])
        filtered += len(queries) - 1
        for query in queries:
            response = back_office.get(url + query)
            if response.status_code != 200:  # a bad filter redirects to ?e=1
                failures[url + query] = response.status_code

    assert failures == {}
    assert filtered >= len(admin.site._registry)


def test_every_admin_change_page_opens(back_office):
    failures = {}
    for model in admin.site._registry:
        instance = model._default_manager.order_by("pk").first()
        assert instance is not None, f"the demo has no {model._meta.label}"
        url = admin_url(model, "change", instance.pk)
        response = back_office.get(url)
        if response.status_code != 200:
            failures[url] = response.status_code

    assert failures == {}


def test_customer_search_finds_a_customer_by_any_of_their_addresses(back_office):
    response = back_office.get(admin_url(Customer, "changelist") + "?q=%2B447700900456")

    assert [str(customer) for customer in response.context["cl"].result_list] == [
        "Priya Natarajan"]


def test_thread_search_by_message_text_lists_each_thread_once(back_office):
    response = back_office.get(admin_url(Thread, "changelist") + "?q=refund")

    threads = list(response.context["cl"].result_list)
    assert threads
    assert len(threads) == len(set(threads))


def test_thread_filter_by_channel_kind_keeps_only_threads_with_that_kind(back_office):
    response = back_office.get(
        admin_url(Thread, "changelist") + "?messages__channel__kind__exact=whatsapp")

    threads = response.context["cl"].result_list
    assert {"Tomás Silva", "Priya Natarajan"} <= {thread.customer.name for thread in threads}
    assert all(thread.messages.filter(channel__kind="whatsapp").exists() for thread in threads)
    assert len(threads) < Thread.objects.count()


def test_channel_page_shows_secrets_only_masked(back_office):
    for channel in Channel.objects.exclude(secrets={}):
        page = back_office.get(admin_url(Channel, "change", channel.pk)).content.decode()

        for value in channel.secrets.values():
            assert value not in page
            assert mask_secret(value) in page


def channel_form(channel: Channel, *, new_secrets: str) -> dict[str, str]:
    return {
        "team": str(channel.team_id), "kind": channel.kind, "name": channel.name,
        "address": channel.address, "settings": json.dumps(channel.settings),
        "is_active": "on", "new_secrets": new_secrets, "_save": "Save",
        # the (read-only) IMAP mailbox inline's management form
        "mailboxes-TOTAL_FORMS": "0", "mailboxes-INITIAL_FORMS": "0",
    }


def test_saving_a_channel_with_blank_new_secrets_keeps_the_stored_ones(back_office):
    channel = Channel.objects.get(kind=ChannelKind.WEBCHAT)
    assert channel.secrets
    stored = dict(channel.secrets)

    response = back_office.post(admin_url(Channel, "change", channel.pk),
                                channel_form(channel, new_secrets="  "))

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.secrets == stored


def test_saving_a_channel_with_json_new_secrets_replaces_them(back_office):
    channel = Channel.objects.get(kind=ChannelKind.TELEGRAM)

    response = back_office.post(
        admin_url(Channel, "change", channel.pk),
        channel_form(channel, new_secrets='{"bot_token": "7012345678:NEW-token-value"}'))

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.secrets == {"bot_token": "7012345678:NEW-token-value"}
    page = back_office.get(admin_url(Channel, "change", channel.pk)).content.decode()
    assert "NEW-token-value" not in page


def test_saving_a_channel_with_secrets_that_are_not_a_json_object_is_refused(back_office):
    channel = Channel.objects.get(kind=ChannelKind.TELEGRAM)
    stored = dict(channel.secrets)

    response = back_office.post(admin_url(Channel, "change", channel.pk),
                                channel_form(channel, new_secrets='["not", "an object"]'))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_secrets"]
    channel.refresh_from_db()
    assert channel.secrets == stored


def test_merge_selected_merges_customers_and_undo_selected_gives_them_back(back_office):
    sarah = Customer.objects.get(name="Sarah Johnson")
    julia = Customer.objects.get(name="Julia Novak")
    julia_messages = set(julia.thread.messages.values_list("pk", flat=True))

    response = back_office.post(admin_url(Customer, "changelist"), {
        "action": "merge_selected", "index": "0", "_selected_action": [sarah.pk, julia.pk]})

    assert response.status_code == 302
    julia.refresh_from_db()
    assert julia.merged_into == sarah  # the older profile is kept
    assert julia_messages <= set(sarah.thread.messages.values_list("pk", flat=True))
    merge = CustomerMerge.objects.get(source=julia, undone_at=None)

    response = back_office.post(admin_url(CustomerMerge, "changelist"), {
        "action": "undo_selected", "index": "0", "_selected_action": [merge.pk]})

    assert response.status_code == 302
    julia.refresh_from_db()
    merge.refresh_from_db()
    assert julia.merged_into is None
    assert merge.undone_at is not None
    assert set(julia.thread.messages.values_list("pk", flat=True)) == julia_messages
    assert julia.identities.filter(address="j.novak@example.net").exists()


def test_merge_selected_needs_two_customers(back_office):
    sarah = Customer.objects.get(name="Sarah Johnson")

    response = back_office.post(admin_url(Customer, "changelist"), {
        "action": "merge_selected", "index": "0", "_selected_action": [sarah.pk]}, follow=True)

    assert "Select at least two customers." in response.content.decode()
    assert not CustomerMerge.objects.filter(target=sarah).exists()


def add_threads(count: int, *, channel: Channel, agent, start: int) -> None:
    for number in range(start, start + count):
        received = receive_message(channel=channel, address=f"buyer{number}@example.com",
                                   display_name=f"Buyer {number}", text="Where is my order?")
        thread = received.message.thread
        assign_thread(thread=thread, assignee=agent, by=agent)
        tag_thread(thread=thread, add=[f"batch-{number % 3}"], by=agent)
        send_reply(thread=thread, channel=channel, author=agent, text="It left today.")


def changelist_queries(client, model) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [Thread, Customer, Message], ids=lambda model: model.__name__)
def test_changelist_query_count_does_not_grow_with_the_number_of_threads(
    client, settings, make_channel, agent, model
):
    settings.PASSWORD_HASHERS = FAST_HASHER
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    channel = make_channel(ChannelKind.EMAIL)
    add_threads(2, channel=channel, agent=agent, start=0)
    with_two = changelist_queries(client, model)

    add_threads(8, channel=channel, agent=agent, start=2)

    assert changelist_queries(client, model) == with_two


def test_a_customer_added_in_the_back_office_gets_their_thread_and_an_event(back_office):
    response = back_office.post(admin_url(Customer, "add"), {
        "name": "Walk-in Wanda", "attributes": "{}", "notes": "Came to the shop",
        "identities-TOTAL_FORMS": "0", "identities-INITIAL_FORMS": "0",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(name="Walk-in Wanda")
    assert customer.notes == "Came to the shop"
    assert Thread.objects.filter(customer=customer).exists()
    from inbox.models import Event
    assert Event.objects.filter(customer=customer, type="customer.created").exists()


def test_the_customer_page_shows_the_timeline_across_channels(back_office):
    priya = Customer.objects.get(name="Priya Natarajan")

    page = back_office.get(admin_url(Customer, "change", priya.pk)).content.decode()

    assert "Open the thread" in page
    for kind in ("SMS", "WhatsApp"):
        assert f"<td>{kind}</td>" in page


def test_threads_change_only_through_the_actions_offered(back_office):
    thread = Thread.objects.filter(status=Thread.Status.OPEN).first()

    page = back_office.get(admin_url(Thread, "change", thread.pk)).content.decode()
    assert 'name="_save"' not in page  # read-only: no save button
    assert back_office.get(admin_url(Thread, "delete", thread.pk)).status_code == 403
    response = back_office.post(admin_url(Thread, "changelist"), {
        "action": "mark_resolved", "_selected_action": [thread.pk]})

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == Thread.Status.RESOLVED
    assert thread.events.filter(type="thread.status_changed").exists()


def test_identities_cannot_be_added_by_hand(back_office):
    from customers.models import Identity

    assert back_office.get(admin_url(Identity, "add")).status_code == 403
