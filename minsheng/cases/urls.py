from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("mine/", views.my_cases, name="mine"),
    path("mine/<int:case_id>/", views.my_case, name="mine_detail"),
    path("mine/<int:case_id>/act/", views.my_case_act, name="mine_act"),
]
