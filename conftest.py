"""Fixtures shared by every app's tests: users in each role, API clients."""
import pytest

from bookings.roles import COORDINATORS, INTEGRATORS


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


# API clients that check every response against the OpenAPI schema.
pytest_plugins = ["dmc_transfers.tests.api_fixtures"]
