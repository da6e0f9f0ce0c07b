from django.urls import path

from .views import manage, portal, setup, workbench

app_name = "after_school"

urlpatterns = [
    path("", portal.home, name="home"),
    path("apply/", portal.apply, name="apply"),
    path("applications/<int:application_id>/withdraw/", portal.withdraw, name="withdraw"),
    path("applications/<int:application_id>/respond/", portal.respond, name="respond"),
    path("applications/<int:application_id>/rate/", portal.rate, name="rate"),
    path("teacher/", workbench.teacher_today, name="teacher_today"),
    path("teacher/sessions/<int:session_id>/", workbench.teacher_session, name="teacher_session"),
    path("teacher/sessions/<int:session_id>/mark/", workbench.teacher_mark, name="teacher_mark"),
    path("teacher/sessions/<int:session_id>/pickup/", workbench.teacher_pickup, name="teacher_pickup"),
    path("manage/", manage.manage, name="manage"),
    path("manage/offerings/<int:offering_id>/", manage.offering_edit, name="offering_edit"),
    path("manage/offerings/<int:offering_id>/teachers/", manage.offering_teachers, name="offering_teachers"),
    path("manage/terms/", setup.terms, name="terms"),
    path("manage/terms/<int:term_id>/", setup.term_detail, name="term"),
    path("manage/windows/<int:window_id>/", setup.window_detail, name="window"),
    path("manage/waivers/", setup.waivers, name="waivers"),
    path("manage/waivers/rules/<int:rule_id>/delete/", setup.waiver_rule_delete, name="waiver_rule_delete"),
    path("manage/waivers/students/<int:enrolment_id>/", setup.waiver_student, name="waiver_student"),
    path("supervision/", workbench.supervision, name="supervision"),
]
