"""Who may read the reports: supervisors and admins. Agents are refused (403), not sent to
log in again: they are signed in, the pages are just not theirs."""

from inbox.access import only_for


def can_read_reports(user) -> bool:
    return user.is_authenticated and user.is_active and user.sees_all_teams


supervisors_only = only_for(can_read_reports, "The reports are for supervisors and admins.")
