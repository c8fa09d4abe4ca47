from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "enplan.meetings"
    label = "meetings"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        # The plan history names the meeting a change came from; plans does not import us.
        from enplan.core import labels
        from enplan.plans.sources import register_timeline_source, register_version_source

        from . import actions  # noqa: F401 - declares the write actions
        from .models import Kind
        from .services import plan_timeline, plan_version_sources

        register_version_source(plan_version_sources)
        register_timeline_source(plan_timeline)
        labels.register("meeting_kind", Kind)
