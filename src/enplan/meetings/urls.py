"""Included under citizens/<uuid>/meetings/ in the `citizens` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.meeting_list, name="meetings"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("<uuid:meeting_uuid>/", views.meeting_detail, name="meeting"),
    path("<uuid:meeting_uuid>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<uuid:meeting_uuid>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("<uuid:meeting_uuid>/agenda/", views.agenda_add, name="meeting_agenda"),
    path(
        "<uuid:meeting_uuid>/requests/<uuid:request_uuid>/answer/",
        views.request_answer,
        name="meeting_request_answer",
    ),
    path("<uuid:meeting_uuid>/agenda.pdf", views.agenda_pdf, name="meeting_agenda_pdf"),
    path("<uuid:meeting_uuid>/minutes/", views.minutes_edit, name="meeting_minutes"),
    path("<uuid:meeting_uuid>/minutes/decisions/", views.decision_add, name="meeting_decision"),
    path(
        "<uuid:meeting_uuid>/minutes/decisions/<uuid:decision_uuid>/to-plan/",
        views.decision_to_plan,
        name="meeting_decision_to_plan",
    ),
    path("<uuid:meeting_uuid>/minutes/approve/", views.minutes_approve, name="meeting_approve"),
    path("<uuid:meeting_uuid>/minutes/correct/", views.minutes_correct, name="meeting_correct"),
    path("<uuid:meeting_uuid>/minutes/send/", views.minutes_send, name="meeting_send"),
]
