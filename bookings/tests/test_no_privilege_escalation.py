"""Coordinators cannot make anyone (themselves included) a superuser, staff or a member of a group:
not through the admin's user, group and key pages, not through the forms they do have, not through the API."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from knox.models import AuthToken

from bookings.roles import COORDINATORS, INTEGRATORS
from bookings.tests.factories import TransferFactory
from bookings.tests.test_admin_transfers import add_data, change_form_data, change_url
from dmc_transfers.tests.api_fixtures import openapi_schema

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# The apps whose pages coordinators work with; everything else in the admin is off limits.
COORDINATOR_APPS = {"bookings", "fleet", "notifications"}
PRIVILEGE_FIELDS = {"is_superuser", "is_staff", "groups", "user_permissions", "password", "created_by"}


@pytest.fixture
def root(make_user):
    return make_user("root", is_superuser=True, is_staff=True, password="root-pass-Word-42")


def privilege_data(root):
    """Form or JSON fields that would escalate if anything took them."""
    everything = list(Permission.objects.values_list("pk", flat=True))
    return {
        "is_superuser": "on", "is_staff": "on", "is_active": "on", "groups": [Group.objects.get(name=COORDINATORS).pk],
        "user_permissions": everything, "created_by": root.pk, "password": "pwned-Pass-123",
    }


def assert_unprivileged(user):
    user.refresh_from_db()
    assert not user.is_superuser
    assert set(user.groups.values_list("name", flat=True)) <= {COORDINATORS, INTEGRATORS}
    assert not user.user_permissions.exists()
    assert not any(p.split(".")[0] in {"auth", "knox", "axes", "sessions", "contenttypes", "admin"}
                   for p in user.get_all_permissions())


def off_limits_models():
    return [model for model in admin.site._registry if model._meta.app_label not in COORDINATOR_APPS]


def test_coordinators_hold_no_permission_outside_their_apps(coordinator):
    assert_unprivileged(coordinator)


@pytest.mark.parametrize("view", ["changelist", "add"])
def test_every_page_outside_their_apps_is_refused(back_office, view):
    models = off_limits_models()
    assert {m._meta.label for m in models} >= {"auth.User", "auth.Group", "knox.AuthToken", "axes.AccessAttempt"}
    for model in models:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")
        assert back_office.get(url).status_code == 403, url
        assert back_office.post(url, {}).status_code == 403, url


def test_user_pages_refuse_every_post(back_office, coordinator, root):
    count = type(root).objects.count()
    attempts = [
        (reverse("admin:auth_user_add"), {"username": "mallory", "password1": "x-Long-pass-123",
                                          "password2": "x-Long-pass-123", "is_superuser": "on"}),
        (reverse("admin:auth_user_change", args=[coordinator.pk]), {"username": "coordinator", **privilege_data(root)}),
        (reverse("admin:auth_user_password_change", args=[root.pk]), {"password1": "new-Pass-123", "password2": "new-Pass-123"}),
        (reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"}),
        (reverse("admin:auth_user_changelist"), {"action": "delete_selected", "_selected_action": [root.pk]}),
    ]
    for url, data in attempts:
        assert back_office.post(url, data).status_code == 403, url
    assert type(root).objects.count() == count
    root.refresh_from_db()
    assert root.check_password("root-pass-Word-42")
    assert_unprivileged(coordinator)


def test_group_pages_refuse_every_post(back_office, coordinator, root):
    group = Group.objects.get(name=COORDINATORS)
    before = set(group.permissions.values_list("pk", flat=True))
    everything = list(Permission.objects.values_list("pk", flat=True))
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert back_office.post(url, {"name": COORDINATORS, "permissions": everything}).status_code == 403
    add = reverse("admin:auth_group_add")
    assert back_office.post(add, {"name": "admins", "permissions": everything}).status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert not Group.objects.filter(name="admins").exists()
    assert_unprivileged(coordinator)


def test_api_key_pages_refuse_to_mint_keys(back_office, root):
    url = reverse("admin:knox_authtoken_add")
    assert back_office.post(url, {"user": root.pk, "digest": "x" * 128, "token_key": "abcdefgh"}).status_code == 403
    assert not AuthToken.objects.filter(user=root).exists()


@pytest.mark.parametrize("model_admin", ["bookings.Transfer", "fleet.Vehicle"])
def test_their_forms_have_no_field_for_users_or_groups(back_office, model_admin):
    from django.apps import apps

    model = apps.get_model(model_admin)
    form = admin.site._registry[model].get_form(back_office.get("/admin/").wsgi_request)
    assert not PRIVILEGE_FIELDS & set(form.base_fields)


def test_extra_fields_on_the_transfer_change_form_are_ignored(back_office, coordinator, root, at):
    transfer = TransferFactory(pickup_time=at(), created_by=root)
    url = change_url(transfer)
    data = {**change_form_data(back_office.get(url), notes="Called the hotel"), **privilege_data(root)}
    assert back_office.post(url, data).status_code == 302
    transfer.refresh_from_db()
    assert transfer.notes == "Called the hotel" and transfer.created_by == root
    assert_unprivileged(coordinator)


def test_extra_fields_on_the_add_forms_are_ignored(back_office, coordinator, root, vehicle, at):
    from bookings.models import Transfer

    extra = privilege_data(root)
    assert back_office.post(reverse("admin:bookings_transfer_add"), add_data(vehicle, at(), **extra)).status_code == 302
    assert Transfer.objects.get().created_by == coordinator
    vehicle_data = {"plate": "PM-9", "vehicle_type": "VAN", "capacity": 7, **extra}
    assert back_office.post(reverse("admin:fleet_vehicle_add"), vehicle_data).status_code == 302
    assert_unprivileged(coordinator)


def test_the_api_has_no_endpoint_for_users_groups_or_keys():
    assert set(openapi_schema()["paths"]) == {
        "/healthz", "/vehicles", "/vehicles/{id}", "/availability", "/transfers", "/transfers/{id}",
        "/transfers/{id}/status",
    }


@pytest.mark.parametrize("path", ["/users", "/users/1", "/groups", "/auth/user/1", "/tokens", "/api-keys"])
@pytest.mark.parametrize("method", ["post", "patch", "put"])
def test_user_like_paths_are_404(coordinator_api, method, path, coordinator):
    response = getattr(coordinator_api, method)(path, {"is_superuser": True}, format="json")
    assert response.status_code == 404
    assert_unprivileged(coordinator)


def test_privilege_fields_in_api_bodies_are_ignored(coordinator_api, integrator_api, coordinator, integrator, root,
                                                    vehicle, at):
    extra = {"is_superuser": True, "is_staff": True, "groups": [COORDINATORS], "created_by": root.pk,
             "user": root.pk, "role": "coordinator"}
    body = {"vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 1, "passenger_name": "Ada",
            "pickup_location": "PMI", "dropoff_location": "Palma", **extra}
    created = integrator_api.post("/transfers", body, format="json")
    assert created.status_code == 201
    assert integrator_api.patch(f"/transfers/{created.json()['id']}/status", {"status": "CANCELLED", **extra},
                                format="json").status_code == 200
    vehicle_body = {"plate": "PM-10", "vehicle_type": "VAN", "capacity": 7, **extra}
    assert coordinator_api.post("/vehicles", vehicle_body, format="json").status_code == 201
    for user in (integrator, coordinator):
        assert_unprivileged(user)
        assert not user.is_staff
    assert set(integrator.groups.values_list("name", flat=True)) == {INTEGRATORS}
