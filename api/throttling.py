"""Requests per minute per token (or per signed-in user): 429 with Retry-After past it."""

from rest_framework.throttling import SimpleRateThrottle

from config.process_cache import process_cache

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"
    cache = None  # set per instance: one client per process (see config.process_cache)

    def __init__(self):
        self.cache = process_cache()
        super().__init__()

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
