"""The public survey page a CSAT link opens: no sign-in, the token is the key.

It shows nothing of the conversation (whoever holds the link sees a question, not a
thread), tells an unknown token (404) from an expired one (410) and no more, and limits the
answers one IP address may post."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from channels_adapters.webchat.guards import within_rate

from .actions import clean_answer, is_open, record_answer, survey_for_token
from .models import MAX_COMMENT_LENGTH, SCORES, Survey

PRESET_SCORES = {str(score) for score in SCORES}


@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    survey = survey_for_token(token)
    if survey is None:
        return _page(request, "surveys/gone.html", {"expired": False}, status=404)
    if not is_open(survey):
        return _page(request, "surveys/gone.html", {"expired": True}, status=410)
    if request.method == "GET":
        # A score link from the e-mail opens the page with that score chosen, not recorded.
        chosen = request.GET.get("score", "")
        return _form(request, survey, score=chosen if chosen in PRESET_SCORES else None)
    if not within_rate("survey-answer", request.META.get("REMOTE_ADDR", ""),
                       limit=settings.THREADLINE_CSAT_POSTS_PER_MINUTE):
        return _form(request, survey, status=429,
                     error=_("Too many answers from your network. Please try again in a minute."))
    score, comment = request.POST.get("score", ""), request.POST.get("comment", "")
    try:
        score, comment = clean_answer(score, comment)
        survey = record_answer(survey=survey, score=score, comment=comment,
                               via=Survey.Via.LINK)
    except ValidationError as error:
        return _form(request, survey, status=400, error=" ".join(error.messages),
                     score=score, comment=comment)
    return _page(request, "surveys/thanks.html", {"survey": survey})


def _form(request, survey: Survey, *, status: int = 200, error: str = "", score=None,
          comment=None):
    return _page(request, "surveys/answer.html", {
        "scores": SCORES,
        "chosen": str(score if score is not None else (survey.score or "")),
        "comment": survey.comment if comment is None else comment,
        "max_comment": MAX_COMMENT_LENGTH,
        "answered": survey.answered_at is not None,
        "error": error,
    }, status=status)


def _page(request, template: str, context: dict, *, status: int = 200):
    response = render(request, template, context, status=status)
    # The token is in the URL: never cached by a proxy, never sent on as a referrer.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
