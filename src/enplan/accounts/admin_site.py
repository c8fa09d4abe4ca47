"""The administration site, opened by role rather than by Django's staff flag.

System administrators manage organisations, professionals and users; they never see case
content. The data protection officer exports a citizen's data (GDPR art. 15) and the audit
log; both actions are audited. Nobody browses citizens' cases here.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enplan.accounts.models import Role

ADMIN_ROLES = {Role.SYSADMIN, Role.DPO}


class EnplanAdminSite(admin.AdminSite):
    site_header = _("enplan – administration")
    site_title = "enplan"
    index_title = pgettext_lazy("admin", "Administration")
    site_url = "/"  # "View site": the root sends each role to its own start page

    def login(self, request, extra_context=None):
        """One log-in for everyone (password + second factor, or MitID Erhverv)."""
        from django.contrib.auth.views import redirect_to_login
        from django.core.exceptions import PermissionDenied
        from django.urls import reverse
        from django.utils.translation import gettext as _

        if request.user.is_authenticated:  # logged in, but not in an administrative role
            raise PermissionDenied(
                _("The administration is for system administrators and the DPO.")
            )
        return redirect_to_login(
            request.GET.get("next", reverse("admin:index")), reverse("accounts:login")
        )

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role in ADMIN_ROLES)


site = EnplanAdminSite(name="admin")


class RoleAdmin(admin.ModelAdmin):
    """A model admin open to the given roles only (superusers: everything)."""

    roles: set[str] = set()
    read_only = False

    def _allowed(self, request) -> bool:
        return request.user.is_superuser or request.user.role in self.roles

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request) and not self.read_only

    def has_change_permission(self, request, obj=None):
        return self._allowed(request) and not self.read_only

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request) and not self.read_only
