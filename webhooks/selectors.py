"""Read paths of the webhooks: which endpoints an admin may manage, their deliveries, the
routing table the listener consults, and the ordering rule's "who goes first"."""

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# An endpoint created or changed is routed to within this many seconds in every process.
ROUTES_CACHE_SECONDS = 5


def endpoints_visible_to(user) -> QuerySet[WebhookEndpoint]:
    """Admins seeing every team manage every endpoint; an admin limited to some teams only
    the endpoints limited to those teams (an endpoint of all teams would show them events of
    teams they cannot see)."""
    endpoints = WebhookEndpoint.objects.prefetch_related("teams")
    if user.sees_all_teams:
        return endpoints
    return (endpoints.filter(all_teams=False)
            .exclude(teams__in=_teams_not_of(user)).distinct())


def _teams_not_of(user):
    from inbox.models import Team

    return Team.objects.exclude(members=user)


def deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(
        endpoint__in=endpoints_visible_to(user).values("pk"))


def delivery_with_attempts(deliveries: QuerySet[WebhookDelivery]) -> QuerySet[WebhookDelivery]:
    return deliveries.prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))


def earlier_open_delivery(delivery: WebhookDelivery) -> QuerySet[WebhookDelivery]:
    """Deliveries of the same endpoint and thread that must go out before this one."""
    return _open_before(endpoint_id=delivery.endpoint_id, thread_id=delivery.thread_id,
                        before_id=delivery.pk)


def _open_before(*, endpoint_id, thread_id, before_id) -> QuerySet[WebhookDelivery]:
    if thread_id is None:  # events of no thread have no order to keep
        return WebhookDelivery.objects.none()
    return WebhookDelivery.objects.filter(endpoint_id=endpoint_id, thread_id=thread_id,
                                          status__in=WebhookDelivery.OPEN, id__lt=before_id)


def next_open_delivery_id(delivery: WebhookDelivery) -> int | None:
    """The delivery of the same endpoint and thread that comes after this one."""
    if delivery.thread_id is None:
        return None
    return (WebhookDelivery.objects
            .filter(endpoint_id=delivery.endpoint_id, thread_id=delivery.thread_id,
                    status__in=WebhookDelivery.OPEN, id__gt=delivery.pk)
            .order_by("id").values_list("id", flat=True).first())


def due_delivery_ids(*, grace_seconds: float = 0, limit: int = 500) -> list[int]:
    """Open deliveries whose time has come and that no earlier one holds back: what the
    sweep hands to the workers (a task lost with a broker, a retry of the embedded mode)."""
    now = timezone.now() - timedelta(seconds=grace_seconds)
    held_back = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"), thread_id=OuterRef("thread_id"),
        status__in=WebhookDelivery.OPEN, id__lt=OuterRef("id"))
    return list(
        WebhookDelivery.objects
        .filter(status__in=WebhookDelivery.OPEN, next_attempt_at__lte=now)
        .filter(~Exists(held_back) | Q(thread_id__isnull=True))
        .order_by("next_attempt_at").values_list("id", flat=True)[:limit])


def endpoint_routes() -> list[tuple[int, frozenset[str], bool, frozenset[int]]]:
    """Each active endpoint as (id, event types (empty: all), all teams, team ids), read
    from the database every few seconds, not at every commit."""
    key = f"webhook-routes:{connection.settings_dict['NAME']}"
    routes = cache.get(key)
    if routes is None:
        routes = [
            (endpoint.pk, list(endpoint.event_types), endpoint.all_teams,
             [team.pk for team in endpoint.teams.all()])
            for endpoint in WebhookEndpoint.objects.filter(is_active=True)
            .prefetch_related("teams").order_by("id")
        ]
        cache.set(key, routes, ROUTES_CACHE_SECONDS)
    return [(pk, frozenset(types), all_teams, frozenset(teams))
            for pk, types, all_teams, teams in routes]


def forget_endpoint_routes() -> None:
    cache.delete(f"webhook-routes:{connection.settings_dict['NAME']}")
