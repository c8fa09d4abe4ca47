from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "enplan.network"
    label = "network"
    verbose_name = _("Care network")

    def ready(self) -> None:
        # Core and citizens sit below network: they reach the rule and the labels through
        # the ground floor's seams, which network fills here.
        from enplan.core import labels, scope

        from .access import visible_citizen_ids
        from .models import NetworkRole

        scope.register(visible_citizen_ids)
        labels.register("network_role", NetworkRole)
