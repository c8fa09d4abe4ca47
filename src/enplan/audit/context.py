"""Where an access came from (page, API, command), carried to the audit log without threading
the request through every service call."""

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from enplan.core import request_id

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "audit_context", default=None
)


def current() -> dict:
    return dict(_context.get() or {"channel": "system"})


def channel_of(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/fhir/"):
        return "fhir"
    if path.startswith("/admin/"):
        return "admin"
    return "ui"


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _context.set(
            {
                "channel": channel_of(request.path),
                "method": request.method,
                "path": request.path[:300],
                "ip": request.META.get("REMOTE_ADDR", ""),
                # Follows one request from the proxy's and the app's logs to its audit rows.
                "request_id": request_id.current(),
            }
        )
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


class command_context:
    """`with command_context("apply_retention"):` – audit rows written by a management command."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.token = _context.set({"channel": "command", "command": self.name})
        return self

    def __exit__(self, *exc):
        _context.reset(self.token)
