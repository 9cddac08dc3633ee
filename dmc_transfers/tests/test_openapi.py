import pytest
from openapi_spec_validator import validate

from dmc_transfers.tests.api_fixtures import openapi_schema

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

OPERATIONS = {
    ("post", "/vehicles"), ("get", "/vehicles"), ("get", "/vehicles/{id}"), ("get", "/availability"),
    ("post", "/transfers"), ("get", "/transfers"), ("get", "/transfers/{id}"), ("patch", "/transfers/{id}/status"),
    ("get", "/healthz"),
}


def test_served_schema_is_public_and_valid_openapi_3(client):
    response = client.get("/openapi.json", HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert {(m, p) for p, ops in schema["paths"].items() for m in ops} == OPERATIONS


def test_every_operation_documents_its_errors_headers_and_examples():
    schema = openapi_schema()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert {"406", "500", "503"} <= codes, (method, path)
            if path != "/healthz":
                assert {"401", "403", "429"} <= codes, (method, path)
                assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
            if method in ("post", "patch"):
                assert {"400", "413", "415"} <= codes
            if "{id}" in path:
                assert "404" in codes
            assert any(p["name"] == "X-Request-ID" for p in op["parameters"])
            for status, response in op["responses"].items():
                assert "X-Request-ID" in response["headers"]
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
                    assert response["content"]["application/problem+json"]["examples"], (method, path, status)
            assert "503" in codes and "Retry-After" in op["responses"]["503"]["headers"]
    create = schema["paths"]["/transfers"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert {"Location", "Idempotent-Replayed"} <= set(create["responses"]["201"]["headers"])
    conflicts = create["responses"]["409"]["content"]["application/problem+json"]["examples"].values()
    assert {example["value"]["code"] for example in conflicts} == {
        "duplicate_client_reference", "vehicle_unavailable", "idempotency_key_reused"
    }
    assert "Location" in schema["paths"]["/vehicles"]["post"]["responses"]["201"]["headers"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_swagger_ui_and_its_assets_are_served_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png" in html
    assert "//cdn" not in html and "unpkg" not in html
