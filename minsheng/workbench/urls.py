from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/act/", views.case_act, name="case_act"),
]
