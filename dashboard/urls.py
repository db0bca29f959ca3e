from django.urls import path

from dashboard import imports, views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("imports/", imports.imports_list, name="imports"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/runs/<int:pk>/", imports.import_run, name="import-run"),
    path("imports/runs/<int:pk>/retry/", imports.import_retry, name="import-retry"),
    path("imports/layers/<int:pk>/publish/", imports.layer_publish_view,
         name="layer-publish"),
]
