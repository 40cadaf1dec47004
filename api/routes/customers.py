"""Routes of the API (see api/urls.py): customers, their identities, merges."""

from ..views.customers import CustomerViewSet, MergeViewSet


def register(router) -> None:
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("merges", MergeViewSet, basename="merge")
