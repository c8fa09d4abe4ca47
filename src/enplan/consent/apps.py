from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "enplan.consent"
    label = "consent"
    verbose_name = _("Consent (samtykke)")

    def ready(self) -> None:
        # "Shared with you" is the consent policy's to decide; the network's write check
        # asks it through this registration instead of importing consent.
        from enplan.core.actions import Actor
        from enplan.network.permissions import register_kind

        from .policy import may_see

        register_kind(Actor.SHARED, may_see)
