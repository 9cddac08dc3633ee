import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from bookings.roles import COORDINATORS, INTEGRATORS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def coordinator_permissions():
    return set(Group.objects.get(name=COORDINATORS).permissions.values_list("content_type__app_label", "codename"))


def test_groups_exist_after_a_flush():
    call_command("flush", interactive=False, verbosity=0)
    assert set(Group.objects.values_list("name", flat=True)) >= {COORDINATORS, INTEGRATORS}
    assert ("bookings", "change_transfer") in coordinator_permissions()


def test_coordinators_run_the_day_but_not_users():
    perms = coordinator_permissions()
    assert {("fleet", "add_vehicle"), ("bookings", "view_transferstatushistory"), ("notifications", "view_notification")} <= perms
    assert not {p for p in perms if p[0] == "auth"}
    assert ("bookings", "delete_transfer") not in perms
    assert not Group.objects.get(name=INTEGRATORS).permissions.exists()


def test_handler_is_idempotent():
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    assert Group.objects.filter(name=COORDINATORS).count() == 1
