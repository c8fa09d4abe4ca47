from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.start, name="start"),
    path("movements/", views.movements_page, name="movements"),
    path("export/<slug:key>.csv", views.export, name="export"),
    path("survey/", views.rounds, name="rounds"),
    path("survey/new/", views.round_new, name="round_new"),
    path("survey/<uuid:round_uuid>/", views.round_detail, name="round"),
    path("survey/<uuid:round_uuid>/ties.csv", views.round_csv, name="round_csv"),
    path("survey/<uuid:round_uuid>/close/", views.round_close, name="round_close"),
    path("survey/<uuid:round_uuid>/answer/", views.round_answer, name="round_answer"),
]
