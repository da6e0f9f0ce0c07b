from django.urls import path

from . import views

app_name = "enterprise_startup"

urlpatterns = [
    path("", views.home, name="home"),
    path("name/", views.name_page, name="name"),
    path("name/check.json", views.name_check_json, name="name_check"),
    path("a/<int:app_id>/", views.draft_step, {"step": "type"}, name="draft"),
    path("a/<int:app_id>/step/<slug:step>/", views.draft_step, name="draft_step"),
    path("a/<int:app_id>/review/", views.review, name="review"),
    path("a/<int:app_id>/confirmations/", views.request_confirmations, name="request_confirmations"),
    path("a/<int:app_id>/submit/", views.submit, name="submit"),
    path("a/<int:app_id>/tracker/", views.tracker_page, name="tracker"),
    path("a/<int:app_id>/licence.pdf", views.licence_download, name="licence_pdf"),
    path("confirm/<int:confirmation_id>/", views.confirm_page, name="confirm"),
    path("verify/", views.verify, name="verify"),
    path("work/", views.staff_tasks, name="staff_tasks"),
    path("work/tasks/<int:task_id>/", views.staff_task, name="staff_task"),
    path("work/a/<int:app_id>/", views.staff_application, name="staff_application"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
