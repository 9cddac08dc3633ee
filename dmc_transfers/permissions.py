"""Who may use the API at all; each app adds what its roles may do."""
from rest_framework.permissions import BasePermission

# The two roles of API.md, as Django group names (bookings/roles.py keeps the groups).
COORDINATORS = "coordinators"
INTEGRATORS = "integrators"
API_ROLES = (COORDINATORS, INTEGRATORS)


def roles_of(user):
    """The user's API roles, read once per request and kept on the user object.

    An API key brings them along (``ApiKeyAuthentication``); a session user's
    are read here.
    """
    if not hasattr(user, "_api_roles"):
        user._api_roles = frozenset(user.groups.filter(name__in=API_ROLES).values_list("name", flat=True))
    return user._api_roles


class HasRole(BasePermission):
    """Authenticated and in some role (or a superuser): a user in no role can do nothing else."""

    message = "Your account has no role in this service."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or roles_of(user)))
