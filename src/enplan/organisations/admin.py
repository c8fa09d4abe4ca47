from enplan.accounts.models import Role
from enplan.core.admin_site import RoleAdmin, site

from .models import Organisation, Professional


class OrganisationAdmin(RoleAdmin):
    roles = {Role.SYSADMIN}
    list_display = ["name", "sector", "sor_code", "ean", "municipality_code", "phone"]
    list_filter = ["sector"]
    search_fields = ["name", "sor_code", "ean"]


class ProfessionalAdmin(RoleAdmin):
    roles = {Role.SYSADMIN}
    list_display = ["name", "organisation", "profession", "user", "phone"]
    list_filter = ["profession", "organisation__sector"]
    search_fields = ["name", "organisation__name", "user__username"]
    autocomplete_fields = ["organisation", "user"]


site.register(Organisation, OrganisationAdmin)
site.register(Professional, ProfessionalAdmin)
