"""The notifications app's pages: following and the bell (follow_urls), and what the
e-mails link to (delivery_urls: the unsubscribe link that works without signing in)."""

from django.urls import include, path

app_name = "notifications"
urlpatterns = [
    path("", include("notifications.follow_urls")),
    path("", include("notifications.delivery_urls")),
]
