"""What the e-mails link to without signing in: the signed unsubscribe link."""

from django.urls import path

from notifications import unsubscribe_views

urlpatterns = [
    path("unsubscribe/<str:token>/", unsubscribe_views.unsubscribe, name="unsubscribe"),
]
