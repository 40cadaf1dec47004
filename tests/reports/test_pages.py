"""The report pages on the hand-made day of test_metrics.py (Thursday 5 March 2026, UTC),
with a week-old customer and two survey answers added; every figure is worked out from the
story told there.

Added here:
zoe (Telegram)   Thursday 26 February 09:00 writes; nobody ever answers → waiting 7 d 8 h at
                 17:00 on 5 March, the SLA breach with carla (waiting since 11:40: 5 h 20 min)
alice            tagged "billing" (her two conversations)
surveys          alice's first resolution (10:00, ana) answered 5 at 10:30 with a comment;
                 dan's (15:30, ana) answered 2 at 15:45: ana 3.5 over 2, Support 3.5, 50 %
                 satisfied
"""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine

from inbox.actions import tag_thread
from surveys.actions import record_answer, send_survey
from tests.reports.test_metrics import MIN, History, at

pytestmark = pytest.mark.django_db

NOW = at(17)
THE_DAY = "from=2026-03-05&to=2026-03-05"
PAGES = ["/reports/", "/reports/volume/", "/reports/times/", "/reports/agents/",
         "/reports/teams/", "/reports/csat/"]
NASTY_NAME = "=HYPERLINK(\"http://evil.example\",\"click\")"


class Story(History):
    def play(self):
        super().play()
        zoe = self.write(datetime(2026, 2, 26, 9, tzinfo=UTC), self.telegram, "2002",
                         text="Hello?", display_name=NASTY_NAME)
        self.threads["zoe"] = zoe
        self.do(at(16, 50), tag_thread, thread=self.threads["alice"], add=["billing"])
        self.surveys = {}
        for name, resolved, answered, score, comment in (
                ("alice", at(10), at(10, 30), 5, "<b>Great</b> help"),
                ("dan", at(15, 30), at(15, 45), 2, "-Slow")):
            survey = self.do(resolved, send_survey, thread=self.threads[name],
                             resolved_by_id=self.ana.pk)
            self.surveys[name] = self.do(answered, record_answer, survey=survey, score=score,
                                         comment=comment, via="link")
        return self


@pytest.fixture
def story(make_channel, make_user, supervisor, settings) -> Story:
    settings.TIME_ZONE = "UTC"
    settings.THREADLINE_CSAT_ENABLED = True
    return Story(make_channel, make_user, supervisor).play()


@pytest.fixture
def boss(client, story):
    client.force_login(story.supervisor)
    return client


def get(client, url, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return client.get(url, **kwargs)


def rows(response, table: str) -> list[list]:
    return response.context["tables"][table].rows


def as_dict(response, table: str) -> dict:
    return {row[0]: row[1:] for row in rows(response, table)}


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- who may read them ----------------------------------------------------------------------

@pytest.mark.parametrize("url", PAGES)
def test_agents_are_refused_and_strangers_sent_to_log_in(client, agent, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(agent)
    assert client.get(url).status_code == 403


def test_admins_read_them(client, make_user):
    client.force_login(make_user("root", role="admin"))
    assert all(client.get(url).status_code == 200 for url in PAGES)


def test_the_inbox_links_to_the_reports_for_supervisors_only(client, agent, supervisor):
    client.force_login(supervisor)
    assert 'href="/reports/"' in client.get("/inbox/").content.decode()
    client.force_login(agent)
    assert 'href="/reports/"' not in client.get("/inbox/").content.decode()


# --- the figures ------------------------------------------------------------------------------

def test_overview_shows_the_backlog_today_and_who_waits(boss, story):
    response = get(boss, "/reports/")
    assert response.status_code == 200
    page = response.content.decode()
    # Open now: carla (Sales, web chat), eve (Support, no conversation), zoe (Support, Bot)
    assert as_dict(response, "backlog_status") == {"Open": [3], "Pending": [0], "Snoozed": [0]}
    assert as_dict(response, "backlog_team") == {"Sales desk": [1, 0, 0, 1],
                                                 "Support desk": [2, 0, 0, 2]}
    assert as_dict(response, "backlog_channel") == {"Bot": [1, 0, 0, 1],
                                                    "Site chat": [1, 0, 0, 1],
                                                    "No channel": [1, 0, 0, 1]}
    # Longest wait first, linked to the thread, in words
    waiting = rows(response, "waiting")
    assert [(row[0].url, row[1]) for row in waiting] == [
        (f"/inbox/t/{story.threads['zoe'].pk}/", (7 * 24 + 8) * 60 * MIN),
        (f"/inbox/t/{story.threads['carla'].pk}/", (5 * 60 + 20) * MIN)]
    assert "7 d 8 h" in page and "5 h 20 min" in page
    # Both wait over the 60 minutes' target
    assert response.context["breach_count"] == 2 and len(rows(response, "sla_breaches")) == 2
    assert "Per-priority SLA policies come with automation" in page
    # Today up to 18:00 against Thursday 26 February up to 18:00 (zoe's one message)
    assert as_dict(response, "today") == {"New conversations": [5, 1, 400],
                                          "Messages received": [8, 1, 700],
                                          "Replies sent": [5, 0, None]}
    assert "+400 %" in page and "Last Thursday" in page
    # The customer's name is text, never markup
    assert NASTY_NAME not in page and "=HYPERLINK(&quot;http://evil.example&quot;" in page


def test_the_sla_target_comes_from_the_settings(boss, story, settings):
    settings.THREADLINE_FIRST_RESPONSE_TARGET_MINUTES = 6 * 60  # carla's 5 h 20 min is fine
    response = get(boss, "/reports/")
    assert response.context["breach_count"] == 1
    assert "360 min" in response.content.decode()


def test_volume_per_hour_channel_team_and_tag(boss, story):
    response = get(boss, f"/reports/volume/?{THE_DAY}&bucket=hour")
    assert response.status_code == 200
    over_time = as_dict(response, "over_time")
    assert len(over_time) == 24  # every hour, the empty ones too
    # started, received, replies
    assert over_time["05 Mar 09:00"] == [2, 3, 1]   # alice, bob; alice ×2 + bob; ana 09:30
    assert over_time["05 Mar 11:00"] == [0, 1, 1]   # carla writes again; cleo replies
    assert over_time["05 Mar 08:00"] == [0, 0, 0]
    assert as_dict(response, "by_team") == {"Support desk": [4, 6, 4], "Sales desk": [1, 2, 1]}
    by_channel = as_dict(response, "by_channel")
    assert by_channel["Mail"][:2] == [3, 4] and by_channel["Bot"][:2] == [1, 2]
    assert by_channel["Site chat"] == [1, 2, 1]
    assert as_dict(response, "by_tag") == {"billing": [2]}
    assert "<svg" in response.content.decode()


def test_volume_per_day_and_week(boss, story):
    days = get(boss, "/reports/volume/?from=2026-03-01&to=2026-03-07")
    assert as_dict(days, "over_time")["Thu 05 Mar"] == [5, 8, 5]
    assert len(as_dict(days, "over_time")) == 7
    weeks = get(boss, "/reports/volume/?from=2026-02-20&to=2026-03-07&bucket=week")
    # Weeks begin on Monday: 16, 23 February (zoe) and 2 March
    assert as_dict(weeks, "over_time") == {"Week of 16 Feb": [0, 0, 0],
                                           "Week of 23 Feb": [1, 1, 0],
                                           "Week of 02 Mar": [5, 8, 5]}


def test_response_times_with_their_definitions(boss, story):
    response = get(boss, f"/reports/times/?{THE_DAY}")
    assert response.status_code == 200
    page = response.content.decode()
    # first responses, median, p90, resolved, median, p90
    assert rows(response, "overall") == [
        ["All conversations", 4, 40 * MIN, 80 * MIN, 4, 60 * MIN, 90 * MIN]]
    assert "40 min" in page and "1 h 20 min" in page and "1 h 30 min" in page
    assert as_dict(response, "by_agent") == {
        "Ana-S": [2, 30 * MIN, 40 * MIN, 3, 60 * MIN, 90 * MIN],
        "Ben-S": [1, 45 * MIN, 45 * MIN, 1, 75 * MIN, 75 * MIN],
        "Cleo-X": [1, 80 * MIN, 80 * MIN, 0, None, None]}
    assert as_dict(response, "by_channel")["Bot"] == [1, 45 * MIN, 45 * MIN, 1, 75 * MIN,
                                                      75 * MIN]
    assert as_dict(response, "by_team")["Sales desk"] == [1, 80 * MIN, 80 * MIN, 0, None, None]
    for words in ("first inbound message of an episode", "not a private note, not an "
                  "automatic message", "snoozed", "nearest-rank", "range of the reply",
                  "range of the resolution"):
        assert words in page.lower()


def test_agents_table(boss, story):
    response = get(boss, f"/reports/agents/?{THE_DAY}")
    assert response.status_code == 200
    # handled, replies, median first response, median resolution, CSAT, answers
    assert as_dict(response, "agents") == {
        "Ana-S": [3, 3, 30 * MIN, 60 * MIN, 3.5, 2],
        "Ben-S": [1, 1, 45 * MIN, 75 * MIN, None, 0],
        "Cleo-X": [0, 1, 80 * MIN, None, None, 0]}
    assert "3.50" in response.content.decode()


def test_agents_table_sorts(boss, story):
    response = get(boss, f"/reports/agents/?{THE_DAY}&sort=-first_response_median")
    assert [row[0] for row in rows(response, "agents")] == ["Cleo-X", "Ben-S", "Ana-S"]
    response = get(boss, f"/reports/agents/?{THE_DAY}&sort=resolution_median")
    assert [row[0] for row in rows(response, "agents")] == ["Ana-S", "Ben-S", "Cleo-X"]
    assert "&amp;sort=resolution_median" in response.content.decode()  # its CSV link too
    download = get(boss, f"/reports/agents/?{THE_DAY}&sort=resolution_median&format=csv"
                         "&table=agents")
    assert [row[0] for row in read_csv(download)[1:]] == ["Ana-S", "Ben-S", "Cleo-X"]
    response = get(boss, f"/reports/agents/?{THE_DAY}&sort=nonsense")
    assert response.status_code == 200


def test_teams_table(boss, story):
    response = get(boss, f"/reports/teams/?{THE_DAY}")
    assert response.status_code == 200
    assert as_dict(response, "teams") == {
        "Sales desk": [0, 1, 80 * MIN, None, None, 0],
        "Support": [0, 0, None, None, None, 0],  # every team, those without work too
        "Support desk": [4, 4, 40 * MIN, 60 * MIN, 3.5, 2]}


def test_csat_page(boss, story):
    response = get(boss, f"/reports/csat/?{THE_DAY}")
    assert response.status_code == 200
    page = response.content.decode()
    context = response.context
    assert (context["average"], context["count"], context["satisfied"]) == (3.5, 2, 50.0)
    assert as_dict(response, "distribution") == {5: [1, 50.0], 4: [0, 0.0], 3: [0, 0.0],
                                                 2: [1, 50.0], 1: [0, 0.0]}
    assert rows(response, "trend") == [["Thu 05 Mar", 3.5, 2]]
    assert as_dict(response, "by_agent") == {"Ana-S": [3.5, 2]}
    assert as_dict(response, "by_team") == {"Support desk": [3.5, 2]}
    comments = rows(response, "comments")
    assert [(row[2], row[4]) for row in comments] == [(2, "-Slow"), (5, "<b>Great</b> help")]
    assert comments[1][1].url == f"/inbox/t/{story.threads['alice'].pk}/"
    assert "&lt;b&gt;Great&lt;/b&gt; help" in page and "<b>Great</b>" not in page


# --- filters -------------------------------------------------------------------------------

def test_filters_narrow_by_team_channel_and_agent(boss, story):
    def overall(query):
        return rows(get(boss, f"/reports/times/?{THE_DAY}&{query}"), "overall")

    assert overall(f"team={story.sales.pk}") == [
        ["All conversations", 1, 80 * MIN, 80 * MIN, 0, None, None]]
    assert overall(f"agent={story.ana.pk}") == [
        ["All conversations", 2, 30 * MIN, 40 * MIN, 3, 60 * MIN, 90 * MIN]]
    assert overall(f"channel={story.telegram.pk}") == [
        ["All conversations", 1, 45 * MIN, 45 * MIN, 1, 75 * MIN, 75 * MIN]]
    # several at once
    assert overall(f"channel={story.telegram.pk}&channel={story.webchat.pk}")[0][1] == 2
    agents = get(boss, f"/reports/agents/?{THE_DAY}&agent={story.ben.pk}")
    assert list(as_dict(agents, "agents")) == ["Ben-S"]
    volume = get(boss, f"/reports/volume/?{THE_DAY}&team={story.sales.pk}")
    assert list(as_dict(volume, "by_team")) == ["Sales desk"]
    overview = get(boss, f"/reports/?team={story.sales.pk}")
    assert [row[0].url for row in rows(overview, "waiting")] == [
        f"/inbox/t/{story.threads['carla'].pk}/"]
    csat = get(boss, f"/reports/csat/?{THE_DAY}&team={story.sales.pk}")
    assert csat.context["count"] == 0 and "—" in csat.content.decode()


def test_presets_and_the_default_range(boss, story):
    response = get(boss, "/reports/times/")  # 30 days up to today, 5 March
    assert response.context["report"].dates == (date(2026, 2, 4), date(2026, 3, 5))
    assert rows(response, "overall")[0][1] == 4
    today = get(boss, "/reports/times/?range=today")
    assert today.context["report"].dates == (date(2026, 3, 5), date(2026, 3, 5))
    week = get(boss, "/reports/volume/?range=7")
    assert week.context["report"].dates == (date(2026, 2, 27), date(2026, 3, 5))
    # The range of the filters is in the page's links and the printed header
    assert "05 Mar 2026" in week.content.decode()


@pytest.mark.parametrize("query, message", [
    ("from=2026-02-30", "Enter a valid date"),
    ("from=yesterday", "Enter a valid date"),
    ("to=5%2F3%2F2026%27%3B--", "Enter a valid date"),
    ("from=2026-03-05&to=2026-03-01", "before the start date"),
    ("from=2024-01-01&to=2026-03-05", "at most 366 days"),
    ("from=0001-01-01&to=0001-01-31", "between 2000 and next year"),
    ("from=9999-12-01&to=9999-12-31", "between 2000 and next year"),
    ("range=365", "Select a valid choice"),
    ("team=999999", "Select a valid choice"),
    ("team=abc", "Select a valid choice"),
    ("team=1%20OR%201%3D1", "Select a valid choice"),
    ("channel=%27%3B%20DROP%20TABLE%20inbox_thread%3B--", "Select a valid choice"),
    ("agent=-1", "Select a valid choice"),
    ("agent=99999999999999999999999", "Select a valid choice"),
    ("bucket=minute", "Select a valid choice"),
    ("range=30&bucket=hour", "Hours are shown for 14 days at most"),
])
def test_hostile_filters_are_a_400_with_a_message(boss, story, query, message):
    for url in PAGES:
        response = get(boss, f"{url}?{query}")
        assert response.status_code == 400, url
        assert message in response.content.decode(), url
        assert 'class="report-errors"' in response.content.decode()
        download = get(boss, f"{url}?{query}&format=csv&table=overall")
        assert download.status_code == 400 and message in download.content.decode()


# --- CSV ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, page", [
    ("/reports/", "overview"), ("/reports/volume/", "volume"), ("/reports/times/", "times"),
    ("/reports/agents/", "agents"), ("/reports/teams/", "teams"), ("/reports/csat/", "csat")])
def test_every_table_downloads_as_csv(boss, story, url, page):
    response = get(boss, f"{url}?{THE_DAY}")
    tables = response.context["tables"]
    assert tables
    html = response.content.decode()
    for name, table in tables.items():
        assert f'href="?{THE_DAY.replace("&", "&amp;")}&amp;format=csv&amp;table={name}"' in html
        download = get(boss, f"{url}?{THE_DAY}&format=csv&table={name}")
        assert download.status_code == 200
        assert download["Content-Type"].startswith("text/csv")
        assert download["Content-Disposition"] == (
            f'attachment; filename="threadline-{page}-{name}-2026-03-05-2026-03-05.csv"')
        lines = read_csv(download)
        assert lines[0] == [column.csv_label for column in table.columns]
        assert len(lines) == len(table.rows) + 1
    assert get(boss, f"{url}?format=csv&table=nope").status_code == 400


def test_csv_holds_raw_figures(boss, story):
    response = get(boss, f"/reports/times/?{THE_DAY}&format=csv&table=by_agent")
    assert read_csv(response) == [
        ["Agent", "First responses", "First response median (seconds)",
         "First response p90 (seconds)", "Resolved", "Resolution median (seconds)",
         "Resolution p90 (seconds)"],
        ["Ana-S", "2", "1800", "2400", "3", "3600", "5400"],
        ["Ben-S", "1", "2700", "2700", "1", "4500", "4500"],
        ["Cleo-X", "1", "4800", "4800", "0", "", ""],
    ]


def test_csv_cells_that_look_like_formulas_are_defused(boss, story):
    waiting = read_csv(get(boss, "/reports/?format=csv&table=waiting"))
    assert waiting[1][0] == "'" + NASTY_NAME
    comments = read_csv(get(boss, f"/reports/csat/?{THE_DAY}&format=csv&table=comments"))
    assert [row[4] for row in comments[1:]] == ["'-Slow", "<b>Great</b> help"]
    # a negative number stays a number
    today = read_csv(get(boss, "/reports/?format=csv&table=today"))
    assert today[0][-1] == "Change (%)"


# --- queries -----------------------------------------------------------------------------------

# Session and user, the teams, channels and agents once each, then one query per figure:
# never one per row.
@pytest.mark.parametrize("url, most", [
    ("/reports/", 12), (f"/reports/volume/?{THE_DAY}&bucket=hour", 9),
    (f"/reports/times/?{THE_DAY}", 13), (f"/reports/agents/?{THE_DAY}", 9),
    (f"/reports/teams/?{THE_DAY}", 9), (f"/reports/csat/?{THE_DAY}", 12)])
def test_query_counts_are_bounded(boss, story, django_assert_max_num_queries, url, most):
    with django_assert_max_num_queries(most):
        assert get(boss, url).status_code == 200


def test_buckets_are_local_time(boss, story, settings):
    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in March: alice's 09:00 is 10:00
    hours = as_dict(get(boss, f"/reports/volume/?{THE_DAY}&bucket=hour"), "over_time")
    assert len(hours) == 24
    assert hours["05 Mar 10:00"] == [2, 3, 1] and hours["05 Mar 09:00"] == [0, 0, 0]
    days = as_dict(get(boss, "/reports/volume/?from=2026-03-04&to=2026-03-06"), "over_time")
    assert days == {"Wed 04 Mar": [0, 0, 0], "Thu 05 Mar": [5, 8, 5], "Fri 06 Mar": [0, 0, 0]}
