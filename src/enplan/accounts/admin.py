"""Users in the administration: create them, give them a role, send a password-reset link.

A system administrator never sets or sees another person's password, and cannot bind an
active user to another log-in identity: otherwise they could log in as a caseworker. Creating
a user, changing a role and sending a reset link are audited.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from enplan.audit.models import Action
from enplan.audit.services import record

from .admin_site import RoleAdmin, site
from .models import Role, User
from .passwords import email_changed, send_password_reset


class NewUserForm(forms.ModelForm):
    """A new user has no password: they choose it through the link the administrator sends."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role"]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


def _base_url(request: HttpRequest) -> str:
    return settings.ENPLAN_BASE_URL or request.build_absolute_uri("/")


class UserAdmin(RoleAdmin, BaseUserAdmin):
    roles = {Role.SYSADMIN}
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("username",)}),
        (pgettext_lazy("user admin", "Person"), {"fields": ("first_name", "last_name", "email")}),
        (pgettext_lazy("user admin", "Access"), {"fields": ("role", "is_active", "oidc_subject")}),
        (pgettext_lazy("user admin", "Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_form = NewUserForm
    add_fieldsets = ((None, {"fields": ("username", "first_name", "last_name", "email", "role")}),)
    readonly_fields = ["last_login", "date_joined"]
    actions = ["send_reset_links"]
    change_form_template = "admin/accounts/user/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        # Once the person has logged in, binding them to another MitID Erhverv identity would
        # hand their log-in to whoever holds that identity; operations relink with the
        # link_oidc_subject command.
        if obj is not None and obj.last_login is not None:
            return [*self.readonly_fields, "oidc_subject"]
        return self.readonly_fields

    def get_urls(self):
        own = [
            path(
                "<id>/send-reset-link/",
                self.admin_site.admin_view(self.send_reset_link_view),
                name="accounts_user_send_reset",
            )
        ]
        # Django's "change password" page for another user is gone on purpose.
        return own + [u for u in super().get_urls() if "password" not in str(u.pattern)]

    def user_change_password(self, request, id, form_url=""):
        raise PermissionDenied(_("Administrators do not set passwords. Send a reset link."))

    def save_model(self, request, obj: User, form, change: bool) -> None:
        old = User.objects.filter(pk=obj.pk).values("role", "email").first() if change else None
        super().save_model(request, obj, form, change)
        if not change:
            record(
                request.user,
                None,
                Action.CREATE,
                ("user", str(obj.pk)),
                username=obj.username,
                new_role=obj.role,
            )
            return
        if old["role"] != obj.role:
            record(
                request.user,
                None,
                Action.UPDATE,
                ("user", str(obj.pk)),
                event="role_changed",
                username=obj.username,
                old_role=old["role"],
                new_role=obj.role,
            )
        if old["email"] != obj.email:
            email_changed(request.user, obj, old["email"])
        other = [f for f in form.changed_data if f not in ("role", "email")]
        if other:
            record(
                request.user,
                None,
                Action.UPDATE,
                ("user", str(obj.pk)),
                username=obj.username,
                fields=other,
            )

    def _send(self, request: HttpRequest, user: User) -> bool:
        try:
            send_password_reset(request.user, user, _base_url(request))
        except ValidationError as e:
            self.message_user(request, " ".join(e.messages), messages.ERROR)
            return False
        return True

    def send_reset_link_view(self, request: HttpRequest, id: str):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        user = get_object_or_404(User, pk=id)
        if self._send(request, user):
            self.message_user(
                request,
                _("A link to choose a new password was sent to %(user)s's e-mail address.")
                % {"user": user.get_username()},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))

    @admin.action(description=gettext_lazy("Send a link to choose a new password"))
    def send_reset_links(self, request: HttpRequest, queryset) -> None:
        sent = sum(self._send(request, user) for user in queryset)
        if sent:
            self.message_user(
                request,
                _("Links to choose a new password were sent: %(n)d.") % {"n": sent},
                messages.SUCCESS,
            )


site.register(User, UserAdmin)
