"""Telling an endpoint's owner (the admin who registered it) that it was disabled.

By e-mail: inbox.Notification belongs to a thread, and this concerns none."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from .models import WebhookEndpoint

logger = logging.getLogger(__name__)


def tell_owner_endpoint_disabled(endpoint: WebhookEndpoint) -> bool:
    """Whether an e-mail went out (the owner may have none, or be gone)."""
    owner = endpoint.created_by
    if owner is None or not owner.email:
        logger.warning("webhook endpoint %s disabled; its owner has no e-mail address",
                       endpoint.pk)
        return False
    link = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    base = getattr(settings, "THREADLINE_BASE_URL", "")
    body = (
        f"Hello {owner.get_short_name() or owner.get_username()},\n\n"
        f"Threadline stopped sending events to the webhook endpoint\n  {endpoint.url}\n"
        f"({endpoint.description or 'no description'}).\n\n"
        f"Why: {endpoint.disabled_reason}\n\n"
        "Once it answers again, activate it and send the failed deliveries again "
        f"(replay) from\n  {base}{link}\n"
    )
    try:
        send_mail(f"Threadline: webhook endpoint disabled ({endpoint.url[:80]})", body,
                  None, [owner.email])
    except Exception:  # noqa: BLE001 - the endpoint stays disabled either way
        logger.exception("could not e-mail the owner of webhook endpoint %s", endpoint.pk)
        return False
    return True
