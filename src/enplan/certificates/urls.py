"""Included under citizens/<uuid>/certificates/ in the `citizens` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.request_list, name="certificates"),
    path("new/", views.request_new, name="certificate_new"),
    path("<uuid:certificate_uuid>/", views.request_detail, name="certificate"),
    path("<uuid:certificate_uuid>/answer/", views.request_answer, name="certificate_answer"),
    path("<uuid:certificate_uuid>/close/", views.request_close, name="certificate_close"),
]
