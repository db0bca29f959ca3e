"""Following, the bell's inbox and the notification settings (follow_views)."""

from django.urls import path

from notifications import follow_views as views

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.notifications_read_all, name="read-all"),
    path("notifications/settings/", views.notification_settings, name="settings"),
    path("notifications/<int:pk>/", views.notification_open, name="open"),
    path("follows/", views.follows, name="follows"),
    path("follows/area/new/", views.follow_area, name="follow-area"),
    path("follows/<int:pk>/stop/", views.follow_stop, name="follow-stop"),
    path("proposals/<int:pk>/follow/", views.proposal_follow, name="proposal-follow"),
    path("proposals/<int:pk>/unfollow/", views.proposal_unfollow, name="proposal-unfollow"),
    path("projects/<slug:slug>/follow/", views.project_follow, name="project-follow"),
    path("projects/<slug:slug>/unfollow/", views.project_unfollow, name="project-unfollow"),
]
