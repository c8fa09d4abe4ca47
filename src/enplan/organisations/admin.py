from django.contrib import admin
from django.utils.translation import pgettext_lazy

from enplan.accounts.admin_site import RoleAdmin, site
from enplan.accounts.models import Role

from .models import Organisation, Professional


class OrganisationAdmin(RoleAdmin):
    roles = {Role.SYSADMIN}
    list_display = ["name", "sector", "sor_code", "ean", "municipality_code", "phone"]
    list_filter = ["sector"]
    search_fields = ["name", "sor_code", "ean"]


class ProfessionalAdmin(RoleAdmin):
    roles = {Role.SYSADMIN}
    list_display = ["name", "organisation", "profession", "username", "phone"]
    list_filter = ["profession", "organisation__sector"]
    search_fields = ["name", "organisation__name", "user__username"]
    autocomplete_fields = ["organisation", "user"]
    list_select_related = ["organisation", "user"]

    @admin.display(description=pgettext_lazy("user admin", "user name"), ordering="user__username")
    def username(self, obj: Professional) -> str:
        return obj.user.username if obj.user_id else "–"

    def get_readonly_fields(self, request, obj=None):
        # Moving a caseworker's profile (and so their networks) to another user would let an
        # administrator log in as the caseworker: the user is chosen once, at creation.
        return ["user"] if obj is not None else []


site.register(Organisation, OrganisationAdmin)
site.register(Professional, ProfessionalAdmin)
