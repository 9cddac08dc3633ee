"""Admin login brute force: django-axes locks a username from one address out after AXES_FAILURE_LIMIT failures."""
import pytest
from django.core.management import call_command

from bookings.roles import COORDINATORS

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

PASSWORD = "dispatch-2-the-airport"


@pytest.fixture
def marta(make_user):
    return make_user("marta", role=COORDINATORS, is_staff=True, password=PASSWORD)


def log_in(client, password, username="marta", address="203.0.113.7"):
    return client.post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def logged_in(client):
    return client.get("/admin/").status_code == 200


def fail(client, times, **kwargs):
    return [log_in(client, "wrong-guess", **kwargs).status_code for _ in range(times)]


def test_five_failures_lock_the_account_even_for_the_right_password(client, marta, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert fail(client, 5) == [200, 200, 200, 200, 429]
    response = log_in(client, PASSWORD)
    assert response.status_code == 429 and not logged_in(client)


def test_the_lockout_page_says_what_happened_and_what_to_do(client, marta):
    fail(client, 5)
    response = log_in(client, PASSWORD)
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "Login locked" in page and "Too many failed logins" in page
    assert "<strong>marta</strong> is blocked for\n  15 minutes" in page
    assert "axes_reset_username marta" in page and 'href="/admin/login/"' in page
    assert PASSWORD not in page


def test_fewer_failures_then_the_right_password_logs_in_and_starts_over(client, marta):
    assert fail(client, 4) == [200] * 4
    assert log_in(client, PASSWORD).status_code == 302 and logged_in(client)
    client.logout()
    assert fail(client, 4) == [200] * 4
    assert log_in(client, PASSWORD).status_code == 302


def test_lockout_is_per_username_and_address(client, marta, make_user):
    make_user("pere", role=COORDINATORS, is_staff=True, password=PASSWORD)
    fail(client, 5)
    assert log_in(client, PASSWORD, username="pere").status_code == 302
    client.logout()
    assert log_in(client, PASSWORD, address="198.51.100.9").status_code == 302


def test_an_administrator_can_unlock_at_once(client, marta):
    fail(client, 5)
    call_command("axes_reset_username", "marta")
    assert log_in(client, PASSWORD).status_code == 302 and logged_in(client)


def test_unknown_usernames_are_locked_out_too(client):
    assert fail(client, 5, username="admin") == [200, 200, 200, 200, 429]
