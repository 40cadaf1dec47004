"""Who may edit the rules: admins only (the issue: "edited in the app by admins"). Others who
are signed in are refused (403), not sent to log in again; the anonymous are sent to log in."""

from inbox.access import only_for


def can_edit_rules(user) -> bool:
    return user.is_authenticated and user.is_active and (
        user.is_superuser or user.role == user.Role.ADMIN)


admins_only = only_for(can_edit_rules, "The rules are edited by admins.")
