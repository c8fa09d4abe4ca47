"""Where each role starts: the one place that maps a role to its start page.

Professionals work in their caseload; system administrators and the data protection officer
work in the administration; managers and politicians see aggregates only, in the insights
app. Change the mapping here, and the log-in, the home URL and the 403 page follow.
"""

from django.urls import reverse

from .models import Role

START_PAGES: dict[str, str] = {
    Role.PROFESSIONAL: "citizens:caseload",
    Role.SYSADMIN: "admin:index",
    Role.DPO: "admin:index",
    Role.MANAGER: "insights:start",
    Role.POLITICIAN: "insights:start",
    Role.CITIZEN: "portal:home",  # the citizen's own pages (enplan.portal)
}


def start_url(user) -> str:
    """The start page of `user` (the log-in page for someone not logged in)."""
    if not getattr(user, "is_authenticated", False):
        return reverse("accounts:login")
    if user.is_superuser and user.role not in START_PAGES:
        return reverse("admin:index")
    return reverse(START_PAGES.get(user.role, "accounts:role_start"))
