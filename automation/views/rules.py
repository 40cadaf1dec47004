"""The rule pages: the list (order, on/off), the no-code form (with its dry run), delete.

Rules are configuration an admin edits, like the back office does: a validated form is saved
here, in one transaction; what the rules then do to threads goes through the inbox actions."""

from datetime import timedelta

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..dry_run import dry_run
from ..forms import RuleForm
from ..models import Rule
from .access import admins_only
from .choices import form_choices
from .summary import summarise

RUNS_WINDOW = timedelta(days=7)


@admins_only
@require_http_methods(["GET"])
def rule_list(request: HttpRequest) -> HttpResponse:
    since = timezone.now() - RUNS_WINDOW
    # The order is explicit: a GROUP BY query leaves Meta.ordering out.
    rules = list(Rule.objects.select_related("team").annotate(
        recent_runs=Count("runs", filter=Q(runs__ran_at__gte=since)),
        last_run=Max("runs__ran_at")).order_by("position", "id"))
    summarise(rules)
    return render(request, "automation/rule_list.html", {"rules": rules})


@admins_only
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, Rule(created_by=request.user))


@admins_only
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Rule, pk=rule_id))


def _edit(request: HttpRequest, rule: Rule) -> HttpResponse:
    if request.method == "GET":
        return _render_form(request, RuleForm(instance=rule))
    form = RuleForm(request.POST, instance=rule)
    # The buttons that change the form without saving it (its script does these in place).
    for kind in ("condition", "action"):
        if f"add_{kind}" in request.POST:
            form.add_row(kind)
            return _render_form(request, form, unchecked=True)
        if f"remove_{kind}" in request.POST:
            form.remove_row(kind, request.POST[f"remove_{kind}"])
            return _render_form(request, form, unchecked=True)
    if not form.is_valid():
        return _render_form(request, form, status=400)
    if "dry_run" in request.POST:
        return _render_form(request, form, tried=dry_run(form.instance))
    with transaction.atomic():
        if rule.pk is None:  # a new rule comes last (two at once tie, then id orders them)
            last = Rule.objects.aggregate(last=Max("position"))["last"]
            rule.position = 0 if last is None else last + 1
        form.save()
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
    return redirect("automation:rules")


def _render_form(request, form, *, status: int = 200, unchecked: bool = False,
                 tried=None) -> HttpResponse:
    return render(request, "automation/rule_form.html", {
        "form": form, "rule": form.instance, "dry_run": tried,
        "unchecked": unchecked, **form_choices()}, status=status)


@admins_only
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Switch the rule on or off: the form says which (``active`` 1 or 0), so a double
    submit, or a page older than another admin's switch, does not flip it back."""
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest(_("Say active=1 or active=0."))
    with transaction.atomic():
        rule = get_object_or_404(Rule.objects.select_for_update(), pk=rule_id)
        rule.is_active = wanted == "1"
        rule.save(update_fields=["is_active", "updated_at"])
    return redirect("automation:rules")


@admins_only
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    """Swap the rule with its neighbour above or below; positions are renumbered 0..n-1 on
    the way, so rules saved with equal positions get a definite order."""
    step = {"up": -1, "down": 1}.get(request.POST.get("direction"))
    if step is None:
        return HttpResponse(_("direction is up or down."), status=400)
    with transaction.atomic():
        rules = list(Rule.objects.select_for_update().order_by("position", "id"))
        index = next((i for i, rule in enumerate(rules) if rule.pk == rule_id), None)
        if index is None:
            return HttpResponse(status=404)
        other = index + step
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        changed = []
        for position, rule in enumerate(rules):
            if rule.position != position:
                rule.position = position
                changed.append(rule)
        Rule.objects.bulk_update(changed, ["position"])
    return redirect("automation:rules")


@admins_only
@require_http_methods(["GET", "POST"])
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=rule_id)
    if request.method == "GET":
        return render(request, "automation/rule_delete.html", {"rule": rule})
    rule.delete()
    messages.success(request, _("Rule “%(name)s” deleted; its log lines stay.")
                     % {"name": rule.name})
    return redirect("automation:rules")
