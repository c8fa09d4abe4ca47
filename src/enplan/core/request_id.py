"""The request id: taken from X-Request-ID when it is sane (a proxy or client set it), else
made here; it is answered in the response, put on every log line and into the audit context,
so one request can be followed from the proxy's log to the audit log."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Letters, digits and a few separators, bounded: whatever a client sends lands in logs and in
# the audit log, so nothing that could carry a line break, markup or a whole document.
_SANE = re.compile(r"^[A-Za-z0-9._:@/+=-]{8,128}$")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current() -> str:
    return _current.get()


def sane(value: str | None) -> str | None:
    return value if value and _SANE.match(value) else None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = sane(request.headers.get(HEADER)) or uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # django.request logs a response after the middleware has returned: it passes
            # the request along instead.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", "") or _current.get()
        return True
