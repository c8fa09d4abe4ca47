from django.urls import include, path
from django.utils.module_loading import autodiscover_modules

from enplan.accounts.admin_site import site as admin_site
from enplan.accounts.views import home
from enplan.api.fhir import fhir_api
from enplan.api.rest import api

autodiscover_modules("admin")  # each app's admin.py registers on enplan's own admin site

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("enplan.accounts.urls")),
    path("admin/", admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("citizens/", include("enplan.caseload.urls")),
    path("messages/", include("enplan.messaging.urls")),
    path("meetings/", include("enplan.meetings.my_urls")),
    path("certificates/", include("enplan.certificates.my_urls")),
    path("cooperation/", include("enplan.cooperation.urls")),
    path("insights/", include("enplan.insights.urls")),
    path("portal/", include("enplan.portal.urls")),
    path("citizens/", include("enplan.portal.staff_urls")),
    path("api/v1/", api.urls),
    path("fhir/r4/", fhir_api.urls),
    path("", include("enplan.ops.urls")),  # healthz, readyz, metrics
]
