from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("case/<int:case_id>/", views.rate_case, name="rate_case"),
    path("stats/", views.stats, name="stats"),
]
