"""Channel-layer group names: who gets which live events."""

# Supervisors and admins see every team's events.
STAFF_GROUP = "staff"


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def groups_for_user(user) -> list[str]:
    if user.sees_all_teams:
        return [STAFF_GROUP]
    return [team_group(team_id) for team_id in user.teams.values_list("id", flat=True)]
