"""Routes of the API (see api/urls.py): the events feed for integrators who poll."""

from ..views.events import EventFeedView


def register(router) -> None:
    router.register("events", EventFeedView, basename="api-events")
