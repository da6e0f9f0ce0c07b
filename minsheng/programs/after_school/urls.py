from django.urls import path

from . import views

app_name = "after_school"

urlpatterns = [
    path("", views.home, name="home"),
    path("teacher/", views.teacher_today, name="teacher_today"),
    path("manage/", views.manage, name="manage"),
    path("supervision/", views.supervision, name="supervision"),
]
