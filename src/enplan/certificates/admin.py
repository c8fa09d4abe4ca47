from enplan.accounts.admin_site import RoleAdmin, site
from enplan.accounts.models import Role

from .models import CertificateKind


class CertificateKindAdmin(RoleAdmin):
    """The list of certificate kinds: no personal data, so the system administrator."""

    roles = {Role.SYSADMIN}
    list_display = ["name", "active"]
    list_editable = ["active"]


site.register(CertificateKind, CertificateKindAdmin)
