"""A sent response leaves nothing of DRF's for the cyclic garbage collector (ReleaseCyclesMiddleware)."""
import gc

import pytest
from rest_framework.response import Response

from bookings.api.views import TransferViewSet
from bookings.tests.factories import TransferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def alive(kind):
    return sum(type(o) is kind for o in gc.get_objects())


@pytest.fixture
def no_collector():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.parametrize("path", ["/transfers", "/transfers?page_size=1&page=999", "/transfers/{pk}"])
def test_the_view_and_response_go_without_the_collector(coordinator_api, no_collector, path):
    transfer = TransferFactory()
    coordinator_api.get("/transfers")  # what lives on (the schema the client checks answers against)
    views, responses = alive(TransferViewSet), alive(Response)
    answer = coordinator_api.get(path.format(pk=transfer.pk))  # the test client closes it, as a server does
    assert answer.status_code in (200, 404)
    del answer.json  # the test client's own cycle (a partial of the response); no server makes one
    del answer
    assert (alive(TransferViewSet), alive(Response)) == (views, responses)
