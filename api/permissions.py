"""Scopes: read for safe methods, write for the rest, admin where a view asks for it.

A token has the scope it was given; a browser session has its user's: agents and
supervisors write, admins administer."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from inbox.models import User

from .models import SCOPE_RANK, ApiToken, Scope


def scope_of(request) -> str:
    if isinstance(request.auth, ApiToken):
        return request.auth.scope
    user = request.user
    if user.is_superuser or getattr(user, "role", None) == User.Role.ADMIN:
        return Scope.ADMIN
    return Scope.WRITE


def has_scope(request, scope: str) -> bool:
    return SCOPE_RANK[Scope(scope_of(request))] >= SCOPE_RANK[Scope(scope)]


class HasScope(BasePermission):
    """The view's ``required_scope`` ("read", "write", "admin"), or read for safe methods
    and write for the others; a view may set ``read_scope`` / ``write_scope`` instead."""

    message = "This token's scope does not allow this request."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            needed = getattr(view, "read_scope", Scope.READ)
        else:
            needed = getattr(view, "write_scope", Scope.WRITE)
        return has_scope(request, needed)
