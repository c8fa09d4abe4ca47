"""Bridge JSON payloads to the same Django forms the pages use."""

import datetime
from typing import Any

from django.db import models
from ninja.errors import HttpError


class FormInvalid(Exception):
    def __init__(self, form):
        self.form = form


def _as_form_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(getattr(value, "uuid", value.pk))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None:
        return ""
    return value


def bind(form_class, payload: dict, *, instance=None, **kwargs):
    """Bind `payload` to `form_class`. For a partial update, fields missing from the payload
    keep the instance's current values, so validation sees the whole object."""
    data: dict[str, Any] = {}
    if instance is not None:
        probe = form_class(instance=instance, **kwargs)
        for name in probe.fields:
            # The version is never filled in for the caller: it must say which one it saw.
            if name != "version" and hasattr(instance, name):
                data[name] = _as_form_value(getattr(instance, name))
        kwargs["instance"] = instance
    for name, value in payload.items():
        data[name] = "" if value is None else value
    form = form_class(data=data, **kwargs)
    if not form.is_valid():
        raise FormInvalid(form)
    return form


def require(condition: bool, status: int, message: str) -> None:
    if not condition:
        raise HttpError(status, message)
