from django.urls import path

from . import views

app_name = "elderly_care"

urlpatterns = [
    path("", views.apply, name="apply"),
    path("caregiver/", views.caregiver_today, name="caregiver_today"),
    path("elders/", views.elders, name="elders"),
    path("orders/", views.orders, name="orders"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("statements/", views.statements, name="statements"),
    path("alarms/", views.alarms, name="alarms"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
