from django.urls import path

from . import views, views_links

app_name = "identity"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("display/", views.display_mode_view, name="display_mode"),
    path("login/sms/", views.otp_request_view, name="otp_request"),
    path("login/sms/code/", views.otp_verify_view, name="otp_verify"),
    path("password/", views.password_set_view, name="password_set"),
    path("password/reset/", views.password_reset_view, name="password_reset"),
    path("password/reset/code/", views.password_reset_confirm_view, name="password_reset_confirm"),
    path("staff/link/", views_links.staff_link_continue_view, name="staff_link_continue"),
    path("staff/link/<str:token>/", views_links.staff_link_open_view, name="staff_link"),
    path("2fa/setup/", views.totp_setup_view, name="totp_setup"),
    path("2fa/", views.totp_verify_view, name="totp_verify"),
    path("people/<int:pk>/", views.person_detail_view, name="person_detail"),
    path("real-name/callback/", views.real_name_callback_view, name="real_name_callback"),
]
