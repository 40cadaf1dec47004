"""The report figures on a small hand-made day, made through the real actions with the clock
moved; every expected value is worked out below from the story.

Thursday 5 March 2026 (UTC). Support owns an e-mail and a Telegram channel, Sales a web chat.

alice (e-mail)   09:00 writes · 09:05 writes · 09:10 note · 09:20 automatic reply
                 09:30 ana replies                          → first response 30 min
                 10:00 ana resolves                         → resolution 60 min
                 12:00 writes again (re-opens: episode 2) · 12:10 snoozed until 12:40
                 13:10 ana replies: 70 min − 30 snoozed     → first response 40 min
                 14:00 ana resolves: 120 min − 30 snoozed   → resolution 90 min
bob (Telegram)   09:00 writes · 09:01 assigned to ben · 09:15 snoozed until 11:00
                 10:00 writes (wakes it: 45 min snoozed)
                 10:30 ben replies by e-mail: 90 − 45       → first response 45 min
                 11:00 ben resolves: 120 − 45               → resolution 75 min
carla (web chat) 10:00 writes · 11:00 assigned to cleo
                 11:20 cleo replies                         → first response 80 min
                 11:40 writes again: still open, waiting since 11:40
dan (e-mail)     15:00 writes · 15:30 ana resolves with no reply
                                                            → no first response; resolution 30 min
eve (e-mail)     16:00 an automatic message (an out-of-office) · 16:30 ana writes to her
                                                            → no conversation

Nearest rank: of n sorted values the median is the ((n+1)//2)-th, the p90 the ((9n+9)//10)-th.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from customers.profile_actions import identity_add
from inbox.actions import (
    add_note,
    assign_thread,
    change_status,
    receive_message,
    send_reply,
    snooze_thread,
)
from inbox.models import Team, Thread
from reports.metrics import (
    Durations,
    Filters,
    first_response_times,
    open_backlog,
    resolution_times,
    totals,
    volume,
    waiting_customers,
)
from reports.models import DailyActivity, Episode, HourlyActivity

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 5, tzinfo=UTC)
MIN = 60


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


class History:
    """Plays the story: each step at its time."""

    def __init__(self, make_channel, make_user, supervisor):
        self.support = Team.objects.create(name="Support desk")
        self.sales = Team.objects.create(name="Sales desk")
        self.email = make_channel("email", name="Mail", channel_team=self.support)
        self.telegram = make_channel("telegram", name="Bot", channel_team=self.support)
        self.webchat = make_channel("webchat", name="Site chat", channel_team=self.sales)
        self.ana = make_user("ana-s", teams=[self.support])
        self.ben = make_user("ben-s", teams=[self.support])
        self.cleo = make_user("cleo-x", teams=[self.sales])
        self.supervisor = supervisor

    def write(self, when, channel, address, text="Hello", **fields):
        with time_machine.travel(when, tick=False):
            return Thread.objects.get(pk=receive_message(
                channel=channel, address=address, text=text, **fields).message.thread_id)

    def do(self, when, action, **arguments):
        with time_machine.travel(when, tick=False):
            return action(**arguments)

    def play(self):
        email, telegram, webchat = self.email, self.telegram, self.webchat
        ana, ben, cleo = self.ana, self.ben, self.cleo
        # alice
        alice = self.write(at(9), email, "alice@example.com")
        self.write(at(9, 5), email, "alice@example.com", text="Any news?")
        self.do(at(9, 10), add_note, thread=alice, author=ana, text="Looking")
        self.do(at(9, 20), send_reply, thread=alice, channel=email, author=None,
                text="We got your message.", metadata={"automatic": True})
        self.do(at(9, 30), send_reply, thread=alice, channel=email, author=ana, text="Done")
        self.do(at(10), change_status, thread=alice, status="resolved", by=ana)
        self.write(at(12), email, "alice@example.com", text="It broke again")
        self.do(at(12, 10), snooze_thread, thread=alice, until=at(12, 40), by=ana)
        self.do(at(13, 10), send_reply, thread=alice, channel=email, author=ana, text="Fixed")
        self.do(at(14), change_status, thread=alice, status="resolved", by=ana)
        # bob
        bob = self.write(at(9), telegram, "1001")
        self.do(at(9, 1), assign_thread, thread=bob, assignee=ben, by=self.supervisor)
        self.do(at(9, 15), snooze_thread, thread=bob, until=at(11), by=ben)
        self.write(at(10), telegram, "1001", text="Still there?")
        self.do(at(10, 20), identity_add, customer=bob.customer, kind="email",
                address="bob@example.com")
        self.do(at(10, 30), send_reply, thread=bob, channel=email, author=ben, text="Yes")
        self.do(at(11), change_status, thread=bob, status="resolved", by=ben)
        # carla
        carla = self.write(at(10), webchat, "visitor-carla")
        self.do(at(11), assign_thread, thread=carla, assignee=cleo, by=self.supervisor)
        self.do(at(11, 20), send_reply, thread=carla, channel=webchat, author=cleo, text="Hi")
        self.write(at(11, 40), webchat, "visitor-carla", text="One more thing")
        # dan
        dan = self.write(at(15), email, "dan@example.com")
        self.do(at(15, 30), change_status, thread=dan, status="resolved", by=ana)
        # eve
        eve = self.write(at(16), email, "eve@example.com", text="Out of office",
                         automatic=True)
        self.do(at(16, 30), send_reply, thread=eve, channel=email, author=ana, text="Hi Eve")
        self.threads = {"alice": alice, "bob": bob, "carla": carla, "dan": dan, "eve": eve}
        return self


@pytest.fixture
def history(make_channel, make_user, supervisor) -> History:
    return History(make_channel, make_user, supervisor).play()


def the_day(**narrowing) -> Filters:
    return Filters(start=DAY, end=DAY + timedelta(days=1), **narrowing)


def test_first_response_times(history):
    h = history
    # all: [30, 40, 45, 80] min — dan has none (resolved without a reply), eve no conversation
    assert first_response_times(the_day()) == [Durations(0, 4, 40 * MIN, 80 * MIN)]
    assert first_response_times(the_day(), "channel") == [
        Durations(h.email.pk, 2, 30 * MIN, 40 * MIN),     # [30, 40]: ranks 1 and 2
        Durations(h.telegram.pk, 1, 45 * MIN, 45 * MIN),  # bob began on Telegram
        Durations(h.webchat.pk, 1, 80 * MIN, 80 * MIN),
    ]
    assert first_response_times(the_day(), "team") == [
        Durations(h.support.pk, 3, 40 * MIN, 45 * MIN),   # [30, 40, 45]: ranks 2 and 3
        Durations(h.sales.pk, 1, 80 * MIN, 80 * MIN),
    ]
    assert first_response_times(the_day(), "agent") == [
        Durations(h.ana.pk, 2, 30 * MIN, 40 * MIN),
        Durations(h.ben.pk, 1, 45 * MIN, 45 * MIN),
        Durations(h.cleo.pk, 1, 80 * MIN, 80 * MIN),
    ]


def test_resolution_times(history):
    h = history
    # [30 (dan), 60, 75 (bob), 90] min: median rank 2, p90 rank 4; carla is still open
    assert resolution_times(the_day()) == [Durations(0, 4, 60 * MIN, 90 * MIN)]
    assert resolution_times(the_day(), "agent") == [
        Durations(h.ana.pk, 3, 60 * MIN, 90 * MIN),       # [30, 60, 90]
        Durations(h.ben.pk, 1, 75 * MIN, 75 * MIN),
    ]
    assert resolution_times(the_day(), "channel") == [
        Durations(h.email.pk, 3, 60 * MIN, 90 * MIN),
        Durations(h.telegram.pk, 1, 75 * MIN, 75 * MIN),
    ]
    assert resolution_times(the_day(), "team") == [Durations(h.support.pk, 4, 60 * MIN, 90 * MIN)]


def test_filters_narrow_by_team_channel_and_agent(history):
    h = history
    assert first_response_times(the_day(team_ids=(h.sales.pk,))) == [
        Durations(0, 1, 80 * MIN, 80 * MIN)]
    assert first_response_times(the_day(agent_ids=(h.ana.pk,))) == [
        Durations(0, 2, 30 * MIN, 40 * MIN)]
    assert resolution_times(the_day(channel_ids=(h.telegram.pk,))) == [
        Durations(0, 1, 75 * MIN, 75 * MIN)]
    # a range that holds only the morning: the first responses of alice (09:30) and bob (10:30)
    morning = Filters(start=at(0), end=at(11))
    assert first_response_times(morning) == [Durations(0, 2, 30 * MIN, 45 * MIN)]


def test_episodes_follow_the_story(history):
    episodes = {(e.thread_id, e.started_at): e for e in Episode.objects.all()}
    assert len(episodes) == 5  # alice twice, bob, carla, dan
    alice_again = episodes[(history.threads["alice"].pk, at(12))]
    assert alice_again.reopened and alice_again.snoozed_seconds == 30 * MIN
    bob = episodes[(history.threads["bob"].pk, at(9))]
    assert (bob.first_responder_id, bob.agent_id, bob.snoozed_seconds) == (
        history.ben.pk, history.ben.pk, 45 * MIN)
    carla = episodes[(history.threads["carla"].pk, at(10))]
    assert (carla.resolved_at, carla.awaiting_since, carla.agent_id) == (
        None, at(11, 40), history.cleo.pk)


def test_volume_counts_messages_and_conversations(history):
    h = history
    day = {row["kind"]: row["count"] for row in volume(the_day(), "day",
                                                       kinds=HourlyActivity.Kind.values)}
    assert day == {
        "started": 5,     # alice ×2, bob, carla, dan
        "inbound": 8,     # alice 3, bob 2, carla 2, dan 1
        "automatic": 2,   # our automatic reply to alice, eve's out-of-office
        "reply": 5,       # ana ×2 to alice, ben, cleo, ana to eve
        "note": 1,
        "resolved": 4,    # alice ×2, bob, dan
    }
    by_team = {(row["team_id"], row["kind"]): row["count"]
               for row in totals(the_day(), by="team_id")}
    assert by_team[(h.support.pk, "inbound")] == 6 and by_team[(h.sales.pk, "inbound")] == 2
    nine = [row for row in volume(the_day(), "hour", kinds=["inbound"])
            if row["bucket"] == at(9)]
    assert nine == [{"bucket": at(9), "kind": "inbound", "count": 3}]  # alice 2, bob 1
    replies_by_agent = {row["agent_id"]: row["count"] for row in totals(the_day(), by="agent_id")
                        if row["kind"] == "reply"}
    assert replies_by_agent == {h.ana.pk: 3, h.ben.pk: 1, h.cleo.pk: 1}


def test_backlog_and_waiting_customers(history):
    h = history
    # Open now: carla (her conversation began on the web chat) and eve (no conversation).
    assert open_backlog() == [
        {"status": "open", "team_id": h.support.pk, "channel_id": None, "count": 1},
        {"status": "open", "team_id": h.sales.pk, "channel_id": h.webchat.pk, "count": 1},
    ]
    assert [e.thread_id for e in waiting_customers()] == [h.threads["carla"].pk]
    assert list(waiting_customers(team_ids=(h.support.pk,))) == []


def summed(model, period: str) -> list[tuple]:
    """The counts per key (each batch writes rows of its own: the pages sum them)."""
    keys = (period, "team_id", "channel_id", "agent_id", "kind")
    return sorted(model.objects.values_list(*keys).annotate(n=Sum("count")).order_by())


def test_rebuilding_from_the_events_gives_the_same_tables(history):
    from reports.rebuild import rebuild_reports

    def tables():
        return (
            sorted(Episode.objects.values_list(
                "thread_id", "team_id", "channel_id", "agent_id", "first_responder_id",
                "reopened", "started_at", "first_response_at", "first_response_seconds",
                "resolved_at", "resolution_seconds", "snoozed_seconds", "awaiting_since")),
            summed(HourlyActivity, "hour"),
            summed(DailyActivity, "day"),
        )

    live = tables()
    rebuild_reports(chunk_size=7)  # several chunks: episodes carry over between them
    assert tables() == live


def test_a_deleted_customer_stays_in_the_figures(history):
    from customers.profile_actions import customer_delete

    customer_delete(customer=history.threads["dan"].customer)
    assert resolution_times(the_day()) == [Durations(0, 4, 60 * MIN, 90 * MIN)]


def test_a_snoozed_customer_is_not_waiting_until_they_write_again(make_channel, agent):
    channel = make_channel("telegram")
    thread = Thread.objects.get(pk=receive_message(
        channel=channel, address="777", text="hi").message.thread_id)
    assert [e.thread_id for e in waiting_customers()] == [thread.pk]

    snooze_thread(thread=thread, until=timezone.now() + timedelta(hours=2), by=agent)
    assert list(waiting_customers()) == []

    receive_message(channel=channel, address="777", text="still there?")  # wakes it
    assert [e.thread_id for e in waiting_customers()] == [thread.pk]
