from django.urls import path

from . import hall_views, sse, views

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
    # the hall manager's workbench
    path("manage/", hall_views.manage_home, name="manage"),
    path("manage/points/new/", hall_views.point_new, name="manage_point_new"),
    path("manage/points/<int:point_id>/", hall_views.point_manage, name="manage_point"),
    path("manage/points/<int:point_id>/zones/", hall_views.zones, name="manage_zones"),
    path("manage/points/<int:point_id>/windows/", hall_views.windows, name="manage_windows"),
    path("manage/points/<int:point_id>/hours/", hall_views.hours, name="manage_hours"),
    path("manage/points/<int:point_id>/appointments/", hall_views.appointments, name="manage_appointments"),
    path("manage/windows/<int:window_id>/", hall_views.window_edit, name="manage_window"),
    path("manage/windows/<int:window_id>/sign-off/", hall_views.window_sign_off, name="manage_window_sign_off"),
    path("manage/business-types/", hall_views.business_types, name="manage_business_types"),
    path("manage/business-types/<int:business_type_id>/", hall_views.business_type_edit,
         name="manage_business_type"),
]
