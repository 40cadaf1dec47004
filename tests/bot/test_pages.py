"""/bot/articles/: supervisors and admins keep the knowledge base in the app — list, search,
switch on and off, edit, delete — and try a question without sending anything."""

import pytest
from django.test import Client
from django.urls import reverse

from bot.models import Article
from inbox.models import Message


@pytest.fixture
def editor(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.mark.django_db
def test_agents_are_refused_and_the_anonymous_sent_to_sign_in(client, agent, articles):
    url = reverse("bot:articles")
    assert client.get(url).status_code == 302
    client.force_login(agent)
    for page in (url, reverse("bot:new"), reverse("bot:edit", args=[articles["hours"].pk])):
        assert client.get(page).status_code == 403
    assert client.post(reverse("bot:toggle", args=[articles["hours"].pk])).status_code == 403
    assert Article.objects.get(pk=articles["hours"].pk).is_active


@pytest.mark.django_db
def test_the_list_and_its_search(editor, articles, other_team, django_assert_max_num_queries):
    Article.objects.create(team=None, question="Do you ship abroad?", answer="Yes.")
    with django_assert_max_num_queries(8):
        page = editor.get(reverse("bot:articles")).content.decode()
    for question in ("What are your opening hours?", "Do you ship abroad?"):
        assert question in page
    assert "All teams" in page
    found = editor.get(reverse("bot:articles"), {"q": "money back"}).content.decode()
    assert "What is your refund policy?" in found and "opening hours" not in found
    long = editor.get(reverse("bot:articles"), {"q": "x" * 50_000})
    assert long.status_code == 200 and "No article holds these words." in long.content.decode()


@pytest.mark.django_db
def test_trying_a_question_shows_the_match_and_sends_nothing(editor, team, bot, articles,
                                                             webchat, customer_writes):
    customer_writes(webchat, "hello")  # a thread exists: nothing may be sent to it
    before = Message.objects.count()
    page = editor.get(reverse("bot:articles"),
                      {"question": "I forgot my password", "team": team.pk}).content.decode()
    assert "Would answer" in page and "How do I reset my password?" in page
    assert "data-confidence>1.00<" in page
    unsure = editor.get(reverse("bot:articles"),
                        {"question": "my lamp flickers", "team": team.pk}).content.decode()
    assert "No article matches" in unsure
    assert Message.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"question": "x" * 3000, "team": "1"},
                                   {"question": "hours", "team": "999999"},
                                   {"question": "hours", "team": "abc"},
                                   {"question": "", "team": ""}])
def test_a_malformed_try_is_an_error_on_the_page(editor, articles, query):
    response = editor.get(reverse("bot:articles"), query)
    assert response.status_code == 200 and "Would answer" not in response.content.decode()


@pytest.mark.django_db
def test_an_article_is_written_switched_off_and_deleted(editor, team):
    response = editor.post(reverse("bot:new"), {
        "team": team.pk, "question": "Do you <b>gift-wrap</b>?", "keywords": "gift\nwrapping",
        "answer": "<script>alert(1)</script>Yes, for 3 €.", "is_active": "on"})
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.team == team and article.answer.startswith("<script>")
    page = editor.get(reverse("bot:articles")).content.decode()
    assert "Do you &lt;b&gt;gift-wrap&lt;/b&gt;?" in page and "<b>gift" not in page
    tried = editor.get(reverse("bot:articles"), {"question": "gift wrapping", "team": team.pk})
    assert "&lt;script&gt;" in tried.content.decode()

    for _twice in range(2):  # a double submit: switched off, not back on
        editor.post(reverse("bot:toggle", args=[article.pk]), {"active": "0"})
    assert not Article.objects.get().is_active
    assert editor.post(reverse("bot:toggle", args=[article.pk])).status_code == 400
    editor.post(reverse("bot:delete", args=[article.pk]))
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_a_bad_article_is_refused_with_its_errors(editor, team):
    response = editor.post(reverse("bot:new"), {"team": team.pk, "question": "q" * 301,
                                                "answer": ""})
    assert response.status_code == 400 and not Article.objects.exists()
    assert editor.post(reverse("bot:new"), {"team": "999999", "question": "Hours?",
                                            "answer": "9–5"}).status_code == 400
    assert editor.get(reverse("bot:edit", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_the_forms_need_their_csrf_token(supervisor, articles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert client.post(reverse("bot:toggle", args=[articles["hours"].pk])).status_code == 403
    assert client.post(reverse("bot:new"), {"question": "a", "answer": "b"}).status_code == 403
    assert "csrfmiddlewaretoken" in client.get(reverse("bot:new")).content.decode()


@pytest.mark.django_db
def test_the_timeline_says_the_bot_answered_and_left_the_note(client, agent, bot, articles,
                                                               webchat, customer_writes):
    from bot.actions import bot_handle_message

    answered = bot_handle_message(message=customer_writes(webchat, "opening hours?"))
    handed = bot_handle_message(message=customer_writes(webchat, "a human please"))
    client.force_login(agent)
    thread_id = answered.reply.thread_id
    reply = client.get(reverse("inbox:message", args=[thread_id, answered.reply.pk]))
    assert "Bot → visitor-1" in reply.content.decode()
    note = client.get(reverse("inbox:message", args=[thread_id, handed.note.pk]))
    assert "Note by the bot" in note.content.decode()
    assert "Bot hand-off — customer asked for a person." in note.content.decode()
