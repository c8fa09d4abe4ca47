"""The API says what it does (issue 10.9): schemathesis generates requests from the REST and
FHIR OpenAPI documents – valid and invalid – and sends them as a logged-in professional (a
personal token) to a citizen in the professional's network. It fails on any 5xx, on a
status the document does not list for the operation, and on a body or content type that
does not match the document.

Bounded for CI: `ENPLAN_CONTRACT_EXAMPLES` requests per operation (25 by default).
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from enplan.accounts.models import ApiToken

from .conftest import make_citizen

EXAMPLES = int(os.environ.get("ENPLAN_CONTRACT_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
APP = get_wsgi_application()
REST = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
FHIR = schemathesis.openapi.from_wsgi("/fhir/r4/openapi.json", APP)
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def professional(db, caseworker, psych):
    """The coordinator of a citizen with a plan, and their personal API token."""
    # The WSGI handler closes the database connection after each request, as in production;
    # the test's transaction must survive it (Django's test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield _world(caseworker)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _world(caseworker):
    citizen = make_citizen(caseworker)
    _token, raw = ApiToken.issue(caseworker.user, "contract test")
    return citizen, {"Authorization": f"Bearer {raw}"}


def _call(case, professional):
    citizen, headers = professional
    for name in ("citizen_id", "careteam_id"):
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = str(citizen.uuid)  # reach past the 404s
    for name in ("subject", "patient"):
        if name in (case.query or {}) and case.query[name] == "":
            case.query[name] = f"Patient/{citizen.uuid}"
    case.call_and_validate(headers=headers, checks=CHECKS)


@REST.parametrize()
@BOUNDED
def test_rest_api_matches_its_openapi_document(case, professional):
    _call(case, professional)


@FHIR.parametrize()
@BOUNDED
def test_fhir_api_matches_its_openapi_document(case, professional):
    _call(case, professional)
