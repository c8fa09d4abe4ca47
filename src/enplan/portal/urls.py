from django.urls import path

from . import views
from .oidc import PortalOIDCStartView, oidc_callback

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("login/demo/", views.demo_login, name="demo_login"),
    path("mitid/start/", PortalOIDCStartView.as_view(), name="oidc_start"),
    path("mitid/callback/", oidc_callback, name="oidc_callback"),
    path("contacts/", views.contacts, name="contacts"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<uuid:meeting_uuid>/agenda/", views.agenda_item, name="agenda_item"),
    path("meetings/<uuid:meeting_uuid>/check/", views.check, name="check"),
    path("meetings/<uuid:meeting_uuid>/ask/", views.meeting_request, name="meeting_request"),
    path("certificates/", views.certificates, name="certificates"),
    path("consents/", views.consents, name="consents"),
    path("consents/give/", views.give_consent, name="give_consent"),
    path("consents/<uuid:consent_uuid>/withdraw/", views.withdraw_consent, name="withdraw"),
    path("log/", views.access_log, name="access_log"),
    path("data/", views.my_data, name="data"),
    path("data/export/", views.export, name="export"),
    path("goal/", views.write_goal, name="goal"),
    path("activities/<uuid:activity_uuid>/view/", views.activity_view, name="activity_view"),
    path("write/", views.comment, name="comment"),
    path("plan.pdf", views.onepage, name="onepage"),
]
