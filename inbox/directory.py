"""Read paths of the directory: which teams, agents and canned responses a user may see.

The same rule as threads (``selectors.threads_visible_to``): agents see their teams,
supervisors and admins see every team."""

from django.db.models import Prefetch, Q, QuerySet

from .models import AgentPresence, CannedResponse, Team, User


def teams_visible_to(user) -> QuerySet[Team]:
    if user.sees_all_teams:
        return Team.objects.all()
    return Team.objects.filter(members=user)


def agents_visible_to(user) -> QuerySet[User]:
    """The people of the company the user works with (never API tokens' users), each with
    their presence and only the teams the user may see."""
    teams = teams_visible_to(user)
    # By id: the prefetch's own join on members must not meet the rule's join on members.
    shown_teams = Team.objects.filter(pk__in=teams.values("pk")).order_by("id")
    agents = (User.objects.filter(api_token__isnull=True)
              .select_related("presence")
              .prefetch_related(Prefetch("teams", queryset=shown_teams)))
    if user.sees_all_teams:
        return agents
    members = Team.members.through.objects.filter(team__in=teams).values("user_id")
    return agents.filter(pk__in=members)


def agent_presence(agent: User) -> str:
    """What the agent's presence is now (offline without a recent heartbeat)."""
    try:
        return agent.presence.live_status
    except AgentPresence.DoesNotExist:
        return AgentPresence.Status.OFFLINE


def canned_responses_visible_to(user) -> QuerySet[CannedResponse]:
    """Those of the user's teams and the shared ones (no team)."""
    responses = CannedResponse.objects.all()
    if user.sees_all_teams:
        return responses
    return responses.filter(Q(team__isnull=True) | Q(team__in=teams_visible_to(user)))
