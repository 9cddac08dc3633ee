"""Fixtures for API tests: HTTP clients whose every response is checked against /openapi.json.

Loaded for the whole suite from the root conftest (``pytest_plugins``).
"""
import functools
import json
import threading

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from rest_framework.test import APIClient

from dmc_transfers.problems import PROBLEM_CONTENT_TYPE

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


# Schema generation is not thread-safe; the concurrency tests call from threads.
_building = threading.Lock()


def openapi_schema():
    with _building:
        return _generated_schema()


@functools.cache
def _generated_schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def openapi():
    with _building:
        return _openapi()


@functools.cache
def _openapi():
    config = Config(extra_media_type_deserializers={PROBLEM_CONTENT_TYPE: json.loads})
    return OpenAPI.from_dict(_generated_schema(), config=config)


class _ByPath(DjangoOpenAPIRequest):
    # Match the concrete path against the schema's templates, not Django's route regex.
    path_pattern = None
    # Only responses are validated; the body was consumed by the view (or refused as too big).
    body = b""


def assert_conforms(response):
    """The response matches its operation in the schema; errors outside it are still problems."""
    if response.wsgi_request.path.startswith(("/admin/", "/docs", "/openapi.json", "/static/")):
        return
    try:
        openapi().validate_response(_ByPath(response.wsgi_request), DjangoOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # An unknown path or method: not in the schema, but still a problem document.
        assert_problem(response, response.status_code)


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert PROBLEM_KEYS <= set(body), body
    assert body["status"] == status and body["type"] == "about:blank"
    if code is not None:
        assert body["code"] == code, body
    return body


class ConformingClient(APIClient):
    def request(self, **kwargs):
        response = super().request(**kwargs)
        assert_conforms(response)
        return response


@pytest.fixture
def api(db):
    """``api(user)``: a client sending ``user``'s API key (no user: anonymous)."""
    from knox.models import AuthToken

    def make(user=None):
        client = ConformingClient()
        if user is not None:
            _, key = AuthToken.objects.create(user=user, expiry=None)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def coordinator_api(api, coordinator):
    return api(coordinator)


@pytest.fixture
def integrator_api(api, integrator):
    return api(integrator)


@pytest.fixture
def other_api(api, other_integrator):
    return api(other_integrator)
