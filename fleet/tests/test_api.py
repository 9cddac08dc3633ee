import pytest

from dmc_transfers.tests.api_fixtures import assert_problem
from fleet.models import Vehicle
from fleet.tests.factories import VehicleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

NEW_VAN = {"plate": " ab-12 ", "vehicle_type": "VAN", "capacity": 7}


def test_coordinator_registers_a_vehicle_trimmed_and_upper_cased(coordinator_api):
    response = coordinator_api.post("/vehicles", NEW_VAN, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["plate"] == "AB-12" and body["is_active"] is True and body["capacity"] == 7
    assert response["Location"] == f"http://testserver/vehicles/{body['id']}"
    assert set(body) == {"id", "plate", "vehicle_type", "capacity", "is_active", "created_at", "updated_at"}


def test_same_plate_after_trimming_is_a_409(coordinator_api):
    coordinator_api.post("/vehicles", NEW_VAN, format="json")
    response = coordinator_api.post("/vehicles", {**NEW_VAN, "plate": "AB-12"}, format="json")
    assert_problem(response, 409, "duplicate_plate")
    assert Vehicle.objects.count() == 1


@pytest.mark.parametrize(
    "change,field",
    [
        ({"plate": "x" * 21}, "plate"),
        ({"plate": "   "}, "plate"),
        ({"vehicle_type": "van"}, "vehicle_type"),
        ({"vehicle_type": "TRUCK"}, "vehicle_type"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 100}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"capacity": None}, "capacity"),
    ],
)
def test_invalid_vehicle_is_a_400_on_the_field(coordinator_api, change, field):
    response = coordinator_api.post("/vehicles", {**NEW_VAN, **change}, format="json")
    body = assert_problem(response, 400, "validation_error")
    assert list(body["errors"]) == [field]


def test_missing_fields_are_each_named(coordinator_api):
    body = assert_problem(coordinator_api.post("/vehicles", {}, format="json"), 400, "validation_error")
    assert set(body["errors"]) == {"plate", "vehicle_type", "capacity"}


def test_plate_of_twenty_characters_is_accepted(coordinator_api):
    assert coordinator_api.post("/vehicles", {**NEW_VAN, "plate": "x" * 20}, format="json").status_code == 201


def test_integrator_may_not_register_vehicles(integrator_api):
    assert_problem(integrator_api.post("/vehicles", NEW_VAN, format="json"), 403, "permission_denied")


def test_superuser_may_register_vehicles(api, make_user):
    admin = make_user("root", is_superuser=True)
    assert api(admin).post("/vehicles", NEW_VAN, format="json").status_code == 201


@pytest.mark.parametrize("client_fixture", ["coordinator_api", "integrator_api"])
def test_both_roles_list_and_read_vehicles(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    vehicles = VehicleFactory.create_batch(3)
    listed = client.get("/vehicles").json()
    assert listed["count"] == 3 and [v["id"] for v in listed["results"]] == [v.id for v in vehicles]
    assert listed["next"] is None and listed["previous"] is None
    assert client.get(f"/vehicles/{vehicles[1].id}").json()["plate"] == vehicles[1].plate


def test_unknown_vehicle_is_a_404(coordinator_api):
    assert_problem(coordinator_api.get("/vehicles/999999"), 404, "not_found")
    assert_problem(coordinator_api.get("/vehicles/abc"), 404, "not_found")


def test_filters(coordinator_api):
    van = VehicleFactory(vehicle_type="VAN", capacity=7)
    VehicleFactory(vehicle_type="SEDAN", capacity=4)
    coach = VehicleFactory(vehicle_type="COACH", capacity=50, is_active=False)

    def ids(query):
        return [v["id"] for v in coordinator_api.get(f"/vehicles?{query}").json()["results"]]

    assert ids("is_active=false") == [coach.id]
    assert ids("vehicle_type=VAN") == [van.id]
    assert ids("min_capacity=7") == [van.id, coach.id]
    assert ids("is_active=true&min_capacity=5&unknown=1") == [van.id]


@pytest.mark.parametrize(
    "query,parameter",
    [("is_active=maybe", "is_active"), ("vehicle_type=van", "vehicle_type"), ("min_capacity=lots", "min_capacity")],
)
def test_malformed_filter_is_a_400_naming_it(coordinator_api, query, parameter):
    body = assert_problem(coordinator_api.get(f"/vehicles?{query}"), 400, "validation_error")
    assert list(body["errors"]) == [parameter]


def test_user_without_role_can_do_nothing(api, make_user):
    client = api(make_user("nobody"))
    assert_problem(client.get("/vehicles"), 403, "permission_denied")


def test_admin_session_authenticates(make_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(make_user("boss", role="coordinators", is_staff=True))
    assert client.get("/vehicles").status_code == 200


def test_vehicle_list_queries_do_not_grow_with_page_size(coordinator_api, django_assert_max_num_queries):
    VehicleFactory.create_batch(30)
    with django_assert_max_num_queries(4):
        assert len(coordinator_api.get("/vehicles?page_size=30").json()["results"]) == 30


def _fleet(size):
    Vehicle.objects.bulk_create(Vehicle(plate=f"P-{n}", vehicle_type="VAN", capacity=7) for n in range(size))


def test_default_page_size_is_100(coordinator_api):
    _fleet(101)
    page = coordinator_api.get("/vehicles").json()
    assert page["count"] == 101 and len(page["results"]) == 100
    assert page["next"] == "http://testserver/vehicles?page=2"
    assert len(coordinator_api.get("/vehicles?page=2").json()["results"]) == 1
    assert_problem(coordinator_api.get("/vehicles?page=3"), 404, "not_found")


def test_page_size_above_1000_is_capped(coordinator_api):
    _fleet(1001)
    page = coordinator_api.get("/vehicles?page_size=5000").json()
    assert len(page["results"]) == 1000 and page["next"] is not None


@pytest.mark.parametrize("query,parameter", [("page_size=0", "page_size"), ("page_size=-1", "page_size"),
                                             ("page_size=1.5", "page_size"), ("page=-2", "page"), ("page=", "page")])
def test_bad_page_parameters_are_400(coordinator_api, query, parameter):
    body = assert_problem(coordinator_api.get(f"/vehicles?{query}"), 400, "validation_error")
    assert list(body["errors"]) == [parameter]

