"""The report pages in Chromium on the demo's four weeks of history: a supervisor reaches them
from the inbox, reads every page (screenshots kept for a human to look at), narrows them,
downloads a table, and prints one on A4; an agent is refused.

Transactional, like every browser test: the Daphne server is another process.
"""

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

SCREENS = Path("/tmp/threadline-report-screens")
PAGES = [("overview", "/reports/", "Overview"), ("volume", "/reports/volume/", "Volume"),
         ("times", "/reports/times/", "Response times"), ("agents", "/reports/agents/", "Agents"),
         ("teams", "/reports/teams/", "Teams"),
         ("csat", "/reports/csat/", "Customer satisfaction")]
# A4 less the print margins (12 mm each side) at the CSS 96 dpi: what a printed page holds.
A4_CONTENT_PX = round((210 - 24) / 25.4 * 96)


@pytest.fixture
def sofia(off_loop):
    from inbox.models import User

    off_loop(call_command, "load_demo", verbosity=0)
    return User.objects.get(username="sofia")


def keep(path: Path) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENS / path.name)


def test_a_supervisor_reads_every_report_page(sign_in, sofia, tmp_path):
    page = sign_in(sofia, "sofia-demo")
    page.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"/reports/$"))

    for name, url, heading in PAGES:
        response = page.goto(url)
        assert response.status == 200, url
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator("svg.report-chart").first).to_be_visible()
        assert page.locator("table.report-table").count() >= 1
        # every table has its CSV link, and the numbers are drawn, not left empty
        sections = page.locator(".report-section:has(.report-csv)")
        assert sections.count() == page.locator("a.report-csv").count() >= 1
        shot = tmp_path / f"report-{name}.png"
        page.screenshot(path=shot, full_page=True)
        keep(shot)

    # the demo's history shows on the pages: someone replied, conversations were resolved
    page.goto("/reports/agents/")
    replies = page.locator("table.report-table tbody tr td:nth-child(3)").all_inner_texts()
    assert sum(int(text.replace(" ", "")) for text in replies) > 0

    # printed, every page fits the width of an A4 page
    page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1100})
    page.emulate_media(media="print")
    for _name, url, heading in PAGES:
        page.goto(url)
        expect(page.locator(".print-header")).to_contain_text(heading.split()[0])
        assert page.evaluate("document.documentElement.scrollWidth") <= A4_CONTENT_PX, url


def test_filters_a_download_and_the_printed_page(sign_in, sofia, tmp_path):
    page = sign_in(sofia, "sofia-demo")
    page.goto("/reports/volume/")

    # a preset is a link keeping the other filters
    page.get_by_role("link", name="7 days").click()
    expect(page).to_have_url(re.compile(r"range=7"))
    expect(page.locator("#table-over_time tbody tr")).to_have_count(7)

    # narrowing to one team through the checkboxes
    page.locator("summary", has_text="Teams").click()
    page.get_by_label("Sales").check()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"team=\d+"))
    expect(page.locator("#table-by_team tbody tr")).to_have_count(1)
    expect(page.locator("#table-by_team tbody")).to_contain_text("Sales")

    # hours over seven days, then a range too long for hours: the form says why
    page.select_option("select[name=bucket]", "hour")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#table-over_time tbody tr")).to_have_count(7 * 24)
    page.fill("input[name=from]", "2026-01-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".report-errors")).to_contain_text("14 days at most")

    # a table as CSV
    page.goto("/reports/times/")
    with page.expect_download() as download_info:
        page.locator("#table-by_agent a.report-csv").click()
    download = download_info.value
    assert re.fullmatch(r"threadline-times-by_agent-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv",
                        download.suggested_filename)
    lines = Path(download.path()).read_text().splitlines()
    assert lines[0].startswith("Agent,First responses,First response median (seconds)")
    assert len(lines) > 1

    # printed: no navigation, filters or CSV links; a header with the page and the range;
    # nothing wider than an A4 page
    page.set_viewport_size({"width": A4_CONTENT_PX, "height": 1100})
    page.emulate_media(media="print")
    for hidden in (".reports-nav", ".report-filters", "a.report-csv"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator(".print-header")).to_be_visible()
    expect(page.locator(".print-header")).to_contain_text("Response times")
    expect(page.locator(".print-header")).to_contain_text(" – ")
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_CONTENT_PX
    shot = tmp_path / "report-times-print.png"
    page.screenshot(path=shot, full_page=True)
    keep(shot)
    pdf = tmp_path / "report-times.pdf"
    page.pdf(path=pdf, format="A4", print_background=True)
    keep(pdf)


def test_an_agent_is_refused(sign_in, agent):
    page = sign_in(agent)
    expect(page.get_by_role("link", name="Reports")).to_have_count(0)
    for _name, url, _heading in PAGES:
        response = page.goto(url)
        assert response.status == 403, url
