"""Who may read the reports: supervisors and admins. Agents are refused (403), not sent to
log in again: they are signed in, the pages are just not theirs."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def can_read_reports(user) -> bool:
    return user.is_authenticated and user.is_active and user.sees_all_teams


def supervisors_only(view):
    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_read_reports(request.user):
            raise PermissionDenied("The reports are for supervisors and admins.")
        return view(request, *args, **kwargs)

    return wrapped
