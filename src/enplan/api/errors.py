"""One error shape per API, and every status an operation can answer in its OpenAPI document.

REST (`/api/v1`): every 4xx body is `{"detail": str}` (schema `Error`); a validation error
adds `errors: {field: [messages]}` (`ValidationErrors`) – django-ninja's own validation
errors included, which otherwise have a shape of their own; a plan conflict adds
`current_version` (`Conflict`). FHIR (`/fhir/r4`): every 4xx body is an OperationOutcome.

The statuses every operation can answer whatever its code does – 401 (no credentials), 403
(not a professional), 422 (parameters that do not validate), and for operations with a body
400 (not JSON), 413 (larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE) and 415 – are added
to each operation's documented responses here, so an operation added later is documented
without anyone remembering to.

Input that would otherwise fail deep down is refused at the edge: JSON text with lone
surrogates (no database stores it), numbers too large for any column.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

FHIR_JSON = "application/fhir+json"


class StrictJsonParser(Parser):
    """JSON bodies as django-ninja reads them, refusing text no database can store (a lone
    surrogate from a `\\ud800` escape): django-ninja answers 400 for what this refuses."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if b"\\ud" in request.body.lower():
            json.dumps(data, ensure_ascii=False).encode()  # UnicodeEncodeError: refused
        return data


def _field_errors(exc: NinjaValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc[:1] == ["body"]:
            loc = loc[2:]  # ("body", <payload name>, field, …)
        elif loc[:1] in (["query"], ["path"], ["header"], ["cookie"], ["form"], ["file"]):
            loc = loc[1:]
        field = ".".join(loc) or "__all__"
        errors.setdefault(field, []).append(str(error.get("msg", "Invalid value.")))
    return errors or {"__all__": ["Invalid input."]}


OUT_OF_RANGE = "A number in the request is out of range."


def install_rest_errors(api: NinjaAPI) -> None:
    """The REST API's error shape for what django-ninja and Django raise themselves."""

    def validation(request, exc: NinjaValidationError):
        errors = _field_errors(exc)
        field, messages = next(iter(errors.items()))
        detail = messages[0] if field == "__all__" else f"{field}: {messages[0]}"
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

    def too_large(request, exc):
        return api.create_response(
            request, {"detail": "The request body is too large."}, status=413
        )

    def out_of_range(request, exc):
        return api.create_response(
            request, {"detail": OUT_OF_RANGE, "errors": {"__all__": [OUT_OF_RANGE]}}, status=422
        )

    api.add_exception_handler(NinjaValidationError, validation)
    api.add_exception_handler(RequestDataTooBig, too_large)
    api.add_exception_handler(OverflowError, out_of_range)
    api.add_exception_handler(DataError, out_of_range)


def operation_outcome(status: int, code: str, text: str) -> HttpResponse:
    body = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }
    return HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)


def install_fhir_errors(api: NinjaAPI) -> None:
    """The FHIR API answers every error with an OperationOutcome."""

    def validation(request, exc: NinjaValidationError):
        errors = _field_errors(exc)
        text = "; ".join(f"{field}: {', '.join(m)}" for field, m in errors.items())
        return operation_outcome(422, "invalid", text)

    def http_error(request, exc: HttpError):
        return operation_outcome(exc.status_code, "invalid", str(exc))

    api.add_exception_handler(NinjaValidationError, validation)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(
        RequestDataTooBig,
        lambda request, exc: operation_outcome(413, "too-costly", "The request is too large."),
    )
    for exc_class in (OverflowError, DataError):
        api.add_exception_handler(
            exc_class, lambda request, exc: operation_outcome(422, "invalid", OUT_OF_RANGE)
        )
    api.add_exception_handler(
        AuthenticationError,
        lambda request, exc: operation_outcome(401, "login", "Log in or send a bearer token."),
    )


# --- the OpenAPI documents ------------------------------------------------------------------

REST_ERROR = {"$ref": "#/components/schemas/Error"}
REST_VALIDATION = {"$ref": "#/components/schemas/ValidationErrors"}
OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                },
            },
        },
    },
}
COMMON = {
    400: "The body is not valid JSON",
    401: "No valid credentials",
    403: "Not allowed",
    404: "Not found (or not in your networks)",
    413: "The request body is too large",
    415: "Unsupported media type",
    422: "Invalid parameters or body",
}
SCHEMAS = {
    "Error": {
        "title": "Error",
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"title": "Detail", "type": "string"}},
    },
    "ValidationErrors": {
        "title": "ValidationErrors",
        "type": "object",
        "required": ["detail", "errors"],
        "properties": {
            "detail": {"title": "Detail", "type": "string"},
            "errors": {
                "title": "Errors",
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}


def _statuses(operation: dict, path: str) -> list[int]:
    statuses = [401, 403, 422]
    if "{" in path:
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [400, 413, 415]
    return statuses


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document lists, for every operation, the error statuses
    django-ninja and Django can answer, with the API's error shape (`fhir`: an
    OperationOutcome in application/fhir+json; otherwise Error / ValidationErrors)."""

    def __init__(self, *args, fhir: bool = False, **kwargs):
        super().__init__(*args, parser=StrictJsonParser(), **kwargs)
        self.fhir = fhir
        if fhir:
            install_fhir_errors(self)
        else:
            install_rest_errors(self)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        if not self.fhir:
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in SCHEMAS.items():
                schemas.setdefault(name, definition)
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                responses = {str(k): v for k, v in operation.get("responses", {}).items()}
                operation["responses"] = responses
                for status in _statuses(operation, path):
                    documented = responses.setdefault(str(status), {})
                    documented.setdefault("description", COMMON[status])
                    if "content" not in documented:
                        documented["content"] = self._error_content(status)
                if self.fhir:
                    for status, documented in responses.items():
                        shape = {"type": "object"} if status.startswith("2") else OUTCOME
                        documented["content"] = {FHIR_JSON: {"schema": shape}}
        return schema

    def _error_content(self, status: int) -> dict:
        if self.fhir:
            return {FHIR_JSON: {"schema": OUTCOME}}
        shape = REST_VALIDATION if status == 422 else REST_ERROR
        return {"application/json": {"schema": shape}}
