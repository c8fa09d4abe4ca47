"""The professional's own meetings page, under /meetings/."""

from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.my_meetings, name="mine"),
    path("summary/", views.my_meetings_summary, name="mine_summary"),
    path("cooperation/new/", views.cooperation_new, name="cooperation_new"),
    path(
        "cooperation/<uuid:cooperation_uuid>/held/",
        views.cooperation_held,
        name="cooperation_held",
    ),
]
