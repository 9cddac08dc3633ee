"""Who may use the back office: superusers and coordinators; never integrators."""
import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")


def test_coordinator_sees_operations_but_not_user_management(back_office):
    response = back_office.get(INDEX)
    assert response.status_code == 200
    apps = {app["app_label"] for app in response.context["app_list"]}
    assert apps == {"bookings", "fleet", "notifications"}
    assert reverse("admin:bookings_dispatch") in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
        reverse("admin:app_list", args=["auth"]),
    ],
)
def test_coordinator_cannot_reach_users_or_groups(back_office, url):
    assert back_office.get(url).status_code in (403, 404)


def test_coordinator_cannot_make_themselves_superuser(back_office, coordinator):
    url = reverse("admin:auth_user_change", args=[coordinator.pk])
    response = back_office.post(url, {"username": "coordinator", "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 403
    coordinator.refresh_from_db()
    assert not coordinator.is_superuser
    assert not coordinator.has_perm("auth.change_user")


def test_coordinator_logs_in_through_the_form(client, coordinator):
    coordinator.is_staff = True
    coordinator.set_password("s3cret-pass-word")
    coordinator.save()
    response = client.post(LOGIN, {"username": "coordinator", "password": "s3cret-pass-word", "next": INDEX})
    assert response.status_code == 302 and response["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


def test_integrator_with_is_staff_cannot_log_in(client, integrator):
    integrator.is_staff = True
    integrator.set_password("s3cret-pass-word")
    integrator.save()
    response = client.post(LOGIN, {"username": "agency-x", "password": "s3cret-pass-word", "next": INDEX})
    assert response.status_code == 200
    assert "cannot use the back office" in str(response.context["form"].non_field_errors())
    assert "_auth_user_id" not in client.session


def test_integrator_session_is_sent_to_the_login_page(client, integrator):
    integrator.is_staff = True
    integrator.save()
    client.force_login(integrator)
    for url in (INDEX, reverse("admin:bookings_transfer_changelist"), reverse("admin:bookings_dispatch")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_coordinator_without_is_staff_is_refused(client, coordinator):
    client.force_login(coordinator)
    assert client.get(INDEX).status_code == 302


def test_superuser_sees_user_management(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(root)
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:bookings_dispatch")).status_code == 200
