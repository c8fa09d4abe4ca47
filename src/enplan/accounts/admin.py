from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from enplan.core.admin_site import RoleAdmin, site

from .models import Role, User


class UserAdmin(RoleAdmin, BaseUserAdmin):
    roles = {Role.SYSADMIN}
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("role", "is_active", "oidc_subject")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "role", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out superuser rights; nobody does it by accident here.
        return self.readonly_fields


site.register(User, UserAdmin)
