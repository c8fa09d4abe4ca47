"""Organisation-wide message pages (the citizen's own message pages are under citizens/)."""

from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("notifications/", views.notification_settings, name="notifications"),
    path("<uuid:thread_uuid>/", views.open_thread, name="open"),
]
