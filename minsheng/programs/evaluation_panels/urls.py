from django.urls import path

from . import views

app_name = "evaluation_panels"

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/<int:project_id>/", views.project_detail, name="project"),
    path("ideas/new/", views.idea_new, name="idea_new"),
    path("ideas/<int:idea_id>/support/", views.idea_support_view, name="idea_support"),
    path("votes/<int:vote_id>/", views.vote_detail, name="vote"),
    path("me/", views.my_panels, name="my_panels"),
    path("me/seats/<int:seat_id>/respond/", views.seat_respond_view, name="seat_respond"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("evaluations/<int:evaluation_id>/score/", views.score, name="score"),
    path("evaluations/<int:evaluation_id>/recipient/", views.recipient_view, name="recipient_view"),
    path("manage/evaluations/<int:evaluation_id>/", views.evaluation_manage, name="evaluation_manage"),
    path("manage/evaluations/<int:evaluation_id>/qr.svg", views.evaluation_qr, name="evaluation_qr"),
    path("unit/", views.unit_projects, name="unit_projects"),
    path("unit/projects/<int:project_id>/progress/", views.progress_new, name="progress_new"),
    path("unit/rectifications/<int:order_id>/", views.rectification_detail, name="rectification"),
    path("supervision/", views.supervision, name="supervision"),
]
