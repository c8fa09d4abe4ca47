from enplan.accounts.admin_site import RoleAdmin, site
from enplan.accounts.models import Role

from .models import Mandate


class MandateAdmin(RoleAdmin):
    """Which organisation a manager, or which municipality a politician, sees figures for:
    no personal data, so the system administrator."""

    roles = {Role.SYSADMIN}
    list_display = ["user", "organisation", "municipality_code"]
    raw_id_fields = ["user", "organisation"]


site.register(Mandate, MandateAdmin)
