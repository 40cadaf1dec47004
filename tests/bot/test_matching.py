"""How the bot matches a question to an article: BM25 over the words that matter, with a
confidence the threshold is compared with. Examples that should and should not match."""

import pytest

from bot.matching import MAX_QUERY_TERMS, best_match, build_index, match_question, tokens
from bot.models import Article
from tests.bot.conftest import ARTICLES

THRESHOLD = 0.6  # BotSettings' default


def article(pk, question, keywords="", answer=""):
    return Article(pk=pk, question=question, keywords=keywords, answer=answer)


INDEX = build_index([article(n, *fields) for n, fields in enumerate(ARTICLES.values(), 1)])
IDS = {key: n for n, key in enumerate(ARTICLES, 1)}


@pytest.mark.parametrize(("text", "expected"), [
    ("What are your opening hours?", "hours"),
    ("when are you open on saturday", "hours"),
    ("I want my money back", "refund"),
    ("refunds?", "refund"),
    ("password", "password"),
    ("I forgot my password", "password"),
    ("Resetting password", "password"),
    ("how long is shipping", "delivery"),
    ("cancelling my subscription", "cancel"),
    ("Unsubscribe me", "cancel"),
])
def test_questions_that_match_their_article_confidently(text, expected):
    match = best_match(INDEX, text)
    assert match.article_id == IDS[expected]
    assert match.confidence >= THRESHOLD


@pytest.mark.parametrize("text", [
    "My lamp flickers when dimmed",
    "Do you sell light bulbs in Canada?",
    "I bought a lamp last week and it arrived broken, what is your refund policy?",
    "cancel my order",  # the article cancels subscriptions
    "Is the shop open on Sunday?",
    "open a subscription",  # a word of two articles, and not what either says
])
def test_questions_the_bot_is_not_sure_of(text):
    assert best_match(INDEX, text).confidence < THRESHOLD


def test_two_articles_that_fit_as_well_leave_the_choice_to_a_person():
    index = build_index([article(1, "How do I return a lamp?"),
                         article(2, "How do I return a sofa?")])
    assert best_match(index, "return lamp").confidence == 1.0
    unsure = best_match(index, "how do I return it")
    assert unsure.confidence < THRESHOLD and unsure.runner_up_id == 2


def test_a_question_asked_exactly_is_fully_confident():
    for key, (question, _, _) in ARTICLES.items():
        match = best_match(INDEX, question)
        assert (match.article_id, match.confidence) == (IDS[key], 1.0)


def test_accents_are_folded_and_stop_words_left_out():
    assert tokens("Réinitialiser MON mot de passe, s'il vous plaît") == \
        tokens("reinitialiser mot passe s il plait")
    assert tokens("What are the hours of the shop?") == ["hour", "shop"]
    assert tokens("Hello, thanks! Bonjour, merci :)") == []
    french = build_index([article(1, "Quelles sont vos heures d'ouverture ?")])
    assert best_match(french, "heures d’ouverture").article_id == 1


def test_words_are_matched_without_synonyms():
    """Only shared words count: "parcel" is not "delivery" unless an article says so."""
    assert best_match(INDEX, "where is my parcel").article_id == IDS["delivery"]
    assert best_match(INDEX, "where is my package").article_id is None


def test_a_long_story_is_not_a_question():
    story = " ".join(f"word{n}" for n in range(MAX_QUERY_TERMS)) + " opening hours"
    assert best_match(INDEX, story).confidence == 0
    assert best_match(INDEX, "").article_id is None
    assert best_match(build_index([]), "opening hours").article_id is None


@pytest.mark.django_db
def test_the_cached_index_follows_the_articles(team, other_team):
    hours = Article.objects.create(team=team, question="What are your opening hours?",
                                   answer="9 to 5.")
    Article.objects.create(team=other_team, question="Where is my invoice?", answer="Mail.")
    assert match_question(team.pk, "opening hours").article_id == hours.pk
    assert match_question(team.pk, "invoice").article_id is None

    hours.question = "When does the shop welcome visitors?"
    hours.save()
    assert match_question(team.pk, "opening hours").article_id is None
    assert match_question(team.pk, "shop visitors").article_id == hours.pk
    hours.delete()
    assert match_question(team.pk, "shop visitors").article_id is None
