from django.urls import path

from .views import display, manage, portal, public, workbench

app_name = "service_halls"

urlpatterns = [
    path("", public.points, name="points"),
    path("points/<int:point_id>/", public.point_detail, name="point"),
    path("points/<int:point_id>/take/", portal.take_ticket, name="take"),
    path("points/<int:point_id>/appointments/", portal.appointments, name="appointments"),
    path("appointments/", portal.my_appointments, name="my_appointments"),
    path("priority/", portal.priority, name="priority"),
    path("kiosk/<int:point_id>/", public.kiosk, name="kiosk"),
    path("t/<str:token>/", public.ticket_page, name="ticket"),
    path("t/<str:token>/status.json", public.ticket_status, name="ticket_status"),
    path("t/<str:token>/cancel/", portal.ticket_cancel, name="ticket_cancel"),
    path("t/<str:token>/rate/", portal.ticket_rate, name="ticket_rate"),
    path("display/<int:point_id>/", display.display, name="display"),
    path("display/<int:point_id>/feed.json", display.display_feed, name="display_feed"),
    path("display/<int:point_id>/events", display.display_stream, name="display_stream"),
    path("clerk/", workbench.clerk_home, name="clerk_home"),
    path("clerk/windows/<int:window_id>/", workbench.clerk_window, name="clerk_window"),
    path("clerk/windows/<int:window_id>/sign/", workbench.clerk_sign, name="clerk_sign"),
    path("clerk/windows/<int:window_id>/<slug:action>/", workbench.clerk_action, name="clerk_action"),
    path("stats/", workbench.stats, name="stats"),
    path("coverage/", public.coverage, name="coverage"),
    path("coverage/recommend/", workbench.recommend, name="recommend"),
    path("coverage/refresh/", workbench.coverage_refresh, name="coverage_refresh"),
    # the hall manager's workbench
    path("manage/", manage.manage_home, name="manage"),
    path("manage/points/new/", manage.point_new, name="manage_point_new"),
    path("manage/points/<int:point_id>/", manage.point_manage, name="manage_point"),
    path("manage/points/<int:point_id>/zones/", manage.zones, name="manage_zones"),
    path("manage/points/<int:point_id>/windows/", manage.windows, name="manage_windows"),
    path("manage/points/<int:point_id>/hours/", manage.hours, name="manage_hours"),
    path("manage/points/<int:point_id>/appointments/", manage.appointments, name="manage_appointments"),
    path("manage/windows/<int:window_id>/", manage.window_edit, name="manage_window"),
    path("manage/windows/<int:window_id>/sign-off/", manage.window_sign_off, name="manage_window_sign_off"),
    path("manage/business-types/", manage.business_types, name="manage_business_types"),
    path("manage/business-types/<int:business_type_id>/", manage.business_type_edit,
         name="manage_business_type"),
]
