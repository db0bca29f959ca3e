from django.urls import path

from proposals import views

app_name = "proposals"
urlpatterns = [
    path("", views.home, name="home"),
]
