from enplan.accounts.admin_site import RoleAdmin, site
from enplan.accounts.models import Role

from .models import CooperationMeeting, KindRule


class KindRuleAdmin(RoleAdmin):
    """Installation-wide meeting rules: no personal data, so the system administrator."""

    roles = {Role.SYSADMIN}
    list_display = [
        "kind",
        "duration_minutes",
        "minutes_required",
        "needs_citizen",
        "deadline_working_days",
        "minutes_due_working_days",
        "per_year",
    ]
    list_editable = ["duration_minutes", "minutes_required", "deadline_working_days"]

    def has_delete_permission(self, request, obj=None):
        return False  # a missing rule would fall back silently to the defaults


site.register(KindRule, KindRuleAdmin)


class CooperationMeetingAdmin(RoleAdmin):
    roles = {Role.SYSADMIN}
    list_display = ["starts_at", "status", "convener", "place"]
    list_filter = ["status"]
    filter_horizontal = ["organisations"]


site.register(CooperationMeeting, CooperationMeetingAdmin)
