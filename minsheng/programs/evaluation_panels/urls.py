from django.urls import path

from .views import cycle_run, manage, pool, portal, public, setup, workbench

app_name = "evaluation_panels"

urlpatterns = [
    path("", public.home, name="home"),
    path("projects/<int:project_id>/", public.project_detail, name="project"),
    path("ideas/new/", portal.idea_new, name="idea_new"),
    path("ideas/<int:idea_id>/support/", portal.idea_support_view, name="idea_support"),
    path("votes/<int:vote_id>/", portal.vote_detail, name="vote"),
    path("me/", portal.my_panels, name="my_panels"),
    path("me/volunteer/", portal.volunteer_join, name="volunteer_join"),
    path("me/seats/<int:seat_id>/respond/", portal.seat_respond_view, name="seat_respond"),
    path("checkin/<str:token>/", portal.checkin, name="checkin"),
    path("evaluations/<int:evaluation_id>/score/", portal.score, name="score"),
    path("evaluations/<int:evaluation_id>/recipient/", portal.recipient_view, name="recipient_view"),
    path("manage/evaluations/<int:evaluation_id>/", workbench.evaluation_manage, name="evaluation_manage"),
    path("manage/evaluations/<int:evaluation_id>/qr.svg", workbench.evaluation_qr, name="evaluation_qr"),
    path("manage/evaluations/", pool.evaluations, name="manage_evaluations"),
    path("manage/cycles/", setup.cycles, name="manage_cycles"),
    path("manage/cycles/<int:cycle_id>/", setup.cycle_detail, name="manage_cycle"),
    path("manage/cycles/<int:cycle_id>/ideas/", cycle_run.ideas, name="manage_ideas"),
    path("manage/cycles/<int:cycle_id>/vote/", cycle_run.vote, name="manage_vote"),
    path("manage/cycles/<int:cycle_id>/candidates/<int:candidate_id>/", setup.candidate_edit, name="manage_candidate"),
    path("manage/projects/", manage.projects, name="manage_projects"),
    path("manage/projects/<int:project_id>/", setup.project_edit, name="manage_project"),
    path("manage/projects/<int:project_id>/milestones/", manage.milestones, name="manage_milestones"),
    path("manage/projects/<int:project_id>/milestones/<int:milestone_id>/", setup.milestone_edit,
         name="manage_milestone"),
    path("manage/volunteers/", pool.volunteers, name="manage_volunteers"),
    path("manage/volunteers/<int:volunteer_id>/", pool.volunteer_detail, name="manage_volunteer"),
    path("manage/rectifications/", pool.rectifications, name="manage_rectifications"),
    path("unit/", workbench.unit_projects, name="unit_projects"),
    path("unit/projects/<int:project_id>/progress/", workbench.progress_new, name="progress_new"),
    path("unit/rectifications/<int:order_id>/", workbench.rectification_detail, name="rectification"),
    path("supervision/", workbench.supervision, name="supervision"),
]
