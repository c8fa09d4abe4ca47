"""The data protection officer's tools: find a citizen by exact CPR number, export everything
enplan holds about them (GDPR art. 15), and read or export the audit log.

The DPO never browses: without an exact CPR number the list is empty, and a citizen record
opened by id (change, history, delete pages) is refused and audited. Each search result the
DPO sees is audited as a read of that citizen.
"""

import io
import zipfile

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from enplan.accounts.admin_site import RoleAdmin, site
from enplan.accounts.models import Role
from enplan.audit.export import csv_lines, rows
from enplan.audit.models import Action, AuditEntry
from enplan.audit.services import record
from enplan.citizens.models import Citizen
from enplan.core.cpr import format_cpr, parse_cpr
from enplan.core.validators import is_ascii_digits

from .export import export_citizen
from .models import CitizenRecord


def citizen_by_cpr(search_term: str) -> Citizen | None:
    """The citizen with exactly this CPR number, or None (also for malformed input)."""
    try:
        cpr = parse_cpr(search_term)[0]
    except ValidationError:
        return None
    return Citizen.objects.filter(cpr=cpr).first()


class CitizenRecordAdmin(RoleAdmin):
    """Find a citizen by exact CPR number and export their data; no case content is shown."""

    roles = {Role.DPO}
    read_only = True
    list_display = ["name", "cpr_number", "municipality_code", "registered"]
    list_display_links = None  # nothing to open: a record is reached by CPR search only
    show_full_result_count = False  # not even how many citizens there are
    search_fields = ["=cpr"]
    actions = ["export_gdpr"]
    search_help_text = gettext_lazy(
        "Exact CPR number (DDMMYYSSSS or DDMMYY-SSSS). Every search result is logged."
    )

    @admin.display(description=pgettext_lazy("dpo", "name"))
    def name(self, obj: Citizen) -> str:
        return obj.full_name

    @admin.display(description=gettext_lazy("CPR number"))
    def cpr_number(self, obj: Citizen) -> str:
        return format_cpr(obj.cpr)

    @admin.display(description=pgettext_lazy("dpo", "registered"), ordering="created_at")
    def registered(self, obj: Citizen) -> str:
        return timezone.localtime(obj.created_at).strftime("%d.%m.%Y")

    def get_search_results(self, request, queryset, search_term):
        citizen = citizen_by_cpr(search_term) if search_term else None
        if citizen is None:
            return queryset.none(), False
        return queryset.filter(pk=citizen.pk), False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and getattr(response, "context_data", None):
            cl = response.context_data.get("cl")
            for citizen in cl.result_list if cl is not None else []:
                record(request.user, citizen, Action.READ, citizen, purpose="dpo-cpr-search")
        return response

    def _refuse(self, request, object_id) -> None:
        citizen = (
            Citizen.objects.filter(pk=object_id).first()
            if is_ascii_digits(str(object_id))
            else None
        )
        record(
            request.user,
            citizen,
            Action.REFUSED,
            ("citizen", str(citizen.uuid) if citizen else str(object_id)[:64]),
            reason="dpo-open-by-id",
        )
        raise PermissionDenied(_("A citizen is found by exact CPR number only."))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse(request, object_id)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse(request, object_id)

    def delete_view(self, request, object_id, extra_context=None):
        self._refuse(request, object_id)

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Export everything (GDPR art. 15): JSON + PDF"))
    def export_gdpr(self, request, queryset):
        if not queryset.exists():
            self.message_user(
                request, _("Search for the citizen by exact CPR number first."), messages.WARNING
            )
            return None
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for citizen in queryset:
                for name, content in export_citizen(citizen, request.user).files(citizen):
                    zf.writestr(name, content)
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="enplan-gdpr-export.zip"'
        return response


# What an audit row is about, in words (the log stores the model's name).
OBJECT_LABELS = {
    "citizen": pgettext_lazy("audit object", "citizen's details"),
    "plan": pgettext_lazy("audit object", "plan"),
    "goal": pgettext_lazy("audit object", "sub-goal"),
    "activity": pgettext_lazy("audit object", "activity"),
    "track": pgettext_lazy("audit object", "track"),
    "course": pgettext_lazy("audit object", "course"),
    "consent": pgettext_lazy("audit object", "consent"),
    "contact": pgettext_lazy("audit object", "contact"),
    "networkmembership": pgettext_lazy("audit object", "network membership"),
    "handover": pgettext_lazy("audit object", "handover"),
    "thread": pgettext_lazy("audit object", "message thread"),
    "message": pgettext_lazy("audit object", "message"),
    "segment": pgettext_lazy("audit object", "attachment"),
    "access_log": pgettext_lazy("audit object", "access log"),
    "audit_log": pgettext_lazy("audit object", "audit log"),
    "user": pgettext_lazy("audit object", "user"),
    "retention_run": pgettext_lazy("audit object", "retention run"),
    "joinrequest": pgettext_lazy("audit object", "request to join a network"),
}


def object_label(object_type: str) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type))


class ObjectTypeFilter(admin.SimpleListFilter):
    title = pgettext_lazy("dpo", "about")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label in OBJECT_LABELS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


class AuditEntryAdmin(RoleAdmin):
    """The audit log, newest first; search by a citizen's CPR number or by who acted."""

    roles = {Role.DPO}
    read_only = True
    list_display = ["when", "who", "organisation", "what", "citizen"]
    list_display_links = None
    list_filter = ["action", ObjectTypeFilter]
    search_fields = ["actor"]
    search_help_text = gettext_lazy(
        "A citizen's exact CPR number, or a user name. Searching by CPR number is logged."
    )
    date_hierarchy = "at"
    ordering = ["-id"]
    list_per_page = 50
    change_list_template = "admin/audit/auditentry/change_list.html"

    @admin.display(description=pgettext_lazy("dpo", "when"), ordering="-id")
    def when(self, e: AuditEntry) -> str:
        return timezone.localtime(e.at).strftime("%d.%m.%Y %H:%M:%S")

    @admin.display(description=pgettext_lazy("dpo", "who"))
    def who(self, e: AuditEntry) -> str:
        return e.actor_name or e.actor

    @admin.display(description=pgettext_lazy("dpo", "what"))
    def what(self, e: AuditEntry) -> str:
        return f"{e.get_action_display()}: {object_label(e.object_type)}"

    @admin.display(description=pgettext_lazy("dpo", "citizen"))
    def citizen(self, e: AuditEntry) -> str:
        # The public id's first block: enough to tell rows apart, short enough to fit.
        return str(e.citizen_uuid)[:8] if e.citizen_uuid else "–"

    def get_search_results(self, request, queryset, search_term):
        citizen = citizen_by_cpr(search_term) if search_term else None
        if citizen is not None:
            record(
                request.user, citizen, Action.READ, ("audit_log", ""), purpose="dpo-audit-search"
            )
            return queryset.filter(citizen_uuid=citizen.uuid), False
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(self, request, extra_context=None):
        query = request.GET.get("q", "")
        csv_url = reverse("admin:audit_csv")
        if query and citizen_by_cpr(query):
            csv_url += "?" + urlencode({"q": query})
        return super().changelist_view(request, {**(extra_context or {}), "csv_url": csv_url})

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="audit_csv"),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        citizen = citizen_by_cpr(request.GET.get("q", ""))
        record(request.user, citizen, Action.EXPORT, ("audit_log", ""))
        entries = rows(citizen_uuid=citizen.uuid if citizen else None)
        response = StreamingHttpResponse(csv_lines(entries), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="enplan-audit.csv"'
        return response


site.register(CitizenRecord, CitizenRecordAdmin)
site.register(AuditEntry, AuditEntryAdmin)
