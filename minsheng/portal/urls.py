from django.urls import path

from .views import account, cases, mine

app_name = "portal"

urlpatterns = [
    path("", account.home, name="home"),
    path("me/", account.profile, name="profile"),
    path("mine/", mine.mine, name="mine"),
    path("cases/mine/", cases.my_cases, name="my_cases"),
    path("cases/mine/<int:case_id>/", cases.my_case, name="my_case"),
    path("cases/mine/<int:case_id>/act/", cases.my_case_act, name="my_case_act"),
]
