"""The live report on a small hand-made state, made through the real actions with the clock
moved; every expected figure is worked out below.

Now is Thursday 5 March 2026, 12:00 UTC. Support owns an e-mail and a Telegram channel,
Sales a web chat.

ana  (Support)  online: heartbeat 11:59:30
ben  (Support)  away: heartbeat 11:59:00
cleo (Sales)    said online, but no heartbeat since 11:58:29 (over 90 s): offline
dave (Support)  never connected: offline
sam             supervisor, no team, never connected: offline
an API token's user (even marked active) and an inactive user: not agents

alice (e-mail)    11:30 writes · assigned to ana              → open, waiting 30 min
bob   (Telegram)  11:50 writes, nobody holds it               → open, unassigned, waiting 10 min
carla (web chat)  11:40 writes · assigned to cleo · 11:45 cleo replies → open, not waiting
dora  (e-mail)    11:20 writes · assigned to ana · 11:25 snoozed to 13:00
                                                              → snoozed, not waiting
erin  (e-mail)    11:10 writes · assigned to ben · 11:15 ben replies · pending → pending
frank (e-mail)    11:00 writes · assigned to ana · 11:05 resolved → nowhere

Loads: ana open 1 + snoozed 1, ben pending 1, cleo open 1, dave and sam nothing.
Totals: open 3 (alice, bob, carla), pending 1, snoozed 1, unassigned open 1 (bob),
waiting 2 (alice then bob), longest wait since 11:30.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from api.tokens import create_token
from inbox.actions import (
    assign_thread,
    change_status,
    receive_message,
    send_reply,
    snooze_thread,
)
from inbox.models import AgentPresence, Team, Thread, User
from reports.live import agent_loads, format_wait, live_state, live_totals

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return NOW.replace(hour=hour, minute=minute, second=second)


class State:
    def __init__(self, make_channel, make_user, supervisor):
        self.support = Team.objects.create(name="Support desk")
        self.sales = Team.objects.create(name="Sales desk")
        self.email = make_channel("email", name="Mail", channel_team=self.support)
        self.telegram = make_channel("telegram", name="Bot", channel_team=self.support)
        self.webchat = make_channel("webchat", name="Site chat", channel_team=self.sales)
        self.ana = make_user("ana-l", teams=[self.support])
        self.ben = make_user("ben-l", teams=[self.support])
        self.cleo = make_user("cleo-l", teams=[self.sales])
        self.dave = make_user("dave-l", teams=[self.support])
        self.sam = supervisor
        gone = make_user("gone-l", teams=[self.support])
        User.objects.filter(pk=gone.pk).update(is_active=False)
        token, _key = create_token(name="CRM", teams=[self.support])
        User.objects.filter(pk=token.user_id).update(is_active=True)

    def write(self, when, channel, address):
        with time_machine.travel(when, tick=False):
            return Thread.objects.get(pk=receive_message(
                channel=channel, address=address, text="Hello").message.thread_id)

    def do(self, when, action, **arguments):
        with time_machine.travel(when, tick=False):
            return action(**arguments)

    def presence(self, user, status, heartbeat_at):
        AgentPresence.objects.create(user=user, status=status, connections=1,
                                     heartbeat_at=heartbeat_at)

    def play(self):
        ana, ben, cleo, sam = self.ana, self.ben, self.cleo, self.sam
        self.presence(ana, "online", at(11, 59, 30))
        self.presence(ben, "away", at(11, 59))
        self.presence(cleo, "online", at(11, 58, 29))

        alice = self.write(at(11, 30), self.email, "alice@example.com")
        self.do(at(11, 31), assign_thread, thread=alice, assignee=ana, by=sam)
        bob = self.write(at(11, 50), self.telegram, "1001")
        carla = self.write(at(11, 40), self.webchat, "visitor-carla")
        self.do(at(11, 41), assign_thread, thread=carla, assignee=cleo, by=sam)
        self.do(at(11, 45), send_reply, thread=carla, channel=self.webchat, author=cleo,
                text="Hi")
        dora = self.write(at(11, 20), self.email, "dora@example.com")
        self.do(at(11, 21), assign_thread, thread=dora, assignee=ana, by=sam)
        self.do(at(11, 25), snooze_thread, thread=dora, until=at(13), by=ana)
        erin = self.write(at(11, 10), self.email, "erin@example.com")
        self.do(at(11, 11), assign_thread, thread=erin, assignee=ben, by=sam)
        self.do(at(11, 15), send_reply, thread=erin, channel=self.email, author=ben,
                text="Could you send a photo?")
        self.do(at(11, 16), change_status, thread=erin, status="pending", by=ben)
        frank = self.write(at(11), self.email, "frank@example.com")
        self.do(at(11, 1), assign_thread, thread=frank, assignee=ana, by=sam)
        self.do(at(11, 5), change_status, thread=frank, status="resolved", by=ana)
        self.threads = {"alice": alice, "bob": bob, "carla": carla, "dora": dora,
                        "erin": erin, "frank": frank}
        return self


@pytest.fixture
def state(make_channel, make_user, supervisor) -> State:
    return State(make_channel, make_user, supervisor).play()


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def loads(rows):
    return [(row.agent.username, row.presence, row.open, row.pending, row.snoozed, row.total)
            for row in rows]


def test_agents_with_presence_by_heartbeat_and_their_open_load(state, now):
    rows = agent_loads()

    # online first, then away, then offline; by name within each
    assert loads(rows) == [
        ("ana-l", "online", 1, 0, 1, 2),
        ("ben-l", "away", 0, 1, 0, 1),
        ("cleo-l", "offline", 1, 0, 0, 1),  # said online, heartbeat 91 s old
        ("dave-l", "offline", 0, 0, 0, 0),  # never connected
        ("sam", "offline", 0, 0, 0, 0),
    ]
    assert [[team.name for team in row.teams] for row in rows] == [
        ["Support desk"], ["Support desk"], ["Sales desk"], ["Support desk"], []]
    # the same rule as the inbox's presence
    for row in rows[:3]:
        assert row.agent.presence.live_status == row.presence


def test_an_agent_is_online_until_the_heartbeat_is_exactly_ninety_seconds_old(state):
    with time_machine.travel(at(12, 1), tick=False):  # ana's heartbeat: 11:59:30
        assert loads(agent_loads())[0][:2] == ("ana-l", "online")
    with time_machine.travel(at(12, 1, 1), tick=False):
        assert ("ana-l", "offline") in {row[:2] for row in loads(agent_loads())}


def test_customers_waiting_longest_first_without_snoozed_or_answered_ones(state, now):
    live = live_state()

    assert [(row.episode.thread_id, row.seconds, row.wait_text) for row in live.waiting] == [
        (state.threads["alice"].pk, 30 * 60, "30 min 00 s"),
        (state.threads["bob"].pk, 10 * 60, "10 min 00 s"),
    ]
    alice, bob = live.waiting
    assert (alice.episode.channel.name, alice.episode.team.name,
            alice.episode.thread.assignee.username) == ("Mail", "Support desk", "ana-l")
    assert (bob.episode.channel.name, bob.episode.thread.assignee) == ("Bot", None)


def test_totals(state, now):
    totals = live_totals(now=now)

    assert (totals.open, totals.pending, totals.snoozed, totals.unassigned_open,
            totals.waiting) == (3, 1, 1, 1, 2)
    assert totals.longest_waiting_since == at(11, 30)
    assert totals.longest_wait_text == "30 min 00 s"


def test_a_team_filter_narrows_agents_loads_waiting_and_totals(state, now):
    sales = live_state(team_ids=(state.sales.pk,))

    assert loads(sales.agents) == [("cleo-l", "offline", 1, 0, 0, 1)]
    assert sales.waiting == []
    assert (sales.totals.open, sales.totals.pending, sales.totals.snoozed,
            sales.totals.waiting, sales.totals.longest_waiting_since) == (1, 0, 0, 0, None)
    support = live_state(team_ids=(state.support.pk,))
    assert [row.agent.username for row in support.agents] == ["ana-l", "ben-l", "dave-l"]
    assert [row.episode.thread_id for row in support.waiting] == [
        state.threads["alice"].pk, state.threads["bob"].pk]


def test_nothing_waiting_when_nothing_is_open(db, now):
    totals = live_totals()

    assert (totals.open, totals.waiting, totals.longest_waiting_since,
            totals.longest_wait_text) == (0, 0, None, "")


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (59, "59 s"), (60, "1 min 00 s"), (3599, "59 min 59 s"),
    (3600, "1 h 00 min"), (86399, "23 h 59 min"), (86400 * 2 + 3 * 3600, "2 d 3 h"),
    (-5, "0 s"),
])
def test_wait_text(seconds, text):
    assert format_wait(seconds) == text


# --- the pages --------------------------------------------------------------------------

def test_the_page_and_the_panel_show_the_state_to_a_supervisor(client, state, now):
    client.force_login(state.sam)

    page = client.get("/reports/live/")
    panel = client.get("/reports/live/panel/")

    assert page.status_code == panel.status_code == 200
    html = panel.content.decode()
    assert f'id="waiting-{state.threads["alice"].pk}"' in html
    assert f'id="waiting-{state.threads["carla"].pk}"' not in html
    assert f'id="agent-{state.ana.pk}" class="presence-online"' in html
    assert f'id="agent-{state.cleo.pk}" class="presence-offline"' in html
    assert 'data-since="2026-03-05T11:30:00+00:00">30 min 00 s<' in html
    assert "reports/live.js" in page.content.decode()
    assert 'id="live-panel"' in page.content.decode()


def test_the_panel_follows_the_team_filter(client, state, now):
    client.force_login(state.sam)

    html = client.get("/reports/live/panel/", {"team": state.sales.pk}).content.decode()

    assert f'id="agent-{state.cleo.pk}"' in html
    assert f'id="agent-{state.ana.pk}"' not in html
    assert "Nobody is waiting for a reply." in html


@pytest.mark.parametrize("team", ["x", "-1", "99999", "1" * 30])
def test_an_unknown_team_is_refused_as_on_the_other_pages(client, state, team):
    client.force_login(state.sam)

    page = client.get("/reports/live/", {"team": team})

    assert page.status_code == 400
    assert "is not one of the teams" in page.content.decode()
    assert 'id="live"' not in page.content.decode()
    if team != "99999":  # the panel takes the page's checked query: an unknown id is no team
        assert client.get("/reports/live/panel/", {"team": team}).status_code == 400


def test_the_page_shows_the_chosen_teams(client, state, now):
    client.force_login(state.sam)

    html = client.get("/reports/live/", {"team": [state.sales.pk, state.support.pk]}).content
    assert "Teams: <span>Sales desk, Support desk</span>" in html.decode()


@pytest.mark.parametrize("url", ["/reports/live/", "/reports/live/panel/"])
def test_agents_are_refused(client, agent, url):
    client.force_login(agent)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/reports/live/", "/reports/live/panel/"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_panel_costs_a_bounded_number_of_queries(client, state, make_user, now,
                                                     django_assert_max_num_queries):
    # Many more agents, threads and waiting customers than the state above.
    for n in range(15):
        agent = make_user(f"extra-{n}", teams=[state.support, state.sales])
        AgentPresence.objects.create(user=agent, status="online", heartbeat_at=now)
        thread = state.write(now - timedelta(minutes=n + 1), state.email, f"c{n}@example.com")
        state.do(now, assign_thread, thread=thread, assignee=agent, by=state.sam)
    client.force_login(state.sam)
    client.get("/reports/live/panel/")  # the session, once

    # session and user (2), agents with presence (1), their teams (1), loads (1),
    # waiting customers (1), backlog (1), waiting count (1)
    with django_assert_max_num_queries(8):
        response = client.get("/reports/live/panel/")
    assert response.status_code == 200
    assert response.content.decode().count('class="live-waiting-row"') == 17
