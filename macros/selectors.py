"""Which macros an agent may use."""

from django.db.models import Q, QuerySet

from inbox.models import User

from .models import Macro


def macros_for(user: User) -> QuerySet[Macro]:
    """Global macros and those of the user's teams; supervisors and admins: all."""
    macros = Macro.objects.all()
    if not user.sees_all_teams:
        macros = macros.filter(Q(team__isnull=True) | Q(team__in=user.teams.all()))
    return macros.order_by("name", "id")
