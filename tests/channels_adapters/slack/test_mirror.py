"""A team's threads mirrored into its Slack channel, and agents answering from Slack.

The mirror reacts to Events after commit (THREADLINE_EVENT_LISTENERS) and posts from a
Celery task: through the real worker on the production stack, eagerly on the embedded one.
"""

import pytest

from channels_adapters.models import InboundPayload, SlackMirror, SlackThreadReply
from inbox.actions import add_note, log_interaction, receive_message, send_reply
from inbox.models import Event, Message
from tests.helpers import wait_for

from .conftest import TOKEN, envelope, message_event, post, processed

pytestmark = pytest.mark.django_db(transaction=True)

MIRROR = "C0MIRROR"


@pytest.fixture
def mirror(make_channel, slack):
    return make_channel("slack", name="Support in Slack",
                        settings={"api_base_url": slack.base_url, "mirror_channel": MIRROR},
                        secrets={"bot_token": TOKEN, "signing_secret": "mirror-signing-secret"})


@pytest.fixture
def sms(make_channel):
    return make_channel("sms", address="+33757591234")  # no credentials: the stub sends


@pytest.fixture
def liam(make_user, team):
    agent = make_user("liam", teams=[team])
    agent.first_name, agent.last_name, agent.email = "Liam", "Moreau", "Liam@OurShop.example"
    agent.save()
    return agent


def posts(slack) -> list:
    return slack.calls_of("chat.postMessage")


def posted(slack, count: int) -> list:
    wait_for(lambda: len(posts(slack)) >= count)
    return posts(slack)


def customer_texts(sms, text="Where is my parcel?", external_id="SM1"):
    return receive_message(channel=sms, address="+33612345678", text=text, verified=True,
                           display_name="Ana Costa", external_id=external_id).message


def mirrored(thread) -> SlackMirror:
    return wait_for(lambda: SlackMirror.objects.filter(thread=thread).exclude(
        thread_ts="").first())


def reply_in_slack(client, mirror_channel, parent_ts, *, user="U0LIAM", text="On its way!",
                   ts="1700000500.000001", workspace="T0OURS"):
    event = message_event(user=user, channel=MIRROR, channel_type="channel", text=text, ts=ts,
                          thread_ts=parent_ts)
    return processed(post(client, mirror_channel, envelope(event, workspace),
                          secret="mirror-signing-secret"))


def test_a_customers_first_message_opens_a_slack_thread(mirror, sms, slack, celery_worker):
    message = customer_texts(sms, text="Where is my <parcel>?")

    [parent] = posted(slack, 1)
    assert parent.args["channel"] == MIRROR and "thread_ts" not in parent.args
    assert parent.args["text"] == (
        f"*Ana Costa* on SMS: Where is my &lt;parcel&gt;?\n"
        f"Open in Threadline: /inbox/t/{message.thread_id}/")
    assert mirrored(message.thread).thread_ts == "1700000000.000001"


def test_the_link_uses_the_base_url_when_there_is_one(mirror, sms, slack, settings,
                                                      celery_worker):
    if celery_worker is not None:
        pytest.skip("the worker process has its own settings")
    settings.THREADLINE_BASE_URL = "https://inbox.lumen.example/"

    message = customer_texts(sms)

    [parent] = posted(slack, 1)
    assert parent.args["text"].endswith(
        f"\n<https://inbox.lumen.example/inbox/t/{message.thread_id}/|Open in Threadline>")


def test_what_follows_goes_under_the_slack_thread(mirror, sms, slack, liam, celery_worker):
    first = customer_texts(sms)
    parent_ts = mirrored(first.thread).thread_ts

    customer_texts(sms, text="Any news?", external_id="SM2")
    posted(slack, 2)
    send_reply(thread=first.thread, channel=sms, author=liam, text="It left this morning.")
    posted(slack, 3)
    add_note(thread=first.thread, author=liam, text="Carrier says Tuesday.")
    posted(slack, 4)
    log_interaction(thread=first.thread, author=liam, kind="call", direction="outbound",
                    summary="Called back, all good.")

    later = posted(slack, 5)[1:]
    assert [call.args["thread_ts"] for call in later] == [parent_ts] * 4
    assert [call.args["text"] for call in later] == [
        "*Ana Costa* on SMS: Any news?",
        "*Liam Moreau* replied on SMS: It left this morning.",
        "Note: *Liam Moreau*: Carrier says Tuesday.",
        "Phone call logged by *Liam Moreau*: Called back, all good.",
    ]
    assert SlackMirror.objects.count() == 1


def test_an_agents_reply_in_slack_is_sent_to_the_customer(client, mirror, sms, slack, liam,
                                                          celery_worker):
    # given a mirrored thread
    first = customer_texts(sms)
    parent_ts = mirrored(first.thread).thread_ts

    # when Liam answers under it in Slack
    reply_in_slack(client, mirror, parent_ts, text="On its way! Tracking: 1Z999")

    # then it is Liam's reply on the customer's channel, sent there
    reply = Message.objects.get(thread=first.thread, direction=Message.Direction.OUTBOUND)
    assert (reply.author, reply.channel, reply.text) == (liam, sms,
                                                         "On its way! Tracking: 1Z999")
    assert reply.metadata == {"via": "slack", "slack_ts": "1700000500.000001"}
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")
    # and it is not posted back into Slack
    queued = Event.objects.get(type="reply.queued", payload__message__id=reply.pk)
    wait_for(lambda: SlackMirror.objects.get(pk=mirrored(first.thread).pk).last_event_id
             >= queued.pk)
    assert len(posts(slack)) == 1


def test_the_same_slack_event_twice_is_one_reply(client, mirror, sms, slack, liam,
                                                 celery_worker):
    first = customer_texts(sms)
    parent_ts = mirrored(first.thread).thread_ts

    reply_in_slack(client, mirror, parent_ts)
    reply_in_slack(client, mirror, parent_ts)

    assert Message.objects.filter(thread=first.thread,
                                  direction=Message.Direction.OUTBOUND).count() == 1
    assert SlackThreadReply.objects.count() == 1


def test_a_slack_reply_starting_with_note_is_a_private_note(client, mirror, sms, slack, liam,
                                                            celery_worker):
    first = customer_texts(sms)
    parent_ts = mirrored(first.thread).thread_ts

    reply_in_slack(client, mirror, parent_ts, text="Note: she is a VIP")

    note = Message.objects.get(thread=first.thread, direction=Message.Direction.NOTE)
    assert (note.author, note.text) == (liam, "she is a VIP")
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    added = Event.objects.get(type="note.added")
    wait_for(lambda: SlackMirror.objects.get(thread=first.thread).last_event_id >= added.pk)
    assert len(posts(slack)) == 1


def test_an_unknown_slack_user_is_told_once_and_nothing_is_sent(client, mirror, sms, slack,
                                                                liam, celery_worker):
    first = customer_texts(sms)
    parent_ts = mirrored(first.thread).thread_ts

    reply_in_slack(client, mirror, parent_ts, user="U0WHO", text="I'll handle it")
    reply_in_slack(client, mirror, parent_ts, user="U0WHO", text="Hello?",
                   ts="1700000600.000001")

    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    notice = posted(slack, 2)[1]
    assert (notice.args["channel"], notice.args["thread_ts"]) == (MIRROR, parent_ts)
    assert notice.args["text"] == ("I don't know you: ask an admin to give your Threadline "
                                   "user the e-mail who@elsewhere.example")
    assert len(posts(slack)) == 2


def test_an_agent_of_another_team_is_not_known_here(client, mirror, sms, slack, make_user,
                                                    other_team, celery_worker):
    outsider = make_user("liam", teams=[other_team])
    outsider.email = "liam@ourshop.example"
    outsider.save()
    first = customer_texts(sms)

    reply_in_slack(client, mirror, mirrored(first.thread).thread_ts)

    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert posted(slack, 2)[1].args["text"].startswith("I don't know you")


def test_top_level_messages_in_the_mirror_channel_are_ignored(client, mirror, sms, slack,
                                                              liam, celery_worker):
    first = customer_texts(sms)
    mirrored(first.thread)

    payload = reply_in_slack(client, mirror, None, text="Lunch anyone?")
    unknown = reply_in_slack(client, mirror, "1600000000.000001", text="Old thread",
                             ts="1700000700.000001")

    assert payload.message_count == 0 and unknown.message_count == 0
    assert InboundPayload.objects.filter(status="processed").count() == 2
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()
    assert not SlackThreadReply.objects.exists()


def test_a_team_without_a_mirror_makes_no_slack_call(make_channel, sms, slack, other_team,
                                                     celery_worker):
    # given a mirror for another team only, and a Slack customer channel without a mirror
    make_channel("slack", name="Sales mirror", channel_team=other_team,
                 settings={"api_base_url": slack.base_url, "mirror_channel": MIRROR},
                 secrets={"bot_token": TOKEN, "signing_secret": "x"})
    make_channel("slack", name="Support app", settings={"api_base_url": slack.base_url},
                 secrets={"bot_token": TOKEN, "signing_secret": "y"})

    message = customer_texts(sms)
    send_reply(thread=message.thread, channel=sms, author=None, text="Hello")
    wait_for(lambda: Message.objects.filter(delivery_status="sent").exists())

    assert slack.calls == []
    assert not SlackMirror.objects.exists()


def test_a_slack_outage_is_retried_and_the_inbox_goes_on(mirror, sms, slack, celery_worker):
    slack.fail("chat.postMessage", status=500, times=2)

    message = customer_texts(sms)

    assert Message.objects.filter(pk=message.pk).exists()
    wait_for(lambda: SlackMirror.objects.exclude(thread_ts="").exists(), timeout=60)
    assert len(posts(slack)) == 3
    assert SlackMirror.objects.get().thread_ts == "1700000000.000001"


def test_a_mirror_the_bot_cannot_post_in_gives_up_quietly(mirror, sms, slack, celery_worker):
    slack.fail("chat.postMessage", error="not_in_channel", times=-1)

    message = customer_texts(sms)
    wait_for(lambda: posts(slack))

    assert Message.objects.filter(pk=message.pk).exists()
    assert not SlackMirror.objects.exists()
    assert len(posts(slack)) == 1
