from django.urls import path

from . import pages, views

app_name = "elderly_care"

urlpatterns = [
    path("", views.apply, name="apply"),
    path("caregiver/", views.caregiver_today, name="caregiver_today"),
    path("caregiver/visits/<int:order_id>/", views.visit, name="visit"),
    path("elders/", views.elders, name="elders"),
    path("orders/", views.orders, name="orders"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("statements/", views.statements, name="statements"),
    path("statements/<int:statement_id>/", views.statement_detail, name="statement"),
    path("statements/<int:statement_id>/act/", views.statement_act, name="statement_act"),
    path("alarms/", views.alarms, name="alarms"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("applications/", pages.applications, name="applications"),
    path("applications/<int:application_id>/", pages.application_detail, name="application"),
    path("followups/", pages.followups, name="followups"),
    path("rectifications/", pages.rectifications, name="rectifications"),
    path("meals/", pages.meal_counter, name="meals"),
    path("retrofits/", pages.retrofits, name="retrofits"),
    path("retrofits/<int:file_id>/", pages.retrofit_detail, name="retrofit"),
    path("rules/", pages.rules, name="rules"),
    path("rules/new/", pages.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", pages.rule_edit, name="rule_edit"),
    path("elders/<int:elder_id>/assess/", pages.assess, name="assess"),
]
