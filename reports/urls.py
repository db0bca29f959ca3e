from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/<int:pk>/files/<str:kind>/", views.report_file, name="file"),
    path("reports/<int:pk>/files/budget-<int:budget_id>.pb", views.report_pabulib,
         name="pabulib"),
]
