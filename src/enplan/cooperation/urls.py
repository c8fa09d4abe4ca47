from django.urls import path

from . import views

app_name = "cooperation"
urlpatterns = [
    path("", views.agreement_list, name="agreements"),
    path("new/", views.agreement_new, name="agreement_new"),
    path("<uuid:agreement_uuid>/", views.agreement_detail, name="agreement"),
    path("<uuid:agreement_uuid>/agreement.pdf", views.agreement_pdf, name="agreement_pdf"),
]
