from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "enplan.courses"
    label = "courses"
    verbose_name = _("Courses (forløb)")

    def ready(self) -> None:
        from enplan.core import labels

        from .models import TargetGroup

        labels.register("target_group", TargetGroup)
