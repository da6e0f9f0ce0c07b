from django.urls import path

from .views import audit, organisations, staff, tasks

app_name = "workbench"

urlpatterns = [
    path("", tasks.inbox, name="inbox"),
    path("tasks/<int:task_id>/", tasks.task_detail, name="task"),
    path("tasks/<int:task_id>/claim/", tasks.task_claim, name="task_claim"),
    path("tasks/<int:task_id>/complete/", tasks.task_complete, name="task_complete"),
    path("cases/<int:case_id>/", tasks.case_detail, name="case"),
    path("cases/<int:case_id>/act/", tasks.case_act, name="case_act"),
    path("audit/", audit.search, name="audit"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/<int:organisation_id>/", organisations.organisation_detail, name="organisation"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/<int:user_id>/", staff.staff_member, name="staff_member"),
    path("staff/<int:user_id>/roles/<int:assignment_id>/take/", staff.staff_role_take, name="staff_role_take"),
    path("staff/<int:user_id>/link/", staff.staff_link_send, name="staff_link_send"),
    path("staff/<int:user_id>/remove/", staff.staff_member_remove, name="staff_remove"),
]
