"""The one writer of webhook endpoints and deliveries (the admin, the API, the listener and
the tasks call these)."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.models import Event, Team, User

from .models import WebhookDelivery, WebhookEndpoint
from .selectors import endpoint_routes, forget_endpoint_routes
from .signing import new_secret
from .validators import validate_event_types

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status


def endpoint_create(*, url: str, description: str = "", event_types: Iterable[str] = (),
                    teams: Iterable[Team] = (), all_teams: bool = False,
                    is_active: bool = True, created_by: User | None = None) -> WebhookEndpoint:
    """A new endpoint with a fresh signing secret."""
    endpoint = WebhookEndpoint(url=url, description=description,
                               event_types=sorted(set(event_types)), all_teams=all_teams,
                               is_active=is_active, created_by=created_by, secret=new_secret())
    teams = list(teams)
    _check(endpoint, teams)
    with transaction.atomic():
        endpoint.save()
        endpoint.teams.set(teams)
        transaction.on_commit(forget_endpoint_routes)
    return endpoint


def endpoint_update(*, endpoint: WebhookEndpoint, teams: Iterable[Team] | None = None,
                    **fields) -> WebhookEndpoint:
    """Change what an endpoint receives; activating a disabled one clears why it was."""
    allowed = {"url", "description", "event_types", "all_teams", "is_active"}
    if set(fields) - allowed:
        raise TypeError(f"cannot change {sorted(set(fields) - allowed)}")
    reactivated = fields.get("is_active") and not endpoint.is_active
    for name, value in fields.items():
        setattr(endpoint, name, sorted(set(value)) if name == "event_types" else value)
    if reactivated:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    teams = list(endpoint.teams.all()) if teams is None else list(teams)
    _check(endpoint, teams)
    with transaction.atomic():
        endpoint.save()
        endpoint.teams.set(teams)
        transaction.on_commit(forget_endpoint_routes)
    return endpoint


def _check(endpoint: WebhookEndpoint, teams: list[Team]) -> None:
    endpoint.full_clean(exclude=["secret"])
    validate_event_types(endpoint.event_types)
    if not endpoint.all_teams and not teams:
        raise ValidationError({"teams": [_("Choose the teams whose events to send, or all "
                                           "teams.")]}, code="no_teams")


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret signs every delivery from now on; the old one stops at once."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its deliveries' log go."""
    with transaction.atomic():
        endpoint.delete()
        transaction.on_commit(forget_endpoint_routes)


def endpoint_record_result(*, endpoint_id: int, succeeded: bool) -> None:
    """Remember since when an endpoint fails (inside the attempt's transaction)."""
    endpoints = WebhookEndpoint.objects.filter(pk=endpoint_id)
    if succeeded:
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
    else:
        endpoints.filter(failing_since__isnull=True).update(failing_since=timezone.now())


def endpoint_disable_if_failing(*, endpoint_id: int) -> bool:
    """Disable an endpoint that answered nothing good for THREADLINE_WEBHOOK_DISABLE_AFTER_SECONDS
    (a day), fail its open deliveries (they can be replayed) and tell its owner.

    Runs on its own, after the attempt's transaction: the endpoint's row is locked alone,
    then the deliveries, so it never waits in a circle with a worker sending one of them."""
    since = timezone.now() - timedelta(seconds=settings.THREADLINE_WEBHOOK_DISABLE_AFTER_SECONDS)
    reason = _("No successful delivery for %(duration)s.") % {
        "duration": _duration(settings.THREADLINE_WEBHOOK_DISABLE_AFTER_SECONDS)}
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(
            pk=endpoint_id, is_active=True, failing_since__lte=since,
        ).update(is_active=False, disabled_at=timezone.now(), disabled_reason=reason)
    if not disabled:
        return False
    forget_endpoint_routes()
    with transaction.atomic():
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status__in=WebhookDelivery.OPEN
                                       ).update(status=Status.FAILED, next_attempt_at=None,
                                                last_error=_("The endpoint was disabled."))
    logger.warning("webhook endpoint %s disabled: %s", endpoint_id, reason)
    from .notify import tell_owner_endpoint_disabled

    endpoint = WebhookEndpoint.objects.select_related("created_by").get(pk=endpoint_id)
    tell_owner_endpoint_disabled(endpoint)
    return True


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return _("%(hours)g hours") % {"hours": round(seconds / 3600, 1)}
    return _("%(seconds)g seconds") % {"seconds": seconds}


def deliveries_create(*, events: list[Event],
                      endpoints: list[WebhookEndpoint] | None = None) -> list[WebhookDelivery]:
    """One delivery per (active endpoint, event) whose type and team it wants, in one INSERT,
    in event order (the order each thread's deliveries keep). ``endpoints``: these only,
    active or not (the demo's history)."""
    routes = endpoint_routes() if endpoints is None else [
        (endpoint.pk, frozenset(endpoint.event_types), endpoint.all_teams,
         frozenset(team.pk for team in endpoint.teams.all())) for endpoint in endpoints]
    if not routes:
        return []
    now = timezone.now()
    deliveries = [
        WebhookDelivery(endpoint_id=endpoint_id, event=event, thread_id=event.thread_id,
                        event_type=event.type, next_attempt_at=now)
        for event in sorted(events, key=lambda event: event.pk)
        for endpoint_id, types, all_teams, team_ids in routes
        if (not types or event.type in types)
        and (all_teams or event.team_id in team_ids)
    ]
    if not deliveries:
        return []
    return WebhookDelivery.objects.bulk_create(deliveries)


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, now, with a new day of retries (its attempts stay logged)."""
    from .tasks import enqueue_deliveries

    if not delivery.endpoint.is_active:
        raise ValidationError(_("The endpoint is disabled: activate it first."),
                              code="endpoint_disabled")
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=Status.PENDING, next_attempt_at=timezone.now(), first_attempt_at=None,
            delivered_at=None)
        transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]))
    delivery.refresh_from_db()
    return delivery

