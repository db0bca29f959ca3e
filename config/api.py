"""The REST API under /api/v1/: each app contributes its routes here."""

from django.urls import path

from accounts.api import ObtainTokenView

app_name = "api"
urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
]
