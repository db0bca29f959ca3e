from django.urls import path, re_path

from accounts import entrance_views, privacy_views, views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("claims/new/", views.claim_create, name="claim-create"),
    path("claims/<int:pk>/withdraw/", views.claim_withdraw, name="claim-withdraw"),
    path("claims/<int:pk>/evidence/", views.claim_evidence, name="claim-evidence"),
    path("privacy/export/", privacy_views.data_export, name="data-export"),
    path("privacy/erase/", privacy_views.account_erase, name="account-erase"),
    # allauth's confirmation link, answered here first (config/urls.py includes these
    # URLs before allauth's): confirmed in another browser, it leads on to the log-in.
    re_path(r"^confirm-email/(?P<key>[-:\w]+)/$", entrance_views.EmailConfirmView.as_view(),
            name="account_confirm_email"),
]
