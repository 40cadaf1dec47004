"""Routes of the API (see api/urls.py): outgoing webhook endpoints and their deliveries."""

from ..views.webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet


def register(router) -> None:
    router.register("webhooks/endpoints", WebhookEndpointViewSet, basename="api-webhook-endpoint")
    router.register("webhooks/deliveries", WebhookDeliveryViewSet,
                    basename="api-webhook-delivery")
