from django.urls import path

from accounts import privacy_views, views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("claims/new/", views.claim_create, name="claim-create"),
    path("claims/<int:pk>/withdraw/", views.claim_withdraw, name="claim-withdraw"),
    path("claims/<int:pk>/evidence/", views.claim_evidence, name="claim-evidence"),
    path("privacy/export/", privacy_views.data_export, name="data-export"),
    path("privacy/erase/", privacy_views.account_erase, name="account-erase"),
]
