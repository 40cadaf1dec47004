"""The knowledge base's in-app pages (/bot/articles/): the list with search, an on/off
switch and a "try it" box that shows which article a question would get and how sure the
bot is — nothing is sent. Supervisors and admins, on the articles of their teams
(``teams_for``) and those of all teams.

Articles are configuration, edited like the back office does: a validated form saved in one
request; what the bot then sends goes through the inbox actions."""


from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from inbox.access import only_for
from inbox.api_selectors import teams_for

from .forms import ArticleForm, TryForm
from .matching import match_question
from .models import Article, BotSettings

SEARCH_LENGTH = 200


def can_edit_articles(user) -> bool:
    return user.is_active and user.sees_all_teams


editors_only = only_for(can_edit_articles,
                        "The bot's articles are edited by supervisors and admins.")


def articles_for(user):
    return (Article.objects.filter(Q(team__in=teams_for(user)) | Q(team=None))
            .select_related("team"))


@editors_only
@require_http_methods(["GET"])
def article_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:SEARCH_LENGTH].strip()
    articles = articles_for(request.user)
    if search:
        articles = articles.filter(Q(question__icontains=search) | Q(keywords__icontains=search)
                                   | Q(answer__icontains=search))
    tried = TryForm(request.GET if "question" in request.GET else None, user=request.user)
    return render(request, "bot/article_list.html", {
        "articles": articles.order_by("team__name", "question"), "search": search,
        "try_form": tried, "trial": _trial(tried) if tried.is_bound else None})


def _trial(form: TryForm) -> dict | None:
    if not form.is_valid():
        return None
    team = form.cleaned_data["team"]
    settings = BotSettings.objects.filter(team=team).first() or BotSettings(team=team)
    match = match_question(team.pk, form.cleaned_data["question"])
    article = Article.objects.filter(pk=match.article_id).first() if match.article_id else None
    return {"match": match, "article": article, "settings": settings,
            "would_answer": article is not None and match.confidence >= settings.threshold}


@editors_only
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, Article())


@editors_only
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    return _edit(request, get_object_or_404(articles_for(request.user), pk=article_id))


def _edit(request: HttpRequest, article: Article) -> HttpResponse:
    form = ArticleForm(request.POST if request.method == "POST" else None, instance=article,
                       user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Article “%(question)s” saved.")
                         % {"question": article.question})
        return redirect("bot:articles")
    return render(request, "bot/article_form.html", {"form": form, "article": article},
                  status=400 if form.errors else 200)


@editors_only
@require_POST
def article_toggle(request: HttpRequest, article_id: int) -> HttpResponse:
    wanted = request.POST.get("active")  # said, not flipped: a double submit changes nothing
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest(_("Say active=1 or active=0."))
    article = get_object_or_404(articles_for(request.user), pk=article_id)
    article.is_active = wanted == "1"
    article.save(update_fields=["is_active", "updated_at"])
    return redirect("bot:articles")


@editors_only
@require_POST
def article_delete(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(articles_for(request.user), pk=article_id)
    article.delete()
    messages.success(request, _("Article “%(question)s” deleted.")
                     % {"question": article.question})
    return redirect("bot:articles")
