"""The energy communities' pages (docs/energy.md, "Pages"); config/urls.py includes
them beside the other apps' pages. A community's id is its project's."""

from django.urls import path

from energy import pledge_views, views

app_name = "energy"

urlpatterns = [
    path("energy/<int:pk>/", views.community_detail, name="community"),
    path("energy/<int:pk>/run-status/", views.run_status, name="run-status"),
    path("energy/<int:pk>/simulate/", views.simulate, name="simulate"),
    path("energy/<int:pk>/pledge/", pledge_views.pledge_form, name="pledge"),
    path("energy/<int:pk>/pledge/withdraw/", pledge_views.pledge_withdraw_view,
         name="pledge-withdraw"),
    path("energy/<int:pk>/my-pledge/", pledge_views.my_pledge, name="my-pledge"),
    path("energy/<int:pk>/buildings/", pledge_views.buildings, name="buildings"),
]
