from django.urls import path

from . import views

app_name = "draws"

urlpatterns = [
    path("<slug:key>/", views.draw_detail, name="detail"),
    path("<slug:key>/candidates.txt", views.draw_candidates, name="candidates"),
    path("<slug:key>/result.txt", views.draw_result, name="result"),
]
