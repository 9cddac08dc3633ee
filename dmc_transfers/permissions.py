"""Who may use the API at all; each app adds what its roles may do."""
from rest_framework.permissions import BasePermission


def roles_of(user):
    """The user's group names, read once per request and kept on the user object."""
    if not hasattr(user, "_api_roles"):
        user._api_roles = frozenset(user.groups.values_list("name", flat=True))
    return user._api_roles


class HasRole(BasePermission):
    """Authenticated and in some role (or a superuser): a user in no group can do nothing else."""

    message = "Your account has no role in this service."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or roles_of(user)))
