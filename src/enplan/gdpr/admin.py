import io
import zipfile

from django.contrib import admin
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from enplan.accounts.models import Role
from enplan.audit.export import csv_lines, rows
from enplan.audit.models import Action, AuditEntry
from enplan.audit.services import record
from enplan.core.admin_site import RoleAdmin, site
from enplan.core.cpr import parse_cpr

from .export import export_citizen
from .models import CitizenRecord

DPO = getattr(Role, "DPO", "dpo")


class CitizenRecordAdmin(RoleAdmin):
    """Find a citizen by exact CPR number and export their data; no case content is shown."""

    roles = {DPO}
    read_only = True
    list_display = ["uuid", "municipality_code", "created_at"]
    search_fields = ["=cpr"]
    actions = ["export_gdpr"]
    search_help_text = "Exact CPR number (DDMMYYSSSS or DDMMYY-SSSS)."

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset.none(), False
        try:
            cpr = parse_cpr(search_term)[0]
        except Exception:  # noqa: BLE001 - any malformed input simply finds no one
            return queryset.none(), False
        return queryset.filter(cpr=cpr), False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Export everything (GDPR art. 15): JSON + PDF")
    def export_gdpr(self, request, queryset):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for citizen in queryset:
                body, pdf = export_citizen(citizen, request.user)
                zf.writestr(f"enplan-{citizen.uuid}.json", body)
                zf.writestr(f"enplan-{citizen.uuid}.pdf", pdf)
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="enplan-gdpr-export.zip"'
        return response


class AuditEntryAdmin(RoleAdmin):
    roles = {DPO}
    read_only = True
    list_display = ["at", "actor", "organisation", "role", "action", "object_type", "citizen_uuid"]
    list_filter = ["action", "object_type"]
    search_fields = ["=citizen_uuid", "actor"]
    date_hierarchy = "at"

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_csv), name="audit_csv"),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        record(request.user, None, Action.EXPORT, ("audit_log", ""))
        response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="enplan-audit.csv"'
        return response


site.register(CitizenRecord, CitizenRecordAdmin)
site.register(AuditEntry, AuditEntryAdmin)
