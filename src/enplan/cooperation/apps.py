from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "enplan.cooperation"
    label = "cooperation"
    verbose_name = _("Cooperation agreements")

    def ready(self) -> None:
        # The plan page shows an activity's offer; plans does not import us.
        from enplan.plans.sources import register_activity_source

        from . import actions  # noqa: F401 - declares the write actions
        from .referrals import offer_links

        register_activity_source(offer_links)
