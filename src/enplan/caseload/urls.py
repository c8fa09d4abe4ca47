from django.urls import include, path

from enplan.consent import views as consent_views
from enplan.cooperation import views as cooperation_views
from enplan.courses import views as course_views
from enplan.messaging import views as message_views
from enplan.network import views as network_views

from . import views

# The namespace keeps its name: every template and redirect says "citizens:...".
app_name = "citizens"
citizen_patterns = [
    path("", views.citizen_overview, name="overview"),
    path("edit/", views.citizen_edit, name="edit"),
    path("contacts/new/", views.contact_new, name="contact_new"),
    path("network/join-requests/", views.join_request_decide, name="join_request_decide"),
    path("network/add/", network_views.member_add, name="member_add"),
    path("network/handover/", network_views.handover, name="handover"),
    path("network/<uuid:membership_uuid>/end/", network_views.member_end, name="member_end"),
    path("courses/new/", course_views.course_new, name="course_new"),
    path("courses/<uuid:course_uuid>/edit/", course_views.course_edit, name="course_edit"),
    path("plan/", include("enplan.plans.urls")),
    path(
        "plan/activities/<uuid:activity_uuid>/offer/",
        cooperation_views.activity_offer,
        name="activity_offer",
    ),
    path("meetings/", include("enplan.meetings.urls")),
    path("certificates/", include("enplan.certificates.urls")),
    path("consent/", consent_views.consent_list, name="consents"),
    path(
        "consent/<uuid:consent_uuid>/withdraw/",
        consent_views.consent_withdraw,
        name="consent_withdraw",
    ),
    path(
        "consent/<uuid:consent_uuid>/document/",
        consent_views.consent_document,
        name="consent_document",
    ),
    path("access-log/", views.access_log, name="access_log"),
    path("messages/", message_views.thread_list, name="threads"),
    path("messages/new/", message_views.thread_new, name="thread_new"),
    path("messages/<uuid:thread_uuid>/", message_views.thread_detail, name="thread"),
    path("messages/<uuid:thread_uuid>/reply/", message_views.thread_reply, name="thread_reply"),
    path(
        "messages/<uuid:thread_uuid>/forward/",
        message_views.thread_forward,
        name="thread_forward",
    ),
    path(
        "messages/<uuid:thread_uuid>/attachments/<uuid:segment_uuid>/",
        message_views.attachment,
        name="attachment",
    ),
]
urlpatterns = [
    path("", views.caseload_view, name="caseload"),
    path("new/", views.citizen_new, name="new"),
    path("new/sent/", views.citizen_registered, name="registered"),
    path("<uuid:citizen_uuid>/", include(citizen_patterns)),
]
