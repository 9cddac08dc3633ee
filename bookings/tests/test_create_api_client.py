import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("create_api_client", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def status_with(key):
    return APIClient().get("/vehicles", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_creates_an_integrator_and_prints_a_working_key_once():
    key, note = run("agency-q", "--role", "integrator")
    user = get_user_model().objects.get(username="agency-q")
    assert list(user.groups.values_list("name", flat=True)) == ["integrators"]
    assert len(key) >= 64 and "not kept" in note and not user.has_usable_password()
    assert status_with(key) == 200
    assert not AuthToken.objects.filter(digest=key).exists()


def test_rotate_replaces_and_revoke_removes():
    old, _ = run("agency-q", "--role", "integrator")
    new, _ = run("agency-q", "--rotate")
    assert new != old and status_with(old) == 401 and status_with(new) == 200
    run("agency-q", "--revoke")
    assert status_with(new) == 401
    assert get_user_model().objects.filter(username="agency-q").exists()


def test_coordinator_with_password_can_use_the_admin(monkeypatch, client):
    monkeypatch.setenv("API_CLIENT_PASSWORD", "a-long-Unusual-passphrase-42")
    key, _ = run("ops-anna", "--role", "coordinator", "--with-password")
    user = get_user_model().objects.get(username="ops-anna")
    assert user.is_staff and user.check_password("a-long-Unusual-passphrase-42")
    assert status_with(key) == 200


@pytest.mark.parametrize(
    "args,message",
    [
        (("x",), "--role"),
        (("bad name!", "--role", "integrator"), "username"),
        (("ghost", "--rotate"), "no API client named"),
        (("ghost", "--revoke"), "no API client named"),
        (("agency-i", "--role", "integrator", "--with-password"), "coordinators only"),
        (("x", "--revoke", "--with-password"), "--revoke"),
    ],
)
def test_clear_one_line_errors(args, message):
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_existing_client_is_refused():
    run("agency-q", "--role", "integrator")
    with pytest.raises(CommandError, match="exists already"):
        run("agency-q", "--role", "coordinator")


def test_weak_password_is_refused(monkeypatch):
    monkeypatch.setenv("API_CLIENT_PASSWORD", "123")
    with pytest.raises(CommandError, match="password"):
        run("ops-bob", "--role", "coordinator", "--with-password")
    assert not get_user_model().objects.filter(username="ops-bob").exists()


def test_unknown_role_exits_non_zero(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "create_api_client", "x", "--role", "admin"], capture_output=True, text=True
    )
    assert result.returncode != 0 and "invalid choice" in result.stderr
