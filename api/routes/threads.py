"""Routes of the API (see api/urls.py): threads and the actions on them."""

from ..views.threads import ThreadViewSet


def register(router) -> None:
    router.register("threads", ThreadViewSet, basename="api-thread")
