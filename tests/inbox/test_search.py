"""Searching the inbox: by customer name, by how they are reached, by what was written."""

import pytest
from django.db import connection

from inbox.actions import add_note, receive_message
from inbox.models import Thread
from inbox.search import (
    MAX_QUERY_LENGTH,
    clean_query,
    matching_thread_ids,
    phone_fragments,
    search_threads,
)
from inbox.selectors import threads_visible_to
from tests.helpers import needs_postgresql

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email")


@pytest.fixture
def tomas(email_channel):
    """Tomás wrote twice by e-mail about a refund."""
    first = receive_message(channel=email_channel, address="Tomas.Silva@Mail.example",
                            display_name="Tomás Silva", text="Hello, where is my parcel?")
    receive_message(channel=email_channel, address="tomas.silva@mail.example",
                    text="I would like a refund for invoice 4412, the parcel came broken")
    return first.message.thread


@pytest.fixture
def bea(make_channel):
    """Béatrice texted from her mobile, written the French way."""
    sms = make_channel("sms")
    received = receive_message(channel=sms, address="06 12 34 56 78", display_name="Béatrice",
                               text="Can someone call me back about my subscription")
    return received.message.thread


@pytest.fixture
def zoe(email_channel):
    """Someone else entirely, whom no query below should find by accident."""
    received = receive_message(channel=email_channel, address="zoe@other.example",
                               display_name="Zoë Martin", text="Thanks for the quick answer")
    return received.message.thread


def search(query: str, threads=None) -> list[Thread]:
    return list(search_threads(threads if threads is not None else Thread.objects.all(), query))


@pytest.mark.parametrize("query", ["Tomás", "tomás silva", "SILVA", "ás Sil"])
def test_finds_a_customer_by_name_whatever_the_case_or_part(tomas, bea, zoe, query):
    assert search(query) == [tomas]


@pytest.mark.parametrize("query", ["tomas.silva@mail.example", "TOMAS.SILVA@MAIL.EXAMPLE",
                                   "mail.example", "tomas.silva@"])
def test_finds_a_customer_by_email_address(tomas, bea, zoe, query):
    assert search(query) == [tomas]


@pytest.mark.parametrize("query", ["0612345678", "06 12 34 56 78", "06.12.34.56.78",
                                   "+33612345678", "+33 6 12 34 56 78", "+33 6 12", "0033 6 12 34",
                                   "06 12 34", "12 34 56 78"])
def test_finds_a_customer_by_phone_in_national_or_international_format(tomas, bea, zoe, query):
    assert search(query) == [bea]


def test_finds_a_customer_by_the_display_name_of_an_identity(tomas, bea, zoe):
    # the customer was renamed; the identity still carries what the provider said
    bea.customer.name = "B. Dupont"
    bea.customer.save()

    assert search("béatrice") == [bea]


@pytest.mark.parametrize("query", ["refund", "Refund invoice", "broken parcel", "4412"])
def test_finds_threads_by_words_of_their_messages(tomas, bea, zoe, query):
    assert search(query) == [tomas]


def test_a_message_must_hold_every_word_of_the_query(tomas, bea, zoe):
    assert search("refund subscription") == []


def test_finds_words_of_private_notes_too(bea, zoe, agent):
    add_note(thread=bea, author=agent, text="Promised a goodwill voucher")

    assert search("voucher") == [bea]


def test_each_thread_appears_once_however_much_of_it_matches(tomas, bea, zoe, email_channel):
    # given a third message about the parcel, and a name that matches too
    receive_message(channel=email_channel, address="tomas.silva@mail.example",
                    text="parcel parcel parcel")
    tomas.customer.name = "Parcel Tomás"
    tomas.customer.save()

    # then the thread is found once
    found = search_threads(Thread.objects.all(), "parcel")
    assert list(found) == [tomas]
    assert found.count() == 1


def test_finds_several_threads_in_the_order_of_the_queryset(tomas, bea, zoe):
    found = search("mail.example", Thread.objects.order_by("-id"))
    assert found == [tomas]

    found = search("e", Thread.objects.order_by("id"))
    assert found == [tomas, bea, zoe]


def test_never_finds_a_thread_outside_the_queryset_given(tomas, bea, zoe, make_user, other_team,
                                                         agent):
    # given Tomás's thread belongs to another team than the agent's
    Thread.objects.filter(pk=tomas.pk).update(team=other_team)

    # then the agent's search does not find it, a supervisor's does
    assert search("refund", threads_visible_to(agent)) == []
    assert search("tomás", threads_visible_to(agent)) == []
    assert search("refund", threads_visible_to(make_user("sue", role="supervisor"))) == [tomas]
    # and a narrower queryset narrows the search
    assert search("e", Thread.objects.exclude(pk=bea.pk).order_by("id")) == [tomas, zoe]


@pytest.mark.parametrize("query", ["", "   ", "\t\n", None])
def test_an_empty_query_leaves_the_queryset_unchanged(tomas, bea, zoe, query):
    threads = Thread.objects.order_by("id")

    assert search_threads(threads, query) is threads


def test_a_long_query_is_cut(tomas):
    long_query = "refund " + "x" * 500

    assert len(clean_query(long_query)) == MAX_QUERY_LENGTH
    assert search(long_query) == []
    assert search("refund" + " " * 500 + "invoice") == [tomas]  # whitespace collapses first


HOSTILE = [
    "'", '"', "\\", "\\'", "''", '"unfinished', "'; DROP TABLE inbox_message; --",
    "1' OR '1'='1", "refund & | !", "& | ! ( ) : *", "!!!", "refund:*", "<-> <2>", "or",
    "-", "- refund", "%", "_", "%_%", "\x00", "ref\x00und", "\x00' OR 1=1 --", "\ud800",
    "tomás\udcff", "\x1b[31m", "+", "++33", "00", "(((", "a" * 5000, "🙂 refund",
    "$$ SELECT 1 $$", "E'\\x00'", "\\x00", "SELECT * FROM pg_sleep(10)", "to_tsquery('a')",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_input_never_raises(tomas, bea, zoe, query):
    found = search(query)

    assert set(found) <= {tomas, bea, zoe}
    # and the connection is still usable: no aborted transaction on PostgreSQL
    assert Thread.objects.count() == 3


def test_a_nul_byte_is_a_space(tomas):
    assert clean_query("refund\x00invoice") == "refund invoice"
    assert search("refund\x00invoice") == [tomas]


def test_phone_fragments_follow_the_default_region(settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"

    assert phone_fragments("06 12 34 56 78") == {"0612345678", "+33612345678"}
    assert phone_fragments("06 12") == {"0612", "+33612"}
    assert phone_fragments("+33 6 12") == {"+33612"}
    assert phone_fragments("0033 6 12") == {"+33612"}
    assert phone_fragments("refund 0612") == set()
    assert phone_fragments("06") == set()


def plan_on_a_small_table(query: str) -> str:
    """The plan of a search when no table may be read in full: on a few rows reading all of
    a table (or all of an index on another column) is cheapest, so an index shows up in the
    plan only if it serves the search's expression."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return matching_thread_ids(clean_query(query), full_text=True).explain()


@needs_postgresql
def test_message_text_search_uses_the_gin_index(tomas, bea, zoe):
    plan = plan_on_a_small_table("refund")

    assert "Bitmap Index Scan on message_text_search_idx" in plan, plan


@needs_postgresql
def test_name_and_address_search_use_the_trigram_indexes(tomas, bea, zoe):
    plan = plan_on_a_small_table("silva")

    assert "Bitmap Index Scan on customer_name_trgm_idx" in plan, plan
    assert "Bitmap Index Scan on identity_address_trgm_idx" in plan, plan
    assert "Bitmap Index Scan on identity_display_name_trgm_idx" in plan, plan


@needs_postgresql
def test_a_page_of_search_results_looks_threads_up_by_id(tomas, bea, zoe, agent):
    # A plan that rescans the matches for each thread of the inbox takes minutes on a big
    # one: the few matches are fetched first, then looked up by thread id.
    page = search_threads(threads_visible_to(agent), "refund").order_by("-last_activity_at")
    plan = page[:50].explain()

    assert "= ANY" in plan and "inbox_thread_pkey" in plan, plan


@needs_postgresql
def test_a_common_word_walks_the_inbox_in_order_and_finds_the_same(tomas, bea, zoe, agent):
    for query in ("refund", "silva", "+33 6"):
        # common_rows=0: every match counts as "many" in this small inbox
        walked = search_threads(threads_visible_to(agent), query, common_rows=0)
        assert "= ANY" not in str(walked.query)
        assert set(walked) == set(search_threads(threads_visible_to(agent), query))