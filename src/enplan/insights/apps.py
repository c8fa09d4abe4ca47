from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "enplan.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from . import actions  # noqa: F401 - declares the write actions
