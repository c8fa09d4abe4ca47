from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .oidc import OIDCCallbackView, OIDCStartView

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.security, name="security"),
    path("two-factor/verify/", views.verify, name="two_factor_verify"),
    path("two-factor/enrol/", views.enrol, name="two_factor_enrol"),
    path("two-factor/remove/", views.remove, name="two_factor_remove"),
    path("oidc/start/", OIDCStartView.as_view(), name="oidc_start"),
    path("oidc/callback/", OIDCCallbackView.as_view(), name="oidc_callback"),
    path("oidc/refused/", views.oidc_refused, name="oidc_refused"),
    path("start/", views.role_start, name="role_start"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", views.password_reset_complete, name="password_reset_complete"),
]
