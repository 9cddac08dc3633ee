"""API clients: a user in one role holding one API key.

django-rest-knox stores only a digest of the key; the key itself exists once,
in the return value of these functions, for the caller to show.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from knox.models import AuthToken

from bookings.roles import COORDINATORS, INTEGRATORS
from dmc_transfers.errors import Conflict, Invalid, NotFound

ROLE_GROUPS = {"integrator": INTEGRATORS, "coordinator": COORDINATORS}


def _issue_key(user):
    AuthToken.objects.filter(user=user).delete()
    _, key = AuthToken.objects.create(user=user, expiry=None)
    return key


def _client(name):
    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise NotFound(f"There is no API client named {name!r}.")
    return user


def _set_admin_password(user, password):
    """Let a coordinator log into the admin with ``password`` as well."""
    if not user.groups.filter(name=COORDINATORS).exists():
        raise Invalid.field("password", "Only coordinators log into the admin.")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid.field("password", " ".join(exc.messages)) from exc
    user.is_staff = True
    user.set_password(password)
    user.save(update_fields=["is_staff", "password"])


def create_api_client(*, name, role, password=None):
    """Create the user ``name`` in ``role``'s group and return its new key."""
    model = get_user_model()
    user = model(username=name)
    try:
        user.clean_fields(exclude=["password"])
    except ValidationError as exc:
        raise Invalid(exc.message_dict) from exc
    with transaction.atomic():
        if model.objects.filter(username=name).exists():
            raise Conflict(f"An API client or user named {name!r} exists already; use --rotate for a new key.",
                           code="client_exists")
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        if password is not None:
            _set_admin_password(user, password)
        return _issue_key(user)


def rotate_api_key(*, name, password=None):
    """Replace the client's key (the old one stops working at once) and return the new one."""
    with transaction.atomic():
        user = _client(name)
        if password is not None:
            _set_admin_password(user, password)
        return _issue_key(user)


def revoke_api_key(*, name):
    """Remove the client's key; the user and its transfers stay."""
    user = _client(name)
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    if not deleted:
        raise NotFound(f"API client {name!r} has no key to revoke.")
