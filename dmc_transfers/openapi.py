"""OpenAPI pieces shared by every endpoint: the problem schemas, error examples,
and a post-processing hook that documents what every operation has in common
(``X-Request-ID``, auth and negotiation errors, database outage, body limits)."""
from collections import defaultdict

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from dmc_transfers.problems import PROBLEM_CONTENT_TYPE, problem


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, plus a machine ``code``."""

    type = serializers.CharField(help_text="Always `about:blank`.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for a human.")
    code = serializers.CharField(help_text="What went wrong, for a program (see the error table).")


class ValidationProblemSerializer(ProblemSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field or query parameter; `non_field_errors` for the rest.",
    )


class ConflictProblemSerializer(ProblemSerializer):
    allowed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="With `invalid_transition`: the statuses the lifecycle allows from the current one.",
    )


def _serializer_for(status):
    return {400: ValidationProblemSerializer, 409: ConflictProblemSerializer}.get(status, ProblemSerializer)


def problems(*entries):
    """``{status: OpenApiResponse}`` from ``(status, code, detail[, extra])`` entries, one example each."""
    by_status = defaultdict(list)
    for status, code, detail, *extra in entries:
        body = problem(status, detail, code, **(extra[0] if extra else {}))
        by_status[status].append(
            OpenApiExample(_example_name(body), value=body, response_only=True, status_codes=[status])
        )
    return {
        status: OpenApiResponse(response=_serializer_for(status), examples=examples, description=examples[0].name)
        for status, examples in by_status.items()
    }


def _example_name(body):
    if "errors" not in body:
        return body["code"]
    field, messages = next(iter(body["errors"].items()))
    return f"{field}: {messages[0][:50]}"


def validation_example(errors):
    return (400, "validation_error", "Invalid input.", {"errors": errors})


# --- The post-processing hook ---------------------------------------------------------------

PUBLIC_PATHS = {"/healthz"}
WRITE_METHODS = {"post", "put", "patch"}

HEADERS = {
    "X-Request-ID": {
        "description": "The request's id: the client's `X-Request-ID` when printable and at most 128 characters, "
        "else a generated one.",
        "schema": {"type": "string", "maxLength": 128},
    },
    "Location": {"description": "Absolute URL of the created resource.", "schema": {"type": "string", "format": "uri"}},
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": "Always `Token`.", "schema": {"type": "string", "example": "Token"}},
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

REQUEST_ID_PARAMETER = {
    "in": "header",
    "name": "X-Request-ID",
    "required": False,
    "description": "Your id for this request (printable, at most 128 characters); echoed in the response.",
    "schema": {"type": "string"},
}


def _common_errors(path, method):
    private = path not in PUBLIC_PATHS
    entries = [
        (406, "not_acceptable", 'Could not satisfy the request Accept header.'),
        (500, "server_error", "Internal server error."),
        (503, "service_unavailable", "The database is unreachable; try again shortly."),
    ]
    if private:
        entries += [
            (401, "not_authenticated", "Authentication credentials were not provided."),
            (401, "authentication_failed", "Invalid token."),
            (403, "permission_denied", "You do not have permission to perform this action."),
            (429, "throttled", "Request was throttled. Expected available in 12 seconds."),
        ]
    if method in WRITE_METHODS:
        entries += [
            (400, "validation_error", "Invalid input.", {"errors": {"non_field_errors": ["Malformed JSON: ..."]}}),
            (413, "payload_too_large", "Request bodies are limited to 64 KiB."),
            (415, "unsupported_media_type", 'Unsupported media type "text/plain" in request.'),
        ]
    if "{id}" in path:
        entries.append((404, "not_found", "Not found."))
    return entries


def _response(status, examples):
    return {
        "description": examples[0][0],
        "content": {
            PROBLEM_CONTENT_TYPE: {
                # drf-spectacular names a component after its serializer, minus "Serializer".
                "schema": {"$ref": f"#/components/schemas/{_serializer_for(status).__name__.removesuffix('Serializer')}"},
                "examples": {code: {"value": body} for code, body in examples},
            }
        },
    }


def add_common_headers_and_errors(result, generator, request, public):
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            operation.setdefault("parameters", []).append(REQUEST_ID_PARAMETER)
            responses = operation["responses"]
            missing = defaultdict(list)
            for status, code, detail, *extra in _common_errors(path, method):
                if str(status) not in responses:
                    missing[status].append((code, problem(status, detail, code, **(extra[0] if extra else {}))))
            for status, examples in missing.items():
                responses[str(status)] = _response(status, examples)
            idempotent = any(p.get("name") == "Idempotency-Key" for p in operation["parameters"])
            for status, response in responses.items():
                _describe_headers(int(status), response, idempotent)
    return result


def _describe_headers(status, response, idempotent):
    headers = response.setdefault("headers", {})
    names = ["X-Request-ID"]
    if status == 201:
        names.append("Location")
        if idempotent:
            names.append("Idempotent-Replayed")
    if status == 401:
        names.append("WWW-Authenticate")
    if status in (429, 503):
        names.append("Retry-After")
    for name in names:
        headers[name] = HEADERS[name]
    if status >= 400 and "application/json" in response.get("content", {}):
        response["content"][PROBLEM_CONTENT_TYPE] = response["content"].pop("application/json")


# What services and views check beyond the serializers and filters, written
# into the schema so clients (and schemathesis) see the real rules.
QUERY_PARAMETER_SCHEMAS = {
    "is_active": {"type": "string", "enum": ["true", "false"]},
    # A pattern, not ``format: date``: generators cannot honour both at once.
    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "pickup_time": {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$"},
    "page": {"type": "integer", "minimum": 1},
    "page_size": {"type": "integer", "minimum": 1},  # above 1000 is capped, not refused
}
HEADER_PARAMETER_SCHEMAS = {
    "Idempotency-Key": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x20-\x7E]+$"},
}


def document_rules_outside_serializers(result, generator, request, public):
    from bookings.models import FLIGHT_NUMBER_RE
    from bookings.services import DRIVER_NAME_MAX_LENGTH

    schemas = result["components"]["schemas"]
    # drf-spectacular makes every PATCH body partial; a status change needs its status.
    change = schemas["PatchedStatusChangeRequest"]
    change["required"] = ["status"]
    change["properties"]["driver_name"]["maxLength"] = DRIVER_NAME_MAX_LENGTH
    schemas["Transfer"]["properties"]["flight_number"]["pattern"] = FLIGHT_NUMBER_RE
    for operations in result["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                by_place = QUERY_PARAMETER_SCHEMAS if parameter["in"] == "query" else HEADER_PARAMETER_SCHEMAS
                if parameter["name"] in by_place:
                    parameter["schema"] = by_place[parameter["name"]]
    return result
