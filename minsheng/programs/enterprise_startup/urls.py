from django.urls import path

from .views import licence, portal, workbench

app_name = "enterprise_startup"

urlpatterns = [
    path("", portal.home, name="home"),
    path("name/", portal.name_page, name="name"),
    path("name/check.json", portal.name_check_json, name="name_check"),
    path("a/<int:app_id>/", portal.draft_step, {"step": "type"}, name="draft"),
    path("a/<int:app_id>/step/<slug:step>/", portal.draft_step, name="draft_step"),
    path("a/<int:app_id>/review/", portal.review, name="review"),
    path("a/<int:app_id>/confirmations/", portal.request_confirmations, name="request_confirmations"),
    path("a/<int:app_id>/submit/", portal.submit, name="submit"),
    path("a/<int:app_id>/tracker/", portal.tracker_page, name="tracker"),
    path("a/<int:app_id>/licence.pdf", licence.licence_download, name="licence_pdf"),
    path("confirm/<int:confirmation_id>/", portal.confirm_page, name="confirm"),
    path("verify/", licence.verify, name="verify"),
    path("work/", workbench.staff_tasks, name="staff_tasks"),
    path("work/tasks/<int:task_id>/", workbench.staff_task, name="staff_task"),
    path("work/a/<int:app_id>/", workbench.staff_application, name="staff_application"),
    path("dashboard/", workbench.dashboard, name="dashboard"),
]
