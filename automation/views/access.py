"""Who may edit the rules: admins only (the issue: "edited in the app by admins"). Others who
are signed in are refused (403), not sent to log in again; the anonymous are sent to log in."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def can_edit_rules(user) -> bool:
    return user.is_authenticated and user.is_active and (
        user.is_superuser or user.role == user.Role.ADMIN)


def admins_only(view):
    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_edit_rules(request.user):
            raise PermissionDenied("The rules are edited by admins.")
        return view(request, *args, **kwargs)

    return wrapped
