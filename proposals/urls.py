from django.urls import path

from proposals import comment_views, search_views, views

app_name = "proposals"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", search_views.search_page, name="search"),
    path("projects/<slug:slug>/", views.project_detail, name="project"),
    path("projects/<slug:slug>/list/", views.project_list_part, name="project-list"),
    path("projects/<slug:slug>/propose/", views.propose, name="propose"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("proposals/<int:pk>/flag/", views.proposal_flag, name="flag"),
    path("proposals/<int:pk>/hide/", views.proposal_hide, name="hide"),
    path("proposals/<int:pk>/restore/", views.proposal_restore, name="restore"),
    path("proposals/<int:pk>/status/", views.proposal_status, name="status"),
    path("proposals/<int:pk>/comments/", comment_views.comment_post, name="comment-post"),
    path("comments/<int:pk>/", comment_views.comment_link, name="comment"),
    path("comments/<int:pk>/edit/", comment_views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/delete/", comment_views.comment_delete, name="comment-delete"),
    path("comments/<int:pk>/flag/", comment_views.comment_flag, name="comment-flag"),
    path("comments/<int:pk>/hide/", comment_views.comment_hide, name="comment-hide"),
    path("comments/<int:pk>/restore/", comment_views.comment_restore,
         name="comment-restore"),
]
