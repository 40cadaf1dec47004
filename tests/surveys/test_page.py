"""The public survey page a link opens: answering, changing the answer, and everything a
stranger or a broken client may send it."""

import itertools
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inbox.actions import change_status
from inbox.models import Event
from surveys.actions import hash_token, send_survey
from surveys.models import Survey
from tests.surveys.test_sending import LINK

pytestmark = pytest.mark.django_db
_addresses = (f"10.1.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture
def client():
    """A browser of its own address: the rate limit counts per address across tests."""
    return Client(REMOTE_ADDR=next(_addresses))


def surveyed(channel, story, text="My parcel never arrived."):
    thread = story.mail(channel, text=text).thread
    change_status(thread=thread, status="resolved")
    survey = send_survey(thread=thread)
    [token] = LINK.findall(survey.message.text)
    return survey, reverse("surveys:answer", args=[token])


@pytest.fixture
def survey_and_url(email_channel, story):
    return surveyed(email_channel, story)


def test_the_page_asks_the_question_and_tells_nothing_of_the_conversation(
        survey_and_url, client):
    _, url = survey_and_url

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "How did we do?" in page
    assert all(f'name="score" value="{score}"' in page for score in range(1, 6))
    assert 'name="csrfmiddlewaretoken"' in page
    assert "Ana" not in page and "parcel" not in page and "example.com" not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_an_answer_is_recorded_and_can_be_changed(survey_and_url, client):
    survey, url = survey_and_url

    response = client.post(url, {"score": "4", "comment": "  Quick and kind.  "})

    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    survey.refresh_from_db()
    assert (survey.score, survey.comment, survey.answered_via) == (4, "Quick and kind.", "link")
    first_answer_at = survey.answered_at

    client.post(url, {"score": "2", "comment": ""})

    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (2, "")
    assert survey.answered_at >= first_answer_at
    answers = Event.objects.filter(type="survey.answered").order_by("id")
    assert [(e.payload["score"], e.payload["has_comment"]) for e in answers] == [
        (4, True), (2, False)]
    assert {e.team_id for e in answers} == {survey.team_id}
    page = client.get(url).content.decode()
    assert "Change my answer" in page and 'value="2" required checked' in page


def test_a_score_link_from_the_mail_chooses_the_score_and_records_nothing(
        survey_and_url, client):
    survey, url = survey_and_url

    page = client.get(url + "?score=4").content.decode()

    assert 'value="4" required checked' in page and page.count(" checked>") == 1
    assert Survey.objects.get(pk=survey.pk).score is None
    assert " checked>" not in client.get(url + "?score=9").content.decode()
    assert client.post(url + "?score=4", {"score": "4"}).status_code == 200
    assert Survey.objects.get(pk=survey.pk).score == 4


def test_an_unknown_token_is_a_plain_404(email_channel, client):
    response = client.get(reverse("surveys:answer", args=["x" * 43]))

    assert response.status_code == 404
    assert "Survey not found" in response.content.decode()
    assert client.post(reverse("surveys:answer", args=["nope"]), {"score": "5"}
                       ).status_code == 404


def test_an_expired_survey_is_a_410_and_takes_no_answer(survey_and_url, client):
    survey, url = survey_and_url
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(url).status_code == 410
    response = client.post(url, {"score": "5"})

    assert response.status_code == 410
    page = response.content.decode()
    assert "closed" in page and "Ana" not in page and "parcel" not in page
    assert Survey.objects.get(pk=survey.pk).score is None


@pytest.mark.parametrize("score", ["0", "6", "abc", "", "4.5", "-1", "５", " 3 5"])
def test_a_score_outside_1_to_5_is_refused_with_the_form(survey_and_url, client, score):
    survey, url = survey_and_url

    response = client.post(url, {"score": score, "comment": "kept"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a score from 1 to 5." in page and 'name="score"' in page
    assert ">kept</textarea>" in page  # what they wrote is not lost
    assert Survey.objects.get(pk=survey.pk).score is None


def test_a_missing_score_field_is_refused(survey_and_url, client):
    survey, url = survey_and_url

    assert client.post(url, {}).status_code == 400
    assert Survey.objects.get(pk=survey.pk).score is None


def test_a_comment_over_2000_characters_is_refused(survey_and_url, client):
    survey, url = survey_and_url

    response = client.post(url, {"score": "5", "comment": "x" * 10_240})

    assert response.status_code == 400
    assert "longer than 2000 characters" in response.content.decode()
    assert Survey.objects.get(pk=survey.pk).score is None
    assert client.post(url, {"score": "5", "comment": "x" * 2000}).status_code == 200


def test_a_post_without_the_csrf_token_is_refused(survey_and_url):
    survey, url = survey_and_url
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR=next(_addresses))

    assert strict.post(url, {"score": "5"}).status_code == 403
    assert Survey.objects.get(pk=survey.pk).score is None

    page = strict.get(url)
    token = page.context["csrf_token"]
    assert strict.post(url, {"score": "5", "csrfmiddlewaretoken": str(token)}
                       ).status_code == 200


def test_a_token_answers_its_own_survey_only(email_channel, make_channel, story, client):
    from inbox.actions import receive_message

    mine, my_url = surveyed(email_channel, story)
    other_thread = receive_message(channel=email_channel, address="bob@example.com",
                                   text="Hi", verified=True, external_id="bob-1").message.thread
    change_status(thread=other_thread, status="resolved")
    theirs = send_survey(thread=other_thread)

    client.post(my_url, {"score": "1"})

    assert Survey.objects.get(pk=mine.pk).score == 1
    assert Survey.objects.get(pk=theirs.pk).score is None
    # Neither the survey's id nor its stored hash opens it.
    assert client.get(reverse("surveys:answer", args=[str(theirs.pk)])).status_code == 404
    assert client.get(reverse("surveys:answer", args=[theirs.token_hash])).status_code == 404
    assert hash_token(theirs.token_hash) != theirs.token_hash


def test_html_in_a_comment_is_shown_escaped(survey_and_url, client):
    survey, url = survey_and_url
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    client.post(url, {"score": "3", "comment": hostile})
    page = client.get(url).content.decode()

    assert Survey.objects.get(pk=survey.pk).comment == hostile  # kept as written
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_posts_are_rate_limited_per_address(survey_and_url, settings):
    settings.THREADLINE_CSAT_POSTS_PER_MINUTE = 3
    _, url = survey_and_url

    for _attempt in range(2):  # the limit's window is the clock's minute: not across one
        minute = int(time.time() // 60)
        client = Client(REMOTE_ADDR=next(_addresses))
        statuses = [client.post(url, {"score": "5"}).status_code for _ in range(4)]
        if int(time.time() // 60) == minute:
            break

    assert statuses == [200, 200, 200, 429]
    assert Client(REMOTE_ADDR=next(_addresses)).post(url, {"score": "4"}).status_code == 200


def test_an_erased_customers_survey_link_is_gone(survey_and_url, client):
    from customers.profile_actions import customer_delete

    survey, url = survey_and_url
    customer_delete(customer=survey.thread.customer)

    assert client.get(url).status_code == 404
