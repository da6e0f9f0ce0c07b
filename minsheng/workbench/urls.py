from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.inbox, name="inbox"),
]
