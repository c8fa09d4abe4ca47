from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [path("overdue/", views.overdue, name="overdue")]
