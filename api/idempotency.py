"""``Idempotency-Key`` on POST: a retried request gets the first response, nothing new is
created. (Placeholder: passes requests through; see the API issue.)"""


class IdempotentMixin:
    """Mixed into every API view (api.base.ApiViewSet)."""
