"""Fixtures shared by every app's tests: users in each role, API clients."""
import pytest

from bookings.roles import COORDINATORS, INTEGRATORS


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: no throttle counter carries over from another test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_user(db, django_user_model):
    from django.contrib.auth.models import Group

    def make(username, *, role=None, **extra):
        user = django_user_model.objects.create_user(username=username, **extra)
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", role=COORDINATORS)


@pytest.fixture
def integrator(make_user):
    return make_user("agency-x", role=INTEGRATORS)


@pytest.fixture
def other_integrator(make_user):
    return make_user("agency-y", role=INTEGRATORS)


@pytest.fixture
def back_office(client, coordinator):
    """The Django test client, logged in to the admin as a coordinator (staff, not superuser)."""
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    client.force_login(coordinator)
    return client


@pytest.fixture
def constant_queries(django_assert_max_num_queries):
    """Assert ``get()`` costs no more queries after ``add_rows()`` than before.

    ``check(get, add_rows)``: measures ``get()`` (which returns a response)
    with the rows there are, adds many more, and asserts the page still
    renders within the first count.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def check(get, add_rows):
        with CaptureQueriesContext(connection) as baseline:
            assert get().status_code == 200
        add_rows()
        with django_assert_max_num_queries(len(baseline)):
            assert get().status_code == 200
        return len(baseline)

    return check


def pytest_sessionfinish(session, exitstatus):
    """A skipped test proves nothing: fail the run when any test was skipped."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: a skipped test is a failure here.", red=True)
        session.exitstatus = 1


# API clients that check every response against the OpenAPI schema.
pytest_plugins = ["dmc_transfers.tests.api_fixtures"]
