"""Channel-layer group names: who gets which live events."""

# Supervisors and admins see every team's events.
STAFF_GROUP = "staff"


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def agent_group(user_id: int) -> str:
    """What concerns one agent alone: mentions, their own pages' notices."""
    return f"agent.{user_id}"


def groups_for_user(user) -> list[str]:
    own = agent_group(user.pk)
    if user.sees_all_teams:
        return [STAFF_GROUP, own]
    return [*(team_group(team_id) for team_id in user.teams.values_list("id", flat=True)), own]


def webchat_thread_group(thread_id: int) -> str:
    """The web-chat visitors of one thread: replies, agents typing, "seen" (never events)."""
    return f"webchat.thread.{thread_id}"
