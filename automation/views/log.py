"""The run log: what the rules did lately, newest first, each line linked to its thread."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Rule, RuleRun
from .access import admins_only

SHOWN = 100


@admins_only
@require_GET
def run_log(request: HttpRequest) -> HttpResponse:
    runs = RuleRun.objects.select_related("thread__customer").order_by("-ran_at", "-id")
    raw = request.GET.get("rule", "")
    chosen = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if chosen is not None:
        runs = runs.filter(rule_id=chosen)
    return render(request, "automation/run_log.html", {
        "runs": runs[:SHOWN], "shown": SHOWN, "chosen": chosen,
        "rules": Rule.objects.only("id", "name").order_by("name")})
