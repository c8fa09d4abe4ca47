"""Included under citizens/<uuid>/plan/ in the `citizens` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.plan_page, name="plan"),
    path("history/", views.history, name="plan_history"),
    path("compare/", views.compare_view, name="plan_compare"),
    path("areas/", views.edit_view("plan_areas"), name="plan_areas"),
    path("followup/", views.edit_view("plan_followup"), name="plan_followup"),
    path("goals/new/", views.edit_view("goal_new"), name="goal_new"),
    path("goals/<uuid:obj_uuid>/", views.edit_view("goal_edit"), name="goal_edit"),
    path("goals/<uuid:obj_uuid>/delete/", views.edit_view("goal_delete"), name="goal_delete"),
    path("activities/new/", views.edit_view("activity_new"), name="activity_new"),
    path("activities/<uuid:obj_uuid>/", views.edit_view("activity_edit"), name="activity_edit"),
    path(
        "activities/<uuid:obj_uuid>/delete/",
        views.edit_view("activity_delete"),
        name="activity_delete",
    ),
    path("tracks/<uuid:obj_uuid>/", views.edit_view("track_edit"), name="track_edit"),
]
