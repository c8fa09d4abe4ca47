from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "enplan.messaging"
    verbose_name = _("Messages (MedCom CareCommunication)")

    def ready(self) -> None:
        # The network announces; messaging reacts (no import from the network back to us).
        from enplan.network.signals import coordinator_assigned

        from . import notifications

        coordinator_assigned.connect(
            notifications.on_coordinator_assigned, dispatch_uid="messaging.coordinator_assigned"
        )
