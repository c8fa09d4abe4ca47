from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "enplan.cooperation"
    label = "cooperation"
    verbose_name = _("Cooperation agreements")

    def ready(self) -> None:
        from . import actions  # noqa: F401 - declares the write actions
