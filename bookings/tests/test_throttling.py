"""Request rates per API client and role: 429 problem with Retry-After, counted in the shared cache."""
import uuid

import environ
import pytest
from django.utils.module_loading import import_string

from bookings.models import Transfer
from bookings.throttling import RoleRateThrottle
from dmc_transfers.tests.api_fixtures import assert_problem

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def low_rates(settings):
    settings.THROTTLE_RATE_INTEGRATOR = "3/min"
    settings.THROTTLE_RATE_COORDINATOR = "5/min"


def use_up(client, count, path="/vehicles"):
    for _ in range(count):
        assert client.get(path).status_code == 200


def assert_throttled(response):
    data = assert_problem(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in data["detail"]
    return data


def test_an_integrator_over_its_rate_gets_429_with_retry_after(low_rates, integrator_api):
    use_up(integrator_api, 3)
    assert_throttled(integrator_api.get("/vehicles"))


def test_every_endpoint_counts_against_one_budget(low_rates, integrator_api, vehicle):
    for path in ("/vehicles", f"/vehicles/{vehicle.id}", "/transfers"):
        assert integrator_api.get(path).status_code == 200
    assert_throttled(integrator_api.get("/availability?date=2030-01-01&pickup_time=10:00&pax_count=1"))


def test_a_throttled_booking_writes_nothing(low_rates, integrator_api, vehicle, at):
    use_up(integrator_api, 3)
    body = {"vehicle_id": vehicle.id, "pickup_time": at().isoformat(), "pax_count": 1, "passenger_name": "Ada",
            "pickup_location": "PMI", "dropoff_location": "Palma"}
    assert_throttled(integrator_api.post("/transfers", body, format="json"))
    assert not Transfer.objects.exists()


def test_limits_are_per_client(low_rates, integrator_api, other_api):
    use_up(integrator_api, 3)
    assert_throttled(integrator_api.get("/vehicles"))
    use_up(other_api, 3)


def test_a_second_key_of_the_same_user_shares_its_budget(low_rates, api, integrator):
    first, second = api(integrator), api(integrator)
    use_up(first, 2)
    use_up(second, 1)
    assert_throttled(second.get("/vehicles"))


@pytest.mark.parametrize("who", ["coordinator", "superuser"])
def test_coordinators_and_superusers_have_the_coordinator_rate(low_rates, api, coordinator, make_user, who):
    user = coordinator if who == "coordinator" else make_user("root", is_superuser=True)
    client = api(user)
    use_up(client, 5)
    assert_throttled(client.get("/vehicles"))


def test_an_admin_session_is_counted_too(low_rates, make_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    use_up(client, 5)
    assert_throttled(client.get("/vehicles"))


def test_anonymous_requests_are_not_counted(low_rates, api):
    anonymous = api()
    for _ in range(10):
        assert anonymous.get("/healthz").status_code == 200
        assert_problem(anonymous.get("/vehicles"), 401, "not_authenticated")


def test_a_changed_rate_applies_at_once(settings, integrator_api):
    settings.THROTTLE_RATE_INTEGRATOR = "1/min"
    use_up(integrator_api, 1)
    assert_throttled(integrator_api.get("/vehicles"))
    settings.THROTTLE_RATE_INTEGRATOR = "2/min"
    use_up(integrator_api, 1)


def test_a_window_reopens_after_its_period(settings, integrator_api):
    import time

    settings.THROTTLE_RATE_INTEGRATOR = "2/s"
    use_up(integrator_api, 2)
    assert_throttled(integrator_api.get("/vehicles"))
    time.sleep(1.1)
    use_up(integrator_api, 2)
    assert_throttled(integrator_api.get("/vehicles"))


def test_workers_share_counters_through_redis(low_rates, monkeypatch, integrator_api, integrator):
    """Two cache clients of their own (as two gunicorn workers have), built the way
    settings.py reads ``CACHE_URL=redis://...``, see the same counters."""
    config = environ.Env.cache_url_config(REDIS_URL)
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    # A prefix of our own: other test runs may share this Redis server.
    params = {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    worker_a, worker_b = (import_string(config["BACKEND"])(config["LOCATION"], params) for _ in range(2))
    key = RoleRateThrottle.cache_format % {"ident": integrator.pk}
    try:
        monkeypatch.setattr(RoleRateThrottle, "cache", worker_a)
        use_up(integrator_api, 2)
        monkeypatch.setattr(RoleRateThrottle, "cache", worker_b)
        assert worker_b.get(key) == 2
        use_up(integrator_api, 1)
        assert_throttled(integrator_api.get("/vehicles"))
        monkeypatch.setattr(RoleRateThrottle, "cache", worker_a)
        assert_throttled(integrator_api.get("/vehicles"))
    finally:
        worker_a.delete_many([key, key + ":opened"])


def test_a_counter_left_without_expiry_gets_one_back(low_rates, monkeypatch, integrator_api, integrator):
    """Redis' incr is EXISTS then INCRBY: a window closing in between leaves a new counter without
    an expiry, which would throttle the client for good. The next request gives it one."""
    config = environ.Env.cache_url_config(REDIS_URL)
    redis_cache = import_string(config["BACKEND"])(config["LOCATION"], {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    key = RoleRateThrottle.cache_format % {"ident": integrator.pk}
    client = redis_cache._cache.get_client(key, write=True)
    try:
        monkeypatch.setattr(RoleRateThrottle, "cache", redis_cache)
        redis_cache.set(key, 0, timeout=None)  # what the race leaves behind, just before INCRBY
        assert client.ttl(redis_cache.make_and_validate_key(key)) == -1
        use_up(integrator_api, 1)
        assert 0 < client.ttl(redis_cache.make_and_validate_key(key)) <= 60
    finally:
        redis_cache.delete_many([key, key + ":opened"])
