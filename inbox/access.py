"""Pages for some roles only: the signed-in user the page is not for is refused (403), not
sent to log in again; the anonymous are sent to log in. Used by the reports, the
automation rules and the bot's articles, each with its own rule of who may."""

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def only_for(may: Callable, refusal: str) -> Callable:
    """A view decorator: ``may(user)`` decides, ``refusal`` says why not."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not may(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
