from django.urls import path

from voting import views

app_name = "voting"
urlpatterns = [
    path("proposals/<int:pk>/vote/", views.vote, name="vote"),
    path("projects/<slug:slug>/results/", views.results, name="results"),
]
