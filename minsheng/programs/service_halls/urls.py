from django.urls import path

from . import sse, views

app_name = "service_halls"

urlpatterns = [
    path("", views.points, name="points"),
    path("points/<int:point_id>/", views.point_detail, name="point"),
    path("points/<int:point_id>/take/", views.take_ticket, name="take"),
    path("points/<int:point_id>/appointments/", views.appointments, name="appointments"),
    path("appointments/", views.my_appointments, name="my_appointments"),
    path("kiosk/<int:point_id>/", views.kiosk, name="kiosk"),
    path("t/<str:token>/", views.ticket_page, name="ticket"),
    path("t/<str:token>/status.json", views.ticket_status, name="ticket_status"),
    path("t/<str:token>/cancel/", views.ticket_cancel, name="ticket_cancel"),
    path("t/<str:token>/rate/", views.ticket_rate, name="ticket_rate"),
    path("display/<int:point_id>/", views.display, name="display"),
    path("display/<int:point_id>/feed.json", views.display_feed, name="display_feed"),
    path("display/<int:point_id>/events", sse.display_stream, name="display_stream"),
    path("clerk/", views.clerk_home, name="clerk_home"),
    path("clerk/windows/<int:window_id>/", views.clerk_window, name="clerk_window"),
    path("clerk/windows/<int:window_id>/sign/", views.clerk_sign, name="clerk_sign"),
    path("clerk/windows/<int:window_id>/<slug:action>/", views.clerk_action, name="clerk_action"),
    path("stats/", views.stats, name="stats"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/recommend/", views.recommend, name="recommend"),
    path("coverage/refresh/", views.coverage_refresh, name="coverage_refresh"),
]
