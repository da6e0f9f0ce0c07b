from django.urls import path

from . import views

app_name = "service_halls"

urlpatterns = [
    path("", views.points, name="points"),
    path("coverage/", views.coverage, name="coverage"),
    path("clerk/", views.clerk_home, name="clerk_home"),
    path("stats/", views.stats, name="stats"),
    path("coverage/recommend/", views.recommend, name="recommend"),
]
