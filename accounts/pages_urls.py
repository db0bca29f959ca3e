from django.urls import path

from accounts import pages

app_name = "pages"
urlpatterns = [
    path("terms/", pages.terms, name="terms"),
    path("privacy/", pages.privacy, name="privacy"),
    path("contact/", pages.contact, name="contact"),
]
