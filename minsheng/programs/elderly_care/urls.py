from django.urls import path

from . import views

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
]
