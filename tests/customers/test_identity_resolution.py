"""Identity resolution: who is behind ``(kind, address)``, found or created.

The concurrent case lives in ``test_concurrent_resolution.py``.
"""


import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from customers.actions import customer_create, identity_resolve, merge_customers
from customers.addresses import IdentityKind
from customers.models import Customer, Identity
from inbox.actions import receive_message
from inbox.events import CustomerCreated, IdentityAdded
from inbox.models import Event, Message, Thread
from tests.helpers import parsed

pytestmark = pytest.mark.django_db


def resolve(**kwargs):
    with transaction.atomic():
        return identity_resolve(**kwargs)


def given_customer_with_identity(kind, address, *, verified, name="Ana"):
    resolved = resolve(kind=kind, address=address, verified=verified, display_name=name)
    return resolved.customer, resolved.identity


def test_identity_seen_before_goes_to_its_customer():
    # given a customer known by their e-mail
    customer, identity = given_customer_with_identity(
        IdentityKind.EMAIL, "ana@example.com", verified=False
    )

    # when the same address writes again, spelt differently
    resolved = resolve(kind=IdentityKind.EMAIL, address="ANA@Example.com")

    # then it is the same identity of the same customer, nothing created
    assert resolved.customer == customer
    assert resolved.identity == identity
    assert not resolved.customer_created
    assert not resolved.identity_created
    assert Customer.objects.count() == 1
    assert Identity.objects.count() == 1


def test_identity_seen_again_is_marked_seen_and_may_become_verified():
    # given an unverified identity
    _, identity = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com",
                                               verified=False)
    before = Identity.objects.get(pk=identity.pk).last_seen_at

    # when the provider now proves it
    resolved = resolve(kind=IdentityKind.EMAIL, address="ana@example.com", verified=True)

    # then it is verified, and seen now
    stored = Identity.objects.get(pk=identity.pk)
    assert stored.verified and resolved.identity.verified
    assert stored.last_seen_at >= before


def test_verified_claim_never_unverifies_an_identity():
    _, identity = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com",
                                               verified=True)

    resolve(kind=IdentityKind.EMAIL, address="ana@example.com", verified=False)

    assert Identity.objects.get(pk=identity.pk).verified


def test_new_identity_with_verified_email_joins_the_customer_owning_it():
    # given a customer with a verified e-mail
    customer, _ = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com",
                                               verified=True)

    # when she writes on Slack, and Slack vouches for her e-mail
    resolved = resolve(kind=IdentityKind.SLACK, address="U012AB3CD",
                       verified_emails=["Ana@Example.com"])

    # then the Slack identity is hers
    assert resolved.customer == customer
    assert resolved.identity_created and not resolved.customer_created
    assert resolved.identity.customer_id == customer.pk
    assert Customer.objects.count() == 1


def test_new_identity_with_verified_phone_joins_the_customer_owning_it(settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"
    # given a customer with a verified phone number
    customer, _ = given_customer_with_identity(IdentityKind.PHONE, "+33612345678",
                                               verified=True)

    # when a Telegram user with that (national) phone number writes
    resolved = resolve(kind=IdentityKind.TELEGRAM, address="424242",
                       verified_phones=["06 12 34 56 78"])

    # then the Telegram identity joins her
    assert resolved.customer == customer
    assert not resolved.customer_created


def test_verified_email_identity_joins_customer_with_same_verified_email_kind():
    # given a customer reached by a verified e-mail
    customer, _ = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com",
                                               verified=True)
    # and a web chat visitor who logged in with that e-mail
    resolved = resolve(kind=IdentityKind.WEBCHAT, address="visitor-1",
                       verified_emails=["ana@example.com"])

    assert resolved.customer == customer


def test_unverified_claim_does_not_match_a_customer():
    # given a customer with a verified e-mail
    customer, _ = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com",
                                               verified=True)

    # when someone on web chat merely types that e-mail (nobody vouches for it)
    resolved = resolve(kind=IdentityKind.WEBCHAT, address="visitor-2")

    # then they are somebody new
    assert resolved.customer != customer
    assert resolved.customer_created


def test_verified_claim_does_not_match_an_unverified_identity():
    # given a customer whose e-mail nobody proved
    customer, _ = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com",
                                               verified=False)

    # when a verified Slack user claims that e-mail
    resolved = resolve(kind=IdentityKind.SLACK, address="U999", verified_emails=["ana@example.com"])

    # then an unproven address is no ground to join them
    assert resolved.customer != customer
    assert resolved.customer_created


def test_unknown_identity_creates_customer_and_thread(team):
    # given nobody

    # when a new address writes
    resolved = resolve(kind=IdentityKind.EMAIL, address="bob@example.com",
                       display_name="  Bob Martin ", team=team)

    # then a customer, their identity and their one thread exist
    customer = resolved.customer
    assert resolved.customer_created and resolved.identity_created
    assert customer.name == "Bob Martin"
    assert resolved.identity.address == "bob@example.com"
    assert resolved.identity.display_name == "Bob Martin"
    thread = Thread.objects.get(customer=customer)
    assert thread.team == team
    assert thread.status == Thread.Status.OPEN


def test_creation_records_customer_created_and_identity_added():
    # when a new customer is resolved
    resolved = resolve(kind=IdentityKind.EMAIL, address="bob@example.com", display_name="Bob",
                       verified=True)

    # then both events are recorded on their thread, with payloads that parse
    events = list(Event.objects.filter(customer=resolved.customer).order_by("id"))
    assert [event.type for event in events] == [CustomerCreated.type, IdentityAdded.type]
    assert all(event.thread_id == resolved.customer.thread.pk for event in events)
    assert parsed(events[0]) == CustomerCreated(customer_id=resolved.customer.pk, name="Bob")
    assert parsed(events[1]) == IdentityAdded(
        identity_id=resolved.identity.pk, kind="email", address="bob@example.com", verified=True
    )


def test_identity_joining_a_customer_records_identity_added_only():
    customer, _ = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com",
                                               verified=True)
    last_event_id = Event.objects.order_by("-id").values_list("id", flat=True).first()

    resolved = resolve(kind=IdentityKind.SLACK, address="U012AB3CD",
                       verified_emails=["ana@example.com"])

    new_events = list(Event.objects.filter(id__gt=last_event_id))
    assert [event.type for event in new_events] == [IdentityAdded.type]
    assert new_events[0].customer_id == customer.pk
    assert parsed(new_events[0]) == IdentityAdded(
        identity_id=resolved.identity.pk, kind="slack", address="U012AB3CD", verified=False
    )


def test_identity_seen_before_records_no_event():
    given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com", verified=False)
    events_before = Event.objects.count()

    resolve(kind=IdentityKind.EMAIL, address="ana@example.com")

    assert Event.objects.count() == events_before


def test_sms_then_whatsapp_from_same_number_is_one_customer(make_channel, settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"
    # given an SMS channel and a WhatsApp channel (the phone network proves the numbers)
    sms = make_channel("sms")
    whatsapp = make_channel("whatsapp")

    # when the customer texts with a national number, then writes on WhatsApp internationally
    first = receive_message(channel=sms, address="06 12 34 56 78", text="Bonjour",
                            external_id="sms-1", verified=True)
    second = receive_message(channel=whatsapp, address="+33 6 12 34 56 78", text="C'est moi",
                             external_id="wa-1", verified=True)

    # then both messages are in one customer's one thread, through two identities
    assert first.customer_created and not second.customer_created
    assert Customer.objects.count() == 1
    customer = Customer.objects.get()
    assert set(customer.identities.values_list("kind", "address")) == {
        ("phone", "+33612345678"),
        ("whatsapp", "+33612345678"),
    }
    assert first.message.thread_id == second.message.thread_id == customer.thread.pk
    assert customer.thread.messages.count() == 2


def test_sms_in_two_spellings_of_one_number_is_one_identity(make_channel, settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"
    sms = make_channel("sms")

    receive_message(channel=sms, address="+33 6 12 34 56 78", text="one", external_id="1")
    receive_message(channel=sms, address="06.12.34.56.78", text="two", external_id="2")

    assert Identity.objects.count() == 1
    assert Customer.objects.count() == 1
    assert Message.objects.count() == 2


def test_unverified_whatsapp_number_does_not_join_the_sms_customer(make_channel, settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"
    sms = make_channel("sms")
    whatsapp = make_channel("whatsapp")

    receive_message(channel=sms, address="0612345678", text="one", verified=True)
    receive_message(channel=whatsapp, address="+33612345678", text="two", verified=False)

    assert Customer.objects.count() == 2


def test_merged_customer_is_never_chosen_for_a_new_identity():
    # given customer A merged into B: A's verified e-mail now belongs to B
    source, _ = given_customer_with_identity(IdentityKind.EMAIL, "ana@example.com", verified=True)
    target, _ = given_customer_with_identity(IdentityKind.EMAIL, "ana@work.example",
                                             verified=True, name="Ana L.")
    merge_customers(source=source, target=target)

    # when a new identity vouched for by A's old e-mail arrives
    resolved = resolve(kind=IdentityKind.SLACK, address="U1", verified_emails=["ana@example.com"])

    # then it joins B, where the e-mail is now
    assert resolved.customer == target


def test_invalid_address_creates_nothing():
    counts = (Customer.objects.count(), Identity.objects.count(), Event.objects.count())

    with pytest.raises(ValidationError, match="valid email address"):
        resolve(kind=IdentityKind.EMAIL, address="not an e-mail")

    assert (Customer.objects.count(), Identity.objects.count(), Event.objects.count()) == counts


def test_invalid_verified_claim_creates_nothing():
    counts = (Customer.objects.count(), Identity.objects.count(), Event.objects.count())

    with pytest.raises(ValidationError, match="not a phone number"):
        resolve(kind=IdentityKind.SLACK, address="U1", verified_phones=["<script>"])

    assert (Customer.objects.count(), Identity.objects.count(), Event.objects.count()) == counts


def test_customer_create_makes_exactly_one_thread(team):
    with transaction.atomic():
        customer = customer_create(name="Chloé", team=team)

    assert Thread.objects.filter(customer=customer).count() == 1
    event = Event.objects.get(customer=customer)
    assert parsed(event) == CustomerCreated(customer_id=customer.pk, name="Chloé")
    assert event.team_id == team.pk
