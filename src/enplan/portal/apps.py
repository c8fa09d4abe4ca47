from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "enplan.portal"
    label = "portal"
    verbose_name = _("Citizen portal")

    def ready(self) -> None:
        # The network's write check asks "is this user the citizen herself?" through a hook,
        # so that the network does not import the portal that sits above it.
        from enplan.core.actions import Actor
        from enplan.network.permissions import register_kind

        from .access import is_the_citizen

        register_kind(Actor.CITIZEN, is_the_citizen)
