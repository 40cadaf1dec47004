"""Reading a webhook body: JSON objects and lists of objects, or a ValueError that names
what is wrong (the payload is then kept, failed, with that reason)."""

import json


def load_document(body: bytes, *, what: str = "a JSON object") -> dict:
    """The JSON object in ``body``; ValueError if it is not ``what``."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(f"expected {what}")
    return document


def objects(container: dict, key: str) -> list[dict]:
    """``container[key]``: a list of objects, or nothing."""
    entries = container.get(key) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{key} must be a list of objects")
    return entries


def mapping(container: dict, key: str) -> dict:
    value = container.get(key) or {}
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be an object")
    return value


def text(container: dict, key: str) -> str:
    value = container.get(key)
    return "" if value is None else str(value)
