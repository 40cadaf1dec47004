"""Merging two customers and undoing it: nothing lost, nothing twice, everything given back."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.actions import merge_customers, undo_merge
from customers.models import Customer, CustomerMerge, Identity
from inbox.actions import add_note, assign_thread, change_status, receive_message, tag_thread
from inbox.events import CustomersMerged, MergeUndone
from inbox.models import Event, Message, Tag, Thread
from tests.helpers import parsed

pytestmark = pytest.mark.django_db


def message_ids(*customers: Customer) -> set[int]:
    return set(
        Message.objects.filter(thread__customer__in=customers).values_list("id", flat=True)
    )


def thread_of(customer: Customer) -> Thread:
    return Thread.objects.get(customer=customer)


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email")


@pytest.fixture
def webchat_channel(make_channel):
    return make_channel("webchat")


@pytest.fixture
def source(email_channel, webchat_channel, agent):
    """Ana wrote by e-mail, then by web chat logged in with that e-mail; an agent noted
    something; her profile and thread are tagged."""
    first = receive_message(channel=email_channel, address="ana@home.example", text="Hello",
                            external_id="mail-1", display_name="Ana", verified=True)
    receive_message(channel=webchat_channel, address="visitor-ana", text="It's Ana",
                    external_id="chat-1", verified_emails=["ana@home.example"])
    customer = first.message.thread.customer
    add_note(thread=customer.thread, author=agent, text="Called her back")
    tag_thread(thread=customer.thread, add=["refund"], by=agent)
    customer.tags.add(Tag.objects.create(name="vip"))
    customer.attributes = {"plan": "gold"}
    customer.save()
    return Customer.objects.get(pk=customer.pk)


@pytest.fixture
def target(email_channel):
    """Ana again, from her work address, before anyone knew it was her."""
    received = receive_message(channel=email_channel, address="ana@work.example",
                               text="Hi from work", external_id="mail-2")
    customer = received.message.thread.customer
    tag_thread(thread=customer.thread, add=["b2b"])
    customer.tags.add(Tag.objects.create(name="newsletter"))
    return Customer.objects.get(pk=customer.pk)


def test_merge_moves_identities_messages_events_and_tags(source, target):
    # given what each customer holds
    source_identity_ids = set(source.identities.values_list("id", flat=True))
    target_identity_ids = set(target.identities.values_list("id", flat=True))
    source_event_ids = set(Event.objects.filter(customer=source).values_list("id", flat=True))
    source_message_ids = message_ids(source)

    # when the source is merged into the target
    merge = merge_customers(source=source, target=target)

    # then the target holds everything, the source nothing
    target.refresh_from_db()
    source.refresh_from_db()
    assert set(target.identities.values_list("id", flat=True)) == (
        source_identity_ids | target_identity_ids
    )
    assert not source.identities.exists()
    assert source_message_ids <= set(thread_of(target).messages.values_list("id", flat=True))
    assert not thread_of(source).messages.exists()
    moved = Event.objects.filter(pk__in=source_event_ids)
    assert set(moved.values_list("customer_id", "thread_id")) == {
        (target.pk, thread_of(target).pk)
    }
    assert set(target.tags.values_list("name", flat=True)) == {"vip", "newsletter"}
    assert set(thread_of(target).tags.values_list("name", flat=True)) == {"refund", "b2b"}
    assert target.attributes == {"plan": "gold"}
    # and the merge remembers what it moved
    assert set(merge.identity_ids) == source_identity_ids
    assert set(merge.message_ids) == source_message_ids


def test_merged_source_is_marked_and_its_thread_resolved(source, target):
    merge_customers(source=source, target=target)

    source.refresh_from_db()
    assert source.merged_into == target
    assert thread_of(source).status == Thread.Status.RESOLVED
    assert CustomerMerge.objects.get().source == source


def test_merge_recomputes_target_thread_activity(source, target):
    # given the source's last inbound message is the newest of all
    now = timezone.now()
    Message.objects.filter(thread__customer=target).update(created_at=now - timedelta(days=3))
    Message.objects.filter(thread__customer=source).update(created_at=now - timedelta(days=2))
    newest = Message.objects.filter(thread__customer=source,
                                    direction=Message.Direction.INBOUND).order_by("id").last()
    Message.objects.filter(pk=newest.pk).update(created_at=now - timedelta(hours=1))

    # when merged
    merge_customers(source=source, target=target)

    # then the target thread's activity is that of the messages it now holds
    thread = thread_of(target)
    assert thread.last_activity_at == now - timedelta(hours=1)
    assert thread.last_inbound_at == now - timedelta(hours=1)


def test_merge_reopens_a_resolved_target_when_the_source_is_open(source, target):
    change_status(thread=target.thread, status=Thread.Status.RESOLVED)

    merge_customers(source=source, target=target)

    assert thread_of(target).status == Thread.Status.OPEN


def test_merge_loses_and_duplicates_no_message(source, target):
    before = message_ids(source, target)

    merge_customers(source=source, target=target)

    after = list(Message.objects.filter(thread__customer__in=[source, target])
                 .values_list("id", flat=True))
    assert len(after) == len(set(after))
    assert set(after) == before
    assert set(thread_of(target).messages.values_list("id", flat=True)) == before


def test_message_after_merge_through_source_identity_lands_on_target(source, target,
                                                                    webchat_channel):
    merge_customers(source=source, target=target)

    # when Ana writes again on web chat, an identity that was the source's
    received = receive_message(channel=webchat_channel, address="visitor-ana", text="Still me",
                               external_id="chat-2")

    # then it joins the target's thread, and no new customer appears
    assert received.message.thread == thread_of(target)
    assert not received.customer_created
    assert Customer.objects.count() == 2


def test_merge_records_customers_merged(source, target, supervisor):
    source_identity_ids = sorted(source.identities.values_list("id", flat=True))
    source_message_count = len(message_ids(source))

    merge = merge_customers(source=source, target=target, by=supervisor)

    event, on_source = Event.objects.filter(type=CustomersMerged.type).order_by("id")[:2]
    assert on_source.thread_id == thread_of(source).pk and on_source.payload == event.payload
    assert event.thread_id == thread_of(target).pk
    assert event.customer_id == target.pk
    assert event.actor == supervisor
    payload = parsed(event)
    assert payload == CustomersMerged(
        merge_id=merge.pk, source_id=source.pk, target_id=target.pk,
        identity_ids=payload.identity_ids, message_count=source_message_count,
    )
    assert sorted(payload.identity_ids) == source_identity_ids


def test_undo_gives_everything_back(source, target, webchat_channel, email_channel, agent):
    # given the state of both customers before the merge
    source_identity_ids = set(source.identities.values_list("id", flat=True))
    target_identity_ids = set(target.identities.values_list("id", flat=True))
    source_message_ids = message_ids(source)
    target_message_ids = message_ids(target)
    source_event_ids = set(Event.objects.filter(customer=source).values_list("id", flat=True))
    assign_thread(thread=source.thread, assignee=agent)
    change_status(thread=source.thread, status=Thread.Status.PENDING)
    target_tags = set(target.tags.values_list("name", flat=True))
    target_thread_tags = set(thread_of(target).tags.values_list("name", flat=True))
    merge = merge_customers(source=source, target=target)

    # and, since the merge, Ana wrote through her old identities and agents noted on the target
    late_chat = receive_message(channel=webchat_channel, address="visitor-ana", text="Again",
                               external_id="chat-3").message
    late_mail = receive_message(channel=email_channel, address="ana@home.example",
                                text="Again by mail", external_id="mail-3").message
    late_work_mail = receive_message(channel=email_channel, address="ana@work.example",
                                     text="From work", external_id="mail-4").message
    note = add_note(thread=target.thread, author=agent, text="Merged these two")

    # when the merge is undone
    undo_merge(merge=merge)

    # then the source has its identities, messages, events, tags and inbox state back
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into is None
    assert set(source.identities.values_list("id", flat=True)) == source_identity_ids
    assert set(target.identities.values_list("id", flat=True)) == target_identity_ids
    assert message_ids(source) == source_message_ids | {late_chat.pk, late_mail.pk}
    assert message_ids(target) == target_message_ids | {late_work_mail.pk, note.pk}
    assert set(Event.objects.filter(pk__in=source_event_ids)
               .values_list("customer_id", "thread_id")) == {(source.pk, thread_of(source).pk)}
    source_thread = thread_of(source)
    assert source_thread.status == Thread.Status.PENDING
    assert source_thread.assignee == agent
    assert set(source_thread.tags.values_list("name", flat=True)) == {"refund"}
    assert set(source.tags.values_list("name", flat=True)) == {"vip"}
    assert set(target.tags.values_list("name", flat=True)) == target_tags
    assert set(thread_of(target).tags.values_list("name", flat=True)) == target_thread_tags


def test_undo_takes_back_the_replies_sent_since_to_the_source_identities_with_their_events(
    source, target, email_channel, agent
):
    # given, after the merge, an agent answered Ana's home address from the merged thread
    from inbox.actions import send_reply

    merge = merge_customers(source=source, target=target)
    late_mail = receive_message(channel=email_channel, address="ana@home.example",
                                text="Any news?", external_id="mail-5").message
    reply = send_reply(thread=target.thread, channel=email_channel, author=agent,
                       text="Yes, it shipped")
    assert reply.identity.address == "ana@home.example"
    reply_event_ids = set(Event.objects.filter(payload__message__id=reply.pk)
                          .values_list("id", flat=True))

    # when the merge is undone
    undo_merge(merge=merge)

    # then the exchange with that address goes back to the source, events included
    assert {late_mail.pk, reply.pk} <= message_ids(source)
    assert set(Event.objects.filter(pk__in=reply_event_ids)
               .values_list("thread_id", flat=True)) == {thread_of(source).pk}


def test_undo_recomputes_both_threads_activity(source, target, webchat_channel):
    merge = merge_customers(source=source, target=target)
    late = receive_message(channel=webchat_channel, address="visitor-ana", text="Again",
                           external_id="chat-3").message

    undo_merge(merge=merge)

    source_thread, target_thread = thread_of(source), thread_of(target)
    assert source_thread.last_activity_at == late.created_at
    assert source_thread.last_inbound_at == late.created_at
    newest_target = target_thread.messages.order_by("created_at").last()
    assert target_thread.last_activity_at == newest_target.created_at
    assert target_thread.last_activity_at < late.created_at


def test_merge_then_undo_loses_and_duplicates_no_message(source, target, webchat_channel, agent):
    merge = merge_customers(source=source, target=target)
    receive_message(channel=webchat_channel, address="visitor-ana", text="Again",
                    external_id="chat-3")
    add_note(thread=target.thread, author=agent, text="A note after the merge")
    everything = message_ids(source, target)

    undo_merge(merge=merge)

    after = list(Message.objects.filter(thread__customer__in=[source, target])
                 .values_list("id", flat=True))
    assert len(after) == len(set(after))
    assert set(after) == everything
    assert not message_ids(source) & message_ids(target)


def test_customer_can_be_merged_again_after_undo(source, target):
    undo_merge(merge=merge_customers(source=source, target=target))

    merge = merge_customers(source=source, target=target)

    assert Customer.objects.get(pk=source.pk).merged_into == target
    assert CustomerMerge.objects.filter(undone_at__isnull=True).get() == merge


def test_undo_records_merge_undone_on_both_threads(source, target, webchat_channel, supervisor):
    merge = merge_customers(source=source, target=target)
    receive_message(channel=webchat_channel, address="visitor-ana", text="Again",
                    external_id="chat-3")
    source_identity_ids = sorted(merge.identity_ids)
    expected_count = len(merge.message_ids) + 1

    undo_merge(merge=merge, by=supervisor)

    events = list(Event.objects.filter(type=MergeUndone.type).order_by("id"))
    assert {event.thread_id for event in events} == {thread_of(source).pk, thread_of(target).pk}
    assert all(event.actor == supervisor for event in events)
    for event in events:
        payload = parsed(event)
        assert (payload.merge_id, payload.source_id, payload.target_id) == (
            merge.pk, source.pk, target.pk
        )
        assert sorted(payload.identity_ids) == source_identity_ids
        assert payload.message_count == expected_count
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == supervisor


def test_merging_a_customer_into_itself_is_refused(source):
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        merge_customers(source=source, target=source)

    assert not CustomerMerge.objects.exists()


def test_merging_an_already_merged_customer_is_refused(source, target, email_channel):
    # given a third customer, and the source already merged into the target
    third = receive_message(channel=email_channel, address="zoe@example.com",
                            text="Hi").message.thread.customer
    merge_customers(source=source, target=target)
    events_before = Event.objects.count()

    # when the merged source is merged again, or something is merged into it
    with pytest.raises(ValidationError, match="already merged into another customer"):
        merge_customers(source=source, target=third)
    with pytest.raises(ValidationError, match="already merged into another customer"):
        merge_customers(source=third, target=source)

    # then nothing moved
    assert CustomerMerge.objects.count() == 1
    assert Event.objects.count() == events_before
    assert Customer.objects.get(pk=third.pk).merged_into is None
    assert third.identities.count() == 1


def test_undoing_twice_is_refused(source, target):
    merge = merge_customers(source=source, target=target)
    undo_merge(merge=merge)
    state = (message_ids(source), message_ids(target), Event.objects.count())

    with pytest.raises(ValidationError, match="already undone"):
        undo_merge(merge=merge)

    assert (message_ids(source), message_ids(target), Event.objects.count()) == state


def test_undo_is_refused_while_the_target_is_merged_elsewhere(source, target, email_channel):
    third = receive_message(channel=email_channel, address="zoe@example.com",
                            text="Hi").message.thread.customer
    merge = merge_customers(source=source, target=target)
    merge_customers(source=target, target=third)

    with pytest.raises(ValidationError, match="undo that first"):
        undo_merge(merge=merge)

    assert Customer.objects.get(pk=source.pk).merged_into == target


def test_identities_stay_unique_through_merge_and_undo(source, target):
    identities_before = set(Identity.objects.values_list("kind", "address"))

    undo_merge(merge=merge_customers(source=source, target=target))

    assert set(Identity.objects.values_list("kind", "address")) == identities_before
    assert Identity.objects.count() == len(identities_before)


def test_undo_keeps_the_tags_the_target_already_had(source, target):
    # given both threads tagged "refund", and both profiles tagged "vip"
    tag_thread(thread=target.thread, add=["refund"])
    target.tags.add(Tag.objects.get(name="vip"))
    merge = merge_customers(source=source, target=target)

    undo_merge(merge=merge)

    assert set(thread_of(target).tags.values_list("name", flat=True)) == {"b2b", "refund"}
    assert set(target.tags.values_list("name", flat=True)) == {"vip", "newsletter"}
    assert set(thread_of(source).tags.values_list("name", flat=True)) == {"refund"}
