"""A customer whose phone number is proven (they texted from it) can be answered on
WhatsApp at that number — with an approved template, since they never wrote there."""

import pytest

from customers.models import Identity
from inbox.actions import receive_message, send_reply
from inbox.models import Event
from inbox.timeline import reply_channels

pytestmark = pytest.mark.django_db

TEMPLATE = {"name": "back_in_touch", "language": "en_US", "category": "MARKETING",
            "body": "We have news for you. Reply to talk to us."}


@pytest.fixture
def whatsapp(make_channel):
    return make_channel("whatsapp", name="Support line", settings={"templates": [TEMPLATE]})


@pytest.fixture
def agent(make_user, team):
    return make_user("liam", teams=[team])


def texted(make_channel, *, verified: bool):
    sms = make_channel("sms", name=f"SMS {verified}")
    return receive_message(channel=sms, address="+33612345678", text="Hi", verified=verified,
                           external_id=f"SM{verified}").message.thread


def test_a_proven_number_is_offered_whatsapp(make_channel, whatsapp, agent):
    thread = texted(make_channel, verified=True)

    channels, default = reply_channels(thread, agent)

    assert whatsapp in channels and default.kind == "sms"


def test_a_number_nobody_proved_is_not(make_channel, whatsapp, agent):
    thread = texted(make_channel, verified=False)

    channels, _ = reply_channels(thread, agent)

    assert whatsapp not in channels


def test_answering_on_whatsapp_adds_the_number_as_an_unverified_whatsapp_identity(
        make_channel, whatsapp, agent):
    thread = texted(make_channel, verified=True)

    reply = send_reply(thread=thread, channel=whatsapp, author=agent,
                       template={"name": "back_in_touch", "language": "en_US",
                                 "parameters": []})

    identity = Identity.objects.get(kind="whatsapp")
    assert reply.identity == identity and identity.customer == thread.customer
    assert identity.address == "+33612345678" and not identity.verified
    assert Event.objects.filter(type="identity.added", thread=thread,
                                payload__kind="whatsapp").exists()


def test_free_text_is_refused_since_the_customer_never_wrote_on_whatsapp(
        make_channel, whatsapp, agent):
    thread = texted(make_channel, verified=True)

    with pytest.raises(Exception, match="not written|template"):
        send_reply(thread=thread, channel=whatsapp, author=agent, text="Hello!")
    assert not Identity.objects.filter(kind="whatsapp").exists()
