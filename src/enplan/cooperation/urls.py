from django.urls import path

from . import views

app_name = "cooperation"
urlpatterns = [
    path("", views.agreement_list, name="agreements"),
    path("new/", views.agreement_new, name="agreement_new"),
    path("<uuid:agreement_uuid>/", views.agreement_detail, name="agreement"),
    path("directory/", views.directory_search, name="directory"),
    path("directory/verify/", views.directory_verify, name="directory_verify"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_new, name="offer_new"),
    path("callbacks/", views.callback_list, name="callbacks"),
    path("callbacks/new/", views.callback_new, name="callback_new"),
    path("callbacks/done/", views.callback_done, name="callback_done"),
    path("<uuid:agreement_uuid>/agreement.pdf", views.agreement_pdf, name="agreement_pdf"),
]
