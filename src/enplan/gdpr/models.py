from enplan.citizens.models import Citizen


class CitizenRecord(Citizen):
    """The citizen as the data protection officer's admin sees it: a record to export."""

    class Meta:
        proxy = True
        verbose_name = "citizen record (GDPR)"
        verbose_name_plural = "citizen records (GDPR)"
