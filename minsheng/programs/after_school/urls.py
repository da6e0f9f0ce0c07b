from django.urls import path

from . import views

app_name = "after_school"

urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("applications/<int:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/<int:application_id>/respond/", views.respond, name="respond"),
    path("applications/<int:application_id>/rate/", views.rate, name="rate"),
    path("teacher/", views.teacher_today, name="teacher_today"),
    path("teacher/sessions/<int:session_id>/", views.teacher_session, name="teacher_session"),
    path("teacher/sessions/<int:session_id>/mark/", views.teacher_mark, name="teacher_mark"),
    path("teacher/sessions/<int:session_id>/pickup/", views.teacher_pickup, name="teacher_pickup"),
    path("manage/", views.manage, name="manage"),
    path("supervision/", views.supervision, name="supervision"),
]
