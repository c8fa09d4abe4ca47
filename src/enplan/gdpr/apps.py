import sys
import threading

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def _warm_up_pdf() -> None:
    """Load WeasyPrint (Pango, fontconfig) and lay out one line, so that the first GDPR
    export after a start does not pay 1–2 s for it (measured with bench/gdpr_export.py)."""
    from weasyprint import HTML

    HTML(string="<p>enplan</p>").write_pdf()


class GdprConfig(AppConfig):
    name = "enplan.gdpr"
    label = "gdpr"
    verbose_name = _("Data protection (GDPR)")

    def ready(self) -> None:
        # A web server (runserver, gunicorn), not a one-off management command.
        command = sys.argv[0].endswith(("manage.py", "__main__.py", "enplan", "django-admin"))
        serving = "runserver" in sys.argv or not command
        if getattr(settings, "ENPLAN_PDF_WARMUP", False) and serving:
            threading.Thread(target=_warm_up_pdf, name="pdf-warm-up", daemon=True).start()
