from django.urls import path

from voting import budget_views, views

app_name = "voting"
urlpatterns = [
    path("proposals/<int:pk>/vote/", views.vote, name="vote"),
    path("projects/<slug:slug>/results/", views.results, name="results"),
    path("projects/<slug:slug>/budget/", budget_views.ballot_page, name="budget"),
]
