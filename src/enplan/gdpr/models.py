from django.utils.translation import gettext_lazy as _

from enplan.citizens.models import Citizen


class CitizenRecord(Citizen):
    """The citizen as the data protection officer's admin sees it: a record to export."""

    class Meta:
        proxy = True
        verbose_name = _("citizen record (GDPR)")
        verbose_name_plural = _("citizen records (GDPR)")
