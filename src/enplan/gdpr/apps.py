from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GdprConfig(AppConfig):
    name = "enplan.gdpr"
    label = "gdpr"
    verbose_name = _("Data protection (GDPR)")
