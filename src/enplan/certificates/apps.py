from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "enplan.certificates"
    label = "certificates"
    verbose_name = _("Certificates (attester)")

    def ready(self) -> None:
        from . import actions  # noqa: F401 - declares the write actions
