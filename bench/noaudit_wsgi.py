"""enplan with its audit writes switched off, for bench/national.py to measure what auditing
costs (the same production settings otherwise). A measuring instrument: never deploy it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "enplan.settings.production")
application = get_wsgi_application()

import enplan.audit.services  # noqa: E402
import enplan.citizens.access  # noqa: E402


def _nothing(*args, **kwargs) -> None:
    return None


# Reads are audited through these two (a page, and a list of citizens on the caseload).
enplan.citizens.access.record = _nothing
enplan.audit.services.record_list = _nothing
