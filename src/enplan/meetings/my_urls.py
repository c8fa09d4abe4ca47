"""The professional's own meetings page, under /meetings/."""

from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [path("", views.my_meetings, name="mine")]
