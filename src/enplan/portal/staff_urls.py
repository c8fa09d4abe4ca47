"""The staff's side of the portal: under /citizens/<citizen>/ beside the plan."""

from django.urls import path

from . import views

app_name = "portal_staff"

urlpatterns = [
    path("<uuid:citizen_uuid>/plan/one-page/", views.staff_onepage, name="onepage"),
    path("<uuid:citizen_uuid>/citizen-notes/", views.staff_notes, name="notes"),
]
