"""Which article answers a customer's question, and how sure the bot is: BM25 over a team's
active articles, computed here (about thirty lines; no dependency, no external service).

- Words: lower-cased, accents folded (é → e), a short English and French stop-word list
  (greetings and politeness included) left out, a light stemmer so that "refunds",
  "refunded" and "refund" meet.
- Each article is one document: its question and other phrasings count twice, its answer
  once (a customer asks in the words of the question more than of the answer).
- Confidence (0–1), of the best-scoring article only: the mean of two shares. How much of
  one of its phrasings (the question, or a line of other phrasings) the customer's words
  cover, each word weighed by its BM25 score; and how much of the customer's words (each
  weighed by its rarity, IDF) are words of the article's phrasings. Asking exactly the
  question is 1; "refund?" against "What is your refund policy?" about 0.75; a story that
  mentions a refund among many other things stays low. Halved when the runner-up scores
  within 10 % of the best (two articles fit: a person should choose). A message of more
  than ``MAX_QUERY_TERMS`` distinct words is a story, not a question: 0.

The index is cached per process, keyed by the articles' count and latest ``updated_at``:
one small query per match tells whether it is still good; the table stays the truth.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from inbox.folding import fold

from .models import Article

K1, B = 1.2, 0.75
QUESTION_WEIGHT = 2
MAX_QUERY_TERMS = 40
AMBIGUOUS_RATIO = 0.9

STOP_WORDS = frozenset("""
a an and are as at be been but by can could did do does doing for from had has have how i
if in is it its me my of on or our please so that the their them there these they this to
us was we were what when where which who why will with would you your yours am any about
hi hello hey thanks thank thx ok okay dear just want wanted need know tell great perfect
cool nice good awesome super fine yes yeah yep bye goodbye cheers lot much got see
au aux avec ce ces cette comment dans de des du elle en est et je la le les leur lui ma
mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes
toi ton tu un une vos votre vous y est-ce bonjour salut merci svp stp bonsoir oui parfait
bien beaucoup genial top
""".split())
WORD = re.compile(r"\w+")


def stem(word: str) -> str:
    """A light suffix stripper: consistent rather than correct ("closed", "close" → "clos")."""
    if word.isdigit():
        return word
    for suffix, replacement in (("ations", ""), ("ation", ""), ("ies", "y"), ("ings", ""),
                                ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word[-2] in "su":
                break
            word = word[: len(word) - len(suffix)] + replacement
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1].isalpha() and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    return [stem(word) for word in WORD.findall(fold(text))
            if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())]


@dataclass(frozen=True)
class Document:
    article_id: int
    question: str
    answer: str
    terms: Counter
    length: int
    phrasings: tuple[frozenset, ...]  # the question's words, each other phrasing's


@dataclass(frozen=True)
class Index:
    documents: tuple[Document, ...]
    document_frequency: Counter
    average_length: float

    def idf(self, term: str) -> float:
        frequency = self.document_frequency.get(term, 0)
        return math.log(1 + (len(self.documents) - frequency + 0.5) / (frequency + 0.5))

    def score(self, terms, document: Document) -> float:
        total = 0.0
        norm = K1 * (1 - B + B * document.length / (self.average_length or 1))
        for term in terms:
            count = document.terms.get(term, 0)
            if count:
                total += self.idf(term) * count * (K1 + 1) / (count + norm)
        return total


def build_index(articles) -> Index:
    documents = []
    for article in articles:
        phrasings = [frozenset(tokens(line))
                     for line in (article.question, *article.keywords.splitlines())]
        asked = tokens(article.question) + tokens(article.keywords)
        terms = Counter(asked * QUESTION_WEIGHT + tokens(article.answer))
        documents.append(Document(article.pk, article.question, article.answer, terms,
                                  sum(terms.values()),
                                  tuple(phrasing for phrasing in phrasings if phrasing)))
    frequency = Counter(term for document in documents for term in document.terms)
    average = sum(d.length for d in documents) / len(documents) if documents else 0.0
    return Index(tuple(documents), frequency, average)


@dataclass(frozen=True)
class Match:
    article_id: int | None
    question: str
    answer: str
    score: float
    confidence: float
    runner_up_id: int | None = None


NO_MATCH = Match(None, "", "", 0.0, 0.0)


def best_match(index: Index, text: str) -> Match:
    terms = set(tokens(text))
    if not terms or not index.documents or len(terms) > MAX_QUERY_TERMS:
        return NO_MATCH
    scored = sorted(((index.score(terms, document), document) for document in index.documents),
                    key=lambda pair: (-pair[0], pair[1].article_id))
    top_score, top = scored[0]
    if top_score <= 0:
        return NO_MATCH
    covered = max((index.score(terms & phrasing, top) / (index.score(phrasing, top) or 1)
                   for phrasing in top.phrasings), default=0.0)
    asked_in = frozenset().union(*top.phrasings)
    explained = (sum(index.idf(term) for term in terms & asked_in)
                 / sum(index.idf(term) for term in terms))
    confidence = (covered + explained) / 2
    runner_up = scored[1] if len(scored) > 1 and scored[1][0] > 0 else None
    if runner_up is not None and runner_up[0] >= AMBIGUOUS_RATIO * top_score:
        confidence /= 2
    return Match(top.article_id, top.question, top.answer, round(top_score, 4),
                 round(confidence, 4), runner_up[1].article_id if runner_up else None)


def team_articles(team_id: int | None):
    return Article.objects.filter(Q(team_id=team_id) | Q(team=None), is_active=True)


_cache: dict[int | None, tuple[tuple, Index]] = {}


def index_for(team_id: int | None) -> Index:
    """The team's index (its articles and everyone's), rebuilt when an article changed."""
    articles = team_articles(team_id)
    key = tuple(articles.aggregate(count=Count("id"), latest=Max("updated_at")).values())
    cached = _cache.get(team_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    index = build_index(articles.only("id", "question", "keywords", "answer"))
    _cache[team_id] = (key, index)
    return index


def match_question(team_id: int | None, text: str) -> Match:
    return best_match(index_for(team_id), text)
