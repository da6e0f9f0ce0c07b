from django.urls import path

from . import views

app_name = "enterprise_startup"

urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", views.verify, name="verify"),
    path("work/", views.staff_tasks, name="staff_tasks"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
