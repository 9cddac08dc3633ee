"""The two roles of API.md, as Django groups the service keeps in existence."""
from django.contrib.auth.models import Group, Permission

from dmc_transfers.permissions import COORDINATORS, INTEGRATORS, roles_of

__all__ = ["COORDINATORS", "INTEGRATORS", "ensure_role_groups", "is_coordinator", "user_roles"]

# Model permissions coordinators need in the admin: run the fleet and the
# bookings, read the audit trail and notifications. Nothing on users or groups.
COORDINATOR_PERMISSIONS = {
    "fleet": {"vehicle": ("view", "add", "change")},
    "bookings": {"transfer": ("view", "add", "change"), "transferstatushistory": ("view",)},
    "notifications": {"notification": ("view",)},
}


def ensure_role_groups(**kwargs):
    """Create both groups and grant coordinators their permissions (idempotent).

    Connected to ``post_migrate``, which runs once per app after ``migrate``
    and after every test flush; permissions not created yet are picked up by
    a later call.
    """
    coordinators, _ = Group.objects.get_or_create(name=COORDINATORS)
    Group.objects.get_or_create(name=INTEGRATORS)
    wanted = [
        (app_label, f"{action}_{model}")
        for app_label, models in COORDINATOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]
    existing = Permission.objects.filter(
        content_type__app_label__in=COORDINATOR_PERMISSIONS, codename__in=[codename for _, codename in wanted]
    ).select_related("content_type")
    permissions = [p for p in existing if (p.content_type.app_label, p.codename) in wanted]
    coordinators.permissions.add(*permissions)


def user_roles(user):
    return set(user.groups.values_list("name", flat=True))


def is_coordinator(user):
    """Coordinators and superusers: every transfer, every status change, the coordinator rate."""
    return user.is_superuser or COORDINATORS in roles_of(user)
