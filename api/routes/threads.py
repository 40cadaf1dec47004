"""Routes of the API (see api/urls.py)."""


def register(router) -> None:
    pass
