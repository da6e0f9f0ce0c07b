from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/progress.json", views.job_progress, name="progress"),
    path("<int:pk>/errors.<str:fmt>", views.job_errors, name="errors"),
    path("exports/<int:pk>/", views.export_job, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
